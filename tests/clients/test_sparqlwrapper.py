"""SPARQLWrapper, unchanged, against ``kgraph serve``: every query form in every format it offers.

SPARQLWrapper sends its own names next to its Accept header: ``format=rdf+xml`` (and
``output=``, ``results=``) with ``Accept: application/rdf+xml``, ``format=n3`` with a list
of Turtle and N3 types, ``format=json-ld`` …; ``convert()`` then reads the answer by its
Content-Type. By GET, by POST of a form (its default POST) and by POST of the query itself.
"""

from __future__ import annotations

import csv
import io
import warnings

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.util import from_n3
from SPARQLWrapper import (CSV, GET, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDF as RDF_DEFAULT, RDFXML, TSV,
                           TURTLE, URLENCODED, XML, SPARQLWrapper)

from client_queries import KZ, QUERIES

#: SPARQLWrapper builds the graphs it parses with rdflib's deprecated ConjunctiveGraph.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

KG_STATE = URIRef("https://w3id.org/kgraph/ontology#State")
#: How the request is sent: (HTTP method, SPARQLWrapper's request method for POST).
HOWS = {"get": (GET, URLENCODED), "post-form": (POST, URLENCODED), "post-direct": (POST, POSTDIRECTLY)}
RESULTS = [JSON, XML, CSV, TSV]
#: Every format SPARQLWrapper offers for a graph; RDF ("rdf") and JSON are its loose names,
#: which it sends with Accept: */* (and a warning of its own).
GRAPHS = [XML, RDFXML, RDF_DEFAULT, TURTLE, N3, JSONLD, JSON]
#: The media type each format's answer must come in.
MEDIA_TYPES = {
    ("results", JSON): "application/sparql-results+json", ("results", XML): "application/sparql-results+xml",
    ("results", CSV): "text/csv", ("results", TSV): "text/tab-separated-values",
    ("graph", XML): "application/rdf+xml", ("graph", RDFXML): "application/rdf+xml",
    ("graph", RDF_DEFAULT): "application/rdf+xml", ("graph", TURTLE): "text/turtle",
    ("graph", N3): "text/turtle", ("graph", JSONLD): "application/ld+json", ("graph", JSON): "application/ld+json",
}


def ask(sparql_url: str, how: str, query: str, return_format: str, *, accept: str | None = None):
    """SPARQLWrapper's ``query()`` with its defaults but the method and the format (and, for
    N-Triples, which it has no name for, an Accept header of the user's)."""
    client = SPARQLWrapper(sparql_url)
    method, request_method = HOWS[how]
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    if accept:
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its own note on Accept: */* for "rdf"/"json"
        result = client.query()
        return result.info()["content-type"], result.convert()


def rows_of(return_format: str, converted) -> set[tuple[str, str]]:
    """``(state, label)`` of each row, from what ``convert()`` gives for ``return_format``."""
    if return_format == JSON:
        bindings = converted["results"]["bindings"]
        assert {b["label"]["xml:lang"] for b in bindings} == {"ru"}
        return {(b["state"]["value"], b["label"]["value"]) for b in bindings}
    if return_format == XML:  # a DOM of the SPARQL XML results
        rows = set()
        for result in converted.getElementsByTagName("result"):
            values = {b.getAttribute("name"): b.getElementsByTagName("uri") or b.getElementsByTagName("literal")
                      for b in result.getElementsByTagName("binding")}
            assert values["label"][0].getAttribute("xml:lang") == "ru"
            rows.add((values["state"][0].firstChild.data, values["label"][0].firstChild.data))
        return rows
    text = converted.decode("utf-8")
    if return_format == CSV:
        return {(row["state"], row["label"]) for row in csv.DictReader(io.StringIO(text))}
    header, *lines = text.splitlines()  # TSV: terms in their N-Triples syntax
    assert header.split("\t") == ["?state", "?label"]
    rows = set()
    for line in lines:
        state, label = (from_n3(term) for term in line.split("\t"))
        assert isinstance(label, Literal) and label.language == "ru"
        rows.add((str(state), str(label)))
    return rows


def boolean_of(return_format: str, converted) -> bool:
    if return_format == JSON:
        return converted["boolean"]
    if return_format == XML:
        return {"true": True, "false": False}[converted.getElementsByTagName("boolean")[0].firstChild.data]
    return {b"true": True, b"false": False}[converted.strip()]  # CSV and TSV: the bare word


def graph_of(converted) -> set:
    """The triples of a graph answer: RDF/XML and JSON-LD come parsed, Turtle as bytes."""
    if isinstance(converted, Graph):
        return set(converted)
    return set(Graph().parse(data=converted, format="turtle"))


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("return_format", RESULTS)
def test_select(sparql_url, how, return_format, expected_rows):
    content_type, converted = ask(sparql_url, how, QUERIES["select"], return_format)
    assert content_type == f"{MEDIA_TYPES['results', return_format]}; charset=utf-8"
    assert rows_of(return_format, converted) == expected_rows


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("return_format", RESULTS)
@pytest.mark.parametrize("name", ["ask-true", "ask-false"])
def test_ask(sparql_url, how, return_format, name, expected_answers):
    content_type, converted = ask(sparql_url, how, QUERIES[name], return_format)
    assert content_type == f"{MEDIA_TYPES['results', return_format]}; charset=utf-8"
    assert boolean_of(return_format, converted) is expected_answers[name]


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("return_format", GRAPHS)
def test_construct(sparql_url, how, return_format, expected_construct):
    content_type, converted = ask(sparql_url, how, QUERIES["construct"], return_format)
    assert content_type == f"{MEDIA_TYPES['graph', return_format]}; charset=utf-8"
    assert graph_of(converted) == expected_construct


@pytest.fixture(scope="module")
def description_by_turtle(sparql_url) -> set:
    """DESCRIBE's answer in Turtle by GET: the one every other format and method must equal."""
    return graph_of(ask(sparql_url, "get", QUERIES["describe"], TURTLE)[1])


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("return_format", GRAPHS)
def test_describe(sparql_url, how, return_format, description_by_turtle):
    content_type, converted = ask(sparql_url, how, QUERIES["describe"], return_format)
    assert content_type == f"{MEDIA_TYPES['graph', return_format]}; charset=utf-8"
    triples = graph_of(converted)
    assert triples == description_by_turtle
    # What DESCRIBE of the state must say, however the description is bounded:
    assert (URIRef(KZ), RDF.type, KG_STATE) in triples
    assert (URIRef(KZ), RDFS.label, Literal("Казахстан", lang="ru")) in triples


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("name", ["construct", "describe"])
def test_ntriples_by_accept_alone(sparql_url, how, name, expected_construct, description_by_turtle):
    """N-Triples, which SPARQLWrapper has no name for: asked by the Accept header only
    (``setOnlyConneg``), once by its media type and once by its pre-2014 one, text/plain."""
    expected = expected_construct if name == "construct" else description_by_turtle
    for accept in ("application/n-triples", "text/plain"):
        content_type, converted = ask(sparql_url, how, QUERIES[name], TURTLE, accept=accept)
        assert content_type == "application/n-triples; charset=utf-8"
        assert set(Graph().parse(data=converted, format="nt")) == expected
