"""Checking candidates on Wikidata's SPARQL endpoint, and scoring them (0–1) with reasons.

For every candidate item, three queries (all candidates at once) read what Wikidata says:

- ``candidate-types``: its classes (P31) and which expected kind each falls under (P279*);
- ``labels``: its labels and aliases in en, uz, ru, kk;
- ``candidate-facts``: country (P17), located in (P131), citizenship (P27), position held
  (P39, with start P580 and end P582), member of (P463), applies to jurisdiction (P1001),
  dates of birth (P569) and death (P570); and for organisations which linked states are
  members of it (P463 pointing at it).

Then :func:`~kgraph.wikidata.scoring.score` weighs that against the entity, and
:func:`propose` puts it together: search, check, score, best first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .client import WikidataClient
from .scoring import EXPECTED_TYPES, ItemFacts, score
from .search import LANGUAGES, Candidate, Entity, search_candidates

FACT_PROPERTIES = ("P17", "P131", "P27", "P39", "P463", "P1001", "P569", "P570")

WD = "http://www.wikidata.org/entity/"


def _values(qids: Iterable[str]) -> str:
    return " ".join(f"wd:{q}" for q in sorted(set(qids)))


_PROLOGUE = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def types_query(qids: Iterable[str]) -> str:
    expected = {q for kinds in EXPECTED_TYPES.values() for q in kinds}
    return f"""# kgraph: candidate-types
{_PROLOGUE}SELECT ?item ?class ?classLabel ?type WHERE {{
  VALUES ?item {{ {_values(qids)} }}
  ?item wdt:P31 ?class .
  OPTIONAL {{ ?class rdfs:label ?classLabel . FILTER (LANG(?classLabel) = "en") }}
  OPTIONAL {{ VALUES ?type {{ {_values(expected)} }} ?class wdt:P279* ?type . }}
}}"""


def labels_query(qids: Iterable[str], languages: Iterable[str] = LANGUAGES) -> str:
    langs = ", ".join(f'"{lang}"' for lang in languages)
    return f"""# kgraph: labels
{_PROLOGUE}SELECT ?item ?kind ?label WHERE {{
  VALUES ?item {{ {_values(qids)} }}
  VALUES ?kind {{ rdfs:label skos:altLabel }}
  ?item ?kind ?label .
  FILTER (LANG(?label) IN ({langs}))
}}"""


def facts_query(qids: Iterable[str]) -> str:
    props = " ".join(f'("{p}" p:{p} ps:{p})' for p in FACT_PROPERTIES)
    return f"""# kgraph: candidate-facts
{_PROLOGUE}SELECT ?item ?prop ?value ?start ?end WHERE {{
  VALUES ?item {{ {_values(qids)} }}
  VALUES (?prop ?p ?ps) {{ {props} }}
  ?item ?p ?statement . ?statement ?ps ?value .
  ?statement wikibase:rank ?rank . FILTER (?rank != wikibase:DeprecatedRank)
  OPTIONAL {{ ?statement pq:P580 ?start }}
  OPTIONAL {{ ?statement pq:P582 ?end }}
}}"""


def members_query(qids: Iterable[str], states: Iterable[str]) -> str:
    return f"""# kgraph: members
{_PROLOGUE}SELECT ?item ?member WHERE {{
  VALUES ?item {{ {_values(qids)} }}
  VALUES ?member {{ {_values(states)} }}
  ?member wdt:P463 ?item .
}}"""


def _qid(binding: dict | None) -> str | None:
    if not binding:
        return None
    value = binding["value"]
    return value[len(WD):] if binding.get("type") == "uri" and value.startswith(WD) else value


def check_items(client: WikidataClient, qids: Iterable[str], *, member_states: Iterable[str] = (),
                languages: Iterable[str] = LANGUAGES) -> dict[str, ItemFacts]:
    """What Wikidata says of each item: classes, labels, aliases, facts (three or four queries)."""
    qids = sorted(set(qids))
    facts = {q: ItemFacts(q) for q in qids}
    if not qids:
        return facts
    for row in client.sparql(types_query(qids)):
        item = facts.get(_qid(row.get("item")))
        if item is None:
            continue
        cls = _qid(row.get("class"))
        item.classes.setdefault(cls, row.get("classLabel", {}).get("value", ""))
        if row.get("type"):
            item.kinds[cls].add(_qid(row["type"]))
    for row in client.sparql(labels_query(qids, languages)):
        item = facts.get(_qid(row.get("item")))
        if item is None:
            continue
        label = row["label"]
        lang = label.get("xml:lang", "").lower()
        target = item.labels if row["kind"]["value"].endswith("#label") else item.aliases
        if label["value"] not in target[lang]:
            target[lang].append(label["value"])
    for row in client.sparql(facts_query(qids)):
        item = facts.get(_qid(row.get("item")))
        if item is None:
            continue
        start = row.get("start", {}).get("value")
        end = row.get("end", {}).get("value")
        item.statements.append((row["prop"]["value"], _qid(row["value"]), start, end))
    states = sorted(set(member_states))
    if states:
        for row in client.sparql(members_query(qids, states)):
            item = facts.get(_qid(row.get("item")))
            if item is not None:
                item.members.add(_qid(row["member"]))
    return facts


@dataclass
class Proposal:
    """An entity and its candidates, best first."""

    entity: Entity
    candidates: list[Candidate]

    def above(self, threshold: float) -> list[Candidate]:
        return [c for c in self.candidates if c.score >= threshold]


def propose(client: WikidataClient, entities: list[Entity], *, extra: dict[str, list[str]] | None = None,
            min_score: float = 0.0, limit: int = 7) -> list[Proposal]:
    """Search, check and score candidates for each entity; ``extra``: IRI → QIDs to check too."""
    found = {e.iri: search_candidates(client, e, limit=limit) for e in entities}
    for iri, qids in (extra or {}).items():
        for qid in qids:
            found.setdefault(iri, {}).setdefault(qid, Candidate(qid))
    all_qids = {q for cands in found.values() for q in cands}
    states = {q for e in entities if e.kind == "organisation" for q in e.member_qids}
    facts = check_items(client, all_qids, member_states=states)
    proposals = []
    for entity in entities:
        scored = [score(entity, c, facts[c.qid]) for c in found.get(entity.iri, {}).values()]
        scored = [c for c in scored if c.score >= min_score or c.qid in (extra or {}).get(entity.iri, [])]
        scored.sort(key=lambda c: (-c.score, c.best_rank or 99, int(c.qid[1:])))
        proposals.append(Proposal(entity, scored))
    return proposals
