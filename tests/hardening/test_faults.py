"""Faults: a killed gunicorn worker is replaced; a build killed midway leaves the last good
build current, and the next build succeeds. Real processes, real signals, 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import psutil
import pytest
from fuzzing import ROOT, assert_no_leak

from kgraph.pipeline import current_build, read_manifest
from kgraph.web import create_app
from kgraph.web.dataset import open_built
from serving import KGRAPH, fetch, kgraph_serve

HOSTILE_FIXTURE = Path(__file__).resolve().parent / "data" / "hostile.trig"
ASK = "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"})


def answers(url: str) -> bool:
    """True when ``url`` answers 200 (False while nobody accepts or answers in time)."""
    try:
        return fetch(url, timeout=2)[0] == 200
    except OSError:  # refused, reset or timed out
        return False


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``kgraph serve --workers 2 hostile.trig`` on a free port; stopped afterwards."""
    with kgraph_serve("--workers", "2", str(HOSTILE_FIXTURE), ready=ASK,
                      env={"KGRAPH_BUILD_DIR": str(tmp_path_factory.mktemp("build"))}) as (base, process):
        yield base, psutil.Process(process.pid)


def workers(master: psutil.Process) -> set[int]:
    return {child.pid for child in master.children() if child.status() != psutil.STATUS_ZOMBIE}


def test_a_killed_worker_is_replaced_and_requests_keep_succeeding(server):
    base, master = server
    first = wait_for(lambda: len(workers(master)) == 2 and workers(master), 10, "two workers")
    victim = min(first)
    helpers = psutil.Process(victim).children(recursive=True)  # its query processes, if any
    os.kill(victim, signal.SIGKILL)
    for _ in range(10):  # the other worker answers meanwhile
        assert fetch(base + ASK, timeout=20)[0] == 200
    now = wait_for(lambda: len(workers(master) - first) == 1 and len(workers(master)) == 2 and workers(master),
                   20, "a new worker in place of the killed one")
    assert victim not in now
    wait_for(lambda: not [p for p in helpers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE],
             10, "the killed worker's own processes end with it")
    # Kill the last original worker too: what answers now is the replacement.
    os.kill(max(first), signal.SIGKILL)
    wait_for(lambda: answers(base + ASK), 30, "the replacement answers")
    wait_for(lambda: len(workers(master)) == 2 and not (workers(master) & first), 30, "two new workers")
    for _ in range(5):
        assert fetch(base + ASK, timeout=20)[0] == 200


def test_the_real_server_says_no_product_and_sends_the_security_headers(server):
    base, _ = server
    status, headers, body = fetch(base + "/id/mischief", headers={"Accept": "text/html"}, timeout=5)
    assert status == 200
    assert headers["Server"] == "kgraph"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    # An over-long request line is refused by gunicorn itself: still no product or version.
    status, headers, body = fetch(base + "/sparql?query=" + "x" * 20000, timeout=5)
    assert 400 <= status < 500
    assert headers.get("Server") in (None, "kgraph")
    assert_no_leak(body.decode("utf-8", "replace"))
    assert b"gunicorn" not in body.lower()


@pytest.mark.slow
def test_a_build_killed_midway_leaves_the_last_good_build_current(tmp_path, built):
    home, build_dir = tmp_path / "home", tmp_path / "build"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, home / folder)
    shutil.copytree(built.path, build_dir / built.path.name)
    (build_dir / "current").symlink_to(built.path.name)
    good = current_build(build_dir)
    with (home / "data" / "states.ttl").open("a", encoding="utf-8") as file:
        file.write("\n# touched: a new version to build\n")
    command = [str(KGRAPH), "--home", str(home), "--build-dir", str(build_dir), "build"]
    # The reference validator is the slow one: it gives the kill seconds of validation to land in.
    env = {**os.environ, "KGRAPH_VALIDATOR": "pyshacl"}

    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seen = b""
    while b"validate" not in seen:
        chunk = os.read(process.stderr.fileno(), 256)
        assert chunk, f"the build ended before validating:\n{seen.decode()}"
        seen += chunk
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "the build finished before it was killed"

    assert current_build(build_dir) == good
    assert not any((p / "dataset.nq").exists() for p in build_dir.iterdir() if p.resolve() != good and p.is_dir()
                   and p.name != "cache")
    app = create_app({"TESTING": True}, dataset=open_built(current_build(build_dir)))
    response = app.test_client().get(ASK, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and response.get_json()["boolean"] is True

    rerun = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    rebuilt = current_build(build_dir)
    assert rebuilt != good and read_manifest(rebuilt)["triples"] == read_manifest(good)["triples"]
    assert not [p.name for p in build_dir.iterdir() if p.name.startswith(".staging")]
