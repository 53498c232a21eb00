"""CORS on every read-only resource, from the one ``cors_origins`` setting (issue 16).

A browser app on another origin dereferences an entity's IRI, loads a dump, reads VoID,
the ontology, the shapes, the JSON-LD context, the Graph Store and the endpoint — and can
read the error answers of each (404, 406, 413 …), so it can tell a user what went wrong.
Seen here through Flask's test client and through a real ``kgraph serve``; Chromium's own
``fetch()`` from another origin is in tests/browser/test_cross_origin.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from serving import fetch, kgraph_serve  # noqa: E402

ORIGIN = "https://app.example"
ALLOWED = (ORIGIN, "*")

#: (path, Accept, expected status): every read-only resource, and error answers of each kind.
RESOURCES = [
    ("/id/kazakhstan", "text/turtle", 200),
    ("/id/kazakhstan", "text/html", 200),
    ("/id/kazakhstan", "application/ld+json", 200),
    ("/download/kgraph.ttl", "*/*", 200),
    ("/download/kgraph.nq.gz", "*/*", 200),
    ("/.well-known/void", "text/turtle", 200),
    ("/void", "application/ld+json", 200),
    ("/ontology", "text/html", 200),
    ("/ontology", "text/turtle", 200),
    ("/shapes", "text/turtle", 200),
    ("/shapes", "text/html", 200),
    ("/context.jsonld", "*/*", 200),
    ("/rdf-graphs?default", "text/turtle", 200),
    ("/graph/asserted", "text/turtle", 303),  # a named graph's IRI: 303 to /rdf-graphs
    ("/sparql", "text/turtle", 200),  # the service description
    ("/sparql?query=ASK%7B%7D", "application/sparql-results+json", 200),
    ("/search?q=kaz&format=json", "application/json", 200),
    ("/timeline", "application/json", 200),
    # errors made by the app
    ("/id/no-such-thing", "text/turtle", 404),
    ("/id/no-such-thing", "text/html", 404),
    ("/download/kgraph.xyz", "*/*", 404),
    ("/rdf-graphs?graph=http://example.org/none", "text/turtle", 404),
    ("/void", "image/png", 406),
    ("/id/kazakhstan", "image/png", 406),
    ("/sparql?query=SELEC", "application/json", 400),
    ("/rdf-graphs", "text/turtle", 400),
]


def _allowed(headers) -> bool:
    return headers.get("Access-Control-Allow-Origin") in ALLOWED


@pytest.fixture(scope="module")
def cors_client(store):
    from kgraph.web import create_app

    return create_app({"TESTING": True}, store=store).test_client()


@pytest.mark.parametrize("path, accept, status", RESOURCES)
def test_every_read_only_resource_answers_another_origin(cors_client, path, accept, status):
    response = cors_client.get(path, headers={"Origin": ORIGIN, "Accept": accept})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert _allowed(response.headers)
    assert "Access-Control-Allow-Credentials" not in response.headers  # public data: never cookies


@pytest.mark.parametrize("path", ["/id/kazakhstan", "/download/kgraph.ttl", "/void", "/.well-known/void",
                                  "/ontology", "/shapes", "/context.jsonld", "/rdf-graphs", "/sparql"])
def test_preflight_of_every_read_only_resource(cors_client, path):
    response = cors_client.options(path, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match, Accept"})
    assert response.status_code == 200
    assert _allowed(response.headers)
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in response.headers["Access-Control-Allow-Headers"].lower()


def test_validators_and_links_are_readable_across_origins(cors_client):
    response = cors_client.get("/id/kazakhstan", headers={"Origin": ORIGIN, "Accept": "text/turtle"})
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "last-modified", "link", "content-type", "vary"} <= exposed


def test_a_304_and_a_412_carry_cors(cors_client):
    first = cors_client.get("/id/kazakhstan", headers={"Origin": ORIGIN, "Accept": "text/turtle"})
    again = cors_client.get("/id/kazakhstan", headers={"Origin": ORIGIN, "Accept": "text/turtle",
                                                       "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and _allowed(again.headers)
    refused = cors_client.post("/sparql", data="ASK {}", headers={
        "Origin": ORIGIN, "Content-Type": "application/sparql-query", "If-None-Match": "*"})
    assert refused.status_code == 412 and _allowed(refused.headers)


def test_too_large_answers_carry_cors(make_app, w3c_fixture):
    client = make_app(files=[w3c_fixture], max_query_length=100).test_client()
    long = "ASK {} #" + "x" * 200
    too_long = client.get("/sparql", query_string={"query": long}, headers={"Origin": ORIGIN})
    assert too_long.status_code == 413 and _allowed(too_long.headers)
    too_big = client.post("/sparql", data=b"ASK {} #" + b"x" * (2 * 1024 * 1024),
                          headers={"Origin": ORIGIN, "Content-Type": "application/sparql-query"})
    assert too_big.status_code == 413 and _allowed(too_big.headers)


def test_only_the_configured_origins(make_app):
    client = make_app(cors_origins=["https://allowed.example"]).test_client()
    for path in ("/id/kazakhstan", "/download/kgraph.ttl", "/void", "/context.jsonld", "/id/no-such-thing"):
        allowed = client.get(path, headers={"Origin": "https://allowed.example", "Accept": "text/turtle"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://allowed.example", path
        assert "Origin" in allowed.headers.get("Vary", ""), path  # a shared cache keeps them apart
        other = client.get(path, headers={"Origin": "https://other.example", "Accept": "text/turtle"})
        assert "Access-Control-Allow-Origin" not in other.headers, path


def test_a_real_server_answers_another_origin(w3c_fixture):
    """``kgraph serve`` (gunicorn) over the W3C fixture: answers, errors and preflights."""
    env = {"KGRAPH_THREADS": "2", "KGRAPH_MAX_QUERY_LENGTH": "1000"}
    with kgraph_serve("--workers", "1", str(w3c_fixture), env=env, ready="/void") as (base, _process):
        for path, accept, status in [
            ("/void", "text/turtle", 200), ("/.well-known/void", "text/turtle", 200),
            ("/rdf-graphs?default", "text/turtle", 200), ("/sparql?query=ASK%7B%7D", "*/*", 200),
            ("/download/kgraph.nq", "*/*", 200), ("/context.jsonld", "*/*", 200),
            ("/id/nothing-here", "text/turtle", 404), ("/void", "image/png", 406),
            ("/sparql?query=" + "x" * 2000, "*/*", 413),  # the app's 413 (gunicorn's 414: server.py)
        ]:
            got, headers, _body = fetch(base + path, headers={"Origin": ORIGIN, "Accept": accept})
            assert got == status, (path, got)
            assert _allowed(headers), path
        import urllib.request

        preflight = urllib.request.Request(base + "/sparql", method="OPTIONS", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type"})
        with urllib.request.urlopen(preflight, timeout=10) as response:
            assert response.status == 200 and _allowed(response.headers)
            assert "POST" in response.headers["Access-Control-Allow-Methods"]
