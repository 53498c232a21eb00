"""The W3C SPARQL 1.0 (data-r2) and 1.1 query-evaluation tests, through kgraph's ``/sparql``.

Each test (``mf:QueryEvaluationTest`` of suite/, see README.md) runs three ways:

- ``test_engine_answers_as_w3c``: pyoxigraph in-process on the test's dataset, against the
  W3C result: the engine's own failures are known_failures.toml (strict xfail);
- ``test_kgraph_answers_as_w3c[store]``: a real ``kgraph serve`` (gunicorn), on each store
  (``embedded``: the dataset file served; ``oxigraph``: ``kgraph serve --store`` over an
  Oxigraph server holding it), against the W3C result; the engine's failures are xfail;
- ``test_kgraph_answers_as_the_engine[store]``: kgraph's answer against the engine's, term for
  term: any difference is kgraph's own layer, never expected.

How the dataset is served and the query sent: w3c_run.py. The counts of a run are written to
/tmp/kgraph-w3c/counts.json; ``.venv/bin/python tests/w3c/report.py`` prints them afresh.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from w3c_run import STORES, Runner, all_tests, dead_endpoint, kgraph_servers, known_failures, needs_remote_endpoints

pytestmark = pytest.mark.w3c

TESTS = all_tests()
KNOWN = known_failures()
RUNNABLE = [t for t in TESTS if not needs_remote_endpoints(t)]
COUNTS_FILE = Path("/tmp/kgraph-w3c/counts.json")
#: ``{(suite, comparison, store): Counter(passed=…, failed=…)}`` of this session.
OUTCOMES: dict[tuple[str, str, str], Counter] = {}


def _params(*, known_fail: bool):
    params = []
    for test in TESTS:
        marks = []
        if needs_remote_endpoints(test):
            marks.append(pytest.mark.skip(reason="SERVICE to endpoints with their own data (qt:serviceData): "
                                                 "no network address other than 127.0.0.1 is contacted"))
        elif known_fail and test.id in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason="the engine's: " + KNOWN[test.id]))
        params.append(pytest.param(test, marks=marks, id=f"{test.suite}:{test.short}"))
    return params


@pytest.fixture(scope="module")
def runner():
    with kgraph_servers(RUNNABLE) as bases:
        runner = Runner(bases, dead_endpoint())
        runner.prefetch(RUNNABLE)
        yield runner
    _write_counts()


def _record(test, comparison: str, store: str, difference: str | None) -> None:
    counter = OUTCOMES.setdefault((test.suite, comparison, store), Counter())
    counter["passed" if difference is None else "failed"] += 1


def _check(difference: str | None) -> None:
    if difference is not None:  # the difference alone: a traceback would say nothing more
        pytest.fail(difference, pytrace=False)


def _write_counts() -> None:
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"suite": s, "comparison": c, "store": st, **counter} for (s, c, st), counter in sorted(OUTCOMES.items())]
    COUNTS_FILE.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


@pytest.mark.parametrize("test", _params(known_fail=True))
def test_engine_answers_as_w3c(runner, test):
    difference = runner.engine_versus_w3c(test)
    _record(test, "pyoxigraph vs W3C", "in-process", difference)
    _check(difference)


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", _params(known_fail=True))
def test_kgraph_answers_as_w3c(runner, store, test):
    difference = runner.kgraph_versus_w3c(store, test)
    _record(test, "kgraph vs W3C", store, difference)
    _check(difference)


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", _params(known_fail=False))
def test_kgraph_answers_as_the_engine(runner, store, test):
    difference = runner.kgraph_versus_engine(store, test)
    _record(test, "kgraph vs pyoxigraph", store, difference)
    _check(difference)


def test_every_known_failure_is_a_test_of_the_suite():
    ids = {t.id for t in TESTS}
    assert not set(KNOWN) - ids, "known_failures.toml names no such test"
