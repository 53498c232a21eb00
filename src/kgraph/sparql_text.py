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

One rule of the grammar is not lexical: whether a ``<`` opens an IRI or is the less-than
operator (or the first of ``<<``) depends on where the parser stands. The reading cannot
tell, and either guess hides text when it is wrong: ``FILTER(?a<?b)SERVICEe:x#>`` is an IRI
to one reader and a SERVICE behind a comment to the other; ``?a<'>'`` an IRI, then a
string that swallows what follows, or a string. So at every ``<`` that could be an
operator (it follows an operand or another ``<``) the reading takes *both* ways, and what it
reports is what some way sees: every SERVICE on any of them, the greatest depth and count
of operators of any. The ways share their tails (a way is its position and the kind of
token before it), so this costs a few states per character at most.

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

import bisect
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

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


class Token(NamedTuple):
    kind: str  # space, comment, string, iri, var, word, operator, punct, broken
    text: str
    start: int


def tokens(sparql: str) -> Iterator[Token]:
    """The query's text cut into tokens, every character in exactly one (see the module)."""
    i, end = 0, len(sparql)
    while i < end:
        token = _token_at(sparql, i)
        yield token
        i += len(token.text)


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
    variable_services: tuple[str, ...]  # ?var of each SERVICE ?var (not SILENT): an endpoint the data picks
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
    form, start = _prologue(sparql, declared)  # no `<` is an operator before the form
    deepest, operators, words = _ways(sparql, start)
    services: list[Service] = []
    variables: list[str] = []
    unknown = volatile = False
    for word, following in words:
        code = [word, *following]
        lower = word.text.lower()
        if "service" in lower:
            found = _service(code, 0, declared)
            if found is None:
                unknown = True
                if lower == "service" and len(code) > 1 and code[1].kind == "var":
                    variables.append(code[1].text)
            else:
                services.append(found)
        if lower.endswith(_VOLATILE_CALLS) and _next_is_call(code, 0):
            volatile = True
    return Reading(_kind(form), deepest, operators, tuple(services), tuple(variables), unknown, volatile)


def _prologue(sparql: str, declared: dict[str, str]) -> tuple[Token | None, int]:
    """Read the BASE and PREFIX declarations that open the query into ``declared`` (the
    engine knows prefixes from these only): the first code token after them, and where it starts."""
    significant = (t for t in tokens(sparql) if t.kind in _SIGNIFICANT)
    code = list(itertools.islice(significant, 3))
    n = 0
    while n < len(code) and code[n].kind == "word":
        lower = code[n].text.lower()
        if lower == "base" and n + 1 < len(code) and code[n + 1].kind == "iri":
            n += 2
        elif lower == "prefix" and n + 2 < len(code) and code[n + 1].kind == "word" \
                and code[n + 1].text.endswith(":") and code[n + 2].kind == "iri":
            resolved = _iri(code[n + 2].text)
            if resolved is not None:
                declared[code[n + 1].text[:-1]] = resolved
            else:  # relative: whatever the engine makes of it, the reading does not resolve it
                declared.pop(code[n + 1].text[:-1], None)
            n += 3
        else:
            break
        code.extend(itertools.islice(significant, n + 3 - len(code)))
    if n < len(code):
        return code[n], code[n].start
    return None, len(sparql)


#: Words after which a ``<`` is never the less-than operator (most open an IRI): keywords.
#: Any other word holding a letter or digit (a number, a prefixed name, ``true``, a glued
#: keyword) may end an operand.
_NOT_OPERANDS = frozenset((
    "select", "distinct", "reduced", "construct", "describe", "ask", "where", "from", "named", "graph",
    "service", "silent", "servicesilent", "base", "prefix", "a", "filter", "optional", "union", "minus",
    "bind", "values", "as", "by", "having", "limit", "offset", "exists", "not", "in", "undef", "lateral",
))
_OPERAND_WORD = re.compile(r"\w")
_LESS_THAN = re.compile(r"<=?")
_LINE_BREAK = re.compile(r"[\r\n]")


