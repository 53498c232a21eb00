"""Querying a built graph, and showing answers as a readable table."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .pipeline import dataset_files
from .formats import RdfFormat
from .namespaces import PREFIXES, prefixed
from .store import OxigraphStore, QueryResult, Store


def open_build(build_path: Path) -> OxigraphStore:
    """An in-memory store holding a build's dataset (and the Wikidata graph, if enriched)."""
    store = OxigraphStore()
    for path in dataset_files(build_path):
        store.load(path, fmt=RdfFormat.N_QUADS)
    return store


def run(store: Store, sparql: str) -> QueryResult:
    """Run a user's query with the project's prefixes predeclared (the query's own PREFIX
    lines win); a syntax error's position is in the user's own text."""
    return store.query(sparql, prefixes=PREFIXES)


def term_text(term: object) -> str:
    """A term as people read it: prefixed IRIs, plain literal values, language tags kept."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return prefixed(term.value) or f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def table(result: QueryResult) -> str:
    """SELECT rows as an aligned text table; ASK as yes/no; graphs as Turtle."""
    if result.kind == "boolean":
        return "yes" if bool(result.raw) else "no"
    if result.kind == "graph":
        return ox.serialize(result.raw, format=RdfFormat.TURTLE, prefixes=PREFIXES).decode()
    names = result.variables
    rows = [[term_text(solution[name]) for name in names] for solution in result.raw]
    widths = [max([len(n) + 1, *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(f"?{n}".ljust(w) for n, w in zip(names, widths)), line]
    out += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
