"""A remote store that is down or slow: 503 with Retry-After, and recovery without a restart."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from kgraph.web import create_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ENTITY = "/id/kazakhstan"


@pytest.fixture
def pushed(kgraph, oxigraph):
    """An Oxigraph server holding the build."""
    assert kgraph("push", oxigraph.url, "-q").exit_code == 0
    return oxigraph


def remote_app(url: str, project_layout, **settings):
    # No result cache: every request must reach the store (a cached answer would rightly
    # be served while the store is down, and hide what is tested here).
    return create_app({"TESTING": True, "store_url": url, "result_cache_mb": 0, **settings},
                      layout=project_layout)


def count(client) -> int:
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def assert_unavailable(response, port: int) -> None:
    """503 with Retry-After, in the project's error shape, naming neither the store nor its port."""
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert str(port) not in body and "Traceback" not in body
    if response.content_type.startswith("application/json"):
        error = response.get_json()["error"]
        assert error["status"] == 503 and error["title"] == "Service Unavailable"
        assert f"Try again in {response.headers['Retry-After']} seconds" in error["message"]


def test_a_store_that_goes_down_and_comes_back(pushed, project_layout, built, caplog):
    client = remote_app(pushed.url, project_layout).test_client()
    facts = built.manifest["triples"]["asserted"] + built.manifest["triples"]["inferred"]
    assert count(client) <= facts and count(client) > 0
    assert client.get(ENTITY, headers={"Accept": "text/html"}).status_code == 200

    pushed.stop()
    assert_unavailable(client.get("/sparql", query_string={"query": COUNT}), pushed.port)
    page = client.get(ENTITY, headers={"Accept": "text/html"})
    assert_unavailable(page, pushed.port)
    assert page.content_type == "text/html; charset=utf-8" and "<h1>503 Service Unavailable</h1>" in page.text
    plain = client.get("/rdf-graphs?default", headers={"Accept": "text/turtle, text/plain;q=0.5"})
    assert_unavailable(plain, pushed.port)
    assert plain.text.startswith("503 Service Unavailable")
    assert f"127.0.0.1:{pushed.port}" in caplog.text and "Connection refused" in caplog.text  # for the operator

    pushed.start()  # the same app, not restarted
    assert count(client) > 0
    assert client.get(ENTITY, headers={"Accept": "text/html"}).status_code == 200


def test_a_store_down_when_the_app_starts(pushed, project_layout):
    """The app starts anyway (gunicorn would otherwise exit), answers 503, then recovers."""
    pushed.stop()
    client = remote_app(pushed.url, project_layout).test_client()
    assert_unavailable(client.get("/sparql", query_string={"query": COUNT}), pushed.port)
    assert_unavailable(client.get("/void", headers={"Accept": "text/turtle"}), pushed.port)
    pushed.start()
    assert count(client) > 0
    assert client.get("/void", headers={"Accept": "text/turtle"}).status_code == 200


@pytest.fixture
def silent_store():
    """A 'store' on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


def test_a_slow_store_is_a_503_after_the_query_timeout(silent_store, project_layout):
    url, port = silent_store
    client = remote_app(url, project_layout, query_timeout=0.5).test_client()
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": COUNT})
    assert time.monotonic() - started < 5  # query_timeout + 1 s, not forever
    assert_unavailable(response, port)
    assert "did not answer within 1.5 s (the query_timeout setting" in response.get_json()["error"]["message"]


def test_a_query_the_store_refuses_is_the_clients_400(pushed, project_layout):
    client = remote_app(pushed.url, project_layout).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("the query is not valid SPARQL at line 1, column ")


def test_a_wrong_store_url_is_refused_at_start(pushed, project_layout, kgraph):
    """Not a SPARQL endpoint (a 404): retrying would not help, so the app does not start."""
    from kgraph.remote import RemoteStoreError

    with pytest.raises(RemoteStoreError, match="404"):
        remote_app(f"{pushed.url}/no/such/query", project_layout)
    result = kgraph("serve", "--store", "ftp://example.org/sparql")
    assert result.exit_code == 2 and "not an http(s) URL" in result.stderr


def test_files_and_a_store_are_not_served_together(kgraph, pushed, tmp_path):
    data = tmp_path / "data.ttl"
    data.write_text("<urn:a> <urn:b> <urn:c> .\n")
    result = kgraph("serve", "--store", pushed.url, str(data))
    assert result.exit_code == 2 and "not both" in result.stderr


@pytest.fixture
def failing_store():
    """A 'store' on 127.0.0.1 answering every request with a status of the test's choosing
    (Oxigraph cannot be made to fail on its side on purpose)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answer = {"status": 500, "headers": {}}

    class Failing(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"internal failure in the store"
            self.send_response(answer["status"])
            for name, value in answer["headers"].items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, answer
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(("status", "headers", "retry_after"), [
    (500, {}, "5"),
    (502, {}, "5"),
    (503, {"Retry-After": "17"}, "17"),  # the store's own advice is passed on
    (429, {"Retry-After": "2"}, "2"),
])
def test_a_store_failing_on_its_side_is_a_503(failing_store, project_layout, status, headers, retry_after):
    port, answer = failing_store
    answer.update(status=status, headers=headers)
    client = remote_app(f"http://127.0.0.1:{port}/sparql", project_layout).test_client()
    response = client.get("/sparql", query_string={"query": COUNT})
    assert_unavailable(response, port)
    assert response.headers["Retry-After"] == retry_after
    assert "internal failure" not in response.text
