"""/sparql against the W3C SPARQL 1.1 Protocol: query operation, dataset, formats, errors.

Runs on the W3C protocol fixture (tests/data/w3c-protocol/), served as a user file, so it
does not depend on data/. Its dataset: a default graph of three triples about
``ex:default-s`` and three named graphs ``…/data1.rdf`` … ``data3.rdf``, each holding the
one triple ``<dataN.rdf> a foaf:Document``. Served as a file, a query's default graph is
the union of all four.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kgraph.formats import RDF_FORMATS, RESULTS_FORMATS
from kgraph.namespaces import Graphs

DATA = "http://kasei.us/2009/09/sparql/data/"
D1, D2, D3 = (f"{DATA}data{n}.rdf" for n in (1, 2, 3))
EX = "http://example.org/protocol-test/"
SRX = "{http://www.w3.org/2005/sparql-results#}"

SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"
GRAPHS = "SELECT DISTINCT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
FULL = "SELECT ?s ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def send(client, how: str, query: str, params: list[tuple[str, str]] = (), headers=None):
    """The query sent one of the protocol's three ways, dataset parameters alongside."""
    headers = {"Accept": "application/sparql-results+json", **(headers or {})}
    if how == "get":
        return client.get("/sparql?" + urlencode([("query", query), *params]), headers=headers)
    if how == "post-form":
        return client.post("/sparql", data=urlencode([("query", query), *params]), headers=headers,
                           content_type="application/x-www-form-urlencoded")
    return client.post("/sparql?" + urlencode(list(params)), data=query.encode(), headers=headers,
                       content_type="application/sparql-query")


