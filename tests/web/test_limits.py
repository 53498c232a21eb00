"""Limits (issue 6): rows per answer (cut, and said so), query length (413), queries in
flight per client (429 with Retry-After, across worker processes)."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time

import pyoxigraph as ox
import pytest
from executor_fixtures import *
from executor_fixtures import wait_for_pool

from kgraph.solutions import first_rows, write_solutions
from kgraph.web.errors import WebError
from kgraph.web.limits import ClientSlots
from kgraph.web.sparql import TRUNCATED

#: Terms of every kind a results format must write: IRIs, blank nodes, plain, language-
#: tagged, directional and typed literals, escapes and control characters, triple terms.
RICH = """@prefix x: <http://a.example/> .
x:x x:p "he said \\"hi\\"\\n\\ttab,comma"@en, "x<&>'", 5, 1.5e0, true, 2.50,
    "2020"^^<http://www.w3.org/2001/XMLSchema#gYear>, [ x:q x:r ], "\\u0001ctl é ünï", "a"@ar--rtl,
    "\\u2028sep", "", "007"^^<http://www.w3.org/2001/XMLSchema#integer>, "a\\tb\\\\c", "x"@en-GB,
    <http://a.example/ü>, "-0.0"^^<http://www.w3.org/2001/XMLSchema#double>,
    "NaN"^^<http://www.w3.org/2001/XMLSchema#double> .
"""
RICH_QUERIES = (
    "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?s <http://nope> ?unbound } } ORDER BY ?o",
    "SELECT * WHERE {}",
    "SELECT ?x WHERE { FILTER(false) }",
    'SELECT ?x WHERE { BIND(<<( <http://a> <http://b> "c" )>> AS ?x) }',
)


@pytest.fixture(scope="module")
def rich_store() -> ox.Store:
    store = ox.Store()
    store.load(RICH.encode(), format=ox.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("query", RICH_QUERIES)
@pytest.mark.parametrize("fmt", [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                 ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV], ids=str)
def test_the_rows_kept_are_written_byte_for_byte_as_pyoxigraph_writes_them(rich_store, query, fmt):
    expected = rich_store.query(query).serialize(format=fmt)
    solutions = rich_store.query(query)
    rows, cut = first_rows(solutions, 1000)
    assert not cut
    assert write_solutions(solutions.variables, rows, fmt) == expected


def test_first_rows_reads_one_row_past_the_cap_only():
    taken = []

    def rows():
        for i in range(10**9):
            taken.append(i)
            yield i

    assert first_rows(rows(), 3) == ([0, 1, 2], True)
    assert len(taken) == 4
    assert first_rows(iter([1, 2, 3]), 3) == ([1, 2, 3], False)


# --- the row cap over HTTP ---------------------------------------------------------------


@pytest.mark.parametrize("query, fmt", [("SELECT * WHERE { ?s ?p ?o }", "json"), ("SELECT * WHERE { ?s ?p ?o }", "csv"),
                                         ("CONSTRUCT WHERE { ?s ?p ?o }", "nt"), ("DESCRIBE ?s WHERE { ?s ?p ?o }", "ttl")])
@pytest.mark.parametrize("how", ["GET", "POST"])
def test_an_answer_over_the_row_cap_is_refused_not_cut(make_app, w3c_fixture, query, fmt, how):
    """Issue "Answers that are whole": a client that did not ask for a cut never gets one."""
    client = make_app(files=[w3c_fixture], max_result_rows=3, threads=1).test_client()
    params = {"query": query, "format": fmt}
    response = client.get("/sparql", query_string=params) if how == "GET" else client.post("/sparql", data=params)
    assert response.status_code == 422 and TRUNCATED not in response.headers
    message = response.get_json()["error"]["message"]
    assert "more than 3 rows" in message and "max_result_rows" in message and "truncate=yes" in message


def test_an_answer_over_the_row_cap_is_cut_for_a_client_that_asks(make_app, w3c_fixture):
    client = make_app(files=[w3c_fixture], max_result_rows=3, threads=1).test_client()
    asked = {"query": "SELECT * WHERE { ?s ?p ?o }", "truncate": "yes"}
    cut = client.get("/sparql", query_string=asked)
    assert cut.status_code == 200 and cut.headers[TRUNCATED] == "rows=3"
    assert len(json.loads(cut.data)["results"]["bindings"]) == 3
    assert TRUNCATED in cut.headers["Access-Control-Expose-Headers"]  # YASGUI and other origins read it

    csv = client.post("/sparql", data={**asked, "format": "csv"})
    assert csv.headers[TRUNCATED] == "rows=3" and csv.data.count(b"\r\n") == 1 + 3

    graph = client.get("/sparql", query_string={**asked, "query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert graph.headers[TRUNCATED] == "rows=3" and graph.data.count(b" .\n") == 3

    whole = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert whole.status_code == 200 and TRUNCATED not in whole.headers
    assert whole.data == cut.data  # the same three rows, in the same order


# --- query length --------------------------------------------------------------------------


def _query_of_length(n: int) -> str:
    head = "SELECT * WHERE { ?s ?p ?o } #"
    return head + "x" * (n - len(head))


@pytest.fixture
def short_client(make_app, w3c_fixture):
    return make_app(files=[w3c_fixture], max_query_length=100, threads=1).test_client()


@pytest.mark.parametrize("how", ["GET", "form POST", "direct POST"])
def test_a_query_over_the_length_limit_is_a_413_however_it_comes(short_client, how):
    def ask(query):
        if how == "GET":
            return short_client.get("/sparql", query_string={"query": query})
        if how == "form POST":
            return short_client.post("/sparql", data={"query": query})
        return short_client.post("/sparql", data=query.encode(), content_type="application/sparql-query")

    assert ask(_query_of_length(100)).status_code == 200
    response = ask(_query_of_length(101))
    assert response.status_code == 413
    message = json.loads(response.data)["error"]["message"]
    assert "101 characters" in message and "100" in message and "max_query_length" in message
    assert ("POST" in message) == (how == "GET")  # the advice fits the way it came


def test_a_body_over_one_mib_is_a_413_in_the_error_shape(short_client):
    response = short_client.post("/sparql", data=b"#" * (1024 * 1024 + 1), content_type="application/sparql-query")
    assert response.status_code == 413 and json.loads(response.data)["error"]["status"] == 413


# --- queries in flight per client ----------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "ASK { ?s ?p ?o }"


def test_a_client_over_its_concurrency_gets_a_429_and_the_slots_come_back(ready_app):
    """client_concurrency 2: a third query of the same client, while two run, is refused."""
    statuses = []

    def runaway():
        statuses.append(ready_app.test_client().get("/sparql", query_string={"query": RUNAWAY}).status_code)

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for thread in threads:
        thread.start()
    slots = ready_app.extensions["kgraph.client_slots"]
    deadline = time.monotonic() + 5
    while slots.running("127.0.0.1") < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)

    refused = ready_app.test_client().get("/sparql", query_string={"query": SMALL})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert "client_concurrency" in json.loads(refused.data)["error"]["message"]
    other = ready_app.test_client().get("/sparql", query_string={"query": SMALL},
                                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # another client is not held back

    for thread in threads:
        thread.join(10)
    assert statuses == [503, 503]  # both stopped at the timeout ...
    assert slots.running("127.0.0.1") == 0  # ... and their slots released
    wait_for_pool(ready_app)
    assert ready_app.test_client().get("/sparql", query_string={"query": SMALL}).status_code == 200


def _hold_in_another_process(slots: ClientSlots, held, release) -> None:
    with slots.hold("198.51.100.1"):
        held.set()
        release.wait(10)


def test_the_slots_are_counted_across_worker_processes():
    """As gunicorn's workers are forked from the master that made the table."""
    context = multiprocessing.get_context("fork")
    slots = ClientSlots(1, retry_after=3)
    held, release = context.Event(), context.Event()
    worker = context.Process(target=_hold_in_another_process, args=(slots, held, release))
    worker.start()
    try:
        assert held.wait(10)
        assert slots.running("198.51.100.1") == 1
        with pytest.raises(WebError) as refused, slots.hold("198.51.100.1"):
            pass
        assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "3"}
        with slots.hold("198.51.100.2"):  # another client
            pass
    finally:
        release.set()
        worker.join(10)
    assert slots.running("198.51.100.1") == 0
    with slots.hold("198.51.100.1"):
        assert slots.running("198.51.100.1") == 1


