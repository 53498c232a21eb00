"""The W3C SPARQL 1.0 and 1.1 syntax tests (``mf:PositiveSyntaxTest``/``NegativeSyntaxTest``, 1.0
and 11), through kgraph's ``/sparql`` on each store, on an empty dataset.

Over HTTP a query is refused as malformed with a 400; a positive test must not get one, a
negative test must. Each test runs three ways, as the evaluation tests: pyoxigraph against the
W3C verdict (the engine's failures: known_failures.toml), kgraph against it, and kgraph against
the engine (the same verdict: ran, refused as a syntax error, or parsed but not run).
"""

from __future__ import annotations

import pytest

from w3c_run import STORES, known_failures, record
from w3c_syntax import all_syntax_tests

pytestmark = pytest.mark.w3c

TESTS = all_syntax_tests()
KNOWN = known_failures()


def _params(*, known_fail: bool):
    for test in TESTS:
        marks = [pytest.mark.xfail(strict=True, reason="the engine's: " + KNOWN[test.id])] \
            if known_fail and test.id in KNOWN else []
        yield pytest.param(test, marks=marks, id=f"{test.suite}:{test.short}")


def _check(difference: str | None) -> None:
    if difference is not None:
        pytest.fail(difference, pytrace=False)


@pytest.mark.parametrize("test", list(_params(known_fail=True)))
def test_engine_parses_as_w3c(syntax_runner, test):
    difference = syntax_runner.engine_versus_w3c(test)
    record(test.suite + "-syntax", "pyoxigraph vs W3C", "in-process", difference, known=test.id in KNOWN)
    _check(difference)


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", list(_params(known_fail=True)))
def test_kgraph_parses_as_w3c(syntax_runner, store, test):
    difference = syntax_runner.kgraph_versus_w3c(store, test)
    record(test.suite + "-syntax", "kgraph vs W3C", store, difference, known=test.id in KNOWN)
    _check(difference)


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", list(_params(known_fail=False)))
def test_kgraph_parses_as_the_engine(syntax_runner, store, test):
    difference = syntax_runner.kgraph_versus_engine(store, test)
    record(test.suite + "-syntax", "kgraph vs pyoxigraph", store, difference)
    _check(difference)
