"""The servers of the W3C query tests: one ``kgraph serve`` per store for the whole session,
holding every evaluation test's dataset (w3c_run.py); the syntax tests use them too."""

from __future__ import annotations

import pytest

from w3c_run import Runner, all_tests, dead_endpoint, kgraph_servers, needs_remote_endpoints, write_counts
from w3c_syntax import SyntaxRunner

RUNNABLE = [t for t in all_tests() if not needs_remote_endpoints(t)]


@pytest.fixture(scope="session")
def w3c_servers():
    """``{store: base URL}``; the counts of the session go to /tmp/kgraph-w3c/counts.json afterwards."""
    with kgraph_servers(RUNNABLE) as bases:
        yield bases
    write_counts()


@pytest.fixture(scope="session")
def runner(w3c_servers):
    runner = Runner(w3c_servers, dead_endpoint())
    runner.prefetch(RUNNABLE)
    return runner


@pytest.fixture(scope="session")
def syntax_runner(w3c_servers):
    return SyntaxRunner(w3c_servers)