def test_a_slot_is_released_when_the_query_fails():
    slots = ClientSlots(1, retry_after=1)
    with pytest.raises(RuntimeError), slots.hold("203.0.113.9"):
        raise RuntimeError("the query failed")
    assert slots.running("203.0.113.9") == 0


def test_a_request_waits_briefly_for_a_slot_before_its_429():
    """An ordinary threaded client (eight SPARQLWrapper threads) gets through: a query over
    the client's limit waits for one of its own to finish, up to the wait."""
    slots = ClientSlots(1, retry_after=1, wait=2.0)
    held = threading.Event()

    def hold_a_moment():
        with slots.hold("198.51.100.3"):
            held.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold_a_moment)
    holder.start()
    assert held.wait(5)
    started = time.monotonic()
    with slots.hold("198.51.100.3"):
        waited = time.monotonic() - started
    holder.join(5)
    assert 0.1 < waited < 2.0
    impatient = ClientSlots(1, retry_after=1, wait=0.1)
    with impatient.hold("198.51.100.4"), pytest.raises(WebError) as refused, impatient.hold("198.51.100.4"):
        pass
    assert refused.value.status == 429


def test_the_last_slots_are_kept_for_clients_with_none_running():
    """Two busy clients, each within its own limit, cannot take every query slot of the server."""
    from contextlib import ExitStack

    slots = ClientSlots(4, retry_after=1, capacity=8)
    with ExitStack() as held:
        for client, count in (("203.0.113.1", 4), ("203.0.113.2", 2)):
            for _ in range(count):
                held.enter_context(slots.hold(client))
        with pytest.raises(WebError) as refused, slots.hold("203.0.113.2"):
            pass
        assert refused.value.status == 429 and "kept for clients with none running" in refused.value.message
        with slots.hold("203.0.113.3"), slots.hold("203.0.113.4"):  # newcomers still get theirs
            assert slots.running("203.0.113.3") == 1 and slots.running("203.0.113.4") == 1
