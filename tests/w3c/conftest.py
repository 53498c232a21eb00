"""The servers of the W3C query tests: one ``kgraph serve`` per store for the whole session,
holding every evaluation test's dataset (w3c_run.py); the syntax tests use them too."""

from __future__ import annotations

import pytest

from w3c_run import (COUNTS_FILE, OUTCOMES, Runner, all_tests, dead_endpoint, kgraph_servers,
                     needs_remote_endpoints, write_counts)
from w3c_syntax import SyntaxRunner

RUNNABLE = [t for t in all_tests() if not needs_remote_endpoints(t)]


@pytest.fixture(scope="session", autouse=True)
def _w3c_counts():
    """The counts of the session's W3C tests, to /tmp/kgraph-w3c/counts.json afterwards."""
    yield
    if OUTCOMES:
        write_counts()


def pytest_terminal_summary(terminalreporter):
    if not OUTCOMES:
        return
    terminalreporter.section("W3C counts (passed / failed / known engine failures)")
    for (suite, comparison, store), n in sorted(OUTCOMES.items()):
        terminalreporter.write_line(f"{suite:16} {comparison:21} {store:11} {n['passed']:>4} {n['failed']:>4} "
                                    f"{n['known engine failures']:>4}")
    terminalreporter.write_line(f"(also in {COUNTS_FILE}; `.venv/bin/python tests/w3c/report.py` reruns them)")


@pytest.fixture(scope="session")
def w3c_servers():
    """``{store: base URL}`` of the servers of every evaluation test's dataset."""
    with kgraph_servers(RUNNABLE) as bases:
        yield bases


@pytest.fixture(scope="session")
def runner(w3c_servers):
    runner = Runner(w3c_servers, dead_endpoint())
    runner.prefetch(RUNNABLE)
    return runner


@pytest.fixture(scope="session")
def syntax_runner(w3c_servers):
    return SyntaxRunner(w3c_servers)
