"""The store the graph is queried in: an embedded pyoxigraph ``Store`` by default.

Measured here, pyoxigraph answers the same SPARQL 20–200× faster than rdflib's engine and
loads 11–13× faster, so it serves queries while rdflib stays at the edges (building,
reasoning, validation, export). :class:`Store` is the small interface the rest of kgraph
uses, so a remote SPARQL 1.1 store can take the embedded one's place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from .errors import QueryError
from .formats import Format, RdfFormat
from .namespaces import Graphs
from .sparql_text import nesting_depth

#: pyoxigraph's parser recurses once per level of brackets and overflows its stack — a
#: segfault that kills the whole process — a few thousand levels deep (measured: 3000
#: nested groups). No real query comes near this bound, so deeper ones are refused.
MAX_NESTING = 256

#: What the default graph of a query is when the request names none: everything the
#: graph says about the world, asserted and inferred (not the ontology or the shapes).
DEFAULT_GRAPHS: tuple[str, ...] = (str(Graphs.ASSERTED), str(Graphs.INFERRED))


@dataclass
class QueryResult:
    """A query's answer: ``kind`` is ``"solutions"``, ``"boolean"`` or ``"graph"``.

    ``raw`` is the store's own result object; it can be consumed once.
    """

    kind: str
    raw: object

    @property
    def variables(self) -> list[str]:
        if self.kind != "solutions":
            return []
        return [v.value for v in self.raw.variables]

    def serialize(self, fmt: Format, *, context_iri: str | None = None) -> bytes:
        """The answer in ``fmt``; JSON-LD is compacted with the project's context (embedded,
        or named by ``context_iri`` where the server publishes it)."""
        if self.kind == "graph":
            if not isinstance(fmt.oxigraph, RdfFormat):
                raise QueryError(f"a graph result cannot be written as {fmt.name}")
            return write_triples(self.raw, fmt, context_iri=context_iri)
        if isinstance(fmt.oxigraph, RdfFormat):
            raise QueryError(f"a {self.kind} result cannot be written as {fmt.name}: use json, xml, csv or tsv")
        return self.raw.serialize(format=fmt.oxigraph) or b""


class Store(Protocol):
    """What kgraph needs of a SPARQL store."""

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult: ...

    def named_graphs(self) -> list[str]: ...

    def __len__(self) -> int: ...


def write_triples(triples: Iterable[ox.Triple], fmt: Format, *, prefixes: dict[str, str] | None = None,
                  context_iri: str | None = None) -> bytes:
    """Triples in an RDF format of :mod:`kgraph.formats`; JSON-LD compacted with the project's
    context, the quad formats with the triples in the default graph."""
    if fmt.oxigraph == RdfFormat.JSON_LD:
        from .jsonld_context import compact_rdf  # PyLD is loaded only when JSON-LD is asked for

        return compact_rdf(ox.serialize(triples, format=RdfFormat.N_TRIPLES) or b"", context_iri=context_iri)
    if fmt.oxigraph in (RdfFormat.N_QUADS, RdfFormat.TRIG):
        triples = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""


def check_nesting(sparql: str) -> None:
    """Refuse a query nested deeper than :data:`MAX_NESTING` (see there why)."""
    if nesting_depth(sparql) > MAX_NESTING:
        raise QueryError(
            f"the query nests brackets more than {MAX_NESTING} levels deep, which this endpoint "
            "does not accept; flatten the groups or filters."
        )


def _kind(raw: object) -> str:
    if isinstance(raw, ox.QuerySolutions):
        return "solutions"
    if isinstance(raw, ox.QueryBoolean):
        return "boolean"
    return "graph"


def run_query(store: ox.Store, sparql: str, **dataset) -> QueryResult:
    """``sparql`` on a pyoxigraph store (``dataset``: its ``query`` keywords), with the query's
    own faults as :class:`QueryError`: too deep a nesting, a syntax error, an unknown function."""
    check_nesting(sparql)
    try:
        raw = store.query(sparql, **dataset)
    except SyntaxError as exc:
        raise QueryError(f"the query is not valid SPARQL: {exc}") from None
    except RuntimeError as exc:
        # pyoxigraph plans the query before it runs: a call of a function it lacks
        # (<urn:f>(1)) fails here, with a RuntimeError that is the query's fault.
        if "custom function" not in str(exc):
            raise
        raise QueryError(f"{exc}: this endpoint offers SPARQL's built-in functions and the "
                         "xsd: casts only.") from None
    return QueryResult(_kind(raw), raw)


class OxigraphStore:
    """An embedded pyoxigraph store, in memory or on disk."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        if path is not None and read_only:
            self._store = ox.Store.read_only(str(path))
        else:
            self._store = ox.Store(str(path) if path is not None else None)

    def load(self, path: str | Path, *, fmt: RdfFormat | None = None, graph: str | None = None) -> None:
        kwargs = {"path": str(path)}
        if fmt is not None:
            kwargs["format"] = fmt
        if graph is not None:
            kwargs["to_graph"] = ox.NamedNode(graph)
        try:
            self._store.bulk_load(**kwargs)
        except SyntaxError as exc:
            raise QueryError(f"{path}: cannot be loaded: {exc}") from None

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        defaults = DEFAULT_GRAPHS if default_graphs is None else default_graphs
        return run_query(
            self._store,
            sparql,
            default_graph=[ox.NamedNode(g) for g in defaults],
            named_graphs=[ox.NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
        )

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterable[ox.Quad]:
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None)

    def __len__(self) -> int:
        return len(self._store)
