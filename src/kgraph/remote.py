"""A remote SPARQL 1.1 store (Oxigraph server, Fuseki, QLever, Virtuoso, GraphDB …) as a :class:`~kgraph.store.Store`.

Queries go over the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/) with
``requests``; answers are parsed with pyoxigraph, so a :class:`~kgraph.store.QueryResult`
from here behaves as one from the embedded store (same ``kind``, ``variables``,
``serialize``). The dataset is always sent explicitly (``default-graph-uri`` /
``named-graph-uri``) rather than left to the remote's own default, which differs between
servers (Fuseki's is the unnamed graph, Oxigraph's may be the union …); so the default
graph of a query naming none is asserted ∪ inferred, as in the embedded store.

Failures are told apart, because they ask for different things of the caller:

- the remote refuses the query (400): :class:`~kgraph.errors.QueryError` with the remote's
  message — the client's query is wrong;
- the remote is down, too slow, or failing on its side (refused connection, timeout, 5xx):
  :class:`~kgraph.errors.StoreUnavailable` — worth retrying; the next call simply tries
  again (no state is kept about failures, so the app recovers the moment the store does);
- any other answer (401, 404 …): :class:`RemoteStoreError` — the URL or the credentials
  are wrong, which retrying will not fix.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests

from .errors import KgraphError, QueryError, StoreUnavailable
from .store import QueryResult, UnsupportedFunction, check_nesting, syntax_message

#: What is asked of the remote: SPARQL results in JSON for SELECT/ASK (the most widely
#: implemented), N-Triples for CONSTRUCT/DESCRIBE (line-based: cheap to parse), and the
#: other standard formats as fall-backs for servers that lack those.
ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
          "application/n-triples;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.7")

#: Seconds to wait for a connection: a store that does not accept within this is down,
#: whatever the query timeout (the query timeout bounds the answer, not the connection).
CONNECT_TIMEOUT = 3.0
#: Seconds the list of named graphs is reused: it is asked for on every query whose
#: dataset leaves the named graphs open, and changes only when someone pushes.
NAMED_GRAPHS_TTL = 10.0
#: How much of a remote's error message is passed on (some return whole HTML pages).
_MESSAGE_LIMIT = 600


class RemoteStoreError(KgraphError):
    """The remote answered, but not as a SPARQL endpoint would (wrong URL, credentials …)."""


@dataclass(frozen=True)
class Endpoints:
    """Where a store takes queries, and (for ``kgraph push``) Graph Store Protocol requests."""

    query: str
    graph_store: str | None = None


#: The last path segment of a Graph Store Protocol URL, and that of its query URL, for the
#: servers whose pairs are fixed: Oxigraph (``/store``, ``/query``) and Fuseki
#: (``/ds/data``, ``/ds/query``).
_SIBLINGS = {"store": "query", "data": "query"}


def endpoints(url: str, *, query_url: str | None = None, graph_store_url: str | None = None,
              other: str = "query") -> Endpoints:
    """The query and Graph Store URLs for ``url``, as users give it.

    ``url`` is a server's root (``http://host:7878``: Oxigraph's ``/query`` and ``/store``),
    a Graph Store URL ending in ``/store`` (Oxigraph) or ``/data`` (Fuseki, whose query URL
    is the sibling ``/query``), or else the URL ``other`` says (``"query"`` or
    ``"graph_store"``); explicit ``query_url`` / ``graph_store_url`` win.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise KgraphError(f"{url!r} is not an http(s) URL of a SPARQL store; give one such as "
                          "http://127.0.0.1:7878 (Oxigraph server) or http://host:3030/ds/data (Fuseki).")
    path = parts.path.rstrip("/")

    def sibling(name: str) -> str:
        return urlunsplit(parts._replace(path=path.rsplit("/", 1)[0] + "/" + name, query="", fragment=""))

    if not path:  # a server's root: Oxigraph server's own layout
        guessed = Endpoints(sibling("query"), sibling("store"))
    elif path.rsplit("/", 1)[-1] in _SIBLINGS:
        guessed = Endpoints(sibling(_SIBLINGS[path.rsplit("/", 1)[-1]]), url)
    elif other == "graph_store":
        guessed = Endpoints("", url)
    else:
        guessed = Endpoints(url, None)
    return Endpoints(query_url or guessed.query, graph_store_url or guessed.graph_store)


