"""Fixtures for the real-client tests: a real ``kgraph serve`` of the session's build, and
what pyoxigraph answers in-process, on the same build, for the queries the clients send.

The clients (SPARQLWrapper, rdflib's SPARQLStore and ``Graph.parse``) are used unchanged,
with their defaults, over HTTP on 127.0.0.1: they send their own Accept headers and
``format=``/``output=`` names, which is what these tests are about. Every answer is
compared with the engine's own (``expected_*``), never only checked for "no exception".
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from client_queries import KZ, QUERIES, as_rdflib
from kgraph.describe import description_triples
from kgraph.store import DEFAULT_GRAPHS
from serving import kgraph_serve


@pytest.fixture(scope="session")
def endpoint(built, project_layout):
    """The base URL of ``kgraph serve`` (gunicorn, one worker) on the session's build, never rebuilt."""
    cli_args = ("--home", str(project_layout.data_dir.parent), "--build-dir", str(project_layout.build_dir))
    with kgraph_serve("--workers", "1", cli_args=cli_args, ready="/sparql?query=" + quote("ASK {}")) as (base, _):
        yield base


@pytest.fixture(scope="session")
def sparql_url(endpoint) -> str:
    return endpoint + "/sparql"


def _engine(store, name: str):
    return store.query(QUERIES[name], default_graphs=DEFAULT_GRAPHS).raw


@pytest.fixture(scope="session")
def expected_rows(store) -> set[tuple[str, str]]:
    """``(state IRI, Russian name)`` of each row pyoxigraph finds for the SELECT."""
    rows = {(row["state"].value, row["label"].value) for row in _engine(store, "select")}
    assert len(rows) >= 5 and (KZ, "Казахстан") in rows
    return rows


@pytest.fixture(scope="session")
def expected_answers(store) -> dict[str, bool]:
    """pyoxigraph's answer to each ASK; one true and one false, so a constant cannot pass."""
    answers = {name: bool(_engine(store, name)) for name in ("ask-true", "ask-false")}
    assert answers == {"ask-true": True, "ask-false": False}
    return answers


@pytest.fixture(scope="session")
def expected_construct(store) -> set:
    """The triples pyoxigraph builds for the CONSTRUCT, as rdflib terms."""
    return set(as_rdflib(_engine(store, "construct")))


@pytest.fixture(scope="session")
def expected_description(store) -> set:
    """The triples of /id/kazakhstan, as the library computes them on the build (outgoing,
    incoming, labels of the neighbours): what every RDF format of that page must carry."""
    return set(as_rdflib(description_triples(store, KZ)))
