"""Hardening, round two: no input crashes a query process.

Queries of every construct that makes the engine recurse — nested groups, brackets and
function calls, chains of ``+``, ``||``, ``&&``, ``UNION``, property-path sequences, long
``VALUES`` — are generated around the bounds (``max_query_nesting``, ``max_query_operators``),
some hiding their brackets behind comments that end at CR, and sent to an app whose queries
run in real query processes. Every answer is sound (never a 5xx, in the error shape), and no
query process dies on any of them: a crash would be the 400 "too complex", and the pool's
processes stay the same ones.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import FUZZ, assert_answer_is_sound
from kgraph.store import MAX_NESTING, MAX_OPERATORS
from kgraph.web import create_app
from kgraph.web.limits import TOO_COMPLEX
from kgraph.web.sparql import executor

import pytest

CASES = {"count": 0}
#: Fewer than the other fuzz tests: each case is a query of up to 64 kB run by the engine.
DEPTH = settings(FUZZ, max_examples=int(os.environ.get("KGRAPH_FUZZ_EXAMPLES", "40")))


def _nested(kind: str, n: int, hide: str) -> str:
    if kind == "groups":
        return "SELECT * WHERE { " + hide + "{ " * n + "}" * n + " }"
    if kind == "brackets":
        return "SELECT (" + hide + "(" * n + "1" + ")" * n + " AS ?x) {}"
    if kind == "calls":
        return "SELECT (" + hide + "STR(" * n + "1" + ")" * n + " AS ?x) {}"
    return "SELECT * WHERE { ?s " + hide + "(" * n + "<urn:p>" + ")" * n + " ?o }"  # path groups


def _chain(kind: str, n: int) -> str:
    if kind == "+":
        return "SELECT (" + "+".join(["1"] * n) + " AS ?x) {}"
    if kind == "||":
        return "SELECT * WHERE { BIND(1 AS ?a) FILTER(" + "||".join(["?a = 1"] * n) + ") }"
    if kind == "&&":
        return "ASK { BIND(1 AS ?a) FILTER(" + "&&".join(["?a > 0"] * n) + ") }"
    if kind == "UNION":
        return "SELECT * WHERE { " + " UNION ".join(["{ BIND(1 AS ?a) }"] * n) + " }"
    if kind == "path":
        return "SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * n) + " ?o }"
    return "SELECT * WHERE { VALUES ?v { " + " ".join(str(i) for i in range(n)) + " } } LIMIT 1"  # VALUES


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("depth") / "small.nt"
    data.write_text("".join(f"<urn:s{i}> <urn:p> <urn:s{i + 1}> .\n" for i in range(50)), encoding="utf-8")
    # 64 kB queries (the default length limit) reach every bound; one query process, so
    # the same process must survive every case.
    app = create_app({"TESTING": True, "threads": 1, "query_timeout": 10, "result_cache_mb": 0},
                     files=[data])
    executor(app).start(wait=True, every=True)
    return app


def _sound(app, query: str) -> None:
    CASES["count"] += 1
    response = app.test_client().post("/sparql", data={"query": query},
                                      headers={"Accept": "application/sparql-results+json"})
    assert_answer_is_sound(response)
    assert response.status_code in (200, 400, 413, 422), response.get_data(as_text=True)[:300]
    if response.status_code == 400:
        assert TOO_COMPLEX not in response.get_json()["error"]["message"]


@DEPTH
@given(kind=st.sampled_from(["groups", "brackets", "calls", "paths"]),
       n=st.integers(MAX_NESTING - 8, MAX_NESTING + 8) | st.integers(1000, 6000),
       hide=st.sampled_from(["", "#\r", "# x\r\n", "#\u2028\n", "'#' ", '"\\"" ']))
def test_nesting_around_the_bound_never_crashes(served, kind, n, hide):
    before = executor(served).children()
    _sound(served, _nested(kind, n, hide))
    assert executor(served).children() == before  # the same process: none died


@DEPTH
@given(kind=st.sampled_from(["+", "||", "&&", "UNION", "path", "VALUES"]),
       n=st.integers(MAX_OPERATORS - 8, MAX_OPERATORS + 8) | st.integers(2, 12000))
def test_chains_around_the_bound_never_crash(served, kind, n):
    if kind == "path" and 400 < n <= MAX_OPERATORS:
        n = 400  # the engine plans a long sequence path in quadratic time: a timeout, not a crash
    before = executor(served).children()
    _sound(served, _chain(kind, n))
    assert executor(served).children() == before


def test_the_reproductions_of_the_issue(served):
    """A comment ending in CR before 3000 brackets; a sum of 20,000 terms (40 kB)."""
    for query in ("SELECT * WHERE { #\r" + "{" * 3000 + "}" * 3000 + " }",
                  "SELECT (" + "+".join(["1"] * 20000) + " AS ?x) {}"):
        before = executor(served).children()
        response = served.test_client().post("/sparql", data={"query": query})
        assert response.status_code == 400
        message = response.get_json()["error"]["message"]
        assert "max_query_nesting" in message or "max_query_operators" in message
        assert executor(served).children() == before


def test_report_the_number_of_cases(capsys):
    with capsys.disabled():
        print(f"\n  fuzzed depth and length: {CASES['count']} queries")
