"""Fixtures for the Wikidata tests: the local stand-in, clients on it, copies of the project.

Never the network: an autouse fixture points the Wikidata settings at a closed local port,
so any client a test forgets to aim at the stand-in fails at once instead of going out.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from standin import StandIn, closed_port_url  # noqa: E402

from kgraph.pipeline import CURRENT, current_build  # noqa: E402
from kgraph.layout import Layout  # noqa: E402
from kgraph.wikidata.client import WikidataClient  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    monkeypatch.setenv("KGRAPH_WIKIDATA_API_URL", closed_port_url("/w/api.php"))
    monkeypatch.setenv("KGRAPH_WIKIDATA_SPARQL_URL", closed_port_url("/sparql"))
    monkeypatch.setenv("KGRAPH_WIKIDATA_RETRIES", "0")
    monkeypatch.setenv("KGRAPH_WIKIDATA_CACHE_DIR", str(tmp_path / "wikidata-cache"))


@pytest.fixture(scope="session")
def standin_server():
    with StandIn() as server:
        yield server


@pytest.fixture
def standin(standin_server):
    """The stand-in, its request log cleared and failing switched off."""
    standin_server.requests.clear()
    standin_server.fail_with = None
    yield standin_server
    standin_server.fail_with = None


@pytest.fixture
def standin_env(monkeypatch, standin):
    """Settings (environment) that aim the CLI at the stand-in."""
    monkeypatch.setenv("KGRAPH_WIKIDATA_API_URL", standin.api_url)
    monkeypatch.setenv("KGRAPH_WIKIDATA_SPARQL_URL", standin.sparql_url)
    return standin


@pytest.fixture
def client(standin):
    """A client on the stand-in: no retries, no cache."""
    with WikidataClient(api_url=standin.api_url, sparql_url=standin.sparql_url, retries=0, backoff=0) as c:
        yield c


def copy_project(target: Path, build_path: Path | None = None) -> Layout:
    """A copy of the checkout's ontology/, data/ and shapes/ (tests never touch the real data/).

    With ``build_path`` (a build of the same sources), that build is copied in as current,
    so commands on the copy need not build again (a build takes half a minute).
    """
    for name in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / name, target / name)
    layout = Layout.at(target, target / "build")
    if build_path is not None:
        layout.build_dir.mkdir(parents=True)
        shutil.copytree(build_path, layout.build_dir / build_path.name,
                        ignore=shutil.ignore_patterns("downloads"))
        (layout.build_dir / CURRENT).symlink_to(build_path.name)
    return layout


@pytest.fixture
def project(tmp_path, built) -> Layout:
    """A fresh copy of the project, with the session's build as its current build."""
    return copy_project(tmp_path / "project", built.path)


@pytest.fixture(scope="module")
def built_project(tmp_path_factory, built):
    """A copy of the project and its build folder, shared by a module (read-only use)."""
    layout = copy_project(tmp_path_factory.mktemp("project"), built.path)
    return layout, current_build(layout.build_dir)
