"""The SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` with no query).

https://www.w3.org/TR/sparql11-service-description/ — the endpoint, the query language,
the result formats, federation, and the default dataset: its default graph and each named
graph with their sizes.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import current_app

from ..formats import RDF_FORMATS, RESULTS_FORMATS
from .dataset import ServedDataset
from .description import DCT, RDF_TYPE, SD, Triples, Writer, public_url, statistics


def service_description(dataset: ServedDataset, endpoint: str) -> Triples:
    """The endpoint's SPARQL 1.1 Service Description: languages, formats, the default dataset."""
    stats, w = statistics(dataset), Writer()
    w.add(endpoint, RDF_TYPE, SD + "Service")
    w.add(endpoint, SD + "endpoint", endpoint)
    w.add(endpoint, SD + "supportedLanguage", SD + "SPARQL11Query")
    for fmt in (*RESULTS_FORMATS, *RDF_FORMATS):
        w.add(endpoint, SD + "resultFormat", fmt.iri)
    if current_app.config["FEDERATION_ALLOW"]:
        w.add(endpoint, SD + "feature", SD + "BasicFederatedQuery")
    if dataset.kind == "files":
        w.add(endpoint, SD + "feature", SD + "UnionDefaultGraph")
    else:  # the default graph holds the OWL 2 RL closure, materialised at build time
        w.add(endpoint, SD + "defaultEntailmentRegime", "http://www.w3.org/ns/entailment/OWL-RDF-Based")
        w.add(endpoint, SD + "defaultSupportedEntailmentProfile", "http://www.w3.org/ns/owl-profile/RL")
    w.add(endpoint, "http://www.w3.org/2000/01/rdf-schema#seeAlso", public_url("/void"))
    described, default = ox.BlankNode(), ox.BlankNode()
    w.add(endpoint, SD + "defaultDataset", described)
    w.add(described, RDF_TYPE, SD + "Dataset")
    w.add(described, SD + "defaultGraph", default)
    w.add(default, RDF_TYPE, SD + "Graph")
    w.add(default, DCT + "description", ox.Literal(_default_graph_text(dataset), language="en"))
    w.counts(default, stats.default_graph)
    for name, graph_stats in stats.named_graphs.items():
        named, graph = ox.BlankNode(), ox.BlankNode()
        w.add(described, SD + "namedGraph", named)
        w.add(named, RDF_TYPE, SD + "NamedGraph")
        w.add(named, SD + "name", name)
        w.add(named, SD + "graph", graph)
        w.add(graph, RDF_TYPE, SD + "Graph")
        w.counts(graph, graph_stats)
    return w.triples


def _default_graph_text(dataset: ServedDataset) -> str:
    if dataset.kind == "files":
        return "The union of every graph of the served files (their default and named graphs)."
    return "The union of the named graphs " + ", ".join(dataset.default_graphs) + "."