def rows(response) -> set[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json(force=True)
    names = body["head"]["vars"]
    return {tuple(b.get(n, {}).get("value") for n in names) for b in body["results"]["bindings"]}


METHODS = ["get", "post-form", "post-direct"]

# (query, dataset parameters, the exact answer)
DATASET_CASES = [
    pytest.param(SUBJECTS, [], {(D1,), (D2,), (D3,), (EX + "default-s",)}, id="no-dataset-union-of-all"),
    pytest.param(GRAPHS, [], {(D1, D1), (D2, D2), (D3, D3)}, id="no-dataset-all-named-graphs"),
    pytest.param(SUBJECTS, [("default-graph-uri", D1)], {(D1,)}, id="default-graph"),
    pytest.param(SUBJECTS, [("default-graph-uri", D1), ("default-graph-uri", D2)], {(D1,), (D2,)},
                 id="default-graphs-merged"),
    pytest.param(GRAPHS, [("default-graph-uri", D1)], set(), id="default-graph-only-no-named"),
    pytest.param(GRAPHS, [("named-graph-uri", D1), ("named-graph-uri", D2)], {(D1, D1), (D2, D2)},
                 id="named-graphs"),
    pytest.param(SUBJECTS, [("named-graph-uri", D1)], set(), id="named-only-empty-default"),
    pytest.param(FULL, [("default-graph-uri", D3), ("named-graph-uri", D1), ("named-graph-uri", D2)],
                 {(D3, None), (D1, D1), (D2, D2)}, id="full-dataset"),
    pytest.param(f"ASK {{ GRAPH <{D2}> {{ <{D2}> a ?c }} }}", [("default-graph-uri", D1), ("named-graph-uri", D2)],
                 None, id="multiple-dataset-ask"),
]


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize(("query", "params", "expected"), DATASET_CASES)
def test_dataset_from_the_request(w3c_client, how, query, params, expected):
    response = send(w3c_client, how, query, params)
    if expected is None:
        assert response.get_json(force=True) == {"head": {}, "boolean": True}
    else:
        assert rows(response) == expected


@pytest.mark.parametrize("how", METHODS)
def test_the_three_ways_give_the_same_answer(w3c_client, how):
    query = f"SELECT ?o WHERE {{ <{EX}default-s> <{EX}label> ?o }}"
    body = send(w3c_client, how, query).get_json(force=True)
    assert body["results"]["bindings"] == [{"o": {"type": "literal", "value": "café", "xml:lang": "fr"}}]


def test_a_form_post_may_put_the_dataset_in_the_url(w3c_client):
    response = w3c_client.post("/sparql?" + urlencode({"default-graph-uri": D2}), data={"query": SUBJECTS})
    assert rows(response) == {(D2,)}


# --- formats ------------------------------------------------------------------------------

SELECT_LABEL = f"SELECT ?s ?o WHERE {{ ?s <{EX}label> ?o }}"
RESULT_PARSERS = {
    "json": lambda text: {(b["s"]["value"], b["o"]["value"]) for b in json.loads(text)["results"]["bindings"]},
    "xml": lambda text: {tuple(r.find(f"{SRX}binding[@name='{n}']")[0].text for n in ("s", "o"))
                         for r in ET.fromstring(text).iter(f"{SRX}result")},
    "csv": lambda text: {tuple(r) for r in list(csv.reader(io.StringIO(text)))[1:]},
    "tsv": lambda text: {tuple(c.strip("<>").split('"')[1] if c.startswith('"') else c.strip("<>")
                               for c in line.split("\t")) for line in text.splitlines()[1:]},
}


@pytest.mark.parametrize("fmt", RESULTS_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("by", ["accept", "format"])
def test_select_in_every_results_format(w3c_client, fmt, by):
    if by == "accept":
        response = w3c_client.get("/sparql", query_string={"query": SELECT_LABEL}, headers={"Accept": fmt.media_type})
    else:
        response = w3c_client.get("/sparql", query_string={"query": SELECT_LABEL, "format": fmt.name},
                                  headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.content_type == f"{fmt.media_type}; charset=utf-8"
    assert RESULT_PARSERS[fmt.name](response.get_data(as_text=True)) == {(EX + "default-s", "café")}


@pytest.mark.parametrize(("fmt", "body"), [("json", '{"head":{},"boolean":true}'),
                                           ("csv", "true"), ("tsv", "true")])
def test_ask_result(w3c_client, fmt, body):
    response = w3c_client.get("/sparql", query_string={"query": f"ASK {{ <{D1}> a ?c }}", "format": fmt})
    assert response.get_data(as_text=True).strip() == body


def test_ask_as_xml(w3c_client):
    response = w3c_client.get("/sparql", query_string={"query": "ASK { ?s ?p 42 }"},
                              headers={"Accept": "application/sparql-results+xml"})
    assert ET.fromstring(response.data).find(f"{SRX}boolean").text == "false"


EXPECTED_DESCRIBE = Graph().parse(data=f"""
    <{EX}default-s> <{EX}p> "default graph triple" ; <{EX}label> "café"@fr ; <{EX}q> <{EX}o> .""", format="turtle")
GRAPH_QUERIES = {
    "construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s = <{EX}default-s>) }}",
    "describe": f"DESCRIBE <{EX}default-s>",
}
RDFLIB_NAMES = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml",
                "trig": "trig", "nquads": "nquads"}


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("form", GRAPH_QUERIES)
def test_graphs_in_every_rdf_format(w3c_client, fmt, form):
    response = w3c_client.get("/sparql", query_string={"query": GRAPH_QUERIES[form]},
                              headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.content_type == f"{fmt.media_type}; charset=utf-8"
    parsed = Graph().parse(data=response.get_data(as_text=True), format=RDFLIB_NAMES[fmt.name])
    assert isomorphic(parsed, EXPECTED_DESCRIBE)


ACCEPT_CASES = [
    # (query form, Accept header, the Content-Type chosen, or a status)
    ("select", None, "application/sparql-results+json"),
    ("select", "*/*", "application/sparql-results+json"),
    ("select", "text/*", "text/csv"),
    ("select", "application/json", "application/sparql-results+json"),
    ("select", "text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("select", "application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
    ("select", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     "application/sparql-results+xml"),
    ("select", "image/png", 406),
    ("select", "text/turtle", 406),
    ("ask", None, "application/sparql-results+json"),
    ("construct", None, "text/turtle"),
    ("construct", "*/*", "text/turtle"),
    ("construct", "application/json", "application/ld+json"),
    ("construct", "application/n-quads;q=0.2, application/trig;q=0.9", "application/trig"),
    ("construct", "application/sparql-results+json", 406),
]
FORM_QUERIES = {"select": SELECT_LABEL, "ask": "ASK {}", "construct": GRAPH_QUERIES["construct"]}


@pytest.mark.parametrize(("form", "accept", "expected"), ACCEPT_CASES)
def test_content_negotiation(w3c_client, form, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = w3c_client.get("/sparql", query_string={"query": FORM_QUERIES[form]}, headers=headers)
    assert response.headers["Vary"] == "Accept"
    if isinstance(expected, int):
        assert response.status_code == expected
        message = response.get_json()["error"]["message"]
        assert "Offered:" in message and "format=" in message
    else:
        assert response.status_code == 200
        assert response.content_type == f"{expected}; charset=utf-8"


ACCEPT_BOTH = "application/sparql-results+json, text/turtle"


@pytest.mark.parametrize(("form", "name", "accept", "status", "content_type"), [
    ("select", "csv", ACCEPT_BOTH, 200, "text/csv"),
    ("select", "text/tab-separated-values", ACCEPT_BOTH, 200, "text/tab-separated-values"),
    ("construct", "ttl", ACCEPT_BOTH, 200, "text/turtle"),
    ("construct", "nt", ACCEPT_BOTH, 200, "application/n-triples"),
    # A name that cannot serve falls back to an Accept header that names a format ...
    ("select", "turtle", ACCEPT_BOTH, 200, "application/sparql-results+json"),
    ("construct", "csv", ACCEPT_BOTH, 200, "text/turtle"),
    ("select", "excel", ACCEPT_BOTH, 200, "application/sparql-results+json"),
    # ... not to a wildcard, which every browser sends: then the name is the error.
    ("select", "turtle", "*/*", 406, None),
    ("construct", "csv", "application/*", 406, None),
    ("select", "excel", "image/png, */*;q=0.8", 400, None),
    ("select", "excel", None, 400, None),
])
def test_format_parameter_overrides_accept(w3c_client, form, name, accept, status, content_type):
    response = w3c_client.get("/sparql", query_string={"query": FORM_QUERIES[form], "format": name},
                              headers={"Accept": accept} if accept else {})
    assert response.status_code == status
    if content_type:
        assert response.content_type == f"{content_type}; charset=utf-8"
    else:
        assert name in response.get_json()["error"]["message"]


# --- errors -------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"

ERROR_CASES = [
    # (method, URL, body, Content-Type, status, words the message contains)
    ("GET", "/sparql?query=SELEC%20*", None, None, 400, ["not valid SPARQL", "line 1, column"]),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%7D", None, None, 400, ["line 1, column"]),
    ("POST", "/sparql", b"SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(\n}", DIRECT, 400, ["not valid SPARQL", "line 4"]),
    ("GET", "/sparql?query=SELECT%20*%20%7B%20%3Fs%20ex%3Ap%20%3Fo%20%7D", None, None, 400, ["prefix ex:", "PREFIX ex:"]),
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, None, 400, ["2 times", "exactly one"]),
    ("POST", "/sparql?query=ASK%7B%7D", b"query=ASK%7B%7D", FORM, 400, ["2 times"]),
    ("POST", "/sparql", b"default-graph-uri=http%3A%2F%2Fa%2Fb", FORM, 400, ["No query", "form body"]),
    ("GET", "/sparql?default-graph-uri=http%3A%2F%2Fa%2Fb", None, None, 400, ["No query", "?query="]),
    ("GET", "/sparql?query=%20", None, None, 400, ["empty"]),
    ("POST", "/sparql", b"", DIRECT, 400, ["empty"]),
    ("POST", "/sparql?query=ASK%7B%7D", b"ASK {}", DIRECT, 400, ["one way"]),
    ("POST", "/sparql", "ASK { ?s ?p 'é' }".encode("latin-1"), DIRECT, 400, ["not valid UTF-8"]),
    ("POST", "/sparql", b"ASK {}", DIRECT + "; charset=iso-8859-1", 415, ["iso-8859-1", "UTF-8"]),
    ("POST", "/sparql", b"ASK {}", "text/plain", 415, ["'text/plain'", FORM, DIRECT]),
    ("POST", "/sparql", b"ASK {}", None, 415, ["no Content-Type"]),
    ("POST", "/sparql", b"{}", "application/json", 415, ["application/json"]),
    ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=data1.rdf", None, None, 400, ["'data1.rdf'", "absolute IRI"]),
    ("GET", "/sparql?query=ASK%7B%7D&named-graph-uri=", None, None, 400, ["absolute IRI"]),
    ("POST", "/sparql", b"update=DROP%20ALL", FORM, 403, ["read-only", "kgraph build"]),
    ("POST", "/sparql", b"DROP ALL", "application/sparql-update", 403, ["read-only"]),
    ("GET", "/sparql?update=DROP%20ALL", None, None, 403, ["read-only"]),
    ("GET", "/sparql?query=SELECT%20*%20%7B%20SERVICE%20%3Chttp%3A%2F%2F127.0.0.1%3A9%2F%3E%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D",
     None, None, 403, ["SERVICE <http://127.0.0.1:9/>", "federation_allow"]),
    ("GET", "/sparql?query=SELECT%20*%20%7B%20SERVICE%20%3Fendpoint%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D",
     None, None, 403, ["SERVICE ?endpoint", "as an IRI"]),
    ("PUT", "/sparql", b"ASK {}", DIRECT, 405, ["PUT", "GET", "POST"]),
    ("DELETE", "/sparql", None, None, 405, ["DELETE"]),
    ("PATCH", "/sparql", None, None, 405, ["PATCH"]),
]


@pytest.mark.parametrize(("method", "url", "body", "content_type", "status", "words"), ERROR_CASES)
def test_errors(w3c_client, method, url, body, content_type, status, words):
    headers = {"Content-Type": content_type} if content_type else {}
    response = w3c_client.open(url, method=method, data=body, headers=headers)
    assert response.status_code == status
    assert response.content_type == "application/json; charset=utf-8"
    message = response.get_json()["error"]["message"]
    for word in words:
        assert word in message
    if status == 405:
        assert {"GET", "HEAD", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_a_huge_body_is_refused(w3c_client):
    body = b"ASK {} #" + b"x" * (2 * 1024 * 1024)
    response = w3c_client.post("/sparql", data=body, content_type=DIRECT)
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_an_update_changes_nothing(w3c_client):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = rows(send(w3c_client, "get", count))
    for body, content_type in ((b"update=CLEAR%20ALL", FORM), (b"CLEAR ALL", "application/sparql-update"),
                               (b"query=CLEAR%20ALL", FORM)):
        assert w3c_client.post("/sparql", data=body, content_type=content_type).status_code in (400, 403)
    assert rows(send(w3c_client, "get", count)) == before == {("6",)}


def test_the_error_shape(w3c_client):
    """The one JSON shape of every error: pinned (clients parse it)."""
    response = w3c_client.get("/sparql?query=SELEC")
    assert response.get_json() == {"error": {
        "status": 400,
        "title": "Bad Request",
        "message": "the query is not valid SPARQL at line 1, column 6, at the end: expected [_].",
    }}


@pytest.mark.parametrize("url", ["/sparql?query=SELEC", "/no-such-page", "/rdf-graphs"])
def test_errors_for_people(w3c_client, url):
    html = w3c_client.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.content_type == "text/html; charset=utf-8"
    assert html.get_data(as_text=True).startswith("<!doctype html>")
    assert f"<h1>{html.status_code} " in html.get_data(as_text=True)
    text = w3c_client.get(url, headers={"Accept": "text/plain"})
    assert text.content_type == "text/plain; charset=utf-8"
    assert text.get_data(as_text=True).startswith(f"{text.status_code} ")


def test_html_error_escapes_the_input(w3c_client):
    response = w3c_client.get("/sparql", query_string={"query": "<script>alert(1)</script>"},
                              headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)


class _BrokenStore:
    """A store whose every query fails the way a bug or a lost disk would."""

    def query(self, sparql, **dataset):
        raise RuntimeError("disk /secret/path/store.db vanished")

    def named_graphs(self):
        return []

    def __len__(self):
        return 0


def test_a_server_fault_is_logged_and_reveals_nothing(make_app, caplog):
    client = make_app(store=_BrokenStore()).test_client()
    for accept in ("application/json", "text/html", "text/plain"):
        # The results type too: the format is negotiated before the query runs (a 406 first).
        response = client.get("/sparql?query=ASK%7B%7D",
                              headers={"Accept": f"{accept}, application/sparql-results+json;q=0.1"})
        assert response.status_code == 500
        body = response.get_data(as_text=True)
        assert "secret" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert response.content_type == "text/plain; charset=utf-8"
    assert "disk /secret/path/store.db vanished" in caplog.text


def test_a_syntax_error_is_not_logged_as_a_fault(w3c_client, caplog):
    w3c_client.get("/sparql?query=SELEC")
    assert "Traceback" not in caplog.text and "failed" not in caplog.text


# --- headers ------------------------------------------------------------------------------

TEXTUAL_REQUESTS = [
    ("/sparql?query=ASK%7B%7D", {}),
    ("/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D", {"Accept": "text/csv"}),
    ("/sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D", {"Accept": "application/rdf+xml"}),
    ("/sparql", {}),
    ("/sparql?query=nope", {}),
    ("/sparql?query=nope", {"Accept": "text/html"}),
    ("/void", {"Accept": "application/ld+json"}),
    ("/rdf-graphs?default", {}),
    ("/rdf-graphs", {}),
]


@pytest.mark.parametrize(("url", "headers"), TEXTUAL_REQUESTS)
def test_every_textual_response_names_its_charset_and_varies_on_accept(w3c_client, url, headers):
    response = w3c_client.get(url, headers=headers)
    assert response.content_type.endswith("; charset=utf-8")
    assert "Accept" in response.headers["Vary"]


def test_head_answers_like_get_without_a_body(w3c_client):
    get = w3c_client.get("/sparql?query=ASK%7B%7D")
    head = w3c_client.head("/sparql?query=ASK%7B%7D")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


# --- CORS ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/sparql", "/rdf-graphs"])
def test_cors_preflight(w3c_client, path):
    response = w3c_client.options(path, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://example.org")
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_on_answers_and_errors(w3c_client):
    for url in ("/sparql?query=ASK%7B%7D", "/sparql?query=SELEC", "/rdf-graphs?default"):
        response = w3c_client.get(url, headers={"Origin": "https://example.org"})
        assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://example.org")


def test_cors_origins_setting(make_app, w3c_fixture):
    client = make_app(files=[w3c_fixture], cors_origins=["https://allowed.example"]).test_client()
    allowed = client.get("/sparql?query=ASK%7B%7D", headers={"Origin": "https://allowed.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://allowed.example"
    other = client.get("/sparql?query=ASK%7B%7D", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


# --- the kgraph dataset (needs a successful build of data/) -------------------------------

ASSERTED, INFERRED, ONTOLOGY, SHAPES = (str(Graphs.BY_NAME[n]) for n in ("asserted", "inferred", "ontology", "shapes"))
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(client, **params) -> int:
    response = client.get("/sparql", query_string={"query": COUNT, **params})
    return int(rows(response).pop()[0])


def test_kgraph_default_graph_is_asserted_plus_inferred(client):
    union = ("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
             f"FILTER(?g IN (<{ASSERTED}>, <{INFERRED}>)) }} }}")
    expected = int(rows(client.get("/sparql", query_string={"query": union})).pop()[0])
    assert count(client) == expected > 0


@pytest.mark.parametrize("name", ["ontology", "asserted", "inferred", "shapes"])
def test_kgraph_each_named_graph_by_default_graph_uri(client, built, name):
    assert count(client, **{"default-graph-uri": str(Graphs.BY_NAME[name])}) == built.manifest["triples"][name]


def test_kgraph_named_graphs_by_graph_pattern(client):
    response = client.get("/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    graphs = {g for (g,) in rows(response)}
    assert {ASSERTED, INFERRED, ONTOLOGY} <= graphs <= {ASSERTED, INFERRED, ONTOLOGY, SHAPES}


# --- federation (SERVICE), against a local stand-in endpoint ------------------------------

@pytest.fixture
def stand_in_endpoint(make_app, w3c_fixture):
    """Another kgraph endpoint on 127.0.0.1 (serving data1.nt), for SERVICE to call."""
    from werkzeug.serving import make_server

    remote = make_app(files=[w3c_fixture.with_name("data1.nt")])
    server = make_server("127.0.0.1", 0, remote, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sparql"
    server.shutdown()
    thread.join(timeout=5)


def test_service_to_an_allowed_endpoint(make_app, w3c_fixture, stand_in_endpoint):
    client = make_app(files=[w3c_fixture], federation_allow=[stand_in_endpoint]).test_client()
    query = f"SELECT ?s WHERE {{ SERVICE <{stand_in_endpoint}> {{ ?s a ?c }} }}"
    assert rows(client.get("/sparql", query_string={"query": query})) == {(D1,)}


def test_a_failing_service_is_a_bad_gateway(make_app, w3c_fixture):
    dead = "http://127.0.0.1:1/sparql"
    client = make_app(files=[w3c_fixture], federation_allow=[dead]).test_client()
    response = client.get("/sparql", query_string={"query": f"ASK {{ SERVICE <{dead}> {{ ?s ?p ?o }} }}"})
    assert response.status_code == 502
    assert "SERVICE call" in response.get_json()["error"]["message"]


def test_kgraph_default_graph_uri_alone_leaves_no_named_graphs(client):
    response = client.get("/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                                   "default-graph-uri": ASSERTED})
    assert rows(response) == set()


@pytest.mark.parametrize("nested", [
    "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
])
def test_deeply_nested_queries_are_refused_before_any_parser_crashes(client, nested):
    # Regression: pyoxigraph's parser overflows its stack (SIGSEGV, the worker dies) ~3000 deep.
    response = client.post("/sparql", data=nested, content_type="application/sparql-query")
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "at most 256" in message and "max_query_nesting" in message


def test_brackets_inside_strings_and_iris_do_not_count(client):
    query = 'ASK { BIND("' + "{" * 400 + '" AS ?x) FILTER(?x != <http://example.org/a(b)>) }'
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert response.status_code == 200
