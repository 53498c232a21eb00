"""The W3C SPARQL query-evaluation counts of kgraph: per suite, comparison and store.

    .venv/bin/python tests/w3c/report.py [--failures] [--json FILE]

Starts its own servers (as the tests do: w3c_run.py), runs every test once on each store,
and prints: kgraph vs W3C, kgraph vs pyoxigraph (in-process, same dataset), and pyoxigraph vs
W3C; the same for the syntax tests; then the protocol and Graph Store read tests on each store and on the Oxigraph server
itself; ``--failures`` lists each failing test with the difference. The engine's known failures
(known_failures.toml) are counted apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from w3c_graphstore import load_graph_store_tests, run_graph_store_test, write_graph_store_dataset
from w3c_protocol import load_protocol_tests, run_protocol_test, write_protocol_dataset
from w3c_syntax import SyntaxRunner, all_syntax_tests
from w3c_run import STORES, Runner, all_tests, dead_endpoint, kgraph_servers, known_failures, needs_remote_endpoints


def run() -> tuple[list[dict], list[dict], float]:
    tests = all_tests()
    known = known_failures()
    runnable = [t for t in tests if not needs_remote_endpoints(t)]
    started = time.monotonic()
    rows, failures = [], []
    with kgraph_servers(runnable) as bases:
        runner = Runner(bases, dead_endpoint())
        runner.prefetch(runnable)
        checks = [("pyoxigraph vs W3C", "in-process", runner.engine_versus_w3c)]
        for store in STORES:
            checks.append(("kgraph vs W3C", store, lambda t, s=store: runner.kgraph_versus_w3c(s, t)))
            checks.append(("kgraph vs pyoxigraph", store, lambda t, s=store: runner.kgraph_versus_engine(s, t)))
        for suite in dict.fromkeys(t.suite for t in tests):
            in_suite = [t for t in tests if t.suite == suite]
            for comparison, store, check in checks:
                row = {"suite": suite, "comparison": comparison, "store": store, "tests": len(in_suite),
                       "passed": 0, "failed": 0, "known engine failures": 0,
                       "skipped": sum(1 for t in in_suite if needs_remote_endpoints(t))}
                for test in in_suite:
                    if needs_remote_endpoints(test):
                        continue
                    difference = check(test)
                    expected_to_fail = test.id in known and comparison != "kgraph vs pyoxigraph"
                    if expected_to_fail and difference is not None:
                        row["known engine failures"] += 1
                    elif difference is None and not expected_to_fail:
                        row["passed"] += 1
                    else:
                        row["failed"] += 1
                        failures.append({"suite": suite, "comparison": comparison, "store": store,
                                         "test": test.short, "id": test.id,
                                         "difference": difference or "passes, but is listed as a known failure"})
                rows.append(row)
        syntax = SyntaxRunner(bases)
        checks = [("pyoxigraph vs W3C", "in-process", syntax.engine_versus_w3c)]
        for store in STORES:
            checks.append(("kgraph vs W3C", store, lambda t, s=store: syntax.kgraph_versus_w3c(s, t)))
            checks.append(("kgraph vs pyoxigraph", store, lambda t, s=store: syntax.kgraph_versus_engine(s, t)))
        syntax_tests = all_syntax_tests()
        for suite in dict.fromkeys(t.suite for t in syntax_tests):
            in_suite = [t for t in syntax_tests if t.suite == suite]
            for comparison, store, check in checks:
                rows.append(_count(suite + "-syntax", comparison, store, in_suite, check, known, failures))
    return rows, failures, time.monotonic() - started


def _count(suite, comparison, store, tests, check, known, failures) -> dict:
    row = {"suite": suite, "comparison": comparison, "store": store, "tests": len(tests),
           "passed": 0, "failed": 0, "known engine failures": 0, "skipped": 0}
    for test in tests:
        difference = check(test)
        expected_to_fail = test.id in known and comparison != "kgraph vs pyoxigraph"
        if expected_to_fail and difference is not None:
            row["known engine failures"] += 1
        elif difference is None and not expected_to_fail:
            row["passed"] += 1
        else:
            row["failed"] += 1
            failures.append({"suite": suite, "comparison": comparison, "store": store, "test": test.short,
                             "id": test.id, "difference": difference or "passes, but is listed as a known failure"})
    return row


def run_protocol() -> tuple[list[dict], list[dict]]:
    """The protocol and Graph Store read tests on each store, and on the Oxigraph server itself
    (``oxigraph serve``, its /query and /store): the engine's own protocol implementation."""
    rows, failures = [], []
    suites = [("protocol", load_protocol_tests(), write_protocol_dataset, run_protocol_test, "/sparql", "/query",
               lambda t: t.needs_update and "needs SPARQL Update"),
              ("graph-store", load_graph_store_tests(), write_graph_store_dataset, run_graph_store_test,
               "/rdf-graphs", "/store", lambda t: t.skip)]
    for suite, tests, write, check, path, engine_path, skip in suites:
        engine: list[str] = []
        with kgraph_servers(tests, write=write, engine=engine) as bases:
            targets = {**bases, "oxigraph serve": engine[0]}
            for store, base in targets.items():
                row = {"suite": suite, "comparison": "kgraph vs W3C" if store in STORES else "Oxigraph server vs W3C",
                       "store": store, "tests": len(tests), "passed": 0, "failed": 0, "known engine failures": 0,
                       "skipped": sum(1 for t in tests if skip(t))}
                for test in tests:
                    if skip(test):
                        continue
                    if store == "oxigraph serve":
                        difference = _on_engine(check, test, base, path, engine_path)
                    else:
                        difference = check(test, base)
                    row["passed" if difference is None else "failed"] += 1
                    if difference is not None:
                        failures.append({"suite": suite, "comparison": row["comparison"], "store": store,
                                         "test": test.short, "id": test.id, "difference": difference})
                rows.append(row)
    return rows, failures


