"""The W3C syntax tests over HTTP: does kgraph refuse (400) what the grammar refuses, and only that?

A query is sent with ``BASE <its file's IRI>`` first (its relative IRIs resolve as the test
says) and an empty dataset (``default-graph-uri`` of a graph no one holds), so a valid query
runs at once. The engine's outcome is pyoxigraph's, on an empty store.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox

from w3c_manifest import SYNTAX_MANIFESTS, SyntaxTest, load_syntax_tests
from w3c_run import EMPTY_GRAPH, error_message, fetch

#: A syntax test's outcome: the query ran (200), was refused as malformed (a syntax error, 400), or
#: parsed but was not run (the engine's other errors, such as a custom function it lacks; an HTTP
#: status other than 200 and 400).
ACCEPTED, REFUSED, NOT_RUN = "accepted", "refused as a syntax error", "parsed, not run"


def syntax_text(test: SyntaxTest) -> str:
    return f"BASE <{test.query}>\n{test.query_text}"


def engine_parse(test: SyntaxTest) -> str:
    """The engine's outcome: the query run by pyoxigraph on an empty store."""
    try:
        ox.Store().query(syntax_text(test))
    except SyntaxError:
        return REFUSED
    except (OSError, ValueError, RuntimeError) as exc:
        return f"{NOT_RUN} ({exc})"
    return ACCEPTED


def kgraph_parse(base: str, test: SyntaxTest) -> str:
    """kgraph's outcome: the query sent to /sparql on an empty dataset."""
    params = [("query", syntax_text(test)), ("default-graph-uri", EMPTY_GRAPH)]
    status, _, body = fetch(base + "/sparql", data=urlencode(params).encode(), timeout=60, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
    if status == 200:
        return ACCEPTED
    return f"{REFUSED if status == 400 else NOT_RUN} (HTTP {status}: {error_message(body)})"


def _kind(outcome: str) -> str:
    return next(k for k in (ACCEPTED, REFUSED, NOT_RUN) if outcome.startswith(k))


def syntax_versus_w3c(test: SyntaxTest, outcome: str) -> str | None:
    """A positive test must not be refused as a syntax error; a negative one must be."""
    if (_kind(outcome) != REFUSED) == test.positive:
        return None
    return f"{outcome}; the query is {'valid' if test.positive else 'a syntax error'}"


class SyntaxRunner:
    """The syntax tests' outcomes (engine, kgraph per store), each computed once."""

    def __init__(self, bases: dict[str, str]):
        self.bases = bases
        self._engine: dict[str, str] = {}
        self._kgraph: dict[tuple[str, str], str] = {}

    def engine(self, test: SyntaxTest) -> str:
        if test.id not in self._engine:
            self._engine[test.id] = engine_parse(test)
        return self._engine[test.id]

    def kgraph(self, store: str, test: SyntaxTest) -> str:
        if (store, test.id) not in self._kgraph:
            self._kgraph[store, test.id] = kgraph_parse(self.bases[store], test)
        return self._kgraph[store, test.id]

    def engine_versus_w3c(self, test: SyntaxTest) -> str | None:
        return syntax_versus_w3c(test, self.engine(test))

    def kgraph_versus_w3c(self, store: str, test: SyntaxTest) -> str | None:
        return syntax_versus_w3c(test, self.kgraph(store, test))

    def kgraph_versus_engine(self, store: str, test: SyntaxTest) -> str | None:
        engine, answer = self.engine(test), self.kgraph(store, test)
        return None if _kind(engine) == _kind(answer) else f"kgraph: {answer}; engine: {engine}"


def all_syntax_tests() -> list[SyntaxTest]:
    return [test for suite in SYNTAX_MANIFESTS for test in load_syntax_tests(suite)]
