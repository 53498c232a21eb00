#!/usr/bin/env python3
"""A bounded load test of ``kgraph serve`` on the article's graph (issue 6).

    .venv/bin/python bench/load_test.py [--duration 60] [--connections 4] [--vary] [--json out.json]

1. starts ``kgraph serve`` (the current build of the checkout, or ``--home``) on a free port
   of 127.0.0.1, and checks that it answers every shipped example query (the competency
   questions, sent as the query UI sends them; the federated ones, which need Wikidata, are
   left out);
2. warm-up and capacity: ``--warmup`` seconds of the mix with ``--connections`` connections;
   the throughput reached is the server's measured capacity for this mix;
3. the test: the same mix at that capacity (the same connections, closed loop: every
   connection sends its next query when the answer to the last arrives) for ``--duration``
   seconds, sampling the memory (RSS) of the gunicorn master and each worker every few
   seconds.

Prints the requests served, the errors (non-2xx answers, socket errors and timeouts) and
the memory at the start and the end. Exits 1 when there was any error or the memory grew by
more than ``--max-growth-mib`` (default 5% of the start, at least 16 MiB), else 0.

``--vary`` makes every query text unique (a no-op ``VALUES`` with a new literal, as
``vary.lua``), so the answer cache
serves nothing and the engine parses and evaluates every request; by default the queries
repeat as users' do, and the cache answers repeats. Uses wrk (installed from Debian by the
suite when missing) or, without it, Python threads.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import bench_endpoint as endpoint

MIX_SCRIPT = HERE / "mix.lua"
#: One Accept for every query, as a generic client sends: the server picks JSON for
#: solutions and Turtle for graphs (CONSTRUCT, DESCRIBE).
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"


def mix() -> list[tuple[str, str]]:
    """(name, query text) of every shipped example query that runs offline, as the UI sends it."""
    from kgraph.examples import example_queries
    from kgraph.web.ui import with_prologue

    return [(q.name, with_prologue(q.sparql)) for q in example_queries() if not q.network]


def check_mix(server: endpoint.RunningServer, queries: list[tuple[str, str]]) -> None:
    """Every query answers 200 once: a mix with a failing query would only measure errors."""
    for name, sparql in queries:
        status, _, body = endpoint.fetch(server.url(sparql), ACCEPT, timeout=60)
        if status != 200:
            raise SystemExit(f"the example query {name} failed with {status}: {body[:300]!r}")


class MemorySampler:
    """The memory of a server's processes, sampled every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 5):
        self.pid, self.interval = pid, interval
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def sample(self) -> dict:
        memory = endpoint.process_memory(self.pid)
        memory["t"] = round(time.monotonic() - self._started, 1)
        self.samples.append(memory)
        return memory

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Verdict:
    requests: int
    errors: int
    error_detail: str
    requests_per_second: float
    capacity_rps: float
    p50_ms: float
    p99_ms: float
    rss_start_mib: float
    rss_end_mib: float
    rss_max_mib: float
    growth_mib: float
    max_growth_mib: float
    warmup_errors: int = 0

    @property
    def passed(self) -> bool:
        return self.errors == 0 and self.warmup_errors == 0 and self.growth_mib <= self.max_growth_mib


def load(settings: endpoint.LoadSettings, server: endpoint.RunningServer, paths_file: Path,
         paths: list[str], vary: bool) -> endpoint.LoadResult:
    if settings.wrk:
        return endpoint.run_wrk(settings, f"http://{endpoint.HOST}:{server.port}/", ACCEPT, MIX_SCRIPT,
                                [str(paths_file), "vary" if vary else "same"])
    base = f"http://{endpoint.HOST}:{server.port}"
    urls = (base + path for path in itertools.cycle(paths))
    if vary:
        counter = itertools.count()
        urls = (url + endpoint.nonce(str(next(counter))) for url in urls)
    return endpoint.run_python(settings, ((url, ACCEPT) for url in urls))


def wait_until_settled(pid: int, quiet_seconds: float = 2.0, limit: float = 60.0) -> int:
    """Until the server's process tree has kept the same processes for ``quiet_seconds``
    (each worker starts its query processes one after the other, in the background);
    the number of processes then. Memory is compared from there: what starting costs is
    not growth under load."""
    import psutil

    root = psutil.Process(pid)
    deadline = time.monotonic() + limit
    seen, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = frozenset(p.pid for p in root.children(recursive=True))
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_seconds:
            break
        time.sleep(0.2)
    return len(seen or ())


