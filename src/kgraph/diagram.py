"""Diagrams as data: Cytoscape.js elements for a resource's neighbourhood and the ontology.

The browser draws them (Cytoscape.js, served by the app); these functions only say what is
connected to what, with labels in the reader's language and links to the nodes' pages.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .describe import valid_iri
from .labels import Labeller
from .namespaces import BASE, KG, Graphs
from .presentation import Linker
from .store import Store

#: Links the neighbourhood diagram leaves out (types are shown on the page, Wikidata is
#: outside the graph).
SKIPPED = {str(RDF.type), str(KG.wikidataItem)}
MAX_EDGES = 80


def _node(iri: str, kind: str, labeller: Labeller, linker: Linker) -> dict:
    label = labeller.label(iri)
    return {"data": {"id": iri, "label": label.text, "lang": label.lang, "href": linker.href(iri),
                     "kind": kind}}


def _edge(source: str, predicate: str, target: str, labeller: Labeller, kind: str = "link") -> dict:
    return {"data": {"id": f"{source} {predicate} {target}", "source": source, "target": target,
                     "label": labeller.label(predicate).text, "predicate": predicate, "kind": kind}}


def neighbourhood(store: Store, iri: str, labeller: Labeller, linker: Linker,
                  graphs: Sequence[str] | None = (str(Graphs.ASSERTED),)) -> dict:
    """The resources linked to ``iri`` by asserted triples, in and out, as Cytoscape elements.

    ``graphs``: where the links are read (``None``: the store's default graph)."""
    if not valid_iri(iri):
        return {"elements": {"nodes": [], "edges": []}}
    node = f"<{iri}>"
    # Only the links drawn, and at most a few more than are drawn: a hub's thousands of
    # links are not read to draw 80 of them.
    skipped = ", ".join(f"<{p}>" for p in sorted(SKIPPED))
    sparql = (f"SELECT DISTINCT ?s ?p ?o WHERE {{ {{ {node} ?p ?o BIND({node} AS ?s) }} UNION "
              f"{{ ?s ?p {node} BIND({node} AS ?o) }} FILTER(isIRI(?s) && isIRI(?o)) "
              f"FILTER(?p NOT IN ({skipped})) "
              f"FILTER(STRSTARTS(STR(?s), \"{BASE}\") && STRSTARTS(STR(?o), \"{BASE}\")) }} "
              f"LIMIT {4 * MAX_EDGES}")
    triples = sorted(
        {(r["s"].value, r["p"].value, r["o"].value)
         for r in store.query(sparql, default_graphs=graphs).raw},
    )
    triples = [t for t in triples if t[1] not in SKIPPED and t[0].startswith(BASE) and t[2].startswith(BASE)]
    triples = triples[:MAX_EDGES]
    iris = {iri} | {t[0] for t in triples} | {t[2] for t in triples}
    labeller.prefetch(iris | {t[1] for t in triples})
    nodes = [_node(i, "focus" if i == iri else "entity", labeller, linker) for i in sorted(iris)]
    edges = [_edge(s, p, o, labeller) for s, p, o in triples]
    return {"elements": {"nodes": nodes, "edges": edges}}


def graph_of(store: Store, graph: str) -> Graph:
    """One named graph of the store as an rdflib graph (blank nodes kept together)."""
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graphs=[graph])
    text = ox.serialize(result.raw, format=ox.RdfFormat.N_TRIPLES) or b""
    return Graph().parse(data=text.decode("utf-8"), format="nt")


def _members(graph: Graph, node) -> list[URIRef]:
    """A class expression's named classes: itself, or the members of its owl:unionOf."""
    if isinstance(node, URIRef):
        return [node]
    if isinstance(node, BNode):
        union = graph.value(node, OWL.unionOf)
        if union is not None:
            return [m for m in Collection(graph, union) if isinstance(m, URIRef)]
    return []


def ontology_diagram(ontology: Graph, labeller: Labeller, linker: Linker) -> dict:
    """The ontology's classes with their subclass edges and its properties as domain → range
    edges (unions expanded), as Cytoscape elements."""
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    edges: list[tuple[str, str, str, str]] = []
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            edges.append((str(sub), str(RDFS.subClassOf), str(sup), "subclass"))
    for prop in sorted(set(ontology.subjects(RDFS.domain, None)) & set(ontology.subjects(RDFS.range, None))):
        if not isinstance(prop, URIRef):
            continue
        for dom in ontology.objects(prop, RDFS.domain):
            for rng in ontology.objects(prop, RDFS.range):
                for d in _members(ontology, dom):
                    for r in _members(ontology, rng):
                        edges.append((str(d), str(prop), str(r), "property"))
    edges = sorted(set(edges))
    iris = {str(c) for c in classes} | {e[0] for e in edges} | {e[2] for e in edges}
    labeller.prefetch(iris | {e[1] for e in edges})

    def kind(iri: str) -> str:
        if iri.startswith(str(XSD)) or iri == str(RDFS.Literal):
            return "datatype"
        return "class" if iri.startswith(str(KG._NS)) else "external"

    nodes = [_node(i, kind(i), labeller, linker) for i in sorted(iris)]
    return {"elements": {"nodes": nodes, "edges": [_edge(s, p, o, labeller, k) for s, p, o, k in edges]}}
