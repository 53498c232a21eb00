#!/usr/bin/env python3
"""Requests per second and p50/p99 latency of five query shapes over HTTP, on three endpoints
serving the same built dataset in the same run:

- ``kgraph serve`` (gunicorn, this project), on a build folder (``--home`` / ``--build-dir``);
- ``oxigraph serve`` (Rust, PyPI ``oxigraph``), after ``oxigraph load``;
- ``rdflib-endpoint serve`` (rdflib + FastAPI/uvicorn, PyPI ``rdflib-endpoint``).

This module is the endpoint half of the suite (``bench/run.py`` drives it over the sizes);
run alone it measures the current build of the checkout:

    .venv/bin/python bench/bench_endpoint.py [--duration 5] [--json bench/endpoint.json]

Same answers everywhere. kgraph's default graph is the asserted ∪ inferred facts of
``dataset.nq``. The peers are loaded so that their default graph is exactly that:
oxigraph gets ``peers.nq`` (those quads moved into the default graph, ontology and shapes
kept as named graphs); rdflib-endpoint, whose default graph is always the union of every
graph it holds, gets only those facts (``facts.nt``). The queries name no graph, so all
three answer from the same triples; the row counts in the table check it.

Cached and uncached. kgraph caches answers; a run repeating one query measures the cache.
The uncached run makes every request a different query text by appending a trailing
``VALUES ?bench_nonce { "<counter>" }`` (``bench/vary.lua``, which says why not a comment),
so no cache — kgraph's, or rdflib-endpoint's cache of parsed queries — can answer it; the
engine parses and evaluates each one, and the answer is the same.

Tools, installed by the suite itself: the peers into ``bench/.venv-peers``; ``wrk`` from
Debian (``apt-get install -y wrk``, when run as root); without wrk, a Python thread-pool load
generator (much slower: its figures are marked ``python``). Only 127.0.0.1 is contacted;
every load is bounded by a duration, a number of connections and a per-request timeout;
every server started is stopped at the end, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
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
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = HERE / ".venv-peers"
PEER_PACKAGES = ["rdflib-endpoint==0.6.3", "oxigraph==0.5.13"]
KGRAPH = Path(sys.executable).with_name("kgraph")
VARY_SCRIPT = HERE / "vary.lua"
HOST = "127.0.0.1"

SELECT_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"

_PREFIXES = """PREFIX kg: <https://w3id.org/kgraph/ontology#>
PREFIX kgr: <https://w3id.org/kgraph/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


@dataclass(frozen=True)
class Query:
    name: str
    sparql: str
    accept: str


#: The five shapes of issue 5, about two anchors of the data: ``{state}`` (the state with the
#: most facts) and
#: ``{post}`` (the post with the most terms of office), found in each dataset by
#: :func:`queries_for` — the synthetic graphs have states and posts of their own. Each
#: answer is bounded at every size (a fixed start node, a LIMIT or a GROUP BY), so the
#: figures compare engines, not serialisers of huge answers, and kgraph's row cap
#: (max_result_rows) never cuts one.
TEMPLATES: tuple[Query, ...] = (
    Query("lookup", _PREFIXES + "SELECT ?label WHERE { <{state}> rdfs:label ?label }", SELECT_JSON),
    Query("2-hop join", _PREFIXES + """SELECT ?term ?name WHERE {
  ?term kg:termOf <{post}> ; kg:officeHolder ?person .
  ?person rdfs:label ?name .
}""", SELECT_JSON),
    Query("date range", _PREFIXES + """SELECT ?term ?start WHERE {
  ?term kg:startLatest ?start .
  FILTER (?start >= "2000-01-01"^^xsd:date && ?start < "2020-01-01"^^xsd:date)
} ORDER BY ?start ?term LIMIT 100""", SELECT_JSON),
    Query("aggregation", _PREFIXES + """SELECT ?source (COUNT(?fact) AS ?facts) WHERE {
  ?fact prov:wasDerivedFrom ?source .
} GROUP BY ?source ORDER BY DESC(?facts) ?source""", SELECT_JSON),
    Query("describe", _PREFIXES + "DESCRIBE <{state}>", NTRIPLES),
)

