"""``kgraph push``: a built dataset into a SPARQL 1.1 Graph Store, one named graph at a time.

https://www.w3.org/TR/sparql11-http-rdf-update/ — ``PUT ?graph=IRI`` replaces a graph,
``POST ?graph=IRI`` adds to it. Every server of docs/remote-stores.md speaks it, which a
bulk loader of each would not. Graphs the push does not name are left as they are.

A large graph goes in chunks: with ``replace``, the first chunk is PUT and the rest are
POSTed. Triples joined by a blank node stay in one chunk, because a store reads each
request's blank-node labels as new nodes: split, ``_:b1`` would become two nodes. Bodies
are N-Triples, sent as ``text/turtle`` (N-Triples is a subset of Turtle, and Turtle is
the one format every Graph Store implementation reads).

Afterwards the triples of each graph are counted at the store's query URL and compared
with what was sent.

With the asserted and the inferred graph, the push also writes the store's default graph
(``PUT ?default``) as their RDF merge, as kgraph's own stores hold it
(:func:`kgraph.ondisk.merge_into_default`): a query that names no dataset then sees what it
sees on ``kgraph serve``, and one with ``FROM`` keeps its own dataset.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

from .errors import KgraphError, StoreUnavailable
from .namespaces import Graphs
from .pipeline import dataset_files
from .store import DEFAULT_GRAPHS
from .remote import (
    CONNECT_TIMEOUT,
    Endpoints,
    RemoteStore,
    RemoteStoreError,
    connection_reason,
    redacted,
    response_message,
)

#: What :func:`push` names the store's default graph in its results.
DEFAULT = "default graph"

#: Triples per request: about 5–10 MB of N-Triples, which every store takes in one body
#: (Fuseki's and Virtuoso's default request limits are far above it).
CHUNK_TRIPLES = 50_000
BODY_TYPE = "text/turtle; charset=utf-8"


@dataclass(frozen=True)
class Step:
    """One request of a push, as progress reports it."""

    graph: str
    chunk: int  # 1-based
    chunks: int
    triples: int  # in this chunk
    seconds: float


@dataclass
class GraphResult:
    graph: str
    sent: int
    found: int | None = None  # counted at the store afterwards

    @property
    def matches(self) -> bool:
        return self.found == self.sent


@dataclass
class PushResult:
    replace: bool
    graphs: list[GraphResult] = field(default_factory=list)

    @property
    def mismatched(self) -> list[GraphResult]:
        """Graphs whose count at the store disagrees: after a replace, any other count; after
        a merge, fewer (the graph may rightly hold more)."""
        if self.replace:
            return [g for g in self.graphs if not g.matches]
        return [g for g in self.graphs if g.found is None or g.found < g.sent]


def build_graphs(build_path: Path, names: Sequence[str] = ()) -> dict[str, list[ox.Triple]]:
    """The named graphs of a build (with the Wikidata graph, if enriched), by IRI; only ``names`` if given."""
    wanted = {_graph_iri(n) for n in names}
    graphs: dict[str, list[ox.Triple]] = {}
    for path in dataset_files(build_path):
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if isinstance(quad.graph_name, ox.NamedNode):
                graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    missing = wanted - graphs.keys()
    if missing:
        raise KgraphError(f"the build {build_path} has no graph {', '.join(sorted(missing))}; "
                          f"it has {', '.join(_short(g) for g in sorted(graphs))}.")
    return {g: t for g, t in graphs.items() if not wanted or g in wanted}


def chunks(triples: Sequence[ox.Triple], size: int = CHUNK_TRIPLES) -> list[list[ox.Triple]]:
    """``triples`` in lists of about ``size``, each blank node's triples in one list."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for t in triples:  # union-find: blank nodes in one triple belong together
        if isinstance(t.subject, ox.BlankNode) and isinstance(t.object, ox.BlankNode):
            parent[root(t.subject)] = root(t.object)
    groups: dict[object, list[ox.Triple]] = {}
    singles: list[list[ox.Triple]] = []
    for t in triples:
        node = t.subject if isinstance(t.subject, ox.BlankNode) else (
            t.object if isinstance(t.object, ox.BlankNode) else None)
        if node is None:
            singles.append([t])
        else:
            groups.setdefault(root(node), []).append(t)
    out: list[list[ox.Triple]] = [[]]
    for group in [*groups.values(), *singles]:
        if out[-1] and len(out[-1]) + len(group) > size:
            out.append([])
        out[-1].extend(group)
    return out


