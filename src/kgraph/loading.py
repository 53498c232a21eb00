"""Parse the graph's Turtle sources, remembering which file said what.

The file of each subject is kept so that a validation report can name the file a
violating node comes from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import BNode, Node, URIRef

from .errors import KgraphError, SourceSyntaxError
from .namespaces import PREFIXES, prefixed


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    return graph


def parse_turtle(path: Path) -> Graph:
    """One Turtle file as a graph; a syntax error names the file and line."""
    graph = new_graph()
    # rdflib logs a traceback for each ill-typed literal ("abc"^^xsd:date) or bad IRI and
    # keeps it; _check_terms reports it instead, with the file, line and node.
    term_log = logging.getLogger("rdflib.term")
    level, term_log.level = term_log.level, logging.ERROR
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as exc:
        raise SourceSyntaxError(path, _error_line(exc), exc._why) from None
    except (ValueError, SyntaxError) as exc:  # bad literals, bad IRIs, undeclared prefixes
        raise SourceSyntaxError(path, None, str(exc)) from None
    finally:
        term_log.setLevel(level)
    _check_terms(path, graph)
    return graph


def _error_line(exc: BadSyntax) -> int:
    """The line of a syntax error, from its position in the text.

    rdflib's own count (``exc.lines``) drifts: on data/states.ttl with an error at line
    133 it says 139. The parser keeps the whole text and the offset, so count there.
    """
    try:
        return exc._str.decode("utf-8")[:exc._i].count("\n") + 1
    except (AttributeError, UnicodeDecodeError, TypeError):
        return exc.lines + 1


@dataclass
class IllTypedLiteral(KgraphError):
    """A literal whose text is not a value of its datatype ("abc"^^xsd:date)."""

    path: Path
    line: int | None
    statement: str
    literal: Literal

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        datatype = _name(self.literal.datatype)
        return (f"{where}: {self.statement}: {str(self.literal)!r} is not a valid {datatype}. Write a "
                f"value of that datatype (or give the right datatype) and run the command again.")


def _first_line(path: Path, mark: re.Pattern) -> int | None:
    """rdflib keeps no line numbers: the first line holding the term as written."""
    rows = path.read_text(encoding="utf-8").splitlines()
    return next((n for n, row in enumerate(rows, 1) if mark.search(row)), None)


def _name(term: Node) -> str:
    return (prefixed(str(term)) or f"<{term}>") if isinstance(term, URIRef) else term.n3()


#: What Turtle's IRIREF forbids; rdflib lets it through with a warning, later steps choke on it.
_BAD_IRI_CHARACTER = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _check_terms(path: Path, graph: Graph) -> None:
    """Refuse what rdflib parses but reasoning, validation or the store would choke on."""
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and _BAD_IRI_CHARACTER.search(term):
                line = _first_line(path, re.compile(re.escape(str(term)[:40])))
                bad = _BAD_IRI_CHARACTER.search(term)[0]
                raise SourceSyntaxError(path, line, f"<{term}> is no IRI: it holds {bad!r}, which an IRI "
                                                    "cannot (percent-encode it: a space is %20)")
        subject, predicate, value = triple
        if isinstance(value, Literal) and value.ill_typed:
            mark = re.compile(r"""(["'])""" + re.escape(str(value)) + r"\1\^\^")
            line = _first_line(path, mark)
            statement = f"{_name(subject)} {_name(predicate)}"
            raise IllTypedLiteral(path, line, statement, value)


@dataclass
class LoadedGraph:
    """Triples merged from several files, and where each subject was written."""

    graph: Graph = field(default_factory=new_graph)
    origins: dict[Node, set[Path]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def add_file(self, path: Path) -> None:
        # Oxigraph's Turtle parser (Rust) is ~40× faster than rdflib's and the triples go
        # straight into this graph (no per-file graph merged afterwards): at 100k triples
        # that is 4 s instead of 11. rdflib parses a file only to word an error: a syntax
        # error, a bad IRI or an ill-typed literal is reported exactly as before.
        triples = _parse_fast(path)
        if triples is None:
            parse_turtle(path)  # raises the error, with file and line
            raise SourceSyntaxError(path, None, "Oxigraph could not parse it, though rdflib could")
        self.graph.addN((s, p, o, self.graph) for s, p, o in triples)
        self.files.append(path)
        for subject in {t[0] for t in triples}:
            self.origins.setdefault(subject, set()).add(path)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class RdflibTerms:
    """Oxigraph terms as rdflib's, each IRI made once; an ill-typed literal raises ValueError."""

    def __init__(self) -> None:
        self._iris: dict[str, URIRef] = {}

    def __call__(self, t):
        if isinstance(t, ox.NamedNode):
            iri = self._iris.get(t.value)
            if iri is None:
                iri = self._iris[t.value] = URIRef(t.value)
            return iri
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        datatype = t.datatype.value
        if datatype == _XSD_STRING:  # rdflib writes a plain "x" for what Turtle calls "x"
            return Literal(t.value)
        literal = Literal(t.value, datatype=self(t.datatype))
        if literal.ill_typed:
            raise ValueError(literal)
        return literal


def _parse_fast(path: Path) -> list[tuple[Node, Node, Node]] | None:
    """The file's triples as rdflib terms, or None when it needs rdflib's error report."""
    term = RdflibTerms()
    try:
        return [(term(t.subject), term(t.predicate), term(t.object))
                for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    except (SyntaxError, ValueError):
        return None



def load_files(paths: Iterable[Path]) -> LoadedGraph:
    loaded = LoadedGraph()
    for path in paths:
        loaded.add_file(path)
    return loaded
