"""The W3C SPARQL 1.1 Protocol tests (suite/sparql11/protocol/manifest.ttl) and the read side of
the Graph Store Protocol tests (suite/sparql11/graph-store-protocol/manifest-indirect.ttl),
through a real ``kgraph serve`` on each store. The requests and what each answer must be:
w3c_protocol.py and w3c_graphstore.py."""

from __future__ import annotations

import pytest

from w3c_graphstore import load_graph_store_tests, run_graph_store_test, write_graph_store_dataset
from w3c_protocol import load_protocol_tests, run_protocol_test, write_protocol_dataset
from w3c_run import STORES, kgraph_servers, record

pytestmark = pytest.mark.w3c

TESTS = load_protocol_tests()


def _params():
    for test in TESTS:
        marks = [pytest.mark.skip(reason="needs SPARQL Update to succeed: kgraph's /sparql is read-only "
                                         "(an update is refused, as the bad_update_* tests check)")] \
            if test.needs_update else []
        yield pytest.param(test, marks=marks, id=test.short)


@pytest.fixture(scope="module")
def servers():
    with kgraph_servers(TESTS, write=write_protocol_dataset) as bases:
        yield bases


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", list(_params()))
def test_protocol(servers, store, test):
    difference = run_protocol_test(test, servers[store])
    record("protocol", "kgraph vs W3C", store, difference)
    if difference is not None:
        pytest.fail(difference, pytrace=False)


GRAPH_STORE_TESTS = load_graph_store_tests()


@pytest.fixture(scope="module")
def graph_store_servers():
    with kgraph_servers(GRAPH_STORE_TESTS, write=write_graph_store_dataset) as bases:
        yield bases


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("test", [pytest.param(t, id=t.short, marks=[pytest.mark.skip(reason=t.skip)] if t.skip else [])
                                  for t in GRAPH_STORE_TESTS])
def test_graph_store_reads(graph_store_servers, store, test):
    difference = run_graph_store_test(test, graph_store_servers[store])
    record("graph-store", "kgraph vs W3C", store, difference)
    if difference is not None:
        pytest.fail(difference, pytrace=False)
