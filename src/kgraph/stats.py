"""Counts that describe a built graph: triples per named graph, instances per class,
facts per source."""

from __future__ import annotations

from dataclasses import dataclass

from .namespaces import PREFIXES
from .query import term_text
from .store import Store

_BY_GRAPH = "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"
_BY_CLASS = """SELECT ?class (COUNT(DISTINCT ?s) AS ?instances)
WHERE { ?s a ?class . FILTER(isIRI(?class)) } GROUP BY ?class ORDER BY DESC(?instances) ?class"""
_BY_SOURCE = """SELECT ?source ?id (COUNT(DISTINCT ?fact) AS ?facts)
WHERE { ?fact prov:wasDerivedFrom ?source . OPTIONAL { ?source dcterms:identifier ?id } }
GROUP BY ?source ?id ORDER BY ?id ?source"""


@dataclass
class Stats:
    by_graph: list[tuple[str, int]]
    by_class: list[tuple[str, int]]
    by_source: list[tuple[str, int]]

    def as_dict(self) -> dict:
        return {
            "triples_by_graph": dict(self.by_graph),
            "instances_by_class": dict(self.by_class),
            "facts_by_source": dict(self.by_source),
        }


def _pairs(store: Store, sparql: str, label_vars: tuple[str, ...], count_var: str, **kw) -> list[tuple[str, int]]:
    result = store.query(sparql, prefixes=PREFIXES, **kw)
    pairs = []
    for row in result.raw:
        label = " ".join(term_text(row[v]) for v in label_vars if row[v] is not None)
        pairs.append((label, int(row[count_var].value)))
    return pairs


def compute(store: Store) -> Stats:
    return Stats(
        by_graph=_pairs(store, _BY_GRAPH, ("graph",), "triples"),
        by_class=_pairs(store, _BY_CLASS, ("class",), "instances"),
        by_source=_pairs(store, _BY_SOURCE, ("id", "source"), "facts"),
    )
