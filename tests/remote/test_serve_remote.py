"""`kgraph serve --store URL`: the real server (gunicorn, two forked workers) over an Oxigraph server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from oxigraph_process import free_port

KGRAPH = Path(sys.executable).with_name("kgraph")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def fetch(url: str, accept: str = "application/json"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def served(kgraph, oxigraph, project_layout):
    """`kgraph serve --store URL` on a free port, over a pushed Oxigraph server."""
    assert kgraph("push", oxigraph.url, "-q").exit_code == 0
    port = free_port()
    env = {**os.environ, "KGRAPH_ACCESS_LOG": "false", "KGRAPH_RESULT_CACHE_MB": "0"}
    process = subprocess.Popen(
        [str(KGRAPH), "--home", str(project_layout.data_dir.parent), "--build-dir", str(project_layout.build_dir),
         "serve", "--store", oxigraph.url, "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                urllib.request.urlopen(base + "/context.jsonld", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "kgraph serve --store did not start within 30 s"
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_serve_over_a_remote_store(served, oxigraph, store):
    expected = int(next(iter(store.query(COUNT).raw))["n"].value)  # the embedded store's answer
    sparql = f"{served}/sparql?" + urlencode({"query": COUNT})
    for _ in range(4):  # requests land on both workers, each with its own connections
        status, _, body = fetch(sparql)
        assert status == 200
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == expected
    assert fetch(f"{served}/id/kazakhstan", "text/html")[0] == 200
    assert fetch(f"{served}/.well-known/void", "text/turtle")[0] == 200

    oxigraph.stop()
    status, headers, body = fetch(sparql)
    assert status == 503 and int(headers["Retry-After"]) > 0
    assert json.loads(body)["error"]["status"] == 503

    oxigraph.start()
    for _ in range(4):
        assert fetch(sparql)[0] == 200
