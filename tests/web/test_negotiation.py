"""Content negotiation (kgraph.web.negotiation) with what real clients send.

First the functions alone, on parsed Accept headers; then each endpoint that negotiates
(/sparql, /rdf-graphs, /id/…) and the downloads, through the app. The headers are the
clients' own: rdflib's ``Graph.parse`` (``text/plain, */*;q=0.1`` for N-Triples, ``text/n3``),
the W3C Graph Store tests (``text/turtle; charset=utf-8``), SPARQLWrapper (its names in
``format=``, ``output=`` and ``results=``, each given twice), browsers.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from kgraph.errors import UnknownFormat
from kgraph.formats import RDF_FORMATS
from kgraph.web.errors import WebError
from kgraph.web.negotiation import choose, for_result, requested_format
from kgraph.web.pages import RESOURCE_FORMATS

DATA = "http://kasei.us/2009/09/sparql/data/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
#: rdflib 7's Accept with no format: its parsers' media types, in their registration order.
RDFLIB_ANY = ("application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, "
              "application/n-quads, application/trix, application/trig")


def accept(header: str) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


# --- the functions -------------------------------------------------------------------------

RESOURCE_CASES = [
    # (Accept header, the format of /id/… chosen)
    ("text/plain, */*;q=0.1", "ntriples"),  # rdflib, format="nt"
    ("text/n3, */*;q=0.1", "turtle"),  # rdflib, format="n3"
    ("text/turtle, application/x-turtle, */*;q=0.1", "turtle"),  # rdflib, format="turtle"
    ("application/ld+json, application/json;q=0.9, */*;q=0.1", "jsonld"),  # rdflib, format="json-ld"
    ("application/rdf+xml, */*;q=0.1", "rdfxml"),  # rdflib, format="xml"
    (RDFLIB_ANY, "turtle"),  # rdflib with no format: all at q=1, so the table decides
    ("text/rdf+n3", "turtle"),
    ("application/x-turtle", "turtle"),
    ("application/json", "jsonld"),
    ("text/turtle; charset=utf-8", "turtle"),
    ("text/turtle;charset=UTF-8;q=0.9, text/html;q=0.5", "turtle"),
    ("application/n-triples; charset=utf-8, */*;q=0.1", "ntriples"),
    ("TEXT/Turtle", "turtle"),
    (BROWSER, "html"),
    ("*/*", "html"),
    ("text/*", "html"),
    ("", "html"),
    ("*/*, text/turtle", "turtle"),  # the same q: the more specific range wins
    ("text/html;q=0, */*", "turtle"),  # q=0 refuses, even next to a wildcard
    ("text/html;q=0, */*;q=0.5, application/rdf+xml;q=0.4", "turtle"),
    ("text/turtle;q=0.5, text/*;q=0.9", "html"),  # the most specific range gives turtle its q
    ("nonsense, text/turtle", "turtle"),
]


@pytest.mark.parametrize(("header", "expected"), RESOURCE_CASES)
def test_choose_from_what_clients_send(header, expected):
    assert choose(RESOURCE_FORMATS, accept(header)).name == expected


@pytest.mark.parametrize("header", ["image/png", "text/plain;q=0", "*/*;q=0", "text/html;q=0, application/*;q=0"])
def test_nothing_acceptable_is_406(header):
    with pytest.raises(WebError) as caught:
        choose(RESOURCE_FORMATS, accept(header), what="a resource's description")
    assert caught.value.status == 406
    assert "Offered:" in str(caught.value)


RESULT_CASES = [
    # (kind, Accept, format=, the format chosen)
    ("solutions", "text/*", None, "csv"),  # a wildcard picks a format by its own type, not text/xml
    ("solutions", "text/plain", "csv", "csv"),
    ("solutions", "application/json", None, "json"),
    ("solutions", "application/sparql-results+json; charset=utf-8", None, "json"),
    ("graph", "application/json", None, "jsonld"),
    ("graph", "text/plain", None, "ntriples"),
    ("graph", "application/xml", None, "rdfxml"),
    # SPARQLWrapper's names (its setReturnFormat constants) ...
    ("solutions", "application/sparql-results+xml", "xml", "xml"),
    ("graph", "application/rdf+xml", "xml", "rdfxml"),
    ("graph", "application/rdf+xml", "rdf+xml", "rdfxml"),
    ("graph", "*/*", "rdf", "rdfxml"),
    ("graph", "application/turtle,text/turtle", "turtle", "turtle"),
    ("graph", "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3", "n3",
     "turtle"),
    ("graph", "application/ld+json,application/x-json+ld", "json-ld", "jsonld"),
    ("graph", "*/*", "json", "jsonld"),  # JSON asked of a graph: its JSON form
    ("solutions", "text/tab-separated-values", "tsv", "tsv"),
    # ... and others' media types in format=, parameters and case aside.
    ("graph", "", "text/turtle; charset=utf-8", "turtle"),
    ("graph", "", "NT", "ntriples"),
    # A format= that cannot serve falls back to an Accept header that names a format.
    ("solutions", "application/sparql-results+json", "excel", "json"),
    ("graph", "text/turtle;q=0.5, application/ld+json", "excel", "jsonld"),
    ("solutions", "text/csv", "turtle", "csv"),
    ("graph", "application/n-triples", "csv", "ntriples"),
]


@pytest.mark.parametrize(("kind", "header", "name", "expected"), RESULT_CASES)
def test_for_result(kind, header, name, expected):
    assert for_result(kind, accept(header), name).name == expected


@pytest.mark.parametrize(("kind", "header", "name", "status"), [
    # With no Accept header that names a format, format= decides: unknown is a 400 ...
    ("solutions", "", "excel", 400),
    ("solutions", "*/*", "excel", 400),
    ("graph", BROWSER.replace("application/xml;q=0.9,", ""), "excel", 400),
    # ... known but unable to express the answer a 406.
    ("solutions", "*/*", "turtle", 406),
    ("graph", "application/*", "csv", 406),
    ("solutions", "", "rdf+xml", 406),
])
def test_format_parameter_errors(kind, header, name, status):
    with pytest.raises((WebError, UnknownFormat)) as caught:
        for_result(kind, accept(header), name)
    assert getattr(caught.value, "status", 400) == status
    assert name in str(caught.value)


def test_requested_format_reads_format_then_output():
    assert requested_format({"output": "csv"}, {"format": "tsv"}) == "tsv"
    assert requested_format({"output": "csv"}, {}) == "csv"
    assert requested_format({}, {"output": "xml"}) == "xml"
    assert requested_format({"format": ""}, {}) is None
    assert requested_format() is None


# --- through the app -------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_graph_store_with_a_charset(w3c_client, method):
    """The W3C Graph Store HTTP Protocol tests send exactly this header."""
    response = w3c_client.open(f"/rdf-graphs?graph={DATA}data1.rdf", method=method,
                               headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200
    assert response.content_type == "text/turtle; charset=utf-8"
    if method == "GET":
        assert f"<{DATA}data1.rdf>".encode() in response.data


@pytest.mark.parametrize(("header", "query", "media_type"), [
    ("text/plain, */*;q=0.1", "", "application/n-triples"),
    ("text/n3, */*;q=0.1", "", "text/turtle"),
    ("text/turtle; charset=utf-8", "", "text/turtle"),
    (BROWSER, "?output=nt", "application/n-triples"),
    ("application/ld+json", "?format=unknown", "application/ld+json"),
])
def test_rdf_graphs_negotiation(w3c_client, header, query, media_type):
    response = w3c_client.get(f"/rdf-graphs?graph={DATA}data1.rdf&{query.lstrip('?')}", headers={"Accept": header})
    assert response.status_code == 200
    assert response.mimetype == media_type


@pytest.fixture
def small(make_app, small_store):
    return make_app(store=small_store).test_client()


@pytest.mark.parametrize(("header", "query", "media_type"), [
    ("text/plain, */*;q=0.1", "", "application/n-triples"),
    ("text/n3, */*;q=0.1", "", "text/turtle"),
    ("text/rdf+n3", "", "text/turtle"),
    ("application/x-turtle", "", "text/turtle"),
    ("application/json", "", "application/ld+json"),
    ("text/html;q=0, */*", "", "text/turtle"),
    (BROWSER, "", "text/html"),
    (BROWSER, "?output=turtle", "text/turtle"),
    (BROWSER, "?format=rdf%2Bxml", "application/rdf+xml"),  # SPARQLWrapper quotes the +
    ("text/turtle", "?format=excel", "text/turtle"),
])
def test_resource_negotiation(small, header, query, media_type):
    response = small.get(f"/id/kazakhstan{query}", headers={"Accept": header})
    assert response.status_code == 200
    assert response.mimetype == media_type


CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"
SELECT = "SELECT ?s WHERE { ?s ?p ?o }"


def sparqlwrapper_parameters(name: str, media_type: str) -> list[tuple[str, str]]:
    """The format parameters SPARQLWrapper adds: each of format, output and results, with
    its name and, for some (rdf+xml, tsv, json-ld), its media type after."""
    return [(key, value) for key in ("format", "output", "results") for value in (name, media_type)]


@pytest.mark.parametrize(("query", "name", "header", "media_type"), [
    (CONSTRUCT, "rdf+xml", "application/rdf+xml", "application/rdf+xml"),
    (CONSTRUCT, "n3", "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3",
     "text/turtle"),
    (CONSTRUCT, "json-ld", "application/ld+json,application/x-json+ld", "application/ld+json"),
    (SELECT, "tsv", "text/tab-separated-values", "text/tab-separated-values"),
])
@pytest.mark.parametrize("how", ["get", "post-form"])
def test_sparql_with_sparqlwrapper_parameters(w3c_client, query, name, header, media_type, how):
    parameters = [("query", query), *sparqlwrapper_parameters(name, header)]
    if how == "get":
        response = w3c_client.get("/sparql?" + urlencode(parameters), headers={"Accept": header})
    else:
        response = w3c_client.post("/sparql", data=urlencode(parameters), headers={"Accept": header},
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == f"{media_type}; charset=utf-8"


@pytest.mark.parametrize(("parameters", "header", "media_type"), [
    ([("output", "csv")], "application/sparql-results+json", "text/csv"),
    ([("format", "xml"), ("output", "csv")], "", "application/sparql-results+xml"),  # format= first
    ([("format", "excel")], "text/csv", "text/csv"),
])
def test_sparql_output_parameter(w3c_client, parameters, header, media_type):
    response = w3c_client.get("/sparql?" + urlencode([("query", SELECT), *parameters]),
                              headers={"Accept": header} if header else {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == f"{media_type}; charset=utf-8"


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_downloads_ignore_accept_parameters(make_app, store, fmt):
    """A download's name says its format; an Accept header, with parameters or not, does not
    turn it into a 406."""
    client = make_app(store=store).test_client()
    response = client.get(f"/download/kgraph.{fmt.suffix}", headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
