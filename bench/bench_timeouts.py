"""When is each runaway query cut, and is the server still answering meanwhile?

Starts ``kgraph serve`` (gunicorn, 2 workers) over a chain of N nodes (2N triples) with the
given ``query_timeout``, sends each runaway query, and while it runs, a small query: prints
the runaway's status and time to the answer, and the small query's worst latency.

    .venv/bin/python bench/bench_timeouts.py --timeout 5 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

KGRAPH = Path(sys.executable).with_name("kgraph")
EX = "http://example.org/"
VALUES = " ".join(str(i) for i in range(100))
RUNAWAYS = {
    "cartesian product (COUNT)": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "cartesian product of VALUES": "SELECT (COUNT(*) AS ?n) WHERE { "
                                   + " ".join(f"VALUES ?{v} {{ {VALUES} }}" for v in "vwxyz") + " }",
    "product streaming few rows": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c = ?f && ?f = ?i) }",
    "property path (p|!p)*": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a (<{EX}p>|!<{EX}p>)* ?b }}",
    "FILTER EXISTS over a product": "SELECT ?c WHERE { ?a ?b ?c FILTER EXISTS { ?d ?e ?f . ?g ?h ?i "
                                    "FILTER(?i = ?c && ?f = 'none') } }",
    "ORDER BY over a product": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(?f) ?c LIMIT 1",
}
#: A new text each time (k), so that it runs in a query process, not from the cache.
SMALL = "SELECT ?o WHERE {{ <" + EX + "n1> ?p ?o FILTER(?o != {k}) }}"


def fetch(url: str, timeout: float = 60) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="query_timeout (s)")
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kgraph-bench-timeouts-"))
    data = folder / "chain.nt"
    data.write_text("".join(f'<{EX}n{i}> <{EX}p> <{EX}n{i + 1}> .\n<{EX}n{i}> <{EX}v> "{i}" .\n'
                            for i in range(args.nodes)))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "KGRAPH_ACCESS_LOG": "false", "KGRAPH_QUERY_TIMEOUT": str(args.timeout),
           "KGRAPH_BUILD_DIR": str(folder / "build")}
    server = subprocess.Popen([str(KGRAPH), "serve", "--port", str(port), "--workers", "2", str(data)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/sparql?"
    rows = []
    try:
        for _ in range(300):
            try:
                fetch(base + urlencode({"query": "ASK {}"}), timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2)  # every query process up
        print(f"query_timeout {args.timeout:g} s, {2 * args.nodes} triples\n")
        print(f"{'runaway query':32} {'status':>6} {'cut after':>10} {'small query during (max)':>25}")
        for name, query in RUNAWAYS.items():
            result: dict = {}

            def runaway(query=query, result=result):
                started = time.monotonic()
                result["status"], _ = fetch(base + urlencode({"query": query}))
                result["seconds"] = time.monotonic() - started

            thread = threading.Thread(target=runaway)
            thread.start()
            small = []
            while thread.is_alive():
                started = time.monotonic()
                status, _ = fetch(base + urlencode({"query": SMALL.format(k=len(small)), "format": "csv"}))
                small.append((status, time.monotonic() - started))
                time.sleep(0.05)
            thread.join()
            worst = max((s for _, s in small), default=0.0)
            ok = all(status == 200 for status, _ in small)
            rows.append({"query": name, "status": result["status"], "seconds": round(result["seconds"], 3),
                         "small_queries": len(small), "small_all_200": ok, "small_max_s": round(worst, 4)})
            print(f"{name:32} {result['status']:>6} {result['seconds']:>9.2f}s "
                  f"{len(small):>5} × {'200' if ok else 'NOT 200'}, max {worst * 1000:6.1f} ms")
            time.sleep(1.5)  # the killed process replaced
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
