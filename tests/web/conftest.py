"""Fixtures for the web app: apps from one factory, ``make_app(**overrides)``.

- ``app`` / ``client``: the app over the real built kgraph dataset (the session ``store``
  of tests/conftest.py, so the build runs once per session).
- ``w3c_app`` / ``w3c_client``: the app serving the W3C SPARQL 1.1 Protocol fixture
  (tests/data/w3c-protocol/protocol-fixture.trig) as user files; independent of data/.
- ``make_app(**overrides)``: any variant, as datasette's ``make_app_client``::

      def test_cors(make_app):
          client = make_app(cors_origins=["https://example.org"]).test_client()

  Keyword arguments are settings (``cors_origins=…``) or Flask config keys (``TESTING``),
  except ``store=``, ``files=``, ``dataset=`` which choose what is served (default: the
  built kgraph store).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kgraph.web import create_app

W3C_DIR = Path(__file__).resolve().parents[1] / "data" / "w3c-protocol"
W3C_FIXTURE = W3C_DIR / "protocol-fixture.trig"

_SOURCES = ("store", "files", "dataset")


@pytest.fixture
def make_app(request):
    """A factory of apps: ``make_app(**settings_and_config, store=/files=/dataset=)``."""

    def make(**overrides):
        sources = {k: overrides.pop(k) for k in _SOURCES if k in overrides}
        if not sources:
            sources["store"] = request.getfixturevalue("store")
        config = {"TESTING": True, **overrides}
        return create_app(config, **sources)

    return make


@pytest.fixture
def app(make_app):
    """The app over the built kgraph dataset."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def w3c_fixture() -> Path:
    """The W3C protocol fixture file (TriG: a default graph and three named graphs)."""
    return W3C_FIXTURE


@pytest.fixture(scope="session")
def w3c_app():
    """The app serving the W3C protocol fixture file (default graph + three named graphs)."""
    return create_app({"TESTING": True}, files=[W3C_FIXTURE])


@pytest.fixture
def w3c_client(w3c_app):
    return w3c_app.test_client()
