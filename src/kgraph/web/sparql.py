"""/sparql: the SPARQL 1.1 Protocol endpoint (query operation; read-only).

The view only translates HTTP, in this order — every refusal comes before any work:

1. :func:`kgraph.web.protocol.read_query` reads the query and its dataset from the
   request; :func:`kgraph.web.limits.check_length` refuses a query too long (413);
2. the query is read once, by the engine's lexical rules (:func:`kgraph.sparql_text.read`):
   the nesting and federation checks, the format negotiated from the query's form (so a 406
   costs nothing) and the cache's decision all come from that one reading;
3. the result cache (:mod:`kgraph.web.cache`), keyed by the exact query text, may answer,
   or say 304;
4. the client's concurrency slot is taken (429 when it has too many queries running) and
   the query runs in a query process of :mod:`kgraph.execution` (killed at the timeout:
   503) — one that cannot open a socket unless every SERVICE of the query is allowed.
   An answer over ``max_result_rows`` rows is a 422, never cut silently; a request with
   ``truncate=yes`` (the query UI's) gets the first rows, marked ``Kgraph-Result-Truncated``.

The project's prefixes are predeclared (the query's own PREFIX lines win) and relative IRIs
resolve against the endpoint's URL (SPARQL 1.1 Protocol, 2.1.4).

A GET with no query returns the SPARQL 1.1 Service Description (or, for a browser,
redirects to the UI at ``/``).
"""

from __future__ import annotations

import functools
import os
import threading
import time
import weakref

from flask import Blueprint, Flask, Response, current_app, redirect, request
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_accept_header

from ..errors import UnknownFormat
from ..execution import (
    NO_NETWORK,
    Answer,
    AnswerTooLarge,
    EngineCrashed,
    ExecutorBusy,
    LastProcessKept,
    Job,
    NotAcceptable,
    QueryExecutor,
    QueryOutOfMemory,
    QueryTimeout,
    ServiceFailed,
    execute,
    format_named,
)
from ..federation import FederationRefused, check_query
from ..formats import RDF_FORMATS
from ..namespaces import PREFIXES
from ..sparql_text import read
from ..store import check_nesting
from . import negotiation, protocol, served
from .cache import CacheKey, ResultCache, etag
from .dataset import ServedDataset
from .description import public_url, serialize_triples
from .errors import WebError
from .limits import TOO_COMPLEX, ClientSlots, CrashGuard, check_length, retry_after
from .service import service_description

bp = Blueprint("sparql", __name__)

#: Set on an answer cut at ``max_result_rows``: ``rows=N``, the rows it holds.
TRUNCATED = "Kgraph-Result-Truncated"
KINDS = ("solutions", "boolean", "graph")

_EXECUTOR = "kgraph.executor"
_FEDERATED = "kgraph.executor.federated"
#: The project's prefixes, predeclared in every query, as the reading and the engine take them.
_PREFIXES = tuple(sorted(PREFIXES.items()))
_SLOTS = "kgraph.client_slots"
_CACHE = "kgraph.result_cache"
_CRASHES = "kgraph.crash_guard"
_executor_lock = threading.Lock()


@bp.record_once
def _set_up(state) -> None:
    """Made with the app, so in the server's main process before the fork: the client slots are
    shared memory all workers see. The query processes start later, in each worker."""
    app: Flask = state.app
    config = app.config
    # A threaded client waits a moment for a slot (a second at the default 5 s timeout)
    # rather than meeting a 429 at once.
    app.extensions[_SLOTS] = ClientSlots(int(config["CLIENT_CONCURRENCY"]),
                                         retry_after(float(config["QUERY_TIMEOUT"])),
                                         capacity=int(config["WORKERS"]) * int(config["THREADS"]),
                                         wait=min(1.0, float(config["QUERY_TIMEOUT"]) / 5))
    app.extensions[_CACHE] = ResultCache(float(config["RESULT_CACHE_MB"]))
    app.extensions[_CRASHES] = CrashGuard()
    app.extensions[_EXECUTOR] = _make_executor(app, app.extensions["kgraph"])
    app.extensions[_FEDERATED] = _make_executor(app, app.extensions["kgraph"], network=True)


