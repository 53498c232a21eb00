"""The one lexical reading of a query's text, by the rules of the engine that runs it.

The endpoint must know some things of a query before the query runs (in a child process,
see :mod:`kgraph.execution`): its form (a 406 before any work), how deeply it nests (the
engine's parser recurses), which SERVICE endpoints it calls (the federation allow-list),
and whether its answer may be cached. pyoxigraph has no parse-only call, so these are read
from the text — and a reading that differs from the engine's is a hole: a comment that the
checks think runs on while the engine ends it hides a SERVICE from the checks. So the text
is cut into tokens by the lexical rules of the SPARQL 1.1 grammar exactly as Oxigraph 0.5's
parser (``spargebra``) applies them:

- white space is only space, tab, CR and LF (``WS``, [162]);
- a comment runs from ``#`` to the next CR *or* LF;
- strings, short and long, with their escapes (``ECHAR``, ``UCHAR``; a short string holds no
  raw CR or LF);
- an IRI is ``<`` … ``>`` over the characters an IRI may hold (and ``\\u`` escapes); a ``<``
  that does not open one is the less-than operator;
- a backslash in code escapes the next character of a local name (``ex:a\\#b``: no comment);
- ``\\u`` escapes outside strings and IRIs are *not* decoded (Oxigraph 0.5 does not).

Oxigraph's parser is scannerless: keywords need no space around them (``SERVICESILENT<…>``
is ``SERVICE SILENT <…>``). So the checks never look for whole words: any code word (a run
of name characters outside strings, IRIs, comments and variables) that *contains* ``service``
is a SERVICE the reading must account for, and what it cannot account for is treated as a
call to an unknown endpoint (:attr:`Reading.unknown_service`) — run where nothing can leave
the machine (:mod:`kgraph.execution`). A misreading can therefore cost a federated query its
network or its cache entry, never open a way out. Tests hold this reading against the engine
(``tests/hardening/test_query_reading.py``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

#: A query is ``Prologue (Select | Construct | Describe | Ask)``.
KIND_OF_FORM = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf"'\\]"""
#: Characters that end a code word: the white space of the grammar, the starts of comments,
#: strings, IRIs and variables, and the punctuation and operators. Everything else (letters
#: of any script, digits, ``_ - . : %`` and a backslash escape) is part of a word, so a
#: prefixed name, a keyword, a number or a blank node label is one word.
_DELIMITERS = " \t\r\n#\"'<>?$(){}[],;=!&|^*/+@\\"
#: Possessive loops (``*+``): a PEG parser never gives back what a loop matched.
_TOKEN = re.compile("|".join((
    r"(?P<space>[ \t\r\n]++)",
    r"(?P<comment>#[^\r\n]*+)",
    rf'(?P<string>"""(?:(?:""|")?+(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+"""'
    rf"|'''(?:(?:''|')?+(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+'''"
    rf'|"(?:[^"\\\r\n]|{_ECHAR}|{_UCHAR})*+"'
    rf"|'(?:[^'\\\r\n]|{_ECHAR}|{_UCHAR})*+')",
    rf"(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>)",
    r"(?P<var>[?$][^" + re.escape(_DELIMITERS + "-.:%~") + r"]++)",  # VARNAME: no - . : % ~
    r"(?P<word>(?:[^" + re.escape(_DELIMITERS) + r"]|\\.)++)",
    r"(?P<operator>\|\||&&|!=|<=|>=|\^\^|[=<>!+*/|^-])",
    r"(?P<punct>.)",
)), re.DOTALL)
#: A string or escape that never closes: the engine refuses the query; the reading takes
#: the rest of the text as code, which errs towards seeing more, not less.
_BROKEN_QUOTE = re.compile(r"[\"']")


@dataclass(frozen=True)
class Token:
    kind: str  # space, comment, string, iri, var, word, operator, punct
    text: str
    start: int


def tokens(sparql: str) -> Iterator[Token]:
    """The query's text cut into tokens, every character in exactly one (see the module)."""
    i, end = 0, len(sparql)
    while i < end:
        match = _TOKEN.match(sparql, i)
        kind = match.lastgroup
        if kind == "punct" and _BROKEN_QUOTE.match(sparql, i):
            kind = "broken"
        yield Token(kind, match.group(), i)
        i = match.end()


@dataclass(frozen=True)
class Service:
    """A ``SERVICE`` clause whose endpoint the reading resolved."""

    endpoint: str
    silent: bool


@dataclass(frozen=True)
class Reading:
    """What the checks, the negotiation and the cache need of a query, read once."""

    kind: str | None  # "solutions", "boolean", "graph"; None: the form cannot be told
    depth: int  # the deepest nesting of (), {} and []
    operators: int  # operators, UNIONs and path steps: how long the engine's expression trees get
    services: tuple[Service, ...]
    unknown_service: bool  # a SERVICE whose endpoint the reading could not resolve to an IRI
    volatile: bool  # NOW(), RAND(), UUID(), STRUUID(), BNODE(): an answer that differs per run

    @property
    def calls_out(self) -> bool:
        """True when the query may call another server (SERVICE), resolved or not."""
        return bool(self.services) or self.unknown_service


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_VOLATILE_CALLS = ("now", "rand", "uuid", "bnode")  # STRUUID ends in UUID
_SIGNIFICANT = ("string", "iri", "var", "word", "operator", "punct", "broken")


