"""Time `kgraph build` per step, and its peak memory, at the article's size and synthetic sizes.

    .venv/bin/python bench/bench_build.py [--sizes article,10k,100k,1m] [--runs 1]
                                          [--reasoner reasonable|owlrl] [--validator pyshacl-turbo|pyshacl]
                                          [--timeout 600] [--json out.json]

Each run is a cold build (no step cache) in a process of its own, into a temporary folder:
the sources are the checkout's for ``article`` and ``bench/synth.py``'s (same ontology and
shapes, more states, people, terms, treaties, observations) for the other sizes. Printed
per size: seconds of load / reason / validate / write / store (median over the runs), their
total, the wall time of the process, the triples, and the peak memory of the build's
process tree (psutil, sampled every 50 ms; the store is loaded in a spawned child). A run
past ``--timeout`` seconds is killed and reported as such.

``--reasoner owlrl --validator pyshacl`` gives the reference pipeline's figures.
``bench/run.py`` and others call :func:`measure_build`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synth import generate, parse_size

STEPS = ("load", "reason", "validate", "write", "store")

# The build, in a fresh interpreter: the manifest on stdout.
_BUILD = """
import json, sys
from pathlib import Path
from kgraph.layout import Layout
from kgraph.pipeline import build
data, out, reasoner, validator = sys.argv[1:5]
layout = Layout.default().with_data(Path(data), Path(out))
print(json.dumps(build(layout, reasoner=reasoner, validator=validator, use_cache=False).manifest))
"""


def data_folder(size: str, workdir: Path, seed: int = 0) -> Path:
    """The data/ folder of a size: the checkout's for ``article``, else generated once."""
    if size == "article":
        return ROOT / "data"
    folder = workdir / f"synth-{size}-seed{seed}"
    if not (folder / "data").is_dir():
        generate(parse_size(size), folder, seed=seed, link_sources=False)
    return folder / "data"


def run_sampled(argv: list[str], timeout: float) -> tuple[int, str, str, float, float]:
    """Run ``argv``: exit code, stdout, stderr, wall seconds, peak RSS (MiB) of its process tree."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, text=True, start_new_session=True)
        peak, deadline = 0, started + timeout
        try:
            while process.poll() is None:
                if time.perf_counter() > deadline:
                    raise subprocess.TimeoutExpired(argv, timeout)
                try:
                    root = psutil.Process(process.pid)
                    tree = [root, *root.children(recursive=True)]
                    peak = max(peak, sum(p.memory_info().rss for p in tree))
                except psutil.NoSuchProcess:
                    pass
                time.sleep(0.05)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return process.returncode, out.read(), err.read(), wall, peak / 2**20


def measure_build(size: str, reasoner: str = "reasonable", *, validator: str = "pyshacl-turbo",
                  runs: int = 1, timeout: float = 600, workdir: Path | None = None, seed: int = 0) -> dict:
    """Median seconds per step of ``runs`` cold builds at ``size`` (article, 10k, 100k, 1m …).

    Returns ``{"size", "reasoner", "validator", "runs", "seconds": {step: s}, "total_s",
    "wall_s", "peak_mib", "triples": {graph: n}}``, or with ``"error"`` when a build fails or
    takes longer than ``timeout`` seconds.
    """
    workdir = Path(workdir) if workdir else Path(tempfile.gettempdir()) / "kgraph-bench"
    workdir.mkdir(parents=True, exist_ok=True)
    data = data_folder(size, workdir, seed)
    result: dict = {"size": size, "reasoner": reasoner, "validator": validator, "runs": runs}
    manifests, walls, peaks = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(dir=workdir) as out:
            argv = [sys.executable, "-c", _BUILD, str(data), out, reasoner, validator]
            try:
                code, stdout, stderr, wall, peak = run_sampled(argv, timeout)
            except subprocess.TimeoutExpired:
                return {**result, "error": f"did not finish within {timeout:.0f} s (killed)"}
            if code != 0:
                return {**result, "error": f"build failed ({code}): {stderr.strip()[-500:]}"}
            manifests.append(json.loads(stdout.strip().splitlines()[-1]))
            walls.append(wall)
            peaks.append(peak)
    seconds = {step: round(statistics.median(m["seconds"].get(step, 0.0) for m in manifests), 2) for step in STEPS}
    return {**result, "seconds": seconds, "total_s": round(sum(seconds.values()), 2),
            "wall_s": round(statistics.median(walls), 2), "peak_mib": round(max(peaks)),
            "triples": manifests[-1]["triples"]}


def _table(results: list[dict]) -> str:
    head = f"{'size':<8}{'reasoner':<11}" + "".join(f"{s:>9}" for s in STEPS) + \
        f"{'total':>9}{'wall':>8}{'asserted':>10}{'inferred':>10}{'peak MiB':>10}"
    rows = [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            rows.append(f"{r['size']:<8}{r['reasoner']:<11}{r['error']}")
            continue
        rows.append(f"{r['size']:<8}{r['reasoner']:<11}" + "".join(f"{r['seconds'][s]:>9.2f}" for s in STEPS)
                    + f"{r['total_s']:>9.2f}{r['wall_s']:>8.1f}{r['triples']['asserted']:>10}"
                    + f"{r['triples']['inferred']:>10}{r['peak_mib']:>10}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="article", help="comma-separated: article, 10k, 100k, 1m, or a number")
    parser.add_argument("--runs", type=int, default=1, help="builds per size; the median is shown")
    parser.add_argument("--reasoner", choices=("reasonable", "owlrl"), default="reasonable")
    parser.add_argument("--validator", choices=("pyshacl-turbo", "pyshacl"), default="pyshacl-turbo")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a build is killed")
    parser.add_argument("--workdir", type=Path, help="where synthetic sources are kept (default: the temp folder)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for size in sizes:
        if size != "article":
            try:
                parse_size(size)
            except argparse.ArgumentTypeError as exc:
                parser.error(str(exc))
    results = []
    for size in sizes:
        results.append(measure_build(size, args.reasoner, validator=args.validator, runs=args.runs,
                                     timeout=args.timeout, workdir=args.workdir))
        print(_table(results[-1:]) if len(results) == 1 else _table(results[-1:]).splitlines()[-1], flush=True)
    print(f"\nkgraph build, median of {args.runs} run(s), seconds; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
