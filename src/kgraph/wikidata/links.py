"""Writing accepted Wikidata links into ``data/wikidata.ttl``: atomically, and only valid Turtle.

An accepted link adds, in the pattern of the file's hand-written records::

    kgr:aktau kg:wikidataItem wd:Q198989 .
    kgr:wikidata-link-aktau a kg:WikidataLink ;
        rdfs:label "Wikidata link: Aktau = Q198989"@en ;
        kg:linkSubject kgr:aktau ;
        kg:linkTarget wd:Q198989 ;
        kg:linkMethod "…"@en ;
        kg:evidence "…" , "…" ;
        dcterms:date "2026-11-24"^^xsd:date .

The new text is the old text (comments and layout kept) with the records appended; it is
parsed before it is written, must hold every old triple and every new one, and replaces
the file in one rename. Anything else leaves the file as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..errors import KgraphError
from ..export import atomic_write
from ..namespaces import KG, KGR, WD

QID = re.compile(r"Q[1-9][0-9]*")
_PN_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.)")
_PREFIX_DECL = re.compile(r"^\s*(?:@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*\.|PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>)",
                          re.IGNORECASE | re.MULTILINE)
_NEEDED = {"kg": str(KG._NS), "kgr": str(KGR), "wd": str(WD), "rdfs": str(RDFS),
           "dcterms": str(DCTERMS), "xsd": str(XSD)}

HEADER = """# Wikidata links: kgr: entities matched to Wikidata items, and how each match was made.
# Records below the hand-written ones are written by `kgraph link --accept`.
"""


class LinkError(KgraphError):
    """A link that cannot be written as asked."""


@dataclass
class AcceptedLink:
    """A link a person accepted, with the record's method and evidence."""

    entity: str  # IRI
    qid: str
    name: str  # the entity's English label, for the record's label
    method: str
    evidence: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not QID.fullmatch(self.qid):
            raise LinkError(f"{self.qid!r} is not a Wikidata item id (Q followed by digits, e.g. Q265).")


def _declared(text: str) -> dict[str, str]:
    found = {}
    for match in _PREFIX_DECL.finditer(text):
        name = match.group(1) if match.group(2) is not None else match.group(3)
        iri = match.group(2) if match.group(2) is not None else match.group(4)
        found[name or ""] = iri
    return found


def _term(iri: str, prefixes: dict[str, str]) -> str:
    for name, ns in prefixes.items():
        if name and iri.startswith(ns) and _PN_LOCAL.fullmatch(iri[len(ns):]):
            return f"{name}:{iri[len(ns):]}"
    return URIRef(iri).n3()


def _record_iri(entity: str, existing: Graph) -> str:
    slug = entity[len(str(KGR)):] if entity.startswith(str(KGR)) else re.sub(r"[^a-z0-9]+", "-", entity.lower()).strip("-")
    base = str(KGR) + "wikidata-link-" + slug
    iri, n = base, 2
    while (URIRef(iri), None, None) in existing:
        iri, n = f"{base}-{n}", n + 1
    return iri


def render(links: list[AcceptedLink], existing: Graph, prefixes: dict[str, str], today: date) -> str:
    """The Turtle text of the records (one block per link)."""
    blocks = []
    taken = Graph()
    taken += existing
    for link in links:
        record = _record_iri(link.entity, taken)
        taken.add((URIRef(record), RDF.type, KG.WikidataLink))
        subject, item = _term(link.entity, prefixes), _term(str(WD) + link.qid, prefixes)
        evidence = " ,\n        ".join(Literal(e).n3() for e in link.evidence) or Literal("none recorded").n3()
        blocks.append(
            f"{subject} {_term(str(KG.wikidataItem), prefixes)} {item} .\n"
            f"{_term(record, prefixes)} a {_term(str(KG.WikidataLink), prefixes)} ;\n"
            f"    {_term(str(RDFS.label), prefixes)} {Literal(f'Wikidata link: {link.name} = {link.qid}', lang='en').n3()} ;\n"
            f"    {_term(str(KG.linkSubject), prefixes)} {subject} ;\n"
            f"    {_term(str(KG.linkTarget), prefixes)} {item} ;\n"
            f"    {_term(str(KG.linkMethod), prefixes)} {Literal(link.method, lang='en').n3()} ;\n"
            f"    {_term(str(KG.evidence), prefixes)} {evidence} ;\n"
            f"    {_term(str(DCTERMS.date), prefixes)} \"{today.isoformat()}\"^^{_term(str(XSD.date), prefixes)} .\n"
        )
    return "\n".join(blocks)


def write_links(path: Path, links: list[AcceptedLink], *, today: date | None = None) -> Graph:
    """Append the records of ``links`` to ``path`` (created if missing); the file's new graph.

    Refused (:class:`LinkError`, the file untouched) when an entity already has an item, or
    the result would not parse or would lose a triple.
    """
    path = Path(path)
    today = today or date.today()
    old_text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    old = _parse(old_text, path, "the file as it is")
    for link in links:
        current = sorted(str(o) for o in old.objects(URIRef(link.entity), KG.wikidataItem))
        if current:
            raise LinkError(f"{link.entity} is already linked to {', '.join(current)} in {path}; "
                            "change a verified link by hand, with its record.")
    if len({link.entity for link in links}) != len(links):
        raise LinkError("each entity can be linked to one item only; give each ENTITY=QID once.")
    declared = _declared(old_text)
    prefixes = dict(declared)
    missing = []
    for name, ns in _NEEDED.items():
        if name not in prefixes:
            prefixes[name] = ns
            missing.append(f"@prefix {name}: <{ns}> .")
    usable = {n: ns for n, ns in prefixes.items() if n in _NEEDED and ns == _NEEDED[n]}
    block = render(links, old, usable, today)
    text = old_text.rstrip("\n") + "\n\n" + ("\n".join(missing) + "\n\n" if missing else "") + block
    new = _parse(text, path, "the file with the new links")
    lost = [t for t in old if t not in new]
    added = [(URIRef(link.entity), KG.wikidataItem, URIRef(str(WD) + link.qid)) for link in links]
    if lost or any(t not in new for t in added):
        raise LinkError(f"refusing to write {path}: the new text would not keep every triple "
                        "(this is a bug; the file is unchanged).")
    atomic_write(path, text.encode("utf-8"))
    return new


def _parse(text: str, path: Path, what: str) -> Graph:
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as exc:  # noqa: BLE001 — rdflib raises several kinds on bad Turtle
        raise LinkError(f"refusing to write {path}: {what} would not parse as Turtle ({exc}); "
                        "the file is unchanged.") from None
    return graph
