"""rdflib, unchanged, against ``kgraph serve``: its SPARQLStore, and ``Graph.parse`` of kgraph's IRIs.

SPARQLStore asks by the Accept header alone (one list of media types per ``returnFormat``),
by GET, by POST of the query (``POST``) and by POST of a form (``POST_FORM``). Note that on
a POST it returns an HTTP error as a tuple instead of raising, so only the content checks
below tell a failure. ``Graph().parse(url, format=…)`` sends ``Accept: text/plain, */*;q=0.1``
for N-Triples (the type N-Triples had before 2014), ``text/n3`` for N3, and with no format
a list of every parser's media type; it picks its parser by the answer's Content-Type.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from client_queries import KZ, QUERIES, as_rdflib
from kgraph.namespaces import Graphs
from kgraph.store import DEFAULT_GRAPHS

KG_STATE = URIRef("https://w3id.org/kgraph/ontology#State")
METHODS = ["GET", "POST", "POST_FORM"]
#: rdflib reads an ASK answer only from the JSON and XML results: its CSV and TSV parsers
#: expect a header of variables, and the W3C CSV/TSV format defines no boolean.
RESULTS = ["xml", "json", "csv", "tsv"]
BOOLEANS = ["xml", "json"]
GRAPHS = ["xml", "turtle", "nt", "n3", "json-ld"]


def store_of(sparql_url: str, return_format: str, method: str) -> SPARQLStore:
    return SPARQLStore(sparql_url, returnFormat=return_format, method=method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", RESULTS)
def test_select(sparql_url, return_format, method, expected_rows):
    result = store_of(sparql_url, return_format, method).query(QUERIES["select"])
    assert result.type == "SELECT", result
    assert {(str(row.state), str(row.label)) for row in result} == expected_rows
    if return_format in ("xml", "json"):  # CSV carries no language tags
        assert {row.label.language for row in result} == {"ru"}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", BOOLEANS)
@pytest.mark.parametrize("name", ["ask-true", "ask-false"])
def test_ask(sparql_url, return_format, method, name, expected_answers):
    result = store_of(sparql_url, return_format, method).query(QUERIES[name])
    assert result.type == "ASK", result
    assert result.askAnswer is expected_answers[name]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", GRAPHS)
def test_construct(sparql_url, return_format, method, expected_construct):
    result = store_of(sparql_url, return_format, method).query(QUERIES["construct"])
    assert result.type == "CONSTRUCT", result
    assert set(result.graph) == expected_construct


@pytest.fixture(scope="module")
def description_by_default(sparql_url) -> set:
    """DESCRIBE's answer to SPARQLStore's defaults: what every other format must equal."""
    return set(store_of(sparql_url, "xml", "GET").query(QUERIES["describe"]).graph)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", GRAPHS)
def test_describe(sparql_url, return_format, method, description_by_default):
    result = store_of(sparql_url, return_format, method).query(QUERIES["describe"])
    assert result.type == "CONSTRUCT", result
    triples = set(result.graph)
    assert triples == description_by_default
    assert (URIRef(KZ), RDF.type, KG_STATE) in triples
    assert (URIRef(KZ), RDFS.label, Literal("Казахстан", lang="ru")) in triples


@pytest.mark.parametrize("method", METHODS)
def test_a_named_graph_through_the_store(sparql_url, method, store):
    """``Graph(store, identifier=G)`` and ``contexts()``: rdflib's graph-aware calls, which
    send ``default-graph-uri=G`` and ``GRAPH ?name``, answer as the engine does."""
    sparql_store = store_of(sparql_url, "xml", method)
    named = {str(name) for name in sparql_store.contexts()}
    assert set(store.named_graphs()) <= named
    asserted = Graph(store=sparql_store, identifier=URIRef(str(Graphs.ASSERTED)))
    expected = {triple for triple in as_rdflib(q.triple for q in store.quads(str(Graphs.ASSERTED)))
                if triple[0] == URIRef(KZ)}
    assert set(asserted.triples((URIRef(KZ), None, None))) == expected


# --- Graph.parse of the IRIs kgraph serves --------------------------------------------------

@pytest.mark.parametrize("fmt", [None, "nt", "turtle", "xml", "json-ld", "n3"])
def test_parse_a_resource_iri(endpoint, fmt, expected_description):
    graph = Graph().parse(f"{endpoint}/id/kazakhstan", format=fmt)
    assert set(graph) == expected_description
    assert (URIRef(KZ), RDF.type, KG_STATE) in graph


@pytest.mark.parametrize("fmt", [None, "nt", "turtle", "xml", "json-ld"])
def test_parse_a_named_graph(endpoint, fmt, store):
    """/rdf-graphs?graph=G (the Graph Store Protocol) read by rdflib's own Accept headers."""
    iri = str(Graphs.ASSERTED)
    graph = Graph().parse(f"{endpoint}/rdf-graphs?graph={iri}", format=fmt)
    assert len(graph) == len(as_rdflib(q.triple for q in store.quads(iri)))


@pytest.mark.parametrize("suffix", ["ttl", "nt", "rdf", "jsonld"])
def test_parse_a_download(endpoint, suffix, store):
    """/download/kgraph.SUFFIX (the format fixed by the name, not negotiated) parses as the
    facts: the default graph, asserted and inferred, as many triples as the engine holds."""
    facts = store.query("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=DEFAULT_GRAPHS).raw
    graph = Graph().parse(f"{endpoint}/download/kgraph.{suffix}")
    assert len(graph) == len(as_rdflib(facts))
