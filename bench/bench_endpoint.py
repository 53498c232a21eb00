#!/usr/bin/env python3
"""Requests per second and p50/p99 latency of a small SELECT over HTTP, on three endpoints
serving the same data in the same run:

- ``kgraph serve FILE`` (gunicorn, this project),
- ``rdflib-endpoint serve FILE`` (rdflib + FastAPI/uvicorn, PyPI ``rdflib-endpoint``),
- ``oxigraph serve-read-only`` (Rust, PyPI ``oxigraph``), after ``oxigraph load``.

The peers are installed into their own virtual environment, ``bench/.venv-peers`` (created
on first run: ``python -m venv bench/.venv-peers && bench/.venv-peers/bin/pip install
rdflib-endpoint==0.6.3 oxigraph==0.5.13``). The data is the built kgraph dataset
(``dataset.nq``; every graph, queried as one union default graph by all three).

Load: ``wrk`` when installed (``apt-get install -y wrk``), for ``--duration`` seconds with
``--connections`` connections; otherwise a Python thread pool sending ``--requests``
requests. Only 127.0.0.1 is ever contacted. Not part of the test suite.

    .venv/bin/python bench/bench_endpoint.py [--duration 10] [--connections 8] [--out bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = HERE / ".venv-peers"
PEER_PACKAGES = ["rdflib-endpoint==0.6.3", "oxigraph==0.5.13"]
KGRAPH = Path(sys.executable).with_name("kgraph")
QUERY = """SELECT ?state ?label WHERE {
  ?state a <https://w3id.org/kgraph/ontology#State> ;
         <http://www.w3.org/2000/01/rdf-schema#label> ?label .
} ORDER BY ?state ?label"""
ACCEPT = "application/sparql-results+json"


@dataclass
class Result:
    server: str
    setup: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    rows: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_peers() -> Path:
    if not (PEERS / "bin" / "oxigraph").exists() or not (PEERS / "bin" / "rdflib-endpoint").exists():
        print(f"installing {', '.join(PEER_PACKAGES)} into {PEERS} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(PEERS / "bin" / "pip"), "install", "-q", *PEER_PACKAGES], check=True)
    return PEERS / "bin"


def built_dataset() -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    from kgraph.pipeline import DATASET_FILE, ensure_built
    from kgraph.layout import Layout

    return ensure_built(Layout.default()) / DATASET_FILE


def query_url(base: str) -> str:
    return f"{base}?{urlencode({'query': QUERY})}"


def ask(url: str, timeout: float = 10) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120) -> int:
    """Wait until the endpoint answers the query; the number of rows it returns."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            return len(json.loads(ask(url, timeout=5))["results"]["bindings"])
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} not ready within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def load_wrk(url: str, args) -> tuple[float, float, float, int, int]:
    out = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
                          "--timeout", "10s", "--latency", "-H", f"Accept: {ACCEPT}", url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return rps, p50, p99, total, errors


def load_python(url: str, args) -> tuple[float, float, float, int, int]:
    latencies: list[float] = []
    errors = 0

    def one(_):
        started = time.perf_counter()
        try:
            ask(url)
            return time.perf_counter() - started
        except OSError:
            return None

    started = time.perf_counter()
    with ThreadPoolExecutor(args.connections) as pool:
        for latency in pool.map(one, range(args.requests)):
            if latency is None:
                errors += 1
            else:
                latencies.append(latency * 1000)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return args.requests / elapsed, cuts[49], cuts[98], args.requests, errors


def servers(data: Path, peers: Path, workdir: Path, args):
    """(name, setup, command, endpoint path, preparation) for each server."""
    store = workdir / "oxigraph-store"
    yield ("kgraph serve", f"gunicorn, {args.workers} workers x {args.kgraph_threads} threads",
           [str(KGRAPH), "serve", "--workers", str(args.workers), "--port", "{port}", str(data)], "/sparql",
           None)
    yield ("oxigraph serve-read-only", "Rust, one process, --union-default-graph",
           [str(peers / "oxigraph"), "serve-read-only", "--location", str(store), "--bind", "127.0.0.1:{port}",
            "--union-default-graph"], "/query",
           [str(peers / "oxigraph"), "load", "--location", str(store), "--file", str(data)])
    yield ("rdflib-endpoint", "rdflib + uvicorn, one process",
           [str(peers / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", "{port}", str(data)],
           "/", None)


def run(args) -> list[Result]:
    data = Path(args.data) if args.data else built_dataset()
    peers = ensure_peers()
    load = load_wrk if shutil.which("wrk") and not args.python_load else load_python
    results = []
    env = {**os.environ, "KGRAPH_ACCESS_LOG": "false", "KGRAPH_THREADS": str(args.kgraph_threads)}
    with tempfile.TemporaryDirectory(prefix="kgraph-bench-") as tmp:
        for name, setup, command, path, prepare in servers(data, peers, Path(tmp), args):
            if args.only and not any(o in name for o in args.only.split(",")):
                continue
            if prepare:
                subprocess.run(prepare, check=True, capture_output=True)
            port = free_port()
            argv = [part.replace("{port}", str(port)) for part in command]
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                       cwd=tmp)
            try:
                url = query_url(f"http://127.0.0.1:{port}{path}")
                rows = wait_ready(url, process)
                for _ in range(args.warmup):
                    ask(url)
                rps, p50, p99, total, errors = load(url, args)
            finally:
                stop(process)
            results.append(Result(name, setup, round(rps, 1), round(p50, 2), round(p99, 2), total, errors, rows))
            print(f"  {name}: {rps:.0f} req/s", file=sys.stderr)
    return results


def table(results: list[Result], loader: str) -> str:
    base = results[0]
    lines = [f"Small SELECT over HTTP ({loader}); ratios relative to {base.server}", "",
             f"| {'server':<26}| {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'req/s ratio':>11} "
             f"| {'p50 ratio':>9} | {'rows':>4} | {'errors':>6} | setup",
             "|" + "-" * 27 + "|---------:|--------:|--------:|------------:|----------:|-----:|-------:|------"]
    for r in results:
        lines.append(f"| {r.server:<26}| {r.requests_per_second:>8.0f} | {r.p50_ms:>7.2f} | {r.p99_ms:>7.2f} "
                     f"| {r.requests_per_second / base.requests_per_second:>10.2f}x "
                     f"| {r.p50_ms / base.p50_ms:>8.2f}x | {r.rows:>4} | {r.errors:>6} | {r.setup}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="RDF file to serve (default: the built kgraph dataset.nq)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per server (wrk)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--requests", type=int, default=2000, help="requests per server (Python load)")
    parser.add_argument("--warmup", type=int, default=20, help="requests sent before measuring")
    parser.add_argument("--workers", type=int, default=2, help="kgraph serve --workers")
    parser.add_argument("--kgraph-threads", type=int, default=4, help="threads per kgraph worker")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator, not wrk")
    parser.add_argument("--only", help="comma-separated parts of server names to run")
    parser.add_argument("--out", default=str(HERE / "results.json"), help="where to write the JSON")
    args = parser.parse_args()
    loader = ("wrk, {c} connections, {d} s" if shutil.which("wrk") and not args.python_load
              else "Python threads, {c} connections, {n} requests").format(
        c=args.connections, d=args.duration, n=args.requests)
    results = run(args)
    print(table(results, loader))
    Path(args.out).write_text(json.dumps({"query": QUERY, "load": loader, "cpus": os.cpu_count(),
                                          "results": [asdict(r) for r in results]}, indent=2) + "\n")
    print(f"\nwritten: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
