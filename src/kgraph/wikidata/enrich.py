"""``kgraph enrich``: chosen Wikidata statements about the linked entities, in a graph of their own.

For every entity with a ``kg:wikidataItem``, the SPARQL endpoint is asked for coordinates
(P625), population (P1082), inception (P571), heads of state (P35, with start P580 and
end P582), memberships (P463, with start and end), positions held (P39, for people) and
diplomatic relations (P530, only with other linked items, with their start). Coordinates,
population and inception keep Wikidata's best-ranked statements; the others keep every
statement that is not deprecated (their history is the point).

The statements go into the named graph ``https://w3id.org/kgraph/graph/wikidata``
(``kgg:wikidata``), written to ``<build folder>/wikidata.nq`` — never into ``data/`` or the
asserted graph. They keep Wikidata's own statement model, so the same SPARQL works here
and on Wikidata::

    wd:Q265 p:P463 wds:Q265-… .
    wds:Q265-… a wikibase:Statement , prov:Entity ;
        ps:P463 wd:Q7779 ;
        pq:P580 "1991-12-21T00:00:00Z"^^xsd:dateTime ;
        prov:wasDerivedFrom wd:Q265 ;
        prov:generatedAtTime "2026-11-24T10:00:00Z"^^xsd:dateTime .

Labels and aliases (en, uz, ru, kk) of the items and of the statements' values come as
``rdfs:label`` / ``skos:altLabel``, as Wikidata gives them; the graph itself says when and
from which endpoint it was retrieved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..export import WIKIDATA_GRAPH, atomic_write, enrichment_path
from ..store import Store
from .client import WikidataClient
from .reconcile import _PROLOGUE, labels_query
from .search import linked_entities

WIKIBASE = "http://wikiba.se/ontology#"
WD = "http://www.wikidata.org/entity/"
P = "http://www.wikidata.org/prop/"
PS = "http://www.wikidata.org/prop/statement/"
PQ = "http://www.wikidata.org/prop/qualifier/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
DCTERMS = "http://purl.org/dc/terms/"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

#: The properties pulled, and whether their whole history is kept (else: best rank only).
PROPERTIES: dict[str, tuple[str, bool]] = {
    "P625": ("coordinate location", False),
    "P1082": ("population", False),
    "P571": ("inception", False),
    "P35": ("head of state", True),
    "P463": ("member of", True),
    "P39": ("position held", True),
    "P530": ("diplomatic relation", True),
}
#: Qualifiers kept on a statement: start time, end time, point in time.
QUALIFIERS = ("P580", "P582", "P585")
#: Properties whose values are items worth a label in the graph.
_ITEM_VALUED = ("P35", "P463", "P39", "P530")


def statements_query(qids) -> str:
    props = " ".join(f'("{p}" p:{p} ps:{p})' for p in PROPERTIES)
    values = " ".join(f"wd:{q}" for q in sorted(set(qids)))
    return f"""# kgraph: enrich-statements
{_PROLOGUE}SELECT ?item ?prop ?statement ?value ?start ?end ?pointInTime ?best WHERE {{
  VALUES ?item {{ {values} }}
  VALUES (?prop ?p ?ps) {{ {props} }}
  ?item ?p ?statement . ?statement ?ps ?value .
  ?statement wikibase:rank ?rank . FILTER (?rank != wikibase:DeprecatedRank)
  OPTIONAL {{ ?statement pq:P580 ?start }}
  OPTIONAL {{ ?statement pq:P582 ?end }}
  OPTIONAL {{ ?statement pq:P585 ?pointInTime }}
  BIND (EXISTS {{ ?statement a wikibase:BestRank }} AS ?best)
}}"""


def _term(binding: dict) -> ox.NamedNode | ox.Literal:
    if binding["type"] == "uri":
        return ox.NamedNode(binding["value"])
    if binding["type"] == "bnode":
        raise ValueError("blank node")
    if "xml:lang" in binding:
        return ox.Literal(binding["value"], language=binding["xml:lang"])
    if "datatype" in binding:
        return ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(binding["value"])


@dataclass
class EnrichResult:
    """What ``kgraph enrich`` wrote: the file, the items asked about, the statements kept."""

    path: Path
    items: int
    statements: int
    labels: int
    retrieved: str


def enrichment_quads(client: WikidataClient, linked: dict[str, str], *, now: datetime | None = None) -> list[ox.Quad]:
    """The quads of the Wikidata graph for the linked items (IRI → QID), sorted."""
    now = now or datetime.now(UTC)
    stamp = ox.Literal(now.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=ox.NamedNode(XSD_DATETIME))
    graph = ox.NamedNode(WIKIDATA_GRAPH)
    qids = sorted(set(linked.values()))
    linked_items = {WD + q for q in qids}
    quads: set[ox.Quad] = set()

    def add(s, p, o):
        quads.add(ox.Quad(s, ox.NamedNode(p) if isinstance(p, str) else p, o, graph))

    quads_meta = ox.NamedNode(WIKIDATA_GRAPH)
    add(quads_meta, RDF_TYPE, ox.NamedNode(PROV + "Entity"))
    add(quads_meta, PROV + "generatedAtTime", stamp)
    add(quads_meta, PROV + "wasDerivedFrom", ox.NamedNode(client.sparql_url))
    add(quads_meta, DCTERMS + "description", ox.Literal(
        "Statements read from Wikidata by `kgraph enrich` about the entities linked to Wikidata items; "
        "kept apart from the article's facts.", language="en"))
    if not qids:
        return sorted(quads, key=str)
    label_targets = set(linked_items)
    for row in client.sparql(statements_query(qids)):
        prop = row["prop"]["value"]
        keep_history = PROPERTIES.get(prop, ("", False))[1]
        best = row.get("best", {}).get("value") in ("true", "1")
        if not keep_history and not best:
            continue
        value = _term(row["value"])
        if prop == "P530" and value.value not in linked_items:
            continue
        item = ox.NamedNode(row["item"]["value"])
        statement = ox.NamedNode(row["statement"]["value"])
        add(item, P + prop, statement)
        add(statement, RDF_TYPE, ox.NamedNode(WIKIBASE + "Statement"))
        add(statement, RDF_TYPE, ox.NamedNode(PROV + "Entity"))
        add(statement, PS + prop, value)
        for name, qualifier in (("start", "P580"), ("end", "P582"), ("pointInTime", "P585")):
            if row.get(name):
                add(statement, PQ + qualifier, _term(row[name]))
        add(statement, PROV + "wasDerivedFrom", item)
        add(statement, PROV + "generatedAtTime", stamp)
        if prop in _ITEM_VALUED and isinstance(value, ox.NamedNode) and value.value.startswith(WD):
            label_targets.add(value.value)
    targets = sorted(t[len(WD):] for t in label_targets)
    for start in range(0, len(targets), 200):
        for row in client.sparql(labels_query(targets[start:start + 200])):
            predicate = RDFS_LABEL if row["kind"]["value"].endswith("#label") else SKOS_ALT
            add(ox.NamedNode(row["item"]["value"]), predicate, _term(row["label"]))
    return sorted(quads, key=str)


def enrich(store: Store, client: WikidataClient, build_dir: Path, *, now: datetime | None = None) -> EnrichResult:
    """Pull the statements and write the Wikidata graph file atomically (all or nothing)."""
    linked = linked_entities(store)
    quads = enrichment_quads(client, linked, now=now)
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    lines = sorted(line for line in data.split(b"\n") if line.strip())
    path = atomic_write(enrichment_path(Path(build_dir)), b"\n".join(lines) + b"\n")
    statements = sum(1 for q in quads if q.predicate.value == RDF_TYPE and q.object.value == WIKIBASE + "Statement")
    labels = sum(1 for q in quads if q.predicate.value in (RDFS_LABEL, SKOS_ALT))
    retrieved = next(q.object.value for q in quads if q.subject.value == WIKIDATA_GRAPH
                     and q.predicate.value == PROV + "generatedAtTime")
    return EnrichResult(path, len(set(linked.values())), statements, labels, retrieved)
