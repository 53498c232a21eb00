"""The data work of the pages, /rdf-graphs and every other data-driven route, under the limits of /sparql.

A view decorated with :func:`bounded` holds one of its client's slots while it runs
(:meth:`kgraph.web.limits.ClientSlots.hold`: a 429 for a client already at its
``client_concurrency``), and reads the data only through :func:`data`, a
:class:`BoundedStore` for that request:

- every query runs as a :class:`kgraph.execution.Job` in the query processes of
  :func:`kgraph.web.sparql.executor` (killed at ``query_timeout``: a 503), its answer
  serialized there and parsed back here; a store that only lives in this process (no
  processes) runs it inline with the deadline checked between rows;
- every answer holds at most ``max_result_rows`` rows, else the request is a 422 naming the
  limit (never a cut answer that looks whole);
- the request as a whole has a budget of ``query_timeout`` seconds: a query is not started
  once it is spent (a 503), so a page that makes several queries ends within about twice
  the timeout at worst.

Answers a view sends as they come (/rdf-graphs, a resource's RDF) are asked of the query
process in their final format (:meth:`BoundedStore.answer`): JSON-LD is compacted there,
under the timeout, from at most :data:`kgraph.jsonld_context.MAX_TRIPLES` triples.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import pyoxigraph as ox
from flask import current_app, g, request

from ..execution import (
    Answer,
    AnswerTooLarge,
    EngineCrashed,
    ExecutorBusy,
    Job,
    NotAcceptable,
    QueryOutOfMemory,
    QueryTimeout,
    ServiceFailed,
    execute,
)
from ..formats import RdfFormat
from ..jsonld_context import MAX_TRIPLES as JSONLD_MAX_TRIPLES
from ..store import QueryResult
from . import served
from .dataset import ServedDataset
from .errors import WebError
from .limits import retry_after

_SLOTS = "kgraph.client_slots"
#: How the answers parsed back here travel from the query process.
_PARSED = {"solutions": "json", "boolean": "json", "graph": "ntriples"}
_STORE = "kgraph_bounded_store"

#: Where a refusal sends the reader for the whole of a large answer.
ELSEWHERE = ("Ask /sparql for it in parts (ORDER BY with LIMIT and OFFSET), or take the whole graph "
             "from /download/.")


def too_large(what: str, limit: int, setting: str = "the max_result_rows setting") -> WebError:
    """The 422 of an answer over its cap."""
    return WebError(422, f"{what} has more than {limit} rows or triples, the most this server reads or "
                         f"sends for one request ({setting}); it was not sent cut short. {ELSEWHERE}")


def jsonld_too_large(what: str) -> WebError:
    return WebError(422, f"{what} has more than {JSONLD_MAX_TRIPLES} triples, the most this server "
                         "compacts into JSON-LD for one request (JSON-LD compaction is slow); it was not "
                         "sent cut short. Ask for it as Turtle or N-Triples (?format=turtle), or "
                         f"{ELSEWHERE[0].lower()}{ELSEWHERE[1:]}")


class BoundedStore:
    """A :class:`kgraph.store.Store` for one request whose every query is bounded (see the module)."""

    def __init__(self, dataset: ServedDataset, *, max_rows: int, timeout: float, budget: float | None = None):
        self.dataset = dataset
        self.max_rows = max_rows
        self.timeout = timeout
        self.deadline = time.monotonic() + (timeout if budget is None else budget)
        self.queries = 0
        self._for_jsonld = False
        self._what: str | None = None

    @contextmanager
    def for_jsonld(self, what: str = "The answer") -> Iterator[BoundedStore]:
        """Within the block, answers hold at most :data:`~kgraph.jsonld_context.MAX_TRIPLES` rows
        (they are to be compacted into JSON-LD here), and a longer one is the JSON-LD refusal."""
        saved = self.max_rows, self._for_jsonld, self._what
        self.max_rows, self._for_jsonld, self._what = min(self.max_rows, JSONLD_MAX_TRIPLES), True, what
        try:
            yield self
        finally:
            self.max_rows, self._for_jsonld, self._what = saved

    # -- the Store interface --

    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, prefixes: Mapping[str, str] | None = None,
              base_iri: str | None = None) -> QueryResult:
        answer = self.answer(sparql, _PARSED, default_graphs=default_graphs, named_graphs=named_graphs,
                             prefixes=prefixes, base_iri=base_iri)
        if answer.kind == "graph":
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in ox.parse(answer.body, format=RdfFormat.N_TRIPLES)]
            return QueryResult("graph", triples)
        raw = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        return QueryResult(answer.kind, raw)

    def named_graphs(self) -> list[str]:
        return self.dataset.store.named_graphs()

    def __len__(self) -> int:
        return len(self.dataset.store)

    # -- an answer as bytes --

    def answer(self, sparql: str, formats: Mapping[str, str | None], *, max_rows: int | None = None,
               default_graphs: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None,
               prefixes: Mapping[str, str] | None = None, base_iri: str | None = None,
               what: str = "The answer") -> Answer:
        """``sparql``'s answer serialized in ``formats`` (a format name per kind of answer), at
        most ``max_rows`` rows (default ``max_result_rows``; JSON-LD at most
        :data:`~kgraph.jsonld_context.MAX_TRIPLES`), or the refusal as a :class:`WebError`."""
        rows = self.max_rows if max_rows is None else max_rows
        what = self._what or what
        jsonld = formats.get("graph") == "jsonld" or self._for_jsonld
        if jsonld:
            rows = min(rows, JSONLD_MAX_TRIPLES)
        if time.monotonic() >= self.deadline:
            raise WebError(503, f"This request needed more than {self.timeout:g} s of queries, the limit of one "
                                "request here (the query_timeout setting), and was stopped. " + ELSEWHERE,
                           {"Retry-After": str(retry_after(self.timeout))})
        job = Job(sparql, None if default_graphs is None else tuple(default_graphs),
                  None if named_graphs is None else tuple(named_graphs), dict(formats), rows,
                  prefixes=tuple(sorted((prefixes or {}).items())), base_iri=base_iri)
        self.queries += 1
        from .sparql import executor  # the endpoint's own pool (and its set-up) is the one to share

        pool = executor(current_app)
        try:
            if pool is None:  # a store that only lives here: the deadline is checked between rows
                return execute(self.dataset.store, job, deadline=time.monotonic() + self.timeout)
            return pool.run(job)
        except QueryTimeout:
            raise WebError(503, f"Reading the data for this request took longer than {self.timeout:g} s, the "
                                "limit of a query here (the query_timeout setting), and was stopped. "
                                + ELSEWHERE, {"Retry-After": str(retry_after(self.timeout))}) from None
        except AnswerTooLarge:
            if jsonld and rows >= JSONLD_MAX_TRIPLES:
                raise jsonld_too_large(what) from None
            raise too_large(what, rows) from None
        except QueryOutOfMemory as exc:
            raise WebError(503, f"Reading the data for this request needed more than {exc.megabytes} MiB (the "
                                "query_memory_mb setting) and was stopped. " + ELSEWHERE,
                           {"Retry-After": str(retry_after(self.timeout))}) from None
        except ExecutorBusy:
            raise WebError(503, "Every query process of this server is busy; retry in a few seconds.",
                           {"Retry-After": str(retry_after(self.timeout))}) from None
        except (EngineCrashed, ServiceFailed, NotAcceptable) as exc:  # not expected of the app's own queries
            current_app.logger.error("a page's query failed: %r: %s", sparql[:2000], exc)
            raise WebError(500, "The server failed to read the data for this request; the failure is "
                                "logged.") from None


def data() -> BoundedStore:
    """The bounded store of the current request (made by :func:`bounded`, or now)."""
    store = g.get(_STORE)
    if store is None:
        config = current_app.config
        store = BoundedStore(served(), max_rows=int(config["MAX_RESULT_ROWS"]),
                             timeout=float(config["QUERY_TIMEOUT"]))
        setattr(g, _STORE, store)
    return store


def bounded(view: Callable) -> Callable:
    """Run ``view`` holding one of its client's query slots, its data read through :func:`data`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        client = request.remote_addr or "-"
        with current_app.extensions[_SLOTS].hold(client):
            data()  # the budget starts once the slot is held
            return view(*args, **kwargs)

    return wrapper
