"""Property-based tests of the protocol layer: whatever a client sends, the server answers.

Random queries (SPARQL-shaped and not, odd unicode, NUL), repeated/empty/unknown
parameters, Accept values with garbage and q-values, Content-Types with odd charsets,
bodies in latin-1, UTF-16 with a BOM, invalid UTF-8, and every method — through Flask's
test client into the real app over the hostile fixture (small, so any query is quick).
Each answer: never a 5xx, never an exception escaping, the documented error shape for a
4xx (fuzzing.assert_answer_is_sound), no internals shown.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fuzzing import FUZZ, assert_answer_is_sound
from hypothesis import given
from hypothesis import strategies as st

# Pieces a query is made of, so that many examples get past the first token.
TOKENS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "*", "{", "}", "(", ")", ".", ";", ",", "?s", "?p",
    "?o", "$x", "<https://w3id.org/kgraph/id/mischief>", "<>", "<rel>", "kg:State", "a", "rdfs:label",
    '"lit"', "'x'", '"""long"""', "@en", "^^xsd:date", "1", "-0.5e9", "99999999999999999999999", "FILTER",
    "OPTIONAL", "UNION", "MINUS", "GRAPH", "BIND", "AS", "VALUES", "UNDEF", "LIMIT", "OFFSET", "ORDER BY",
    "GROUP BY", "COUNT(*)", "REGEX(?o, \"(a+)+$\")", "LANG(?o)", "STR(?s)", "SERVICE", "FROM", "NAMED",
    "LOAD", "PREFIX x: <urn:x:>", "<urn:fn>(?o)", "xsd:integer(?o)", "xsd:nope(1)", "x:f()", "fn:concat(?o)", "BASE <urn:b>", "#", "\n", "\\u0000", "\x00", "\u202e", "𝔘", "ʻ", "\\",
    "SELECT * WHERE { ?s ?p ?o }", "ASK { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }",
]
queries = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50).map(lambda t: t * 40),
    st.sampled_from(["SELECT * WHERE { ?s ?p ?o }", "ASK {}", "DESCRIBE <https://w3id.org/kgraph/id/mischief>",
                     "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]),
)
MEDIA = ["application/json", "application/sparql-results+json", "application/sparql-results+xml",
         "text/csv", "text/tab-separated-values", "text/turtle", "application/ld+json", "application/n-triples",
         "application/rdf+xml", "application/trig", "application/n-quads", "text/html", "text/plain",
         "*/*", "text/*", "image/png", "application/xhtml+xml"]
# What an HTTP header can carry: bytes read as latin-1, no line breaks.
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=20)
accept_parts = st.tuples(
    st.one_of(st.sampled_from(MEDIA), header_text),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1).map(lambda q: f"{q:.3f}"),
              st.sampled_from(["2", "-1", "abc", "", "1e400", "nan"])),
).map(lambda part: part[0] if part[1] is None else f"{part[0]};q={part[1]}")
accepts = st.one_of(st.none(), st.lists(accept_parts, max_size=5).map(", ".join))
FORMATS = ["json", "xml", "csv", "tsv", "turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads", "html", ""]
PARAM_NAMES = ["query", "format", "default-graph-uri", "named-graph-uri", "update", "graph", "default", "lang"]
param_values = st.one_of(queries, st.sampled_from(FORMATS), st.sampled_from(
    ["https://w3id.org/kgraph/graph/asserted", "urn:x", "not an iri", "", "https://w3id.org/kgraph/graph/none"]))
params = st.lists(st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=10)), param_values),
                  max_size=5)
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update",
                 "application/json", "text/plain", "multipart/form-data", "", "garbage", "application/sparql-query;"]
CHARSETS = [None, "utf-8", "UTF8", "latin-1", "iso-8859-1", "utf-16", "utf-32", "x-unknown", "", '"utf-8"']
content_types = st.tuples(st.sampled_from(CONTENT_TYPES), st.sampled_from(CHARSETS)).map(
    lambda ct: ct[0] if ct[1] is None else f"{ct[0]}; charset={ct[1]}")


def _encoded(text: str, encoding: str) -> bytes:
    if encoding == "invalid-utf-8":
        return text.encode("utf-8", "replace") + b"\xff\xfe\xc3\x28\xed\xa0\x80"  # and a lone surrogate
    if encoding == "surrogatepass":
        return (text + "\ud800").encode("utf-8", "surrogatepass")
    return text.encode(encoding, "replace")


ENCODINGS = ["utf-8", "latin-1", "utf-16", "utf-32", "utf-8-sig", "cp1251", "invalid-utf-8", "surrogatepass"]
bodies = st.one_of(
    st.binary(max_size=300),
    st.tuples(queries, st.sampled_from(ENCODINGS)).map(lambda t: _encoded(*t)),
    st.tuples(queries, st.sampled_from(ENCODINGS)).map(lambda t: b"query=" + quote(_encoded(*t)).encode()),
)


def _headers(accept, content_type=None):
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


@pytest.fixture(scope="module")
def client(hostile_app):
    return hostile_app.test_client()


@FUZZ
@given(query=queries, accept=accepts, fmt=st.one_of(st.none(), st.sampled_from(FORMATS)))
def test_get_any_query(client, query, accept, fmt):
    args = {"query": query} if fmt is None else {"query": query, "format": fmt}
    assert_answer_is_sound(client.get("/sparql", query_string=args, headers=_headers(accept)))


@FUZZ
@given(pairs=params, accept=accepts, method=st.sampled_from(["GET", "HEAD", "POST"]))
def test_any_parameters(client, pairs, accept, method):
    response = client.open("/sparql", method=method, query_string=pairs, headers=_headers(accept))
    assert_answer_is_sound(response)


@FUZZ
@given(body=bodies, content_type=content_types, accept=accepts, url_pairs=params)
def test_post_any_body(client, body, content_type, accept, url_pairs):
    response = client.post("/sparql", data=body, query_string=url_pairs, headers=_headers(accept, content_type))
    assert_answer_is_sound(response)


@FUZZ
@given(method=st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]),
       path=st.sampled_from(["/sparql", "/rdf-graphs", "/void", "/"]), accept=accepts, body=st.binary(max_size=50))
def test_other_methods(client, method, path, accept, body):
    assert_answer_is_sound(client.open(path, method=method, data=body, headers=_headers(accept)))


@FUZZ
@given(graph=st.one_of(st.text(max_size=80), st.sampled_from(
           ["https://w3id.org/kgraph/graph/asserted", "https://w3id.org/kgraph/graph/", "urn:x", ""])),
       default=st.booleans(), accept=accepts)
def test_graph_store_any_graph(client, graph, default, accept):
    args = [("graph", graph)] + ([("default", "")] if default else [])
    assert_answer_is_sound(client.get("/rdf-graphs", query_string=args, headers=_headers(accept)))


@FUZZ
@given(path=st.text(max_size=60), accept=accepts, q=st.text(max_size=40), lang=st.text(max_size=12),
       where=st.sampled_from(["/id/", "/download/", "/static/", "/static/vendor/", "/search", "/timeline",
                              "/ontology", "/shapes", "/diagram.json", "/void"]))
def test_pages_any_path(client, path, accept, q, lang, where):
    url = where + quote(path, safe="/") if where.endswith("/") else where
    # Accept-Language as a server reads it: bytes taken as latin-1, no line breaks.
    lang_header = lang.encode("utf-8").decode("latin-1").replace("\n", " ").replace("\r", " ")
    response = client.get(url, query_string={"q": q, "lang": lang, "iri": path, "format": q},
                          headers=_headers(accept), environ_overrides={"HTTP_ACCEPT_LANGUAGE": lang_header})
    assert_answer_is_sound(response, protocol=False)
