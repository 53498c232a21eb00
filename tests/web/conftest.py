"""Fixtures for the web app: apps from one factory, ``make_app(**overrides)``.

- ``app`` / ``client``: the app over the real built kgraph dataset (the session ``store``
  of tests/conftest.py, so the build runs once per session).
- ``w3c_app`` / ``w3c_client``: the app serving the W3C SPARQL 1.1 Protocol fixture
  (tests/data/w3c-protocol/protocol-fixture.trig) as user files; independent of data/.
- ``small_store``: the small pages fixture graph (tests/data/pages-fixture.trig).
- ``make_app(**overrides)``: any variant, as datasette's ``make_app_client``::

      def test_cors(make_app):
          client = make_app(cors_origins=["https://example.org"]).test_client()

  Keyword arguments are settings (``cors_origins=…``) or Flask config keys (``TESTING``),
  except ``store=``, ``files=``, ``dataset=``, ``layout=`` which choose what is served
  (default: the built kgraph store; with ``store_url=…``, the build's layout).

``app``, ``w3c_app`` and ``small_store`` are each given twice, so every endpoint test runs
against both stores the app can serve from: the embedded pyoxigraph store (``embedded``)
and a real Oxigraph server started for the session from PyPI's ``oxigraph``
(``oxigraph``), filled with ``kgraph push`` (the build) or Oxigraph's own dataset upload
(the fixtures, which have a default graph), over :class:`kgraph.remote.RemoteStore`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgraph.cli import cli
from kgraph.remote import RemoteStore
from kgraph.store import DEFAULT_GRAPHS
from kgraph.web import create_app
from kgraph.web.dataset import ServedDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from oxigraph_process import OxigraphServer

TESTS = Path(__file__).resolve().parents[1]
W3C_DIR = TESTS / "data" / "w3c-protocol"
W3C_FIXTURE = W3C_DIR / "protocol-fixture.trig"
PAGES_FIXTURE = TESTS / "data" / "pages-fixture.trig"

_SOURCES = ("store", "files", "dataset", "layout")
#: The stores every endpoint test runs against (the ids in test names).
BACKENDS = ("embedded", "oxigraph")
#: Seconds a remote query may take in the tests: ample on 127.0.0.1, short if it hangs.
REMOTE_TIMEOUT = 30.0


# --- the Oxigraph servers (one per dataset, for the session) ---------------------------------

@pytest.fixture(scope="session")
def kgraph_server(built, project_layout, tmp_path_factory):
    """An Oxigraph server holding the session's build, pushed with `kgraph push`."""
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-kgraph")) as server:
        pushed = CliRunner().invoke(cli, ["--home", str(project_layout.data_dir.parent), "--build-dir",
                                          str(project_layout.build_dir), "push", server.url, "--quiet"])
        assert pushed.exit_code == 0, pushed.output
        yield server


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory):
    """An Oxigraph server holding the W3C protocol fixture; its default graph is the union of
    all graphs (``--union-default-graph``), as kgraph's for user files."""
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-w3c"), union_default_graph=True) as server:
        server.load_dataset(W3C_FIXTURE, "application/trig")
        yield server


@pytest.fixture(scope="session")
def small_server(tmp_path_factory):
    """An Oxigraph server holding the pages fixture graph."""
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-small")) as server:
        server.load_dataset(PAGES_FIXTURE, "application/trig")
        yield server


@pytest.fixture(scope="session", params=BACKENDS)
def small_store(request, small_store):
    """The pages fixture graph, in the embedded store or on an Oxigraph server."""
    if request.param == "embedded":
        return small_store
    return RemoteStore(request.getfixturevalue("small_server").url, timeout=REMOTE_TIMEOUT,
                       default_graphs=DEFAULT_GRAPHS)


@pytest.fixture
def make_app(request):
    """A factory of apps: ``make_app(**settings_and_config, store=/files=/dataset=)``."""

    def make(**overrides):
        sources = {k: overrides.pop(k) for k in _SOURCES if k in overrides}
        if not sources and overrides.get("store_url"):
            sources["layout"] = request.getfixturevalue("project_layout")
        elif not sources:
            sources["store"] = request.getfixturevalue("store")
        config = {"TESTING": True, **overrides}
        return create_app(config, **sources)

    return make


@pytest.fixture(params=BACKENDS)
def app(request, make_app):
    """The app over the built kgraph dataset: embedded, or pushed to an Oxigraph server."""
    if request.param == "embedded":
        return make_app()
    return make_app(store_url=request.getfixturevalue("kgraph_server").url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def w3c_fixture() -> Path:
    """The W3C protocol fixture file (TriG: a default graph and three named graphs)."""
    return W3C_FIXTURE


@pytest.fixture(scope="session", params=BACKENDS)
def w3c_app(request):
    """The app serving the W3C protocol fixture (default graph + three named graphs) as user
    files: from the file into the embedded store, or from an Oxigraph server."""
    if request.param == "embedded":
        return create_app({"TESTING": True}, files=[W3C_FIXTURE])
    store = RemoteStore(request.getfixturevalue("w3c_server").url, timeout=REMOTE_TIMEOUT)
    return create_app({"TESTING": True}, dataset=ServedDataset(store, kind="files", default_graphs=(),
                                                              files=(W3C_FIXTURE,)))


@pytest.fixture
def w3c_client(w3c_app):
    return w3c_app.test_client()