@functools.lru_cache(maxsize=1024)
def read(sparql: str, prefixes: tuple[tuple[str, str], ...] = ()) -> Reading:
    """The :class:`Reading` of ``sparql``, with ``prefixes`` predeclared as the engine is given
    them (the query's own PREFIX declarations win, as in the engine)."""
    declared = dict(prefixes)
    code = [t for t in tokens(sparql) if t.kind in _SIGNIFICANT]
    depth = deepest = operators = 0
    services: list[Service] = []
    unknown = volatile = False
    for n, token in enumerate(code):
        kind, text = token.kind, token.text
        if kind == "broken":
            continue
        if kind == "punct":
            if text in "({[":
                depth += 1
                deepest = max(deepest, depth)
            elif text in ")}]":
                depth -= 1
            continue
        if kind == "operator":
            operators += 1
            continue
        if kind != "word":
            continue
        lower = text.lower()
        if lower == "union":
            operators += 1
        elif lower == "prefix" and n + 2 < len(code) and code[n + 1].kind == "word" \
                and code[n + 1].text.endswith(":") and code[n + 2].kind == "iri":
            resolved = _iri(code[n + 2].text)
            if resolved is not None:
                declared[code[n + 1].text[:-1]] = resolved
            else:  # relative: whatever the engine makes of it, the reading does not resolve it
                declared.pop(code[n + 1].text[:-1], None)
        if "service" in lower:
            found = _service(code, n, declared)
            if found is None:
                unknown = True
            else:
                services.append(found)
        if lower.endswith(_VOLATILE_CALLS) and _next_is_call(code, n):
            volatile = True
    return Reading(_kind(code), deepest, operators, tuple(services), unknown, volatile)


def _kind(code: list[Token]) -> str | None:
    """The form: the first word that is not part of a BASE or PREFIX declaration. Glued
    keywords (``SELECTDISTINCT``) are read by their start, as the engine reads them."""
    n = 0
    while n < len(code):
        token = code[n]
        if token.kind != "word":
            return None
        lower = token.text.lower()
        if lower == "base":
            n += 2
        elif lower == "prefix":
            n += 3
        else:
            upper = token.text.upper()
            return next((kind for form, kind in KIND_OF_FORM.items() if upper.startswith(form)), None)
    return None


def _service(code: list[Token], n: int, prefixes: dict[str, str]) -> Service | None:
    """The SERVICE clause at ``code[n]`` — ``SERVICE [SILENT] <iri>|prefixed:name``, however
    glued — or ``None`` when the word is anything else that holds the letters ``service``."""
    lower = code[n].text.lower()
    if lower == "service":
        silent = n + 1 < len(code) and code[n + 1].kind == "word" and code[n + 1].text.lower() == "silent"
        at = n + 2 if silent else n + 1
    elif lower == "servicesilent":
        silent, at = True, n + 1
    else:
        return None
    if at >= len(code):
        return None
    target = code[at]
    if target.kind == "iri":
        endpoint = _iri(target.text)
    elif target.kind == "word" and ":" in target.text:
        endpoint = _prefixed(target.text, prefixes)
    else:  # SERVICE ?var, or something the reading cannot tell
        endpoint = None
    return None if endpoint is None else Service(endpoint, silent)


def _iri(token: str) -> str | None:
    """An absolute IRIREF token as the engine reads it (``\\u`` escapes decoded); ``None`` for
    a relative one: resolving it against BASE and the service's base IRI is the engine's
    business, and a SERVICE to a relative IRI is no federation anyone needs."""
    iri = re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                 lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])
    return iri if _ABSOLUTE.match(iri) else None


def _prefixed(name: str, prefixes: dict[str, str]) -> str | None:
    """A prefixed name as the engine expands it: the prefix's IRI, then the local part with
    its backslashes dropped; ``None`` for an undeclared prefix."""
    prefix, _, local = name.partition(":")
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + local.replace("\\", "")


def _next_is_call(code: list[Token], n: int) -> bool:
    return n + 1 < len(code) and code[n + 1].text == "("


def query_kind(sparql: str) -> str | None:
    """``"solutions"``, ``"boolean"`` or ``"graph"`` by the query's form; ``None``: cannot tell."""
    return read(sparql).kind


def is_volatile(sparql: str) -> bool:
    """True when the answer may differ between two runs over the same data: a SERVICE (another
    server's data) or a call of NOW, RAND, UUID, STRUUID or BNODE."""
    reading = read(sparql)
    return reading.volatile or reading.calls_out


def nesting_depth(sparql: str) -> int:
    """The deepest nesting of (), {} and [] in a query, outside strings, IRIs and comments."""
    return read(sparql).depth