def redacted(url: str) -> str:
    """``url`` without the password of ``user:password@``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{parts.hostname}"
                                            + (f":{parts.port}" if parts.port else "")))


_POSITION = re.compile(r"\bat (\d+):(\d+)")
_INVALID = "the query is not valid SPARQL: "


class RemoteStore:
    """A :class:`~kgraph.store.Store` over a SPARQL 1.1 query endpoint.

    ``default_graphs``: the default graph of a query that names none (the built dataset's
    asserted ∪ inferred); ``None`` leaves it to the remote (a server configured with a
    union default graph, serving user files). ``timeout``: seconds an answer may take.
    """

    #: Each process opens its own connections: sockets inherited over the server's fork
    #: would be shared by the workers (see :func:`kgraph.server._warm`).
    opened_per_process = True

    def __init__(self, url: str, *, timeout: float = 10.0,
                 default_graphs: Sequence[str] | None = None, retry_after: int = 5):
        self.url = endpoints(url).query
        self.where = redacted(self.url)  # for messages: credentials may be in the URL
        self.timeout = timeout
        self.default_graphs = tuple(default_graphs) if default_graphs is not None else None
        self.retry_after = retry_after
        self._local = threading.local()
        self._named: tuple[float, list[str]] | None = None

    # --- the Store protocol ---------------------------------------------------------------

    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, prefixes: Mapping[str, str] | None = None,
              base_iri: str | None = None) -> QueryResult:
        check_nesting(sparql)  # before anything leaves this machine, as the embedded store does
        # The protocol has no way to predeclare: a prologue before the query (its own
        # declarations come later and win).
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        if base_iri:
            prologue = f"BASE <{base_iri}>\n" + prologue
        try:
            return self._dataset_query(prologue + sparql, default_graphs, named_graphs)
        except QueryError as exc:
            message = str(exc)
            if not message.startswith(_INVALID):
                raise
            # The store's positions, in the user's own text, said as the embedded store says them.
            lines = prologue.count("\n")
            error = _POSITION.sub(lambda m: f"at {max(int(m.group(1)) - lines, 1)}:{m.group(2)}",
                                  message.removeprefix(_INVALID), count=1)
            raise QueryError(syntax_message(sparql, error, prefixes)) from None

    def _dataset_query(self, sparql: str, default_graphs: Sequence[str] | None,
                       named_graphs: Sequence[str] | None) -> QueryResult:
        if default_graphs is None and named_graphs is None and self.default_graphs is None:
            return self._query(sparql, None, None)
        defaults = default_graphs if default_graphs is not None else self.default_graphs or ()
        # The embedded store's contract: named graphs left open means all of them. Over the
        # protocol, a request naming default graphs but no named graphs would have none.
        named = named_graphs if named_graphs is not None else self.named_graphs()
        return self._query(sparql, list(defaults), list(named))

    def named_graphs(self) -> list[str]:
        now = time.monotonic()
        if self._named is None or now - self._named[0] > NAMED_GRAPHS_TTL:
            # GRAPH ?g {}: one solution per named graph, which stores answer from their graph
            # list, without the scan of every quad that GRAPH ?g { ?s ?p ?o } would make.
            result = self._query("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", None, None)
            graphs = sorted(row["g"].value for row in result.raw if isinstance(row["g"], ox.NamedNode))
            self._named = (now, graphs)
        return list(self._named[1])

    def __len__(self) -> int:
        """The quads in the remote's named graphs (what ``kgraph push`` writes)."""
        return self.count()

    # --- beyond the protocol --------------------------------------------------------------

    def count(self, graph: str | None = None, *, default: bool = False) -> int:
        """Triples in the named graph ``graph``; with ``None``, quads in all named graphs;
        ``default``: triples in the store's own default graph."""
        if default:
            result = self._query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", None, None)
            return int(next(iter(result.raw))["n"].value)
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        result = self._query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", None, None)
        return int(next(iter(result.raw))["n"].value)

    def __getstate__(self) -> dict:
        # Sessions hold sockets and locks: a copy in another process opens its own.
        state = self.__dict__.copy()
        state.pop("_local", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    # --- HTTP -----------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        """This thread's session (connections kept alive); a new one after a fork."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.session, local.pid = requests.Session(), os.getpid()
            local.session.headers.update({"Accept": ACCEPT, "User-Agent": "kgraph"})
        return local.session

    def _query(self, sparql: str, defaults: list[str] | None, named: list[str] | None) -> QueryResult:
        # POST, form-encoded: no limit on the query's length as a URL would have.
        form: list[tuple[str, str]] = [("query", sparql)]
        form += [("default-graph-uri", g) for g in defaults or ()]
        form += [("named-graph-uri", g) for g in named or ()]
        try:
            response = self._session().post(self.url, data=form,
                                            timeout=(min(CONNECT_TIMEOUT, self.timeout), self.timeout))
        except requests.Timeout:
            raise StoreUnavailable(f"the SPARQL store at {self.where} did not answer within "
                                   f"{self.timeout:g} s", retry_after=self.retry_after,
                                   waited=self.timeout) from None
        except requests.ConnectionError as exc:
            raise StoreUnavailable(f"the SPARQL store at {self.where} cannot be reached: {connection_reason(exc)}",
                                   retry_after=self.retry_after) from None
        self._check(response)
        return _parse(response, self.where)

    def _check(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 300:
            return
        message = response_message(response)
        if status == 400:
            raise QueryError(f"{_INVALID}{message}")
        if status == 500 and "custom function" in message:  # Oxigraph server's word for it
            raise UnsupportedFunction(f"{message}: this endpoint offers SPARQL's built-in functions and the "
                                      "xsd: casts only.")
        if status >= 500 or status == 429:
            retry = response.headers.get("Retry-After", "")
            raise StoreUnavailable(f"the SPARQL store at {self.where} failed ({status}): {message}",
                                   retry_after=int(retry) if retry.isdigit() else self.retry_after)
        raise RemoteStoreError(f"the SPARQL store at {self.where} refused the request ({status} "
                               f"{response.reason}): {message}. Check the store's query URL "
                               "(the store_url setting, or --query-url).")


def _parse(response: requests.Response, url: str) -> QueryResult:
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
    try:
        if results_format is not None:
            raw = ox.parse_query_results(response.content, format=results_format)
            return QueryResult("boolean" if isinstance(raw, ox.QueryBoolean) else "solutions", raw)
        rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
        if rdf_format is not None:
            # A list, not the parser: it can be read more than once and by any thread.
            triples = [quad.triple for quad in ox.parse(response.content, format=rdf_format)]
            return QueryResult("graph", triples)
    except (SyntaxError, ValueError) as exc:
        raise RemoteStoreError(f"the SPARQL store at {url} sent an answer that does not parse "
                               f"as {media_type}: {exc}") from None
    raise RemoteStoreError(f"the SPARQL store at {url} answered with {media_type or 'no Content-Type'}, "
                           "which is not a SPARQL result format: is it a SPARQL query endpoint?")


def response_message(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    return text[:_MESSAGE_LIMIT] + ("…" if len(text) > _MESSAGE_LIMIT else "") or response.reason or "no message"


def connection_reason(exc: requests.ConnectionError) -> str:
    """The root of a connection error (“Connection refused”), not urllib3's nested repr."""
    cause: BaseException = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__
    text = str(cause)
    return text.split("] ", 1)[-1] if "] " in text else text or type(cause).__name__