def _make_executor(app: Flask, dataset: ServedDataset, *, network: bool = False) -> QueryExecutor | None:
    if dataset.spec is None:
        return None
    # Up to one query process per request thread: a thread never waits for another's query.
    # Federated queries are few and wait on another server: half as many processes for them,
    # started with the first one.
    threads = int(app.config["THREADS"])
    pool = QueryExecutor(dataset.spec, size=max(1, threads // 2) if network else threads,
                         timeout=float(app.config["QUERY_TIMEOUT"]),
                         memory_mb=_memory_share(app.config), network=network)
    weakref.finalize(app, pool.close)  # an app dropped (tests make many) takes its processes along
    return pool


def _memory_share(config) -> int:
    """MiB one query process may take: ``query_memory_mb``, or less where the server's query
    processes together (every worker's, both pools) would pass ``query_memory_total_mb``
    (default: half the machine) — 2 workers × 6 processes × 2 GiB was 24 GiB, all of it."""
    per_query = int(config["QUERY_MEMORY_MB"])
    total = int(config["QUERY_MEMORY_TOTAL_MB"])
    if total <= 0:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (2 * 1024 * 1024)
        except (ValueError, OSError, AttributeError):  # not POSIX: no share, the per-query limit
            return per_query
    threads = int(config["THREADS"])
    processes = max(1, int(config["WORKERS"])) * (threads + max(1, threads // 2))
    share = max(64, total // processes)
    return min(per_query, share) if per_query > 0 else share


def executor(app: Flask, *, network: bool = False) -> QueryExecutor | None:
    """The query processes of ``app`` for the dataset it serves now (``None``: inline);
    ``network``: those for federated queries, the only ones that can reach the network."""
    name = _FEDERATED if network else _EXECUTOR
    dataset = app.extensions["kgraph"]
    current = app.extensions.get(name)
    if (current.spec if current else None) != dataset.spec:  # the served data was replaced
        with _executor_lock:
            current = app.extensions.get(name)
            if (current.spec if current else None) != dataset.spec:
                if current is not None:
                    current.close()
                current = app.extensions[name] = _make_executor(app, dataset, network=network)
    return current


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    mimetype = request.mimetype
    asked = protocol.read_query(
        request.method,
        mimetype,
        request.mimetype_params,
        request.args,
        request.form if mimetype == protocol.FORM else MultiDict(),
        request.get_data() if mimetype == protocol.DIRECT else b"",
    )
    if asked is None:
        return _service_description()
    config = current_app.config
    check_length(asked.query, int(config["MAX_QUERY_LENGTH"]), in_url=request.method in ("GET", "HEAD"))
    dataset = served()
    # Read once (the checks below read the same, remembered): a 40 kB query takes 0.1 s.
    reading = read(asked.query, _PREFIXES)
    # Before the engine's parser sees it: too deep or too long a chain crashes it.
    check_nesting(reading, max_nesting=int(config["MAX_QUERY_NESTING"]),
                  max_operators=int(config["MAX_QUERY_OPERATORS"]))
    federated = check_query(asked.query, config["FEDERATION_ALLOW"], prefixes=PREFIXES)
    kind = reading.kind
    job = Job(asked.query, asked.default_graphs, asked.named_graphs, _formats(kind), int(config["MAX_RESULT_ROWS"]),
              prefixes=_PREFIXES, base_iri=public_url("/sparql"), network=bool(federated), truncate=asked.truncate)

    key = None
    if kind is not None and not reading.calls_out and not reading.volatile:
        # The exact text: two different queries can never share an entry, nor can an answer
        # be stored under another query's key.
        key = CacheKey(asked.query, asked.default_graphs, asked.named_graphs, job.formats[kind],
                       job.max_rows, job.truncate, dataset.version)
    cache: ResultCache = current_app.extensions[_CACHE]
    answer = cache.get(key) if key else None
    if answer is None:
        client = request.remote_addr or "-"
        current_app.extensions[_CRASHES].check(asked.query, client)
        with current_app.extensions[_SLOTS].hold(client):
            answer = _run(dataset, job, reading.calls_out, client)
        if key:
            cache.put(key, answer)
    return _answer(answer, dataset.version if key else None)


def _formats(kind: str | None) -> dict[str, str | None]:
    """The negotiated format for each kind of answer; the query's own kind must have one
    (else the 406 or 400 now, before it runs), the others may not."""
    name = _format_parameter()
    formats = dict(_formats_for(request.headers.get("Accept", ""), name))
    if kind is not None and formats[kind] is None:
        negotiation.for_result(kind, request.accept_mimetypes, name)  # the 406 (or 400) now, before any work
    return formats


@functools.lru_cache(maxsize=256)
def _formats_for(accept_header: str, name: str | None) -> tuple[tuple[str, str | None], ...]:
    """:func:`_formats` for one Accept header and ``format=``, remembered: werkzeug's
    best_match, run for every kind, was a third of a cached answer's time, and clients send
    the same few headers again and again."""
    accept = parse_accept_header(accept_header, MIMEAccept)
    formats: list[tuple[str, str | None]] = []
    for each in KINDS:
        try:
            formats.append((each, negotiation.for_result(each, accept, name).name))
        except (WebError, UnknownFormat):
            formats.append((each, None))
    return tuple(formats)


def _run(dataset: ServedDataset, job: Job, calls_out: bool, client: str) -> Answer:
    timeout = float(current_app.config["QUERY_TIMEOUT"])
    pool = executor(current_app, network=job.network)
    try:
        if pool is None:  # a store that only lives here: the deadline is checked between rows
            if calls_out and not job.network:
                # Run here, a SERVICE would go out from this process (or from the remote store):
                # nothing stops it but the reading, so only allowed endpoints run at all.
                raise FederationRefused(NO_NETWORK)
            return execute(dataset.store, job, deadline=time.monotonic() + timeout)
        guard: CrashGuard = current_app.extensions[_CRASHES]
        newcomer = current_app.extensions[_SLOTS].running(client) <= 1 and not guard.ran_out_lately(client)
        return pool.run(job, newcomer=newcomer, wait=current_app.extensions[_SLOTS].wait)
    except QueryTimeout:
        current_app.extensions[_CRASHES].record_timeout(client)
        if job.network:  # waiting on another server, most likely: its failure, not this one's
            raise WebError(504, f"The query, which calls another SPARQL endpoint (SERVICE), ran longer than "
                                f"{timeout:g} s, the limit of this endpoint (the query_timeout setting), and was "
                                "stopped. The other endpoint may be slow or down; retry later, or narrow the "
                                "SERVICE block.", {"Retry-After": str(retry_after(timeout))}) from None
        raise WebError(503, f"The query ran longer than {timeout:g} s, the limit of this endpoint (the "
                            "query_timeout setting), and was stopped. Add a LIMIT, narrow the patterns (bind "
                            "a subject or a predicate, avoid cross products of unrelated patterns and "
                            "unbounded property paths such as (p|!p)*), or download the whole graph from "
                            "/download/ and query it on your own machine.",
                       {"Retry-After": str(retry_after(timeout))}) from None
    except QueryOutOfMemory as exc:
        raise WebError(503, f"The query needed more than {exc.megabytes} MiB of memory, the limit of one query "
                            "on this endpoint (the query_memory_mb and query_memory_total_mb settings), and was stopped. Add a LIMIT, "
                            "avoid ORDER BY, GROUP BY or DISTINCT over cross products of unrelated patterns, "
                            "or download the whole graph from /download/ and query it on your own machine.",
                       {"Retry-After": str(retry_after(timeout))}) from None
    except AnswerTooLarge as exc:
        raise WebError(422, f"The answer has more than {exc.rows} rows, the most one answer of this endpoint "
                            "holds (the max_result_rows setting); it was not sent cut short. Page through it with "
                            "ORDER BY and LIMIT/OFFSET, count it with COUNT, take the whole graph from "
                            "/download/, or add truncate=yes to the request to take the first rows with the "
                            "header Kgraph-Result-Truncated.") from None
    except LastProcessKept:
        raise WebError(429, "This client already has a query running, and this worker's last free query "
                            "process is kept for clients with none. Wait for yours to finish, then retry.",
                       {"Retry-After": str(retry_after(timeout))}) from None
    except ExecutorBusy:
        raise WebError(503, "Every query process of this server is busy; retry in a few seconds.",
                       {"Retry-After": str(retry_after(timeout))}) from None
    except EngineCrashed as exc:
        current_app.logger.error("a query process died running %r: %s", job.query[:2000], exc)
        current_app.extensions[_CRASHES].record(job.query, client)
        raise WebError(400, TOO_COMPLEX) from None
    except NotAcceptable as exc:  # the form was not told from the text: negotiate now for the 406
        negotiation.for_result(exc.kind, request.accept_mimetypes, _format_parameter())
        raise
    except ServiceFailed as exc:  # the other server's failure, or a call never made: not ours
        raise WebError(502, f"A SERVICE call of the query failed: {exc}") from None


def _answer(answer: Answer, version: str | None) -> Response:
    """The response: ETag and Cache-Control when cacheable (``version``), else no-store."""
    fmt = format_named(answer.format_name, answer.kind)
    response = _response(answer.body, negotiation.content_type(fmt))
    if answer.truncated:
        response.headers[TRUNCATED] = f"rows={answer.rows}"
    if version is None:
        response.cache_control.no_store = True
        return response
    response.headers["ETag"] = etag(version, answer.body, fmt.media_type)  # the format's own tag
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["CACHE_MAX_AGE"])
    # If-None-Match on GET/HEAD: 304. On a POST werkzeug does nothing; the app's
    # after_request hook (kgraph.web.conditional) answers a matching one 412.
    return response.make_conditional(request)


def _format_parameter() -> str | None:
    """``format=`` or ``output=``, from the query string or a form body (SPARQLWrapper puts
    both in the form of its POSTs)."""
    form = request.form if request.mimetype == protocol.FORM else {}
    return negotiation.requested_format(request.args, form)


def _service_description() -> Response:
    from .pages import HTML as PAGE  # the one negotiation, HTML among the RDF formats

    accept = request.accept_mimetypes
    name = negotiation.requested_format(request.args)
    if accept and negotiation.choose((*RDF_FORMATS, PAGE), accept, name, what="a service description") is PAGE:
        response = redirect("/", code=303)
        response.vary.add("Accept")
        return response
    fmt = negotiation.choose(RDF_FORMATS, accept, name, what="a service description")
    triples = service_description(served(), public_url("/sparql"))
    return _response(serialize_triples(triples, fmt), negotiation.content_type(fmt))


def _response(body: bytes, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    return response
