"""``kgraph serve``: a real gunicorn server, started as a subprocess, queried over HTTP."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from kgraph.cli import cli
from kgraph.server import KgraphServer, gunicorn_options
from kgraph.settings import defaults
from serving import KGRAPH, fetch, kgraph_serve


@pytest.fixture
def served_fixture(w3c_fixture, tmp_path):
    """``kgraph serve FILE`` on a free port of 127.0.0.1; stopped (SIGTERM) afterwards."""
    with kgraph_serve("--workers", "2", str(w3c_fixture), ready="/void",
                      env={"KGRAPH_BUILD_DIR": str(tmp_path / "build")}) as served:
        yield served


def test_kgraph_serve_answers_sparql_over_http(served_fixture):
    base, process = served_fixture
    query = "SELECT ?s WHERE { GRAPH ?g { ?s a ?c } } ORDER BY ?s"
    status, headers, body = fetch(f"{base}/sparql?" + urlencode({"query": query}))
    assert status == 200
    # gunicorn, set to name no product (kgraph.server); Flask's development server says Werkzeug/…
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


def test_gunicorn_options_from_settings():
    options = gunicorn_options({**defaults(), "host": "0.0.0.0", "port": 8123, "workers": 3, "threads": 1})
    assert options["bind"] == ["0.0.0.0:8123"]
    # gunicorn's sync and gthread workers, with the project's error shape for a too-long URL
    assert (options["workers"], options["worker_class"], options["preload_app"]) == (3, "kgraph.server.SyncWorker", True)
    assert gunicorn_options(defaults())["worker_class"] == "kgraph.server.ThreadWorker"
    server = KgraphServer(lambda: None, options)
    assert server.cfg.bind == ["0.0.0.0:8123"] and server.cfg.preload_app


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
