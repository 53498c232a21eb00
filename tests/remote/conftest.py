"""Fixtures for the remote-store tests: real Oxigraph servers on 127.0.0.1, and `kgraph push`.

Each server here is the test's own (a fresh, empty store per test that asks for one), so a
test may stop it, restart it or write to it without disturbing another.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oxigraph_process import OxigraphServer

from kgraph.cli import cli
from serving import free_port


@pytest.fixture
def oxigraph(tmp_path):
    """An empty Oxigraph server, stopped after the test."""
    server = OxigraphServer(tmp_path / "oxigraph").start()
    yield server
    server.stop()


@pytest.fixture
def kgraph(project_layout, built):
    """``kgraph ARGS…`` on the session's build (never rebuilt): the click result."""

    def run(*args: str):
        return CliRunner().invoke(cli, ["--home", str(project_layout.data_dir.parent),
                                        "--build-dir", str(project_layout.build_dir), *args])

    return run


@pytest.fixture
def closed_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"
