"""The W3C SPARQL 1.0 (data-r2) and 1.1 query-evaluation tests, through kgraph's ``/sparql``.

Each test (``mf:QueryEvaluationTest`` of suite/, see README.md) runs three ways:

- ``test_engine_answers_as_w3c``: pyoxigraph in-process on the test's dataset, against the
  W3C result: the engine's own failures are known_failures.toml (strict xfail);
- ``test_kgraph_answers_as_w3c[store]``: a real ``kgraph serve`` (gunicorn), on each store
  (``embedded``: the dataset file served; ``oxigraph``: ``kgraph serve --store`` over an
  Oxigraph server holding it), against the W3C result; the engine's failures are xfail;
- ``test_kgraph_answers_as_the_engine[store]``: kgraph's answer against the engine's, term for
  term: any difference is kgraph's own layer, never expected.

How the dataset is served and the query sent: w3c_run.py; the servers: conftest.py. The counts
of a run are written to /tmp/kgraph-w3c/counts.json; ``.venv/bin/python tests/w3c/report.py`` prints them afresh.
"""

from __future__ import annotations

import pytest

from w3c_run import STORES, all_tests, kgraph_deviations, known_failures, needs_remote_endpoints, record
from w3c_syntax import all_syntax_tests

pytestmark = pytest.mark.w3c

TESTS = all_tests()
KNOWN = known_failures()
DEVIATIONS = kgraph_deviations()


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


def _check(difference: str | None, deviation: str | None = None) -> None:
    if deviation is not None:  # kgraph's own, on purpose: strict, as the engine's are
        if difference is None:
            pytest.fail("listed as a deviation of kgraph's in known_failures.toml, but answered as "
                        "expected: remove it from there", pytrace=False)
        pytest.xfail("kgraph's: " + deviation)
    if difference is not None:  # the difference alone: a traceback would say nothing more
        pytest.fail(difference, pytrace=False)


@pytest.mark.parametrize("test", _params(known_fail=True))
def test_engine_answers_as_w3c(runner, test):
    difference = runner.engine_versus_w3c(test)
    record(test.suite, "pyoxigraph vs W3C", "in-process", difference, known=test.id in KNOWN)
    _check(difference)


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", _params(known_fail=True))
def test_kgraph_answers_as_w3c(runner, store, test):
    difference = runner.kgraph_versus_w3c(store, test)
    record(test.suite, "kgraph vs W3C", store, difference, known=test.id in KNOWN)
    _check(difference, DEVIATIONS.get((store, test.id)))


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", _params(known_fail=False))
def test_kgraph_answers_as_the_engine(runner, store, test):
    difference = runner.kgraph_versus_engine(store, test)
    record(test.suite, "kgraph vs pyoxigraph", store, difference)
    _check(difference, DEVIATIONS.get((store, test.id)))


def test_every_known_failure_is_a_test_of_the_suite():
    ids = {t.id for t in TESTS} | {t.id for t in all_syntax_tests()}
    assert not set(KNOWN) - ids, "known_failures.toml names no such test"
