"""What can be read from a query's text without parsing it: its form, a cache key, volatility.

The endpoint needs these before the query runs (in a child process, see
:mod:`kgraph.execution`): the form decides between results formats and RDF formats, so a
406 comes before any work; the key and the volatility decide whether an answer may be
cached. pyoxigraph has no parse-only call, and parsing by running the query on an empty
store is not free either (``VALUES`` products need no data), so these are small lexical
scans. Each errs on the safe side: an unknown form leaves the decision to the child,
a doubtful volatility means no caching.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: A query is ``Prologue (Select | Construct | Describe | Ask)``; the prologue is only
#: BASE and PREFIX declarations, comments and white space (SPARQL 1.1 grammar, [2]–[6]).
_PROLOGUE_ITEM = re.compile(r"\s+|#[^\n\r]*|BASE\s*<[^<>\s]*>|PREFIX\s*[^\s:<]*:\s*<[^<>\s]*>", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.IGNORECASE)
KIND_OF_FORM = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

#: What makes an answer not a function of the data: another server's data (SERVICE), the
#: clock, randomness and fresh identifiers. Matched anywhere in the text, strings and IRIs
#: included: a false match only costs a cache entry.
_VOLATILE = re.compile(r"(?<![\w?$:])(?:SERVICE\b|(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\()", re.IGNORECASE)


def query_kind(sparql: str) -> str | None:
    """``"solutions"``, ``"boolean"`` or ``"graph"`` by the query's form; ``None``: cannot tell."""
    i = 0
    while match := _PROLOGUE_ITEM.match(sparql, i):
        if match.end() == i:
            break
        i = match.end()
    form = _FORM.match(sparql, i)
    return KIND_OF_FORM[form.group(1).upper()] if form else None


def is_volatile(sparql: str) -> bool:
    """True when the answer may differ between two runs over the same data."""
    return _VOLATILE.search(sparql) is not None


def tokens(sparql: str) -> Iterator[tuple[str, str]]:
    """The query's text cut into ``(kind, text)`` pieces, every character in one: ``"string"``
    (a quoted literal, long or short, escapes skipped), ``"iri"`` (``<…>`` without white
    space: a less-than has space or no ``>`` after it), ``"comment"`` (``#`` to the end of
    the line), ``"space"`` (a run of white space), or ``"other"`` (one character).

    Enough to tell code from text for :func:`normalise` and :func:`nesting_depth`; not a
    SPARQL lexer. An unterminated string or IRI runs to the end, which errs on the safe side.
    """
    i, n = 0, len(sparql)
    while i < n:
        start, ch = i, sparql[i]
        if ch in "\"'":
            quote = ch * 3 if sparql.startswith(ch * 3, i) else ch
            i += len(quote)
            while i < n and not sparql.startswith(quote, i):
                i += 2 if sparql[i] == "\\" else 1
            i = min(n, i + len(quote))
            kind = "string"
        elif ch == "#":
            end = sparql.find("\n", i)
            i, kind = (n if end < 0 else end), "comment"
        elif ch.isspace():
            while i < n and sparql[i].isspace():
                i += 1
            kind = "space"
        elif ch == "<" and (end := sparql.find(">", i)) > 0 and not any(c.isspace() for c in sparql[i + 1:end]):
            i, kind = end + 1, "iri"
        else:
            i, kind = i + 1, "other"
        yield kind, sparql[start:i]


def normalise(sparql: str) -> str:
    """The query with every run of white space and every comment outside strings and IRIs
    made one space, and the ends stripped: two texts that differ only so ask the same.

    Nothing else is touched (not the case of keywords, not prefixes): a conservative key.
    """
    out: list[str] = []
    space = False
    for kind, text in tokens(sparql):
        if kind in ("space", "comment"):
            space = True
            continue
        if space and out:
            out.append(" ")
        space = False
        out.append(text)
    return "".join(out)


def nesting_depth(sparql: str) -> int:
    """The deepest nesting of (), {} and [] in a query, outside strings, IRIs and comments."""
    depth = deepest = 0
    for kind, text in tokens(sparql):
        if kind != "other":
            continue
        if text in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif text in ")}]":
            depth -= 1
    return deepest
