"""``kgraph serve``: a real granian server, started as a subprocess, queried over HTTP."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner

from kgraph.cli import cli
from kgraph.server import MAX_REQUEST_LINE, granian_options
from kgraph.settings import defaults
from kgraph.web.security import HEADERS
from serving import KGRAPH, fetch, kgraph_serve


@pytest.fixture(scope="module")
def served_fixture(tmp_path_factory, w3c_fixture):
    """``kgraph serve FILE`` on a free port of 127.0.0.1; stopped (SIGTERM) afterwards."""

    with kgraph_serve("--workers", "2", str(w3c_fixture), ready="/void",
                      env={"KGRAPH_BUILD_DIR": str(tmp_path_factory.mktemp("build")),
                           "KGRAPH_BODY_TIMEOUT": "1"}) as served:
        yield served


def test_kgraph_serve_answers_sparql_over_http(served_fixture):
    base, process = served_fixture
    query = "SELECT ?s WHERE { GRAPH ?g { ?s a ?c } } ORDER BY ?s"
    status, headers, body = fetch(f"{base}/sparql?" + urlencode({"query": query}))
    assert status == 200
    # granian, set to name no product (kgraph.server); Flask's development server says Werkzeug/…
    assert headers["Server"] == "kgraph"
    assert headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    subjects = [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert subjects == [f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)]

    status, headers, body = fetch(f"{base}/sparql", data=b"ASK { ?s ?p \"caf\xc3\xa9\"@fr }",
                                  headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert (status, body.strip()) == (200, b"true")

    status, _, body = fetch(f"{base}/sparql", data=b"update=DROP+ALL",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and json.loads(body)["error"]["status"] == 403
    status, _, body = fetch(f"{base}/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert status == 200 and body.count(b"\n") == 6
    assert process.poll() is None


def test_granian_options_from_settings():
    options = granian_options({**defaults(), "host": "0.0.0.0", "port": 8123, "workers": 3,
                               "header_timeout": 2.5, "keep_alive": False, "max_connections": 50})
    assert (options["address"], options["port"], options["workers"]) == ("0.0.0.0", 8123, 3)
    assert options["http1_settings"].header_read_timeout == 2500
    assert options["http1_settings"].keep_alive is False
    assert options["backpressure"] == 50 and options["respawn_failed_workers"]
    assert granian_options(defaults())["log_access"] is True


def _raw(base: str, head: bytes, body_chunks=(), *, timeout: float = 10) -> tuple[int, dict, bytes]:
    """Send ``head`` then each of ``body_chunks`` as they are, and read the answer."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    connection.connect()
    try:
        connection.sock.sendall(head)
        for chunk in body_chunks:
            try:
                connection.sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break  # refused before the end: the answer is waiting
        response = http.client.HTTPResponse(connection.sock, method="POST")
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _assert_error_shape(status: int, headers, body: bytes, expected: int) -> dict:
    headers = {k.lower(): v for k, v in dict(headers).items()}
    assert status == expected, body
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["server"] == "kgraph"
    for name, value in HEADERS.items():
        assert headers[name.lower()] == value, name
    error = json.loads(body)["error"]
    assert error["status"] == expected and error["message"]
    return error


def test_the_servers_own_refusals_are_in_the_projects_error_shape(served_fixture):
    base, process = served_fixture
    # A URL over the request line's limit: 414, advising POST.
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * MAX_REQUEST_LINE
    error = _assert_error_shape(*fetch(f"{base}/sparql?" + urlencode({"query": query})), 414)
    assert "POST" in error["message"] and "application/sparql-query" in error["message"]
    # Header fields over their limit: 431.
    headers = {f"X-Filler-{n}": "y" * 1000 for n in range(20)}
    _assert_error_shape(*fetch(f"{base}/sparql?query=ASK%7B%7D", headers=headers), 431)
    # A body announced over the app's limit (1 MiB): 413 before it is read.
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 2000000\r\n\r\n")
    _assert_error_shape(*_raw(base, head, [b"ASK {}"]), 413)
    # A chunked body that passes the limit: 413, not cut and answered.
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"#" * 65536)
    _assert_error_shape(*_raw(base, head, [b"6\r\nASK {}\r\n", *[chunk] * 20, b"0\r\n\r\n"]), 413)
    # A chunked body under the limit is read whole and answered.
    status, _, body = _raw(base, head, [b"4\r\nASK \r\n", b"2\r\n{}\r\n", b"0\r\n\r\n"])
    assert status == 200 and json.loads(body)["boolean"] is True
    # A body that does not arrive within body_timeout (1 s here): 408.
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK")
    _assert_error_shape(*_raw(base, head), 408)
    assert process.poll() is None


def test_serve_help_and_bad_settings(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--store-dir" in result.output and "FILES" in result.output
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    result = runner.invoke(cli, ["serve", "--config", str(config)])
    assert result.exit_code == 2 and "unknown setting" in result.output


def test_entry_points_import():
    import kgraph.server  # noqa: F401
    import kgraph.web  # noqa: F401
    from kgraph.cli import main

    assert callable(main) and KGRAPH.exists()


def test_an_on_disk_store(make_app, w3c_fixture, tmp_path):
    """store_dir: loaded once into the folder, reused while the files are unchanged."""
    store_dir = tmp_path / "store"
    client = make_app(files=[w3c_fixture], store_dir=str(store_dir)).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "format": "csv"})
    assert response.get_data(as_text=True).split() == ["n", "6"]
    marker = store_dir / "kgraph-source.txt"
    stamp = marker.stat().st_mtime_ns
    make_app(files=[w3c_fixture], store_dir=str(store_dir))
    assert marker.stat().st_mtime_ns == stamp  # not reloaded
    other = make_app(files=[w3c_fixture.with_name("data1.nt")], store_dir=str(store_dir)).test_client()
    response = other.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "format": "csv"})
    assert response.get_data(as_text=True).split() == ["n", "1"]


@pytest.mark.server
def test_a_request_past_timeout_restarts_its_worker(tmp_path, w3c_fixture):
    """``timeout``, the last resort: a request the app is still on after it (here a query
    allowed longer than that) ends its worker; a new one takes its place and answers."""
    import psutil


    values = " ".join(str(n) for n in range(60))
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "vwxyz") + " }"
    # No per-client limit: the killed worker's query would hold this client's slot (see the
    # client_concurrency counters in kgraph.web.limits), which is not what is tested here.
    env = {"KGRAPH_BUILD_DIR": str(tmp_path / "build"), "KGRAPH_TIMEOUT": "2", "KGRAPH_QUERY_TIMEOUT": "30",
           "KGRAPH_CLIENT_CONCURRENCY": "0"}
    with kgraph_serve("--workers", "1", str(w3c_fixture), ready="/void", env=env) as (base, process):
        master = psutil.Process(process.pid)
        (worker,) = master.children()
        try:
            status = fetch(f"{base}/sparql?" + urlencode({"query": runaway}), timeout=20)[0]
        except OSError:  # the connection dies with the worker
            status = None
        assert status is None or status >= 500
        assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE
        assert fetch(f"{base}/sparql?query=ASK%7B%7D", timeout=20)[0] == 200
        assert [child.pid for child in master.children()] != [worker.pid]
