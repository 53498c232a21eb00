"""The store the graph is queried in: an embedded pyoxigraph ``Store`` by default.

Measured here, pyoxigraph answers the same SPARQL 20–200× faster than rdflib's engine and
loads 11–13× faster, so it serves queries while rdflib stays at the edges (building,
reasoning, validation, export). :class:`Store` is the small interface the rest of kgraph
uses, so a remote SPARQL 1.1 store can take the embedded one's place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from .errors import QueryError
from .formats import Format, RdfFormat
from .namespaces import Graphs
from .sparql_text import Reading, read, tokens

#: pyoxigraph's parser and evaluator recurse once per level of brackets and per operator of
#: a chain (``1+1+…``, ``{…} UNION {…} UNION …``), and overflow their stack — a segfault
#: that kills the whole process — on a thread's default 8 MiB (measured: 3000 nested groups,
#: 10,000 terms of a sum; 1000 and 5000 passed). These bounds, far above any real query,
#: keep every query inside that stack wherever it runs (the CLI, pages, inline); query
#: processes also run queries on a far larger stack (:mod:`kgraph.execution`: no crash at
#: 30,000 of either). The settings max_query_nesting / max_query_operators may only lower them.
MAX_NESTING = 256
MAX_OPERATORS = 4096

#: What the default graph of a query is when the request names none: everything the
#: graph says about the world, asserted and inferred (not the ontology or the shapes).
#: Stores hold it as their own default graph (:func:`kgraph.ondisk.merge_into_default`).
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
        prefixes: Mapping[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """``sparql`` over the store's default dataset, or the graphs named (``None``: the
        store's own default graph and all named graphs; the query's FROM applies). ``prefixes``
        are predeclared (the query's own win); ``base_iri`` resolves its relative IRIs."""
        ...

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


def check_nesting(sparql: str | Reading, *, max_nesting: int = MAX_NESTING,
                  max_operators: int = MAX_OPERATORS) -> None:
    """Refuse a query nested deeper than ``max_nesting`` or with more than ``max_operators``
    operators, UNIONs and path steps (see :data:`MAX_NESTING` why), read as the engine reads it
    (``sparql`` may be that :class:`~kgraph.sparql_text.Reading` already)."""
    reading = read(sparql) if isinstance(sparql, str) else sparql
    max_nesting, max_operators = min(max_nesting, MAX_NESTING), min(max_operators, MAX_OPERATORS)
    if reading.depth > max_nesting:
        raise QueryError(
            f"the query nests brackets {reading.depth} levels deep; this endpoint accepts at most "
            f"{max_nesting} (the max_query_nesting setting). Flatten the groups or filters."
        )
    if reading.operators > max_operators:
        raise QueryError(
            f"the query has {reading.operators} operators, UNIONs and path steps; this endpoint accepts "
            f"at most {max_operators} (the max_query_operators setting). Use VALUES or IN (…) for long "
            "lists of alternatives, or split the query."
        )


class UnsupportedFunction(QueryError):
    """A valid query calls a function the engine does not implement (``<urn:f>(1)``): the
    engine refuses to plan it. Not a syntax error (the W3C syntax tests have such queries):
    HTTP 422, the request well-formed but not processable here."""

    status = 422


def evaluation_error(exc: RuntimeError) -> QueryError:
    """pyoxigraph's evaluation errors (a RuntimeError, when planning or while rows are read)
    are the query's: a call of a function it lacks (:class:`UnsupportedFunction`), ``SERVICE ?e``
    with ``?e`` unbound. (The store's own failures are OSErrors.)"""
    if "custom function" in str(exc):
        return UnsupportedFunction(f"{exc}: this endpoint offers SPARQL's built-in functions and the xsd: "
                                   "casts only.")
    return QueryError(f"the query could not be evaluated: {exc}")


_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def syntax_message(sparql: str, error: str, prefixes: Mapping[str, str] | None = None) -> str:
    """The engine's syntax error made short and exact: line, column and the text there, an
    undeclared prefix by name, and no list of a hundred alternatives."""
    undeclared = undeclared_prefixes(sparql, prefixes)
    if undeclared:
        names = ", ".join(f"{p}:" for p in undeclared)
        return (f"the query uses the prefix {names} without declaring it: add PREFIX {undeclared[0]}: <…> "
                "before the query" + (f" (predeclared here: {', '.join(p + ':' for p in prefixes)})"
                                      if prefixes else "") + ".")
    match = _POSITION.match(error)
    if match is None:
        return f"the query is not valid SPARQL: {error}"
    line, column, expected = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    lines = sparql.split("\n")  # as the engine counts lines (rust-peg: LF only)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    near = text[column - 1:].strip()[:30]
    alternatives = expected.removeprefix("expected one of ").removeprefix("expected ").split(", ")
    if len(alternatives) > 6:
        expected = f"expected one of {', '.join(alternatives[:6])}, … ({len(alternatives)} in all)"
    end = ", at the end" if line >= len(lines) else ", at the end of the line"
    where = f"line {line}, column {column}" + (f", at «{near}»" if near else end)
    return f"the query is not valid SPARQL at {where}: {expected}."


def undeclared_prefixes(sparql: str, prefixes: Mapping[str, str] | None = None) -> list[str]:
    """The prefixes of prefixed names in ``sparql`` that neither it nor ``prefixes`` declares."""
    declared = set(prefixes or ())
    used: dict[str, None] = {}
    words = [t for t in tokens(sparql) if t.kind in ("word", "iri")]
    for n, token in enumerate(words):
        if token.kind != "word":
            continue
        if token.text.lower() == "prefix" and n + 1 < len(words) and words[n + 1].text.endswith(":"):
            declared.add(words[n + 1].text[:-1])
        elif ":" in token.text and not (token.text.endswith(":") and n and words[n - 1].text.lower() == "prefix"):
            prefix = token.text.split(":", 1)[0]
            if prefix != "_" and not prefix.replace("-", "").replace(".", "").isdigit():
                used.setdefault(prefix)
    return [p for p in used if p not in declared]


def _kind(raw: object) -> str:
    if isinstance(raw, ox.QuerySolutions):
        return "solutions"
    if isinstance(raw, ox.QueryBoolean):
        return "boolean"
    return "graph"


def run_query(store: ox.Store, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, prefixes: Mapping[str, str] | None = None,
              base_iri: str | None = None) -> QueryResult:
    """``sparql`` on a pyoxigraph store (the keywords of :meth:`Store.query`), with the query's
    own faults as :class:`QueryError`: too deep a nesting, a syntax error, an unknown function."""
    check_nesting(sparql)
    options: dict = {}
    if default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    if named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    if prefixes:
        options["prefixes"] = dict(prefixes)
    if base_iri:
        options["base_iri"] = base_iri
    try:
        raw = store.query(sparql, **options)
    except SyntaxError as exc:
        raise QueryError(syntax_message(sparql, str(exc), prefixes)) from None
    except RuntimeError as exc:
        raise evaluation_error(exc) from None
    return QueryResult(_kind(raw), raw)


class OxigraphStore:
    """An embedded pyoxigraph store of a kgraph dataset, in memory or on disk: its default
    graph is the merge of :data:`DEFAULT_GRAPHS` (kept so by :meth:`load`, or as
    :func:`kgraph.ondisk.materialise` wrote it)."""

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
        from .ondisk import merge_into_default

        merge_into_default(self._store, DEFAULT_GRAPHS)

    def query(self, sparql: str, **dataset) -> QueryResult:
        return run_query(self._store, sparql, **dataset)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterable[ox.Quad]:
        """The quads of ``graph``, or of every named graph (not the default graph: it is
        their merge)."""
        if graph:
            return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        return (q for q in self._store if not isinstance(q.graph_name, ox.DefaultGraph))

    def __len__(self) -> int:
        return len(self._store)