def _on_engine(check, test, base, path, engine_path):
    import dataclasses

    if hasattr(test, "reads"):  # Graph Store: the same reads, at Oxigraph's /store
        reads = tuple(dataclasses.replace(r, path=r.path.replace(path, engine_path, 1)) for r in test.reads)
        return check(dataclasses.replace(test, reads=reads), base)
    return check(test, base, engine_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list each failing test and its difference")
    parser.add_argument("--json", type=Path, help="also write the counts and failures to this file")
    args = parser.parse_args()
    rows, failures, seconds = run()
    protocol_rows, protocol_failures = run_protocol()
    rows, failures = rows + protocol_rows, failures + protocol_failures
    print(f"{'suite':16} {'comparison':23} {'store':14} {'passed':>7} {'failed':>7} {'known':>6} {'skipped':>8}")
    for r in rows:
        print(f"{r['suite']:16} {r['comparison']:23} {r['store']:14} {r['passed']:>4}/{r['tests'] - r['skipped']:<3}"
              f"{r['failed']:>6} {r['known engine failures']:>6} {r['skipped']:>8}")
    print(f"({seconds:.0f} s; 'known': the engine's failures of known_failures.toml; "
          f"'skipped': SERVICE to endpoints that would have to be contacted; protocol: updates, kgraph is "
          f"read-only; graph-store: default graph, new graph by POST)")
    if args.failures:
        for comparison in ("kgraph vs pyoxigraph", "kgraph vs W3C", "pyoxigraph vs W3C", "Oxigraph server vs W3C"):
            listed = [f for f in failures if f["comparison"] == comparison]
            print(f"\n{comparison}: {len({(f['suite'], f['test']) for f in listed})} tests")
            for f in listed:
                print(f"  {f['suite']}:{f['test']} [{f['store']}]\n      {f['difference']}")
    if args.json:
        args.json.write_text(json.dumps({"counts": rows, "failures": failures}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
