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


def normalise(sparql: str) -> str:
    """The query with every run of white space and every comment outside strings and IRIs
    made one space, and the ends stripped: two texts that differ only so ask the same.

    Nothing else is touched (not the case of keywords, not prefixes): a conservative key.
    """
    out: list[str] = []
    i, n = 0, len(sparql)
    space = False
    while i < n:
        ch = sparql[i]
        if ch.isspace() or ch == "#":
            if ch == "#":
                end = sparql.find("\n", i)
                i = n if end < 0 else end + 1
            else:
                i += 1
            space = True
            continue
        if space and out:
            out.append(" ")
        space = False
        start = i
        if ch in "\"'":
            quote = ch * 3 if sparql.startswith(ch * 3, i) else ch
            i += len(quote)
            while i < n and not sparql.startswith(quote, i):
                i += 2 if sparql[i] == "\\" else 1
            i += len(quote)
        elif ch == "<" and (end := sparql.find(">", i)) > 0 and not any(c.isspace() for c in sparql[i + 1:end]):
            i = end + 1  # an IRI (a less-than has space or no > after it): kept whole
        else:
            i += 1
        out.append(sparql[start:i])
    return "".join(out)
