"""Apps whose queries run in real query processes (kgraph.execution), over data where the
classic runaway queries really run away: a chain of 2000 nodes, 4000 triples.

Import the fixtures into a test module: ``from .executor_fixtures import *``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kgraph.web import create_app
from kgraph.web.sparql import executor

#: Seconds a query may run in these apps: small, so that each runaway test is short.
QUERY_TIMEOUT = 1.0
#: Nodes of the chain: 2000 makes every runaway below run for minutes (measured), while a
#: lazily streamed SELECT or a bounded one answers in milliseconds.
CHAIN = 2000
EX = "http://example.org/"


def write_chain(path: Path, nodes: int = CHAIN) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(nodes):
            out.write(f"<{EX}n{i}> <{EX}p> <{EX}n{i + 1}> .\n<{EX}n{i}> <{EX}v> \"{i}\" .\n")
    return path


@pytest.fixture(scope="session")
def chain_file(tmp_path_factory) -> Path:
    return write_chain(tmp_path_factory.mktemp("chain") / "chain.nt")


def wait_for_pool(app, seconds: float = 30.0) -> None:
    """Until every query process of ``app`` is idle (started, or replaced after a kill)."""
    pool = executor(app)
    pool.start(wait=True, every=True)
    deadline = time.monotonic() + seconds
    while pool.idle() < pool.size:
        assert time.monotonic() < deadline, f"only {pool.idle()} of {pool.size} query processes are ready"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def executor_app(chain_file):
    """The app over the chain as user files: queries run in 3 query processes, 1 s each at most."""
    app = create_app({"TESTING": True, "QUERY_TIMEOUT": QUERY_TIMEOUT, "THREADS": 3,
                      "CLIENT_CONCURRENCY": 2}, files=[chain_file])
    wait_for_pool(app)
    yield app
    executor(app).close()


@pytest.fixture
def ready_app(executor_app):
    """``executor_app`` with all its query processes idle (the last test's killed ones replaced)."""
    wait_for_pool(executor_app)
    return executor_app
