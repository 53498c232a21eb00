"""`kgraph serve --store URL`: the real server (gunicorn, two forked workers) over an Oxigraph server."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from serving import fetch, kgraph_serve

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def get(url: str, accept: str = "application/json"):
    return fetch(url, headers={"Accept": accept}, timeout=15)


@pytest.fixture
def served(kgraph, oxigraph, project_layout):
    """`kgraph serve --store URL` on a free port, over a pushed Oxigraph server."""
    assert kgraph("push", oxigraph.url, "-q").exit_code == 0
    cli_args = ("--home", str(project_layout.data_dir.parent), "--build-dir", str(project_layout.build_dir))
    with kgraph_serve("--store", oxigraph.url, "--workers", "2", cli_args=cli_args,
                      env={"KGRAPH_RESULT_CACHE_MB": "0"}) as (base, _):
        yield base


def test_serve_over_a_remote_store(served, oxigraph, store):
    expected = int(next(iter(store.query(COUNT).raw))["n"].value)  # the embedded store's answer
    sparql = f"{served}/sparql?" + urlencode({"query": COUNT})
    for _ in range(4):  # requests land on both workers, each with its own connections
        status, _, body = get(sparql)
        assert status == 200
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == expected
    assert get(f"{served}/id/kazakhstan", "text/html")[0] == 200
    assert get(f"{served}/.well-known/void", "text/turtle")[0] == 200

    oxigraph.stop()
    status, headers, body = get(sparql)
    assert status == 503 and int(headers["Retry-After"]) > 0
    assert json.loads(body)["error"]["status"] == 503

    oxigraph.start()
    for _ in range(4):
        assert get(sparql)[0] == 200


@pytest.mark.parametrize("query", [
    COUNT,
    "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/kgraph/graph/ontology> WHERE { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) FROM <http://example.org/not-in-the-store> WHERE { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) FROM NAMED <https://w3id.org/kgraph/graph/shapes> WHERE { GRAPH ?g { ?s ?p ?o } }",
])
def test_a_querys_own_dataset_is_the_same_on_the_remote_and_the_embedded_store(served, store, query):
    """Issue "SPARQL answers exactly as the standard says": FROM is honoured on every store;
    `kgraph push` writes the default graph as the merge, so no query needs it named."""
    expected = int(next(iter(store.query(query).raw))["n"].value)
    status, _, body = get(f"{served}/sparql?" + urlencode({"query": query}))
    assert status == 200
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == expected
