"""Pages, their RDF, /rdf-graphs and the other data-driven routes under the limits of /sparql.

A served file with a hub node of 50,000 triples (and a label for each neighbour): before
these limits, its page took 43–125 s in the request thread, its JSON-LD and the default
graph's JSON-LD were still running after 150 s. Now each is answered or refused (in the
error shape, naming the limit) within a few seconds; a client at its concurrency limit
gets a 429 from pages as from /sparql; no answer is cut without saying so.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from kgraph.jsonld_context import MAX_TRIPLES
from kgraph.presentation import Linker
from kgraph.web import create_app
from kgraph.web.pages import MORE_STATEMENTS, PAGE_STATEMENTS

HUB = "https://w3id.org/kgraph/id/hub"
LINKS = 25_000  # each way: 50,000 triples at the hub, 100,000 with the neighbours' labels
#: Seconds a hostile request may take here: answered or refused, never minutes.
QUICK = 8.0


def _write_hub(path: Path, links: int = LINKS) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("@prefix kg: <https://w3id.org/kgraph/ontology#> .\n"
                  "@prefix kgr: <https://w3id.org/kgraph/id/> .\n"
                  "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                  'kgr:hub a kg:State ; rdfs:label "hub"@en .\n')
        for i in range(links):
            out.write(f'kgr:hub kg:party kgr:o{i} . kgr:o{i} rdfs:label "out <b>{i}</b>"@en .\n'
                      f'kgr:i{i} kg:party kgr:hub . kgr:i{i} rdfs:label "in {i}"@en .\n')
        out.write('kgr:evil rdfs:label "evil"@en ; rdfs:seeAlso <javascript:alert(1)> .\n'
                  '<javascript:alert(2)> rdfs:label "evil link"@en .\n')
    return path


@pytest.fixture(scope="module")
def hub_file(tmp_path_factory) -> Path:
    return _write_hub(tmp_path_factory.mktemp("hub") / "hub.ttl")


@pytest.fixture(scope="module")
def hub_app(hub_file):
    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 3.0}, files=[hub_file])
    client = app.test_client()
    assert client.get("/sparql?query=ASK{}").status_code == 200  # the query processes are up
    return app


def _timed(client, url: str, **headers):
    start = time.monotonic()
    response = client.get(url, headers=headers)
    return response, time.monotonic() - start


def _error(response) -> str:
    body = json.loads(response.data)
    assert body["error"]["status"] == response.status_code
    return body["error"]["message"]


def test_the_hub_page_shows_its_first_statements_and_says_there_are_more(hub_app):
    response, seconds = _timed(hub_app.test_client(), "/id/hub", Accept="text/html")
    assert seconds < QUICK
    assert response.status_code == 200
    html = response.data.decode()
    assert html.count('class="truncated notice"') == 2  # out of it and into it
    assert f"Only the first {PAGE_STATEMENTS} statements" in html
    assert "/sparql?query=" in html and "ORDER%20BY" in html and "OFFSET" in unquote(html)
    assert html.count("<li>") <= 2 * PAGE_STATEMENTS + 100
    assert "&lt;b&gt;" in html and "<b>" not in html  # the labels stay text


def test_the_link_to_the_rest_gives_every_statement_a_page_at_a_time(hub_app):
    client = hub_app.test_client()
    html = client.get("/id/hub", headers={"Accept": "text/html"}).data.decode()
    start = html.index('/sparql?query=')
    url = html[start:html.index('"', start)].replace("&amp;", "&")
    answer = client.get(url, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    assert len(json.loads(answer.data)["results"]["bindings"]) == MORE_STATEMENTS
    rest = client.get(url.replace("LIMIT%20", "OFFSET%2024500%20LIMIT%20"),
                      headers={"Accept": "application/sparql-results+json"})
    assert rest.status_code == 200 and len(json.loads(rest.data)["results"]["bindings"]) == LINKS + 2 - 24_500  # and its type and label


def test_the_hub_jsonld_is_refused_quickly_naming_the_limit(hub_app):
    response, seconds = _timed(hub_app.test_client(), "/id/hub?format=jsonld", Accept="application/json")
    assert seconds < QUICK
    assert response.status_code == 422
    message = _error(response)
    assert str(MAX_TRIPLES) in message and "JSON-LD" in message and "/download/" in message


def test_the_hub_in_turtle_is_whole(hub_app):
    response, seconds = _timed(hub_app.test_client(), "/id/hub?format=ntriples")
    assert seconds < QUICK
    assert response.status_code == 200
    assert response.data.count(b"\n") == 2 * LINKS + 2  # every triple, none cut


def test_the_default_graph_in_jsonld_is_refused_quickly(hub_app):
    response, seconds = _timed(hub_app.test_client(), "/rdf-graphs?default", Accept="application/ld+json")
    assert seconds < QUICK
    assert response.status_code == 422
    assert "JSON-LD" in _error(response)


def test_a_graph_over_the_row_cap_is_refused_not_cut(hub_file):
    app = create_app({"TESTING": True, "MAX_RESULT_ROWS": 1000}, files=[hub_file])
    client = app.test_client()
    response, seconds = _timed(client, "/rdf-graphs?default&format=ntriples", Accept="application/json")
    assert seconds < QUICK
    assert response.status_code == 422
    message = _error(response)
    assert "1000" in message and "max_result_rows" in message and "/download/" in message
    # A page's own reading is cut visibly instead, and still answers.
    assert client.get("/id/o1", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/id/hub", headers={"Accept": "text/html"}).status_code == 200


def test_a_slow_page_query_is_stopped_at_the_timeout(hub_file):
    """A request whose queries run past query_timeout is a 503 naming the limit."""
    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 0.5, "MAX_RESULT_ROWS": 10_000_000}, files=[hub_file])
    client = app.test_client()
    client.get("/sparql?query=ASK{}")
    response, seconds = _timed(client, "/rdf-graphs?default&format=turtle", Accept="application/json")
    assert seconds < QUICK
    if response.status_code != 200:  # a fast machine may well serialize 100,000 triples in time
        assert response.status_code == 503 and "query_timeout" in _error(response)


@pytest.mark.parametrize("url", ["/id/hub", "/id/hub?format=turtle", "/rdf-graphs?default", "/search?q=hub",
                                 "/timeline", "/diagram.json?iri=" + HUB,
                                 "/graph/asserted", "/void"])
def test_a_client_at_its_limit_gets_a_429_from_pages_too(hub_app, url):
    slots = hub_app.extensions["kgraph.client_slots"]
    holders = [slots.hold("127.0.0.1") for _ in range(slots.limit)]
    for holder in holders:
        holder.__enter__()
    try:
        response = hub_app.test_client().get(url, headers={"Accept": "application/json"})
        assert response.status_code == 429
        assert response.headers["Retry-After"]
        assert "client_concurrency" in _error(response)
    finally:
        for holder in holders:
            holder.__exit__(None, None, None)
    assert slots.running("127.0.0.1") == 0
    other = hub_app.test_client().get(url, headers={"Accept": "application/json"})
    assert other.status_code != 429


def test_search_and_diagram_never_link_to_javascript(hub_app):
    client = hub_app.test_client()
    found = json.loads(client.get("/search?q=evil&format=json").data)["results"]
    assert {r["iri"] for r in found} >= {"javascript:alert(2)", "https://w3id.org/kgraph/id/evil"}
    for result in found:
        assert result["href"] is None or result["href"].startswith(("/", "http://", "https://"))
    assert next(r for r in found if r["iri"] == "javascript:alert(2)")["href"] is None


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x",
                                 "vbscript:x", "urn:isbn:1", "file:///etc/passwd", "http://a b/", "java\tscript:x"])
def test_linker_gives_no_link_to_other_schemes(iri):
    assert Linker().href(iri) is None


def test_linker_links_http_and_the_graph(iri="https://example.org/a?x=1"):
    assert Linker().href(iri) == iri
    assert Linker().href("http://example.org/") == "http://example.org/"
    assert Linker().href("https://w3id.org/kgraph/id/x") == "/id/x"


@pytest.mark.parametrize("path", ["/void", "/ontology", "/shapes", "/id/mischief", "/rdf-graphs?default&"])
def test_output_names_the_format_as_format_does(hostile_app, path):
    """``output=`` (Fuseki's name, which SPARQLWrapper sends) is read wherever ``format=`` is."""
    url = path + ("&" if "?" in path else "?") + "output=ntriples"
    response = hostile_app.test_client().get(url.replace("&&", "&"), headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/n-triples")


def test_void_in_jsonld_is_refused_beyond_the_cap(tmp_path):
    """A file with thousands of properties gives a VoID description of thousands of triples."""
    path = tmp_path / "properties.nt"
    path.write_text("".join(f"<urn:s> <urn:p{i}> <urn:o> .\n" for i in range(MAX_TRIPLES)))
    client = create_app({"TESTING": True}, files=[path]).test_client()
    response, seconds = _timed(client, "/void?format=jsonld", Accept="application/json")
    assert seconds < QUICK
    assert response.status_code == 422 and "JSON-LD" in _error(response)
    assert client.get("/void?format=turtle").status_code == 200