_ANCHORS = {
    "state": _PREFIXES + """SELECT ?x (COUNT(*) AS ?facts) WHERE { ?x a kg:State ; ?p ?o }
GROUP BY ?x ORDER BY DESC(?facts) ?x LIMIT 1""",
    "post": _PREFIXES + """SELECT ?x (COUNT(?term) AS ?terms) WHERE { ?term kg:termOf ?x }
GROUP BY ?x ORDER BY DESC(?terms) ?x LIMIT 1""",
}


def queries_for(dataset: Path) -> tuple[Query, ...]:
    """The five queries with the anchors of this built dataset filled in."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
    facts = [ox.NamedNode(g) for g in FACT_GRAPHS]
    anchors = {}
    for name, sparql in _ANCHORS.items():
        rows = list(store.query(sparql, default_graph=facts))
        if not rows:
            raise RuntimeError(f"{dataset} has no {name} to query about")
        anchors[name] = rows[0]["x"].value
    return tuple(Query(q.name, q.sparql.replace("{state}", anchors["state"]).replace("{post}", anchors["post"]),
                       q.accept) for q in TEMPLATES)


# --- Data: the peers' copy of the built dataset ------------------------------------------------

FACT_GRAPHS = ("https://w3id.org/kgraph/graph/asserted", "https://w3id.org/kgraph/graph/inferred")


def peer_files(dataset: Path, workdir: Path) -> tuple[Path, Path]:
    """``peers.nq`` (the facts in the default graph, other graphs named) and ``facts.nt``."""
    import pyoxigraph as ox

    facts = {ox.NamedNode(g) for g in FACT_GRAPHS}
    quads, triples = [], []
    for quad in ox.parse(path=str(dataset), format=ox.RdfFormat.N_QUADS):
        if quad.graph_name in facts:
            triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
            quads.append(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
        else:
            quads.append(quad)
    peers_nq, facts_nt = workdir / "peers.nq", workdir / "facts.nt"
    ox.serialize(quads, str(peers_nq), format=ox.RdfFormat.N_QUADS)
    ox.serialize(triples, str(facts_nt), format=ox.RdfFormat.N_TRIPLES)
    return peers_nq, facts_nt


# --- Tools -------------------------------------------------------------------------------------

def ensure_peers() -> Path:
    """The bin folder of ``bench/.venv-peers``, created and filled on first use."""
    bin_dir = PEERS / "bin"
    if not (bin_dir / "oxigraph").exists() or not (bin_dir / "rdflib-endpoint").exists():
        print(f"installing {', '.join(PEER_PACKAGES)} into {PEERS} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(bin_dir / "pip"), "install", "-q", *PEER_PACKAGES], check=True)
    return bin_dir


def ensure_wrk() -> str | None:
    """The path of ``wrk``, installed from Debian when missing and we are root; else None."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("installing wrk (apt-get install -y wrk) …", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        # A fresh machine has no package lists yet.
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)
    return shutil.which("wrk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- HTTP --------------------------------------------------------------------------------------

def query_path(base_path: str, sparql: str) -> str:
    return f"{base_path}?{urlencode({'query': sparql})}"


def fetch(url: str, accept: str, timeout: float = 30) -> tuple[int, str, bytes]:
    """GET ``url`` (on 127.0.0.1 only): status, media type and body; OSError when nobody answers."""
    parts = urlsplit(url)
    if parts.hostname != HOST:
        raise ValueError(f"the benchmark only contacts {HOST}, not {parts.hostname}")
    connection = http.client.HTTPConnection(HOST, parts.port, timeout=timeout)
    try:
        connection.request("GET", url[len(f"{parts.scheme}://{parts.netloc}"):], headers={"Accept": accept})
        response = connection.getresponse()
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return response.status, media_type, response.read()
    finally:
        connection.close()


def answer_size(body: bytes, media_type: str) -> int:
    """Rows of a SELECT answer (JSON), or triples of a graph answer in the format it came in
    (rdflib-endpoint answers DESCRIBE in RDF/XML whatever the Accept header asks)."""
    import pyoxigraph as ox

    if media_type == SELECT_JSON:
        return len(json.loads(body)["results"]["bindings"])
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None and media_type.endswith("xml"):
        fmt = ox.RdfFormat.RDF_XML  # rdflib-endpoint labels its RDF/XML application/xml
    if fmt is None:
        raise ValueError(f"an answer of type {media_type!r} is neither SPARQL JSON nor RDF")
    return sum(1 for _ in ox.parse(body, format=fmt))


# --- Servers -----------------------------------------------------------------------------------

@dataclass
class ServerSpec:
    """How to start one endpoint: ``argv`` may hold ``{port}``; ``prepare`` runs first."""

    name: str
    setup: str
    argv: list[str]
    path: str
    env: dict[str, str] = field(default_factory=dict)
    prepare: list[str] | None = None


@dataclass
class RunningServer:
    spec: ServerSpec
    process: subprocess.Popen
    port: int
    #: Seconds from process start until its first correct answer (cold start).
    ready_seconds: float = 0.0
    #: Seconds the ``prepare`` step took (oxigraph load).
    prepare_seconds: float = 0.0

    def url(self, sparql: str) -> str:
        return f"http://{HOST}:{self.port}{query_path(self.spec.path, sparql)}"


def kgraph_spec(home: Path, build_dir: Path, *, workers: int = 2, threads: int = 4,
                connections: int = 4) -> ServerSpec:
    # One wrk process is one client address with `connections` connections at once; kgraph
    # refuses more than client_concurrency queries from one address (429), so the bench
    # allows as many as it opens. The access log is off: one line per request on stderr is
    # a cost a benchmark of the engine should not carry (the peers log by their defaults).
    env = {"KGRAPH_ACCESS_LOG": "false", "KGRAPH_THREADS": str(threads),
           "KGRAPH_CLIENT_CONCURRENCY": str(max(4, connections))}
    return ServerSpec("kgraph serve", f"gunicorn, {workers} workers x {threads} threads, access log off",
                      [str(KGRAPH), "--home", str(home), "--build-dir", str(build_dir), "serve",
                       "--workers", str(workers), "--port", "{port}"], "/sparql", env)


def peer_specs(peers_bin: Path, peers_nq: Path, facts_nt: Path, workdir: Path) -> list[ServerSpec]:
    store = workdir / "oxigraph-store"
    return [
        ServerSpec("oxigraph serve", "Rust, one process, defaults",
                   [str(peers_bin / "oxigraph"), "serve", "--location", str(store), "--bind", f"{HOST}:{{port}}"],
                   "/query", prepare=[str(peers_bin / "oxigraph"), "load", "--location", str(store),
                                      "--file", str(peers_nq)]),
        ServerSpec("rdflib-endpoint", "rdflib + uvicorn, one process, defaults",
                   [str(peers_bin / "rdflib-endpoint"), "serve", "--host", HOST, "--port", "{port}", str(facts_nt)],
                   "/"),
    ]


def wait_ready(server: RunningServer, probe: Query, started: float, seconds: float) -> None:
    """Poll until the server answers ``probe`` with a 200; record the cold start."""
    deadline = started + seconds
    url = server.url(probe.sparql)
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.spec.name} exited with {server.process.returncode} before answering")
        try:
            status, _, _ = fetch(url, probe.accept, timeout=5)
            if status == 200:
                server.ready_seconds = time.monotonic() - started
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.spec.name} did not answer within {seconds:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (gunicorn's workers and their query processes),
    then SIGKILL whatever of the group is left: nothing outlives the measurement."""
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the whole group is gone already
    process.wait(timeout=5)


@contextmanager
def running(spec: ServerSpec, probe: Query, *, cwd: Path, ready_timeout: float = 600) -> Iterator[RunningServer]:
    """The server started on a free port of 127.0.0.1, answering ``probe``; stopped on leaving."""
    prepare_seconds = 0.0
    if spec.prepare:
        started = time.monotonic()
        subprocess.run(spec.prepare, check=True, capture_output=True, timeout=ready_timeout)
        prepare_seconds = time.monotonic() - started
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in spec.argv]
    started = time.monotonic()
    # A session of its own: Ctrl-C in the terminal reaches only this script, which then
    # stops the server in `finally`, and killpg reaches every process of the server.
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd,
                               env={**os.environ, **spec.env}, start_new_session=True)
    # Drain stderr (gunicorn's and uvicorn's logs) so a full pipe never blocks the server,
    # keeping the tail for the error message if it dies.
    tail: list[str] = []
    threading.Thread(target=_drain, args=(process, tail), daemon=True).start()
    server = RunningServer(spec, process, port, prepare_seconds=prepare_seconds)
    try:
        try:
            wait_ready(server, probe, started, ready_timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; its last output:\n" + "".join(tail[-15:])) from None
        yield server
    finally:
        stop(process)


def _drain(process: subprocess.Popen, tail: list[str]) -> None:
    for line in iter(process.stderr.readline, b""):
        tail.append(line.decode("utf-8", "replace"))
        del tail[:-50]


# --- Memory ------------------------------------------------------------------------------------

def process_memory(pid: int) -> dict:
    """RSS and PSS (MiB) of a server process, of each of its children (gunicorn's workers)
    and of their own children (kgraph's query processes), by role and in total.

    RSS counts pages the processes share (forked workers share the master's) once per
    process; PSS divides them among the sharers, so the PSS total is the machine's cost.
    """
    import psutil

    def mib(value: int) -> float:
        return round(value / 2**20, 1)

    def one(proc) -> dict | None:
        try:
            info = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
        return {"pid": proc.pid, "rss_mib": mib(info.rss), "pss_mib": mib(getattr(info, "pss", info.rss))}

    def with_children(proc, children) -> dict | None:
        figures = one(proc)
        if figures is not None:
            helpers = [f for f in (one(p) for p in children) if f]
            figures["children"] = len(helpers)
            figures["children_rss_mib"] = round(sum(h["rss_mib"] for h in helpers), 1)
            figures["children_pss_mib"] = round(sum(h["pss_mib"] for h in helpers), 1)
        return figures

    root = psutil.Process(pid)
    command = root.cmdline()
    # gunicorn's workers are forks of the master (the same command line); any other child
    # (multiprocessing's resource tracker …) is the master's helper.
    workers, helpers = [], []
    for child in root.children():
        try:
            (workers if child.cmdline() == command else helpers).append(child)
        except psutil.NoSuchProcess:
            continue
    master = with_children(root, [p for h in helpers for p in (h, *h.children(recursive=True))])
    workers = [f for f in (with_children(w, w.children(recursive=True)) for w in workers) if f]
    every = [master, *workers]
    return {"master": master, "workers": workers,
            "total_rss_mib": round(sum(p["rss_mib"] + p.get("children_rss_mib", 0) for p in every), 1),
            "total_pss_mib": round(sum(p["pss_mib"] + p.get("children_pss_mib", 0) for p in every), 1)}


# --- Load --------------------------------------------------------------------------------------

@dataclass
class LoadSettings:
    duration: float = 5
    connections: int = 4
    threads: int = 1
    timeout: float = 10
    wrk: str | None = None

    @property
    def tool(self) -> str:
        return "wrk" if self.wrk else "python"

    def describe(self) -> str:
        tool = "wrk 4" if self.wrk else "Python threads (no wrk)"
        return (f"{tool}, {self.threads} thread(s), {self.connections} connections, {self.duration:g} s "
                f"per measurement, {self.timeout:g} s request timeout")


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    detail: str = ""


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(out: str) -> LoadResult:
    """wrk's report (run with --latency) as figures; errors = non-2xx/3xx + socket errors."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    details = [f"non-2xx {errors}"] if bad else []
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
        details.append(sockets.group(0))
    return LoadResult(rps, p50, p99, total, errors, "; ".join(details))


def run_wrk(settings: LoadSettings, url: str, accept: str, script: Path | None = None,
            script_args: Sequence[str] = ()) -> LoadResult:
    _only_local(url)
    argv = [settings.wrk, "-t", str(settings.threads), "-c", str(settings.connections),
            "-d", f"{settings.duration:g}s", "--timeout", f"{settings.timeout:g}s", "--latency",
            "-H", f"Accept: {accept}"]
    if script:
        argv += ["-s", str(script)]
    argv.append(url)
    if script_args:
        argv += ["--", *script_args]
    out = subprocess.run(argv, check=True, capture_output=True, text=True,
                         timeout=settings.duration + settings.timeout + 30).stdout
    return parse_wrk(out)


def run_python(settings: LoadSettings, urls: Iterator[tuple[str, str]]) -> LoadResult:
    """A closed-loop load for ``duration`` seconds from ``connections`` threads; ``urls``
    yields (url, accept) pairs and is shared by the threads."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + settings.duration

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            with lock:
                url, accept = next(urls)
            started = time.perf_counter()
            try:
                status, _, _ = fetch(url, accept, timeout=settings.timeout)
                ok = 200 <= status < 400
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors += not ok

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(settings.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return LoadResult(len(latencies) / elapsed, cuts[49], cuts[98], len(latencies), errors)


def _only_local(url: str) -> None:
    if urlsplit(url).hostname != HOST:
        raise ValueError(f"the benchmark only loads {HOST}, not {url}")


def nonce(label: str) -> str:
    """What vary.lua appends to a query (URL-encoded): a no-op VALUES with a new literal."""
    return quote(f'\nVALUES ?bench_nonce {{ "{label}" }}')


def vary(url: str, thread_id: int = 0) -> Iterator[tuple[str, str]]:
    """``url`` made a different query each time, as vary.lua does."""
    n = 0
    while True:
        n += 1
        yield url + nonce(f"{thread_id}-{n}"), ""


def measure(settings: LoadSettings, server: RunningServer, query: Query, *, cached: bool) -> LoadResult:
    """One query under load: repeated as is (``cached``) or made unique per request."""
    url = server.url(query.sparql)
    if settings.wrk:
        result = run_wrk(settings, url, query.accept, None if cached else VARY_SCRIPT)
        if result.requests == 0:
            # wrk counts a request as timed out only past --timeout; within a shorter run
            # nothing is counted at all. No answer is a failure, not "0 errors".
            result.errors, result.detail = settings.connections, "no answer within the measurement"
        return result
    if cached:
        def same() -> Iterator[tuple[str, str]]:
            while True:
                yield url, query.accept
        return run_python(settings, same())
    return run_python(settings, ((u, query.accept) for u, _ in vary(url)))


# --- One size: every server, every query -------------------------------------------------------

@dataclass
class Measurement:
    server: str
    query: str
    mode: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    rows: int
    detail: str = ""


@dataclass
class ServerReport:
    server: str
    setup: str
    cold_start_s: float
    prepare_s: float
    memory_before: dict
    memory_after: dict


def settle(server: RunningServer, probe: Query, seconds: float = 180) -> float:
    """Wait until the server answers ``probe`` again; the seconds it took.

    A server may still be working through requests the load generator gave up on (a
    one-process server behind a slow query); measuring the next query then would charge
    it for the last one's backlog.
    """
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if fetch(server.url(probe.sparql), probe.accept, timeout=seconds)[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    return time.monotonic() - started


def check_answers(server: RunningServer, queries: Sequence[Query]) -> dict[str, int]:
    """The size of each query's answer; raises if one fails (a broken comparison)."""
    sizes = {}
    for query in queries:
        status, media_type, body = fetch(server.url(query.sparql), query.accept, timeout=120)
        if status != 200:
            raise RuntimeError(f"{server.spec.name} answered {status} to the {query.name} query: {body[:300]!r}")
        sizes[query.name] = answer_size(body, media_type)
    return sizes


def measure_server(spec: ServerSpec, queries: Sequence[Query], settings: LoadSettings, workdir: Path,
                   modes: Sequence[str], log=print) -> tuple[ServerReport, list[Measurement]]:
    results = []
    with running(spec, queries[0], cwd=workdir) as server:
        log(f"  {spec.name}: answering after {server.ready_seconds:.2f} s")
        rows = check_answers(server, queries)
        before = process_memory(server.process.pid)
        for query in queries:
            for mode in modes:
                settle(server, queries[0])
                result = measure(settings, server, query, cached=mode == "cached")
                results.append(Measurement(spec.name, query.name, mode, round(result.requests_per_second, 1),
                                           round(result.p50_ms, 2), round(result.p99_ms, 2), result.requests,
                                           result.errors, rows[query.name], result.detail))
                log(f"    {query.name:<12} {mode:<8} {result.requests_per_second:>8.0f} req/s  "
                    f"p99 {result.p99_ms:.2f} ms  errors {result.errors}")
        after = process_memory(server.process.pid)
    return ServerReport(spec.name, spec.setup, round(server.ready_seconds, 2), round(server.prepare_seconds, 2),
                        before, after), results


def compare(dataset: Path, home: Path, build_dir: Path, settings: LoadSettings, *,
            modes: Sequence[str] = ("cached", "uncached"), only: Sequence[str] = (), workers: int = 2,
            log=print) -> tuple[tuple[Query, ...], list[ServerReport], list[Measurement]]:
    """Every server on the same built dataset (``dataset`` is ``build_dir``'s current one):
    the queries asked, what each server is, and the measurements."""
    peers_bin = ensure_peers()
    queries = queries_for(dataset)
    reports, results = [], []
    with tempfile.TemporaryDirectory(prefix="kgraph-bench-") as tmp:
        workdir = Path(tmp)
        peers_nq, facts_nt = peer_files(dataset, workdir)
        specs = [kgraph_spec(home, build_dir, workers=workers, connections=settings.connections),
                 *peer_specs(peers_bin, peers_nq, facts_nt, workdir)]
        for spec in specs:
            if only and not any(part in spec.name for part in only):
                continue
            report, measured = measure_server(spec, queries, settings, workdir, modes, log)
            reports.append(report)
            results.extend(measured)
    return queries, reports, results


# --- Reporting ---------------------------------------------------------------------------------

KGRAPH_NAME = "kgraph serve"


def ratio(results: Sequence[Measurement], row: Measurement) -> float | None:
    """kgraph's req/s over this peer row's, same query and mode (None for kgraph's own rows)."""
    if row.server == KGRAPH_NAME or not row.requests_per_second:
        return None
    ours = next((r for r in results if r.server == KGRAPH_NAME and r.query == row.query and r.mode == row.mode), None)
    return ours.requests_per_second / row.requests_per_second if ours else None


def table(results: Sequence[Measurement]) -> str:
    names = list(dict.fromkeys(r.query for r in results))  # the queries, in the order measured
    lines = [(f"| {'query':<12}| {'mode':<9}| {'server':<16}| {'req/s':>8} | {'p50 ms':>8} | {'p99 ms':>8} "
              f"| {'errors':>6} | {'rows':>5} | kgraph/peer |"),
             "|" + "-" * 13 + "|" + "-" * 10 + "|" + "-" * 17 + "|---------:|---------:|---------:|-------:|------:|------------:|"]
    for name in names:
        for mode in ("cached", "uncached"):
            for row in (r for r in results if r.query == name and r.mode == mode):
                share = ratio(results, row)
                lines.append(f"| {row.query:<12}| {row.mode:<9}| {row.server:<16}| {row.requests_per_second:>8.0f} "
                             f"| {row.p50_ms:>8.2f} | {row.p99_ms:>8.2f} | {row.errors:>6} | {row.rows:>5} "
                             f"| {f'{share:.2f}x' if share is not None else '':>11} |")
    mismatched = {name for name in names if len({r.rows for r in results if r.query == name}) > 1}
    if mismatched:
        lines.append(f"!! the servers' answers differ in size for: {', '.join(sorted(mismatched))}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds of load per query, server and mode")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="kgraph serve --workers")
    parser.add_argument("--only", help="comma-separated parts of server names to run")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator, not wrk")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    from kgraph.layout import Layout
    from kgraph.pipeline import DATASET_FILE, ensure_built

    layout = Layout.default()
    dataset = ensure_built(layout) / DATASET_FILE
    settings = LoadSettings(args.duration, args.connections, args.threads,
                            wrk=None if args.python_load else ensure_wrk())
    queries, reports, results = compare(dataset, layout.ontology_dir.parent, layout.build_dir, settings,
                               only=args.only.split(",") if args.only else (), workers=args.workers,
                               log=lambda text: print(text, file=sys.stderr))
    print(f"Endpoints on {dataset} ({settings.describe()}); kgraph/peer = kgraph's req/s over the peer's")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"load": settings.describe(), "cpus": os.cpu_count(),
                                         "queries": {q.name: q.sparql for q in queries},
                                         "servers": [asdict(r) for r in reports],
                                         "results": [asdict(r) for r in results]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
