#!/usr/bin/env python3
"""The benchmark suite in one command: kgraph against rdflib-endpoint and oxigraph serve,
on the article's graph and on synthetic graphs of its shape.

    .venv/bin/python bench/run.py [--sizes article,10k,100k,1m] [--duration 5] [--json bench/results.json]

For each size: generate the sources (``bench/synth.py``; the article's own for ``article``),
``kgraph build`` them (time per step — load, reason, validate, write — and peak memory,
then the time to load the built ``dataset.nq`` into the store), serve that same build with
the three servers and load each with the five query shapes of ``bench_endpoint.TEMPLATES``,
cached and uncached (see ``bench_endpoint``). Prints one table per size, kgraph's cold
start and memory per gunicorn worker, and the targets of issue 5 met or missed; writes
it all as JSON.

Bounded: each measurement lasts ``--duration`` seconds with ``--connections`` connections
and a 10 s request timeout, only to 127.0.0.1; every server is stopped when the suite ends,
also on an error or Ctrl-C. How long it takes: about 30 measurements × duration per size
plus the builds (article ≈ 30 s, 10k ≈ 1 min, 100k ≈ several minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_endpoint as endpoint
from bench_build import run_sampled

KGRAPH = endpoint.KGRAPH
SIZES = {"article": None, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}

#: Issue 5's targets. Each is (what, measured value's key, comparison, bound).
LOOKUP = "lookup"


def parse_sizes(text: str) -> list[str]:
    sizes = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown or not sizes:
        raise argparse.ArgumentTypeError(f"unknown size(s) {', '.join(unknown) or '(none)'}; "
                                         f"choose among {', '.join(SIZES)}")
    return sizes


# --- Sources and build -------------------------------------------------------------------------

def sources(size: str, workdir: Path) -> Path:
    """The home folder (ontology/, data/, shapes/) of this size, generated if synthetic."""
    if SIZES[size] is None:
        return ROOT
    home = workdir / f"home-{size}"
    subprocess.run([sys.executable, str(HERE / "synth.py"), "--triples", str(SIZES[size]), "--out", str(home)],
                   check=True, stdout=subprocess.DEVNULL)
    return home


def build(home: Path, build_dir: Path, timeout: float) -> dict:
    """``kgraph build`` in a process of its own: seconds per step (from the manifest), wall
    time, peak memory (``/usr/bin/time -v``, else psutil's sampling), and the triples.
    Raises ``subprocess.TimeoutExpired`` past ``timeout`` seconds (the build is killed)."""
    argv = [str(KGRAPH), "--home", str(home), "--build-dir", str(build_dir), "build"]
    timed = Path("/usr/bin/time").exists()
    started = time.monotonic()
    returncode, _, stderr, _, sampled_peak = run_sampled(["/usr/bin/time", "-v", *argv] if timed else argv, timeout)
    if returncode != 0:
        raise RuntimeError(f"kgraph build of {home} failed ({returncode}):\n{stderr[-3000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr) if timed else None
    peak_mib = round(int(match.group(1)) / 1024 if match else sampled_peak, 1)
    manifest = json.loads((build_dir / "current" / "manifest.json").read_text())
    return {"seconds": manifest["seconds"], "wall_s": round(time.monotonic() - started, 2),
            "reasoner": manifest.get("reasoner"), "validator": manifest.get("validator"),
            "peak_rss_mib": peak_mib, "triples": manifest["triples"],
            "dataset": str((build_dir / "current" / "dataset.nq").resolve())}


_STORE_LOAD = """
import sys, time, pyoxigraph as ox
started = time.perf_counter()
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
print(time.perf_counter() - started, len(store))
"""


def store_load_seconds(dataset: Path) -> float:
    """Seconds to load the built dataset.nq into an in-memory pyoxigraph store (as serve does)."""
    out = subprocess.run([sys.executable, "-c", _STORE_LOAD, str(dataset)], check=True, capture_output=True,
                         text=True).stdout.split()
    return round(float(out[0]), 3)


# --- Targets -----------------------------------------------------------------------------------

def targets(size: str, servers: list[endpoint.ServerReport], results: list[endpoint.Measurement]) -> list[dict]:
    """Issue 5's targets at this size: what was measured, the bound, met or not."""
    def row(server: str, mode: str) -> endpoint.Measurement | None:
        return next((r for r in results if r.server == server and r.query == LOOKUP and r.mode == mode), None)

    out = []
    for mode in ("cached", "uncached"):
        ours = row(endpoint.KGRAPH_NAME, mode)
        if ours is None:
            continue
        for peer, bound in (("rdflib-endpoint", 4.0), ("oxigraph serve", 0.5)):
            theirs = row(peer, mode)
            if theirs and theirs.requests_per_second:
                value = ours.requests_per_second / theirs.requests_per_second
                out.append({"target": f"small SELECT ({mode}) req/s vs {peer}", "value": round(value, 2),
                            "bound": f">= {bound}x", "met": value >= bound})
        out.append({"target": f"small SELECT ({mode}) p99 ms", "value": ours.p99_ms, "bound": "<= 5",
                    "met": ours.p99_ms <= 5})
    kgraph = next((s for s in servers if s.server == endpoint.KGRAPH_NAME), None)
    if kgraph:
        start_bound = {"article": 2.0, "1m": 10.0}.get(size)
        if start_bound:
            out.append({"target": "cold start s", "value": kgraph.cold_start_s, "bound": f"<= {start_bound:g}",
                        "met": kgraph.cold_start_s <= start_bound})
        if size == "1m":
            for worker in kgraph.memory_after.get("workers", []):
                # A worker's cost includes its child processes (kgraph.execution's query processes).
                pss = round(worker["pss_mib"] + worker.get("children_pss_mib", 0), 1)
                out.append({"target": f"worker {worker['pid']} PSS MiB (with its child processes)",
                            "value": pss, "bound": "<= 1536", "met": pss <= 1536})
    return out


# --- Report ------------------------------------------------------------------------------------

def size_report(size: str, figures: dict) -> str:
    b = figures["build"]
    steps = ", ".join(f"{step} {seconds:.2f}" for step, seconds in b["seconds"].items())
    triples = ", ".join(f"{name} {count:,}" for name, count in b["triples"].items())
    lines = [(f"== {size}: {triples} triples (machine load average {figures['load_average'][0]:.1f} before, "
              f"{figures['load_average'][1]:.1f} after, on {os.cpu_count()} CPUs) =="),
             (f"build (s): {steps}, store load {figures['store_load_s']:.2f}; wall {b['wall_s']:.1f} s, "
              f"peak RSS {b['peak_rss_mib']} MiB" + (f"; reasoner {b['reasoner']}, validator {b['validator']}"
                                                      if b.get("reasoner") else ""))]
    for server in figures["servers"]:
        memory = server["memory_after"]
        per_worker = "".join(
            f"; worker RSS {w['rss_mib']:.0f} PSS {w['pss_mib']:.0f}"
            + (f" + {w['children']} child processes RSS {w['children_rss_mib']:.0f} PSS {w['children_pss_mib']:.0f}"
               if w["children"] else "")
            for w in memory["workers"])
        prepared = f", oxigraph load {server['prepare_s']:.2f} s" if server["prepare_s"] else ""
        lines.append(f"{server['server']}: cold start {server['cold_start_s']:.2f} s{prepared}; memory after the "
                     f"load (MiB): total RSS {memory['total_rss_mib']:.0f} PSS {memory['total_pss_mib']:.0f}"
                     f"{per_worker} — {server['setup']}")
    lines.append("")
    lines.append(endpoint.table([endpoint.Measurement(**r) for r in figures["results"]]))
    if figures["targets"]:
        lines.append("")
        lines.append("targets: " + "; ".join(
            f"{t['target']} {t['value']} ({t['bound']}: {'met' if t['met'] else 'MISSED'})" for t in figures["targets"]))
    return "\n".join(lines)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_size(size: str, workdir: Path, settings: endpoint.LoadSettings, args) -> dict:
    log(f"[{size}] sources …")
    home = sources(size, workdir)
    build_dir = workdir / f"build-{size}"
    log(f"[{size}] kgraph build …")
    built = build(home, build_dir, args.build_timeout)
    dataset = Path(built["dataset"])
    load_s = store_load_seconds(dataset)
    log(f"[{size}] built in {built['wall_s']} s; serving …")
    # The machine may be shared: its load (1-minute average) says how far to trust the figures.
    load_before = os.getloadavg()[0]
    queries, servers, results = endpoint.compare(dataset, home, build_dir, settings, only=args.only, workers=args.workers,
                                        log=log)
    figures = {"size": size, "build": built, "store_load_s": load_s, "queries": {q.name: q.sparql for q in queries},
               "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
               "servers": [asdict(s) for s in servers], "results": [asdict(r) for r in results],
               "targets": targets(size, servers, results)}
    if SIZES[size] is not None and not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(build_dir, ignore_errors=True)
    return figures


def _stop_on_sigterm(signum, frame):
    # SIGTERM as Ctrl-C: unwinds through the `finally` blocks that stop the servers.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("article,10k,100k"),
                        help="comma-separated: article, 10k, 100k, 1m [default: article,10k,100k]")
    parser.add_argument("--duration", type=float, default=5, help="seconds of load per query, server and mode")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections (wrk -c)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="kgraph serve --workers")
    parser.add_argument("--only", type=lambda t: [p for p in t.split(",") if p],
                        default=[], help="comma-separated parts of server names to run (default: all three)")
    parser.add_argument("--python-load", action="store_true", help="the Python load generator even if wrk is there")
    parser.add_argument("--json", type=Path, default=HERE / "results.json", help="where to write the figures")
    parser.add_argument("--workdir", type=Path, help="where sources and builds go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated sources in --workdir")
    parser.add_argument("--build-timeout", type=float, default=1800,
                        help="seconds a build may take before the suite gives up on that size [1800]")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.connections <= 0 or args.threads <= 0 or args.threads > args.connections:
        parser.error("--duration, --connections and --threads must be positive, threads <= connections")

    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    settings = endpoint.LoadSettings(args.duration, args.connections, args.threads,
                                     wrk=None if args.python_load else endpoint.ensure_wrk())
    endpoint.ensure_peers()
    log(f"load: {settings.describe()}")
    report = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
              "load": settings.describe(), "sizes": []}
    owned_tmp = None
    if args.workdir is None:
        owned_tmp = tempfile.TemporaryDirectory(prefix="kgraph-suite-")
        args.workdir = Path(owned_tmp.name)
    args.workdir.mkdir(parents=True, exist_ok=True)
    try:
        for size in args.sizes:
            try:
                figures = run_size(size, args.workdir, settings, args)
            except subprocess.TimeoutExpired:
                # Larger sizes would take longer still: stop here, keep what was measured.
                message = f"the build took longer than --build-timeout {args.build_timeout:g} s"
                report["sizes"].append({"size": size, "error": message})
                args.json.write_text(json.dumps(report, indent=2) + "\n")
                print(f"== {size}: not measured: {message} ==", flush=True)
                break
            except RuntimeError as exc:  # a server that died or never answered: say so, go on
                report["sizes"].append({"size": size, "error": str(exc)})
                args.json.write_text(json.dumps(report, indent=2) + "\n")
                print(f"== {size}: not measured: {exc} ==", flush=True)
                continue
            report["sizes"].append(figures)
            print(size_report(size, figures), flush=True)
            print(flush=True)
            # Written after every size: a long run stopped later keeps what it measured.
            args.json.write_text(json.dumps(report, indent=2) + "\n")
    except KeyboardInterrupt:
        log("stopped; the servers are down, the sizes measured so far are in the JSON")
        return 130
    finally:
        if owned_tmp:
            owned_tmp.cleanup()
    log(f"written: {args.json}")
    missed = [t for s in report["sizes"] for t in s.get("targets", []) if not t["met"]]
    print(f"{len(missed)} target(s) missed" if missed else "all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