def memory_line(memory: dict) -> str:
    parts = [f"master {memory['master']['rss_mib']:.0f}"]
    for worker in memory["workers"]:
        helpers = (f" + {worker['children']} child processes {worker['children_rss_mib']:.0f}"
                   if worker["children"] else "")
        parts.append(f"worker {worker['rss_mib']:.0f}{helpers}")
    return (f"RSS {memory['total_rss_mib']:.0f} MiB ({', '.join(parts)}); "
            f"PSS {memory['total_pss_mib']:.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of the test [60]")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of warm-up that measure the capacity [10]")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections [4]")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads [1]")
    parser.add_argument("--workers", type=int, default=2, help="kgraph serve --workers [2]")
    parser.add_argument("--vary", action="store_true", help="make every query text unique (no cache hits)")
    parser.add_argument("--max-growth-mib", type=float, help="memory growth allowed (default: 5%% of the start, >= 16)")
    parser.add_argument("--home", type=Path, help="folder with ontology/, data/, shapes/ (default: this checkout)")
    parser.add_argument("--build-dir", type=Path, help="where its builds are (default: HOME/build)")
    parser.add_argument("--python-load", action="store_true", help="the Python load generator even if wrk is there")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.connections <= 0 or not 0 < args.threads <= args.connections:
        parser.error("--duration and --connections must be positive, --warmup >= 0, 0 < --threads <= --connections")

    from kgraph.layout import Layout
    from kgraph.pipeline import ensure_built

    layout = Layout.default()
    if args.home or args.build_dir:
        layout = Layout.at(args.home or layout.ontology_dir.parent, args.build_dir)
    ensure_built(layout)  # built before the clock starts: the test is about serving
    wrk = None if args.python_load else endpoint.ensure_wrk()
    settings = endpoint.LoadSettings(args.duration, args.connections, args.threads, timeout=10, wrk=wrk)
    queries = mix()
    spec = endpoint.kgraph_spec(layout.ontology_dir.parent, layout.build_dir, workers=args.workers,
                                connections=args.connections)
    print(f"load test: {len(queries)} example queries, {'each text unique' if args.vary else 'repeated'}; "
          f"{settings.describe().replace(f'{args.duration:g} s per measurement', f'{args.duration:g} s')}",
          flush=True)
    probe = endpoint.Query(*queries[0], accept=ACCEPT)
    with tempfile.TemporaryDirectory(prefix="kgraph-load-") as tmp, \
            endpoint.running(spec, probe, cwd=Path(tmp)) as server:
        check_mix(server, queries)
        paths = [endpoint.query_path("/sparql", sparql) for _, sparql in queries]
        paths_file = Path(tmp) / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")

        capacity, warmup_errors = 0.0, 0
        if args.warmup:
            warmup = endpoint.LoadSettings(args.warmup, args.connections, args.threads, timeout=10, wrk=wrk)
            measured = load(warmup, server, paths_file, paths, args.vary)
            capacity, warmup_errors = measured.requests_per_second, measured.errors
            print(f"warm-up {args.warmup:g} s: capacity {capacity:.0f} req/s, errors {measured.errors}", flush=True)

        settled = wait_until_settled(server.process.pid)
        print(f"server settled: {settled} processes under gunicorn's master", flush=True)
        with MemorySampler(server.process.pid) as sampler:
            start = sampler.sample()
            print(f"memory at start: {memory_line(start)}", flush=True)
            result = load(settings, server, paths_file, paths, args.vary)
            end = sampler.sample()
        print(f"memory at end:   {memory_line(end)}")

    totals = [s["total_rss_mib"] for s in sampler.samples]
    bound = args.max_growth_mib if args.max_growth_mib is not None else max(16.0, 0.05 * start["total_rss_mib"])
    verdict = Verdict(result.requests, result.errors, result.detail, round(result.requests_per_second, 1),
                      round(capacity, 1), round(result.p50_ms, 2), round(result.p99_ms, 2),
                      start["total_rss_mib"], end["total_rss_mib"], max(totals),
                      round(end["total_rss_mib"] - start["total_rss_mib"], 1), round(bound, 1), warmup_errors)
    print(f"requests {verdict.requests} in {args.duration:g} s ({verdict.requests_per_second:.0f} req/s; "
          f"capacity measured {verdict.capacity_rps:.0f}), p50 {verdict.p50_ms} ms, p99 {verdict.p99_ms} ms")
    print(f"errors {verdict.errors}" + (f" ({verdict.error_detail})" if verdict.error_detail else ""))
    print(f"memory: start {verdict.rss_start_mib:.0f} MiB, end {verdict.rss_end_mib:.0f} MiB, max "
          f"{verdict.rss_max_mib:.0f} MiB; growth {verdict.growth_mib:+.1f} MiB (allowed {verdict.max_growth_mib:.0f})")
    print("PASS" if verdict.passed else "FAIL")
    if args.json:
        args.json.write_text(json.dumps({"load": settings.describe(), "vary": args.vary, "queries": len(queries),
                                         "verdict": {**asdict(verdict), "passed": verdict.passed},
                                         "memory_samples": sampler.samples, "cpus": os.cpu_count()}, indent=2) + "\n")
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
