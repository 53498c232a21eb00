"""Every read-only resource answers Chromium's ``fetch()`` from another origin (issue 16).

The page doing the fetching is served by a second server on another port of 127.0.0.1 —
another origin — so Chromium applies CORS exactly as for a web app elsewhere: simple
GETs, preflighted requests (an ``If-None-Match`` header, a POST of
``application/sparql-query``) and error answers, whose status the app must be able to read.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Blank(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b"<!doctype html><title>another origin</title><p>elsewhere</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def other_origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Blank)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def elsewhere(chromium, other_origin):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto(other_origin + "/")
    yield page
    context.close()


_FETCH = """async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    const body = await response.arrayBuffer();
    return {status: response.status, type: response.headers.get("content-type"),
            etag: response.headers.get("etag"), bytes: body.byteLength};
  } catch (error) {
    return {error: String(error)};
  }
}"""

#: (path, Accept, status)
RESOURCES = [
    ("/id/aktau", "text/turtle", 200),
    ("/id/aktau", "text/html", 200),
    ("/id/aktau", "application/ld+json", 200),
    ("/download/kgraph.nt", "*/*", 200),
    ("/.well-known/void", "text/turtle", 200),
    ("/void", "application/ld+json", 200),
    ("/ontology", "text/turtle", 200),
    ("/ontology", "text/html", 200),
    ("/shapes", "text/turtle", 200),
    ("/context.jsonld", "application/ld+json", 200),
    ("/rdf-graphs?default", "text/turtle", 200),
    ("/graph/asserted", "text/turtle", 200),  # a named graph's IRI: 303 to /rdf-graphs, followed
    ("/sparql", "text/turtle", 200),
    ("/sparql?query=ASK%7B%7D", "application/sparql-results+json", 200),
    ("/id/no-such-thing", "text/turtle", 404),
    ("/download/kgraph.xyz", "*/*", 404),
    ("/void", "image/png", 406),
    ("/sparql?query=SELEC", "application/json", 400),
]


@pytest.mark.parametrize("path, accept, status", RESOURCES)
def test_cross_origin_fetch(elsewhere, live_server, path, accept, status):
    got = elsewhere.evaluate(_FETCH, [live_server + path, {"headers": {"Accept": accept}}])
    assert "error" not in got, got  # a CORS refusal is a TypeError: Failed to fetch
    assert got["status"] == status


def test_cross_origin_revalidation_is_preflighted_and_answered(elsewhere, live_server):
    url = live_server + "/id/aktau"
    first = elsewhere.evaluate(_FETCH, [url, {"headers": {"Accept": "text/turtle"}, "cache": "no-store"}])
    assert first["status"] == 200 and first["etag"], first  # the ETag is exposed
    again = elsewhere.evaluate(_FETCH, [url, {"cache": "no-store", "headers": {
        "Accept": "text/turtle", "If-None-Match": first["etag"]}}])
    assert again.get("status") == 304, again


def test_cross_origin_post_of_a_query(elsewhere, live_server):
    got = elsewhere.evaluate(_FETCH, [live_server + "/sparql", {
        "method": "POST", "body": "ASK { ?s ?p ?o }",
        "headers": {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}}])
    assert got.get("status") == 200 and got["type"].startswith("application/sparql-results+json"), got
