"""A query that would take more memory than ``query_memory_mb`` is stopped by the limit, not
left to grow until the timeout (or the machine's memory) runs out."""

from __future__ import annotations

import json
import time

import pytest
from executor_fixtures import *  # noqa: F403 — chain_file
from executor_fixtures import wait_for_pool

from kgraph.web import create_app
from kgraph.web.sparql import executor

#: Long enough that only the memory limit can stop the queries below in the time allowed.
TIMEOUT = 30.0
MEMORY_MB = 128

#: Each holds a whole product of the chain in memory before its first row (sorting or
#: de-duplicating it): gigabytes within seconds, measured.
HUNGRY = {
    "ORDER BY over a product": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(?f) ?c LIMIT 1",
    "DISTINCT over a product": "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
}


@pytest.fixture(scope="module")
def lean_app(chain_file):
    app = create_app({"TESTING": True, "QUERY_TIMEOUT": TIMEOUT, "QUERY_MEMORY_MB": MEMORY_MB, "THREADS": 2},
                     files=[chain_file])
    wait_for_pool(app)
    yield app
    executor(app).close()


@pytest.mark.parametrize("name", HUNGRY)
def test_a_query_past_its_memory_limit_is_stopped_with_a_503(lean_app, name):
    started = time.monotonic()
    response = lean_app.test_client().get("/sparql", query_string={"query": HUNGRY[name]})
    seconds = time.monotonic() - started
    assert response.status_code == 503, response.data
    assert seconds < TIMEOUT / 3, f"stopped after {seconds:.1f} s: by the timeout, not the memory limit"
    message = json.loads(response.data)["error"]["message"]
    assert f"{MEMORY_MB} MiB" in message and "query_memory_mb" in message
    assert response.headers["Retry-After"]
    # The process that ran it was replaced; the next query is answered.
    small = lean_app.test_client().get("/sparql", query_string={
        "query": "SELECT ?o WHERE { <http://example.org/n1> ?p ?o }"})
    assert small.status_code == 200 and len(json.loads(small.data)["results"]["bindings"]) == 2
