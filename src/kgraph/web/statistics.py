"""The numbers a VoID description states, counted with SPARQL through the Store interface.

Plain functions (no Flask): they work on any :class:`~kgraph.store.Store`, so on a remote
SPARQL store too. :func:`dataset_statistics` runs a handful of aggregate queries; the app
runs it once per process and keeps the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..namespaces import KG
from ..store import Store

_COUNTS = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
       (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { ?s ?p ?o }"""
_CLASSES = """SELECT ?class (COUNT(DISTINCT ?s) AS ?entities)
WHERE { ?s a ?class FILTER(isIRI(?class)) } GROUP BY ?class ORDER BY ?class"""
_PROPERTIES = "SELECT ?property (COUNT(*) AS ?triples) WHERE { ?s ?property ?o } GROUP BY ?property ORDER BY ?property"
_LINKS = f"SELECT (COUNT(*) AS ?links) WHERE {{ ?s <{KG.wikidataItem}> ?o }}"
_EXAMPLES = """SELECT DISTINCT ?s WHERE {{ ?s a ?type FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }}
ORDER BY ?s LIMIT {limit}"""


@dataclass
class GraphStatistics:
    """Counts of one graph (or a union of graphs)."""

    triples: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    properties: int = 0
    classes: int = 0


@dataclass
class DatasetStatistics:
    """Counts of the whole dataset (every graph together) and of each named graph."""

    total: GraphStatistics
    #: The default graph a query sees when it names none.
    default_graph: GraphStatistics
    named_graphs: dict[str, GraphStatistics]
    #: class IRI -> distinct instances; property IRI -> triples (over the whole dataset).
    class_partitions: dict[str, int] = field(default_factory=dict)
    property_partitions: dict[str, int] = field(default_factory=dict)
    wikidata_links: int = 0
    example_resources: list[str] = field(default_factory=list)

    @property
    def vocabularies(self) -> list[str]:
        """The namespaces of the classes and properties used."""
        return sorted({namespace_of(iri) for iri in (*self.class_partitions, *self.property_partitions)})


def namespace_of(iri: str) -> str:
    """The part of an IRI up to its last ``#`` or ``/`` (``…/ontology#State`` -> ``…/ontology#``)."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def _rows(store: Store, sparql: str, dataset: dict) -> list:
    return list(store.query(sparql, **dataset).raw)


def _int(term) -> int:
    return int(term.value) if term is not None else 0


def graph_statistics(store: Store, **dataset) -> GraphStatistics:
    """Counts of the graph a query with ``dataset`` (default_graphs=…, named_graphs=…) sees."""
    counts = _rows(store, _COUNTS, dataset)[0]
    classes = _rows(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }", dataset)[0]
    return GraphStatistics(_int(counts["triples"]), _int(counts["subjects"]), _int(counts["objects"]),
                           _int(counts["properties"]), _int(classes["n"]))


def dataset_statistics(store: Store, *, union: dict, uri_space: str | None = None,
                       examples: int = 3) -> DatasetStatistics:
    """Everything VoID states about ``store``; ``union`` is the dataset keywords naming all graphs."""
    named = {g: graph_statistics(store, default_graphs=[g], named_graphs=[]) for g in store.named_graphs()}
    classes = {r["class"].value: _int(r["entities"]) for r in _rows(store, _CLASSES, union)}
    properties = {r["property"].value: _int(r["triples"]) for r in _rows(store, _PROPERTIES, union)}
    space = uri_space or ""
    example_rows = _rows(store, _EXAMPLES.format(space=space.replace('"', '\\"'), limit=examples), union)
    return DatasetStatistics(
        total=graph_statistics(store, **union),
        default_graph=graph_statistics(store),
        named_graphs=named,
        class_partitions=classes,
        property_partitions=properties,
        wikidata_links=_int(_rows(store, _LINKS, union)[0]["links"]),
        example_resources=[r["s"].value for r in example_rows],
    )


def union_of_all(store: Store, default_graphs: Sequence[str]) -> dict:
    """The dataset keywords whose default graph is every graph of ``store``.

    ``default_graphs`` is the served dataset's: empty means the store's default already is
    the union of all graphs (user files).
    """
    if not default_graphs:
        return {}
    return {"default_graphs": store.named_graphs(), "named_graphs": []}
