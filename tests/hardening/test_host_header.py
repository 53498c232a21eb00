"""Absolute URLs come from the ``base_url`` setting, never from a request's Host (issue 17).

A client writes the Host header (and X-Forwarded-Host, which no proxy of ours vouches
for); the UI's endpoint, the service description and VoID used to put it in their URLs, so
one request could make a cached description point at another server. Now: ``base_url``
when set; else the address and port the server listens on (``host``, ``port``), or a
relative URL where one works (the UI's ``/sparql``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from kgraph.web import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from serving import fetch, kgraph_serve  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "w3c-protocol" / "protocol-fixture.trig"
EVIL = "evil.example"
HOSTILE = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "Forwarded": f"host={EVIL}"}
#: Every answer that names this server's URLs, and what it is asked for in.
PATHS = [
    ("/", "text/html"),
    ("/sparql", "text/turtle"),
    ("/sparql", "application/ld+json"),
    ("/void", "text/turtle"),
    ("/.well-known/void", "application/n-triples"),
    ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
    ("/rdf-graphs?default", "text/turtle"),
    ("/no-such-page", "text/html"),
]


def _endpoint_in_ui(html: str) -> str:
    match = re.search(r'<script type="application/json" id="yasgui-config">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))["endpoint"]


@pytest.fixture(scope="module")
def files_app():
    return create_app({"TESTING": True}, files=[FIXTURE])


@pytest.mark.parametrize("path, accept", PATHS)
def test_a_hostile_host_is_nowhere_in_the_answer(files_app, path, accept):
    response = files_app.test_client().get(path, headers={**HOSTILE, "Accept": accept})
    assert response.status_code < 500
    assert EVIL not in response.get_data(as_text=True)
    assert all(EVIL not in value for _name, value in response.headers.items())


def test_a_hostile_host_is_nowhere_on_kgraph_pages(hostile_app):
    client = hostile_app.test_client()
    for path in ("/", "/void", "/sparql", "/id/mischief", "/search?q=script", "/timeline"):
        response = client.get(path, headers={**HOSTILE, "Accept": "text/html, text/turtle;q=0.9"})
        assert EVIL not in response.get_data(as_text=True), path


def test_without_base_url_the_urls_are_the_servers_own_address(files_app):
    client = files_app.test_client()
    assert _endpoint_in_ui(client.get("/", headers=HOSTILE).get_data(as_text=True)) == "/sparql"
    description = client.get("/sparql", headers={**HOSTILE, "Accept": "text/turtle"}).get_data(as_text=True)
    assert "<http://127.0.0.1:8000/sparql>" in description  # the host and port settings' defaults
    void = client.get("/void", headers={**HOSTILE, "Accept": "text/turtle"}).get_data(as_text=True)
    assert "http://127.0.0.1:8000/sparql" in void


@pytest.mark.parametrize("host, port, origin", [
    ("127.0.0.1", 8080, "http://127.0.0.1:8080"),
    ("0.0.0.0", 8000, "http://localhost:8000"),  # every interface: no address of its own
    ("::", 8000, "http://localhost:8000"),
    ("::1", 9000, "http://[::1]:9000"),
    ("kg.internal", 80, "http://kg.internal"),
])
def test_the_default_comes_from_host_and_port(host, port, origin):
    app = create_app({"TESTING": True, "host": host, "port": port}, files=[FIXTURE])
    body = app.test_client().get("/sparql", headers={**HOSTILE, "Accept": "text/turtle"}).get_data(as_text=True)
    assert f"<{origin}/sparql>" in body and EVIL not in body


def test_base_url_wins(make_base_url_app):
    client = make_base_url_app.test_client()
    assert _endpoint_in_ui(client.get("/", headers=HOSTILE).get_data(as_text=True)) == "https://kg.example.org/sparql"
    for path in ("/sparql", "/void"):
        body = client.get(path, headers={**HOSTILE, "Accept": "text/turtle"}).get_data(as_text=True)
        assert "https://kg.example.org/sparql" in body and EVIL not in body


@pytest.fixture
def make_base_url_app():
    return create_app({"TESTING": True, "base_url": "https://kg.example.org/"}, files=[FIXTURE])


def test_a_real_server_ignores_a_hostile_host():
    """``kgraph serve`` (gunicorn): its own port in the descriptions, whatever Host says."""
    with kgraph_serve("--workers", "1", str(FIXTURE), env={"KGRAPH_THREADS": "2"}, ready="/void") as (base, _process):
        port = base.rsplit(":", 1)[1]
        for path, accept in PATHS:
            status, headers, body = fetch(base + path, headers={**HOSTILE, "Accept": accept})
            assert status < 500, (path, status)
            assert EVIL.encode() not in body, path
            assert all(EVIL not in value for value in headers.values()), path
        _status, _headers, body = fetch(base + "/void", headers={**HOSTILE, "Accept": "text/turtle"})
        assert f"http://127.0.0.1:{port}/sparql".encode() in body
