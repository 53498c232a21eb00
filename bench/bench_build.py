"""Time `kgraph build` on the project's graph: median of N runs, per step.

    .venv/bin/python bench/bench_build.py [--runs 5] [--json out.json]

Each run is a full build (load, owlrl closure, pyshacl validation, write) into a temporary
folder; the table gives the median and the spread of each step, and the triple counts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from kgraph.pipeline import build
from kgraph.layout import Layout

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    steps: dict[str, list[float]] = {}
    totals: list[float] = []
    manifest: dict = {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            manifest = build(Layout.at(ROOT, out)).manifest
            totals.append(time.perf_counter() - started)
        for step, seconds in manifest["seconds"].items():
            steps.setdefault(step, []).append(seconds)

    rows = [(step, values) for step, values in steps.items()] + [("total", totals)]
    print(f"kgraph build, {args.runs} runs (seconds)")
    print(f"{'step':<10}{'median':>9}{'min':>9}{'max':>9}")
    for step, values in rows:
        print(f"{step:<10}{statistics.median(values):>9.2f}{min(values):>9.2f}{max(values):>9.2f}")
    print("triples:", ", ".join(f"{k} {v}" for k, v in manifest["triples"].items()))
    if args.json:
        args.json.write_text(json.dumps({
            "runs": args.runs,
            "median_seconds": {step: statistics.median(v) for step, v in rows},
            "triples": manifest["triples"],
        }, indent=2) + "\n")


if __name__ == "__main__":
    main()