def push(endpoints: Endpoints, graphs: dict[str, list[ox.Triple]], *, replace: bool = True,
         chunk_size: int = CHUNK_TRIPLES, timeout: float = 300.0,
         progress: Callable[[Step], None] | None = None) -> PushResult:
    """Send ``graphs`` to the store's Graph Store URL, then count them at its query URL."""
    if not endpoints.graph_store:
        raise KgraphError(f"no Graph Store URL for {redacted(endpoints.query)}: give --graph-store-url "
                          "(Oxigraph: http://host:7878/store; Fuseki: http://host:3030/ds/data).")
    result = PushResult(replace)
    sending = dict(graphs)
    if all(g in graphs for g in DEFAULT_GRAPHS):
        sending[DEFAULT] = list(dict.fromkeys(t for g in DEFAULT_GRAPHS for t in graphs[g]))
    with requests.Session() as session:
        for graph, triples in sending.items():
            parts = chunks(triples, chunk_size)
            for number, part in enumerate(parts, start=1):
                method = "PUT" if replace and number == 1 else "POST"
                started = time.perf_counter()
                _send(session, method, endpoints.graph_store, graph, _body(part), timeout)
                if progress:
                    progress(Step(graph, number, len(parts), len(part), time.perf_counter() - started))
            result.graphs.append(GraphResult(graph, len(set(triples))))
    counter = RemoteStore(endpoints.query, timeout=timeout)
    for graph in result.graphs:
        graph.found = counter.count(None if graph.graph == DEFAULT else graph.graph, default=graph.graph == DEFAULT)
    return result


def _body(triples: Iterable[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _send(session: requests.Session, method: str, url: str, graph: str, body: bytes, timeout: float) -> None:
    target, url = url, redacted(url)  # messages name the URL without its password
    try:
        where = {"default": ""} if graph == DEFAULT else {"graph": graph}
        response = session.request(method, target, params=where, data=body,
                                   headers={"Content-Type": BODY_TYPE},
                                   timeout=(CONNECT_TIMEOUT, timeout))
    except requests.Timeout:
        raise StoreUnavailable(f"the Graph Store at {url} did not answer within {timeout:g} s "
                               f"({method} of <{graph}>); the graph may be partly loaded: push again.") from None
    except requests.ConnectionError as exc:
        raise StoreUnavailable(f"the Graph Store at {url} cannot be reached: {connection_reason(exc)}. "
                               "Is the store running, and is the URL right?") from None
    if response.status_code >= 500:
        raise StoreUnavailable(f"the Graph Store at {url} failed ({response.status_code}) on {method} "
                               f"of <{graph}>: {response_message(response)}")
    if response.status_code >= 300:
        raise RemoteStoreError(f"the Graph Store at {url} refused {method} of <{graph}> "
                               f"({response.status_code} {response.reason}): {response_message(response)}. "
                               "Check the Graph Store URL (--graph-store-url) and that the store is writable.")


def _graph_iri(name: str) -> str:
    if name in Graphs.BY_NAME or name == "wikidata":
        return str(Graphs.WIKIDATA if name == "wikidata" else Graphs.BY_NAME[name])
    return name


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1] if iri.startswith(str(Graphs.ONTOLOGY).rsplit("/", 1)[0]) else iri
