"""``kgraph link`` as a library: propose candidates, and accept the ones a person chose.

Nothing below the score threshold is written without a person's review: :func:`accept`
refuses it, and only the interactive review (the CLI's ``--review``, which asks about each
candidate and asks again for one below the threshold) may pass ``reviewed=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..namespaces import KGR
from ..store import Store
from .client import WikidataClient
from .links import QID, AcceptedLink, LinkError, write_links
from .reconcile import Proposal, propose
from .search import Candidate, Entity, linked_entities, short, unlinked_entities

WIKIDATA_FILE = "wikidata.ttl"


def entity_iri(text: str) -> str:
    """``kgr:aktau``, ``aktau`` or the full IRI → the full IRI."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if text.startswith(("http://", "https://")):
        return text
    return str(KGR) + text.removeprefix("kgr:")


def parse_pair(text: str) -> tuple[str, str]:
    """``ENTITY=QID`` → (entity IRI, QID)."""
    entity, sep, qid = text.partition("=")
    qid = qid.strip().rsplit("/", 1)[-1].upper()
    if not sep or not entity.strip() or not QID.fullmatch(qid):
        raise LinkError(f"--accept {text!r}: give ENTITY=QID, e.g. --accept kgr:aktau=Q198989.")
    return entity_iri(entity), qid


def find_proposals(store: Store, client: WikidataClient, *, only: set[str] | None = None,
                   extra: dict[str, list[str]] | None = None, min_score: float = 0.0) -> list[Proposal]:
    """Proposals for the unlinked entities (``only``: these IRIs), best candidates first."""
    if only:
        linked = linked_entities(store)
        for iri in sorted(only):
            if iri in linked:
                raise LinkError(f"{iri} is already linked to {linked[iri]}; change a verified link by hand.")
    entities = unlinked_entities(store, only)
    if only:
        unknown = sorted(only - {e.iri for e in entities})
        if unknown:
            raise LinkError(f"not a named entity of the graph: {', '.join(unknown)} (states, people, "
                            "organisations, settlements, regions, crossings, railway lines, posts).")
    return propose(client, entities, extra=extra, min_score=min_score)


@dataclass
class Decision:
    """A candidate chosen for an entity, and how."""

    proposal: Proposal
    candidate: Candidate
    how: str  # "--accept" or "interactive review"


def to_link(decision: Decision, client: WikidataClient, threshold: float, today: date) -> AcceptedLink:
    """The record of an accepted candidate: method and evidence as the review saw them."""
    entity: Entity = decision.proposal.entity
    candidate = decision.candidate
    method = (f"Proposed by `kgraph link`: Wikidata searched (wbsearchentities) by label and alternative "
              f"label in en, uz, ru, kk; candidate checked on the SPARQL endpoint (type through P31/P279*, "
              f"facts against the graph); score {candidate.score:.2f} of 1 (threshold {threshold:.2f}). "
              f"Accepted by a person ({decision.how}).")
    evidence = [f"{hit.url}: {candidate.qid} “{candidate.label}” (hit {hit.rank}, {hit.match_type} match)"
                for hit in candidate.hits[:3]]
    evidence += [f"{client.sparql_url} ({today.isoformat()}): {ev.text} [{ev.weight:+.2f}]"
                 for ev in candidate.evidence if ev.kind != "search"]
    return AcceptedLink(entity.iri, candidate.qid, entity.name, method, evidence)


def accept(store: Store, client: WikidataClient, pairs: list[tuple[str, str]], data_dir: Path, *,
           threshold: float, today: date | None = None) -> list[AcceptedLink]:
    """Write the links ``pairs`` (entity IRI, QID) into ``data_dir/wikidata.ttl``, all or none.

    Each pair is checked and scored as a proposal would be; one scoring below ``threshold``
    stops the whole write (:class:`LinkError`): review it interactively instead.
    """
    today = today or date.today()
    wanted = dict(pairs)
    if len(wanted) != len(pairs):
        raise LinkError("each entity can be accepted once; give each ENTITY=QID once.")
    proposals = find_proposals(store, client, only=set(wanted), extra={e: [q] for e, q in wanted.items()})
    decisions = []
    for proposal in proposals:
        qid = wanted[proposal.entity.iri]
        candidate = next(c for c in proposal.candidates if c.qid == qid)
        if candidate.score < threshold:
            reasons = "; ".join(f"{ev.text} [{ev.weight:+.2f}]" for ev in candidate.evidence)
            raise LinkError(f"{proposal.entity.short}={qid} scores {candidate.score:.2f}, below the threshold "
                            f"{threshold:.2f} ({reasons}). Nothing was written. Review it with "
                            "`kgraph link --review` (which asks before writing it), or lower --threshold "
                            "only if you have checked the item yourself.")
        decisions.append(Decision(proposal, candidate, "--accept on the command line"))
    links = [to_link(d, client, threshold, today) for d in decisions]
    write_links(Path(data_dir) / WIKIDATA_FILE, links, today=today)
    return links


def write_reviewed(decisions: list[Decision], client: WikidataClient, data_dir: Path, *, threshold: float,
                   today: date | None = None) -> list[AcceptedLink]:
    """Write links a person chose in an interactive review (any score: they were asked)."""
    today = today or date.today()
    links = [to_link(d, client, threshold, today) for d in decisions]
    if links:
        write_links(Path(data_dir) / WIKIDATA_FILE, links, today=today)
    return links


def proposals_as_dict(proposals: list[Proposal], threshold: float) -> list[dict]:
    """Proposals as JSON-ready data (``kgraph link --json``)."""
    out = []
    for p in proposals:
        out.append({
            "entity": p.entity.iri,
            "kind": p.entity.kind,
            "name": p.entity.name,
            "candidates": [{
                "qid": c.qid,
                "label": c.label,
                "description": c.description,
                "score": c.score,
                "above_threshold": c.score >= threshold,
                "evidence": [ev.as_dict() for ev in c.evidence],
            } for c in p.candidates],
        })
    return out


__all__ = ["Decision", "accept", "entity_iri", "find_proposals", "parse_pair",
           "proposals_as_dict", "short", "to_link", "write_reviewed"]