def _after(token: Token, before: str) -> str:
    """What the token before the next one is, for the question whether a ``<`` there may be
    an operator: ``operand``, ``lt`` (a ``<``: ``<<``), ``other``; white space and comments
    leave it as it was."""
    kind, text = token.kind, token.text
    if kind in ("space", "comment"):
        return before
    if kind in ("var", "string", "iri") or kind == "punct" and text in ")]":
        return "operand"
    if kind == "word":
        return "operand" if text.lower() not in _NOT_OPERANDS and _OPERAND_WORD.search(text) else "other"
    return "lt" if text == "<" else "other"


@functools.lru_cache(maxsize=256)
def _ways(sparql: str, start: int) -> tuple[int, int, tuple[tuple[Token, tuple[Token, ...]], ...]]:
    """Every way of cutting ``sparql[start:]`` into tokens (see the module: both readings of
    each ``<`` that may be an operator): the greatest depth of brackets and count of operators
    of any way, and, in the order of the text, each word that may be a SERVICE or a volatile
    call on any way, with the two code tokens after it."""
    end = len(sparql)
    steps: dict[tuple[int, str], list[tuple[Token, tuple[int, str]]]] = {}
    found: set = set()
    breaks = [m.start() for m in _LINE_BREAK.finditer(sparql, start)]
    pending = [(start, "other")]
    while pending:
        way = pending.pop()
        if way in steps:
            continue
        at, before = way
        if at >= end:
            steps[way] = []
            continue
        token = _token_at(sparql, at, breaks)
        choices = [token]
        if token.kind == "iri" and before in ("operand", "lt"):
            choices.append(Token("operator", _LESS_THAN.match(sparql, at).group(), at))
        steps[way] = []
        for each in choices:
            following = (at + len(each.text), _after(each, before))
            steps[way].append((each, following))
            pending.append(following)
            if each.kind == "word":
                lower = each.text.lower()
                if "service" in lower or lower.endswith(_VOLATILE_CALLS):
                    found.add(each)
    # The deepest nesting and the most operators of any way, from the end back.
    best: dict[tuple[int, str], tuple[int, int]] = {}
    for way in sorted(steps, key=lambda w: w[0], reverse=True):
        depth = operators = 0
        for token, following in steps[way]:
            rest_depth, rest_operators = best[following]
            if token.kind == "punct" and token.text in "({[":
                rest_depth += 1
            elif token.kind == "punct" and token.text in ")}]":
                rest_depth = max(0, rest_depth - 1)
            elif token.kind == "operator" or token.kind == "word" and token.text.lower() == "union":
                rest_operators += 1
            depth, operators = max(depth, rest_depth), max(operators, rest_operators)
        best[way] = (depth, operators)
    words = tuple((word, tuple(_next_code(sparql, word.start + len(word.text), 2)))
                  for word in sorted(found, key=lambda t: t.start))
    return (*best[(start, "other")], words)


def _token_at(sparql: str, at: int, breaks: list[int] | None = None) -> Token:
    """The token at ``at``; ``breaks``: the positions of every CR and LF, to end a comment
    without scanning to it again (ways that start a comment at many places)."""
    if breaks is not None and sparql[at] == "#":
        n = bisect.bisect_left(breaks, at)
        stop = breaks[n] if n < len(breaks) else len(sparql)
        return Token("comment", sparql[at:stop], at)
    match = _TOKEN.match(sparql, at)
    kind = match.lastgroup
    if kind == "punct" and _BROKEN_QUOTE.match(sparql, at):
        kind = "broken"
    return Token(kind, match.group(), at)


def _next_code(sparql: str, at: int, count: int) -> list[Token]:
    """The next ``count`` code tokens from ``at``, each ``<`` taken as the engine takes it after
    a keyword (SERVICE, SILENT): the start of an IRI."""
    following: list[Token] = []
    while at < len(sparql) and len(following) < count:
        token = _token_at(sparql, at)
        if token.kind in _SIGNIFICANT:
            following.append(token)
        at += len(token.text)
    return following


def _kind(form: Token | None) -> str | None:
    """The form, from the first word after the BASE and PREFIX declarations. Glued keywords
    (``SELECTDISTINCT``) are read by their start, as the engine reads them."""
    if form is None or form.kind != "word":
        return None
    upper = form.text.upper()
    return next((kind for name, kind in KIND_OF_FORM.items() if upper.startswith(name)), None)


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
