"""Fixtures shared by every test: the project's layout, one real build, a store on it.

The build (load → owlrl → pyshacl → write) runs once per test session into a temporary
folder, never into the checkout's own build/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kgraph.pipeline import build
from kgraph.layout import Layout
import pyoxigraph as ox

from kgraph.query import open_build
from kgraph.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
#: A small graph with exact, hand-checkable answers for labels, pages, search and timeline.
PAGES_FIXTURE = ROOT / "tests" / "data" / "pages-fixture.trig"


@pytest.fixture(scope="session")
def project_layout(tmp_path_factory) -> Layout:
    """The checkout's ontology/, data/ and shapes/, building into a temporary folder."""
    return Layout.at(ROOT, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built(project_layout):
    """The result of one real ``kgraph build`` of the project's graph."""
    return build(project_layout)


@pytest.fixture(scope="session")
def store(built):
    """An embedded store holding the built dataset (read-only use, shared by tests)."""
    return open_build(built.path)


@pytest.fixture(scope="session")
def small_store() -> OxigraphStore:
    """An embedded store holding tests/data/pages-fixture.trig (read-only use)."""
    store = OxigraphStore()
    store.load(PAGES_FIXTURE, fmt=ox.RdfFormat.TRIG)
    return store
