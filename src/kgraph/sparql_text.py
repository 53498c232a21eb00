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

import functools
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


#: The pieces :func:`tokens` cuts a query into, tried in this order. Brackets are pieces of
#: their own (for :func:`nesting_depth`); other code runs together. A string without its
#: closing quote runs to the end, which errs on the safe side.
_TOKEN = re.compile("|".join((
    r'(?P<string>"""(?:[^"\\]|\\.|\\\Z|"(?!""))*(?:"""|\Z)'
    r"|'''(?:[^'\\]|\\.|\\\Z|'(?!''))*(?:'''|\Z)"
    r'|"(?:[^"\\]|\\.|\\\Z)*(?:"|\Z)'
    r"|'(?:[^'\\]|\\.|\\\Z)*(?:'|\Z))",
    r"(?P<iri><[^\s>]*>)",  # a less-than with white space or no > after it is not an IRI
    r"(?P<comment>#[^\n]*)",
    r"(?P<space>\s+)",
    r"(?P<other>[^\"'<#\s(){}\[\]]+|.)",
)), re.DOTALL)


def tokens(sparql: str) -> Iterator[tuple[str, str]]:
    """The query's text cut into ``(kind, text)`` pieces, every character in one: ``"string"``
    (a quoted literal, long or short, escapes skipped), ``"iri"`` (``<…>`` without white
    space), ``"comment"`` (``#`` to the end of the line), ``"space"`` (a run of white space),
    or ``"other"`` (a bracket, or a run of other code). Enough to tell code from text for
    :func:`normalise` and :func:`nesting_depth`; not a SPARQL lexer.
    """
    for match in _TOKEN.finditer(sparql):
        yield match.lastgroup, match.group()


@functools.lru_cache(maxsize=1024)
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


@functools.lru_cache(maxsize=1024)
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
