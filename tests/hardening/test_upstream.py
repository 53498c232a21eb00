"""Hardening, round two: every failure of an allowed SERVICE endpoint is the other server's
— a 502 (504 when it does not answer in time) in the error shape, never a 500.

A local stand-in plays the allowed endpoint, one path per way of failing; the app runs the
federated query in its query processes kept for federated queries, as `kgraph serve` does.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kgraph.web import create_app

JSON = {"Accept": "application/sparql-results+json"}


class _Failing(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 — http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/html-error":
            self._send(500, "text/html", b"<html><body><h1>Internal Server Error</h1></body></html>")
        elif self.path == "/not-sparql":
            self._send(200, "text/plain", b"hello, this is not a SPARQL answer")
        elif self.path == "/bad-json":
            self._send(200, "application/sparql-results+json", b'{"head": {"vars": ["x"]}, "results": ')
        else:
            self._send(200, "application/sparql-results+json", b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # the slow path's caller was stopped at the timeout: its pipe is gone, as meant


@pytest.fixture(scope="module")
def upstream():
    server = _Server(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def client(project_layout, built, upstream, closed_port):
    allow = [f"{upstream}/{name}" for name in ("ok", "slow", "html-error", "not-sparql", "bad-json")]
    allow.append(f"http://127.0.0.1:{closed_port}/sparql")
    app = create_app({"TESTING": True, "federation_allow": allow, "query_timeout": 1.5}, layout=project_layout)
    return app.test_client()


def _ask(client, endpoint: str):
    query = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    return client.post("/sparql", data={"query": query}, headers=JSON)


def test_an_allowed_endpoint_that_answers_is_joined(client, upstream):
    response = _ask(client, f"{upstream}/ok")
    assert response.status_code == 200 and response.get_json()["results"]["bindings"] == [{}]


@pytest.mark.parametrize("name", ["html-error", "not-sparql", "bad-json", "refused"])
def test_a_failing_endpoint_is_a_502(client, upstream, closed_port, name):
    endpoint = f"http://127.0.0.1:{closed_port}/sparql" if name == "refused" else f"{upstream}/{name}"
    response = _ask(client, endpoint)
    assert response.status_code == 502, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) == {"status", "title", "message"} and "SERVICE" in error["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_an_endpoint_that_does_not_answer_in_time_is_a_504(client, upstream):
    started = time.monotonic()
    response = _ask(client, f"{upstream}/slow")
    assert response.status_code == 504 and "Retry-After" in response.headers
    assert "SERVICE" in response.get_json()["error"]["message"]
    assert time.monotonic() - started < 1.5 + 2


def test_a_silent_call_that_fails_is_one_empty_solution(client, upstream):
    query = f"SELECT * WHERE {{ SERVICE SILENT <{upstream}/html-error> {{ ?s ?p ?o }} }}"
    response = client.post("/sparql", data={"query": query}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["results"]["bindings"] == [{}]
