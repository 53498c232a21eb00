"""Query answers as comparable values, and their comparison (blank nodes up to renaming).

An answer is one of:

- :class:`Boolean` (ASK);
- :class:`Solutions`: the variables and the rows, each row a ``{variable: term}`` of its
  bound variables (pyoxigraph terms), in the order received;
- :class:`Triples`: a set of pyoxigraph triples (CONSTRUCT, DESCRIBE).

:func:`compare` says how two answers differ, or ``None``: solutions as multisets (as
sequences where the order is part of the answer), with one bijection of blank nodes for the
whole answer; graphs by RDF graph isomorphism (:func:`rdflib.compare.isomorphic`).
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_RESULT_FORMATS = {".srx": ox.QueryResultsFormat.XML, ".srj": ox.QueryResultsFormat.JSON,
                   ".tsv": ox.QueryResultsFormat.TSV}
_RDF_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".rdf": ox.RdfFormat.RDF_XML, ".nt": ox.RdfFormat.N_TRIPLES}


@dataclass(frozen=True)
class Boolean:
    value: bool

    def __str__(self) -> str:
        return f"ASK {str(self.value).lower()}"


@dataclass(frozen=True)
class Solutions:
    variables: tuple[str, ...]
    rows: tuple[dict, ...]
    #: The order of the rows is part of the answer (rs:index in an RDF result set).
    ordered: bool = False

    def __str__(self) -> str:
        lines = [" ".join("?" + v for v in self.variables)]
        lines += ["  " + " ".join(f"?{v}={row[v]}" for v in sorted(row)) for row in self.rows[:40]]
        if len(self.rows) > 40:
            lines.append(f"  … {len(self.rows)} rows")
        return "\n".join(lines)


@dataclass(frozen=True)
class Triples:
    triples: frozenset

    def __str__(self) -> str:
        return "\n".join(sorted(f"{t.subject} {t.predicate} {t.object} ." for t in self.triples)[:60])


Answer = Boolean | Solutions | Triples


# --- reading answers ---------------------------------------------------------------------------

def from_pyoxigraph(result, *, ordered: bool = False) -> Answer:
    """An answer of ``pyoxigraph.Store.query`` or ``parse_query_results``."""
    if isinstance(result, ox.QueryBoolean) or isinstance(result, bool):
        return Boolean(bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        rows = tuple({v: solution[v] for v in variables if solution[v] is not None} for solution in result)
        return Solutions(variables, rows, ordered)
    return Triples(frozenset(result))


def read_expected(path: Path, url: str) -> Answer:
    """The expected result file of a test (``.srx``, ``.srj``, ``.tsv``, or RDF: a result set or a graph)."""
    if path.suffix in _RESULT_FORMATS:
        return from_pyoxigraph(ox.parse_query_results(path=path, format=_RESULT_FORMATS[path.suffix]))
    triples = [q.triple for q in ox.parse(path=path, format=_RDF_FORMATS[path.suffix], base_iri=url)]
    result_sets = [t.subject for t in triples if t.predicate == RDF_TYPE and t.object == ox.NamedNode(RS + "ResultSet")]
    return _result_set(triples, result_sets[0]) if result_sets else Triples(frozenset(triples))


def _result_set(triples: list, node) -> Answer:
    """An answer written in the DAWG result-set vocabulary (rs:)."""
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append((t.predicate.value.removeprefix(RS), t.object))
    props = by_subject[node]
    booleans = [o for p, o in props if p == "boolean"]
    if booleans:
        return Boolean(booleans[0].value == "true")
    variables = tuple(sorted(o.value for p, o in props if p == "resultVariable"))
    rows = []
    for solution in (o for p, o in props if p == "solution"):
        row, index = {}, None
        for p, o in by_subject.get(solution, []):
            if p == "index":
                index = int(o.value)
            elif p == "binding":
                binding = dict(by_subject[o])
                row[binding["variable"].value] = binding["value"]
        rows.append((index, row))
    ordered = bool(rows) and all(index is not None for index, _ in rows)
    if ordered:
        rows.sort(key=lambda pair: pair[0])
    return Solutions(variables, tuple(row for _, row in rows), ordered)


# --- canonical literals, as Oxigraph's own test suite compares them ------------------------------

def normalised(answer: Answer) -> Answer:
    """The answer with each literal as pyoxigraph's store gives it back (``"01"^^xsd:integer`` →
    ``"1"``, language tags lower-cased): Oxigraph's test suite compares W3C results so."""
    terms = set()
    if isinstance(answer, Solutions):
        terms = {t for row in answer.rows for t in row.values() if isinstance(t, ox.Literal)}
    elif isinstance(answer, Triples):
        terms = {t.object for t in answer.triples if isinstance(t.object, ox.Literal)}
    if not terms:
        return answer
    store = ox.Store()
    subjects = {}
    for i, term in enumerate(terms):
        subjects[ox.NamedNode(f"urn:x-term:{i}")] = term
        store.add(ox.Quad(ox.NamedNode(f"urn:x-term:{i}"), RDF_TYPE, term))
    mapping = {subjects[q.subject]: q.object for q in store}
    if isinstance(answer, Solutions):
        rows = tuple({v: mapping.get(t, t) for v, t in row.items()} for row in answer.rows)
        return Solutions(answer.variables, rows, answer.ordered)
    return Triples(frozenset(ox.Triple(t.subject, t.predicate, mapping.get(t.object, t.object))
                             for t in answer.triples))


# --- comparison ----------------------------------------------------------------------------------

def compare(expected: Answer, actual: Answer, *, ordered: bool = False) -> str | None:
    """``None`` if ``actual`` is ``expected`` (blank nodes renamed), else what differs."""
    if type(expected) is not type(actual):
        return f"expected a {type(expected).__name__}, got a {type(actual).__name__}"
    if isinstance(expected, Boolean):
        return None if expected == actual else f"expected {expected}, got {actual}"
    if isinstance(expected, Triples):
        if isomorphic(_rdflib_graph(expected), _rdflib_graph(actual)):
            return None
        return f"graphs not isomorphic: {len(expected.triples)} triples expected, {len(actual.triples)} got"
    if set(expected.variables) != set(actual.variables):
        return f"variables: expected {sorted(expected.variables)}, got {sorted(actual.variables)}"
    if len(expected.rows) != len(actual.rows):
        return f"expected {len(expected.rows)} rows, got {len(actual.rows)}"
    if ordered or expected.ordered:
        return None if _same_sequence(expected.rows, actual.rows) else "rows in another order, or other rows"
    return None if _same_multiset(expected.rows, actual.rows) else "other rows"


def _is_bnode(term) -> bool:
    return isinstance(term, ox.BlankNode)


def _blind(row: dict) -> frozenset:
    """The row with every blank node the same: rows that may match have equal blind forms."""
    return frozenset((v, None if _is_bnode(t) else t) for v, t in row.items())


def _extend(mapping: dict, inverse: dict, expected: dict, actual: dict) -> list | None:
    """The blank-node pairs added to the bijection for ``expected`` ↔ ``actual``, or None (nothing
    added) if the rows cannot match under it."""
    if expected.keys() != actual.keys():
        return None
    added = []
    for v, e in expected.items():
        a = actual[v]
        if not _is_bnode(e) and not _is_bnode(a) and e == a:
            continue
        if _is_bnode(e) and _is_bnode(a) and mapping.get(e) == a:
            continue
        if _is_bnode(e) and _is_bnode(a) and e not in mapping and a not in inverse:
            mapping[e], inverse[a] = a, e
            added.append(e)
            continue
        _undo(mapping, inverse, added)
        return None
    return added


def _undo(mapping: dict, inverse: dict, added: list) -> None:
    for e in added:
        del inverse[mapping.pop(e)]


def _same_sequence(expected: tuple, actual: tuple) -> bool:
    mapping, inverse = {}, {}
    return all(_extend(mapping, inverse, e, a) is not None for e, a in zip(expected, actual))


def _same_multiset(expected: tuple, actual: tuple, *, budget: int = 200_000) -> bool:
    if Counter(map(_blind, expected)) != Counter(map(_blind, actual)):
        return False
    if not any(_is_bnode(t) for row in expected for t in row.values()):
        return True
    # Backtracking search for one bijection of blank nodes over all rows.
    candidates: dict = {}
    for i, row in enumerate(actual):
        candidates.setdefault(_blind(row), []).append(i)
    order = sorted(range(len(expected)), key=lambda i: len(candidates[_blind(expected[i])]))
    used = [False] * len(actual)
    mapping, inverse = {}, {}
    steps = 0

    def search(k: int) -> bool:
        nonlocal steps
        if k == len(order):
            return True
        row = expected[order[k]]
        for j in candidates[_blind(row)]:
            steps += 1
            if steps > budget:
                raise RuntimeError("blank-node matching: search too long to decide")
            if used[j]:
                continue
            added = _extend(mapping, inverse, row, actual[j])
            if added is None:
                continue
            used[j] = True
            if search(k + 1):
                return True
            used[j] = False
            _undo(mapping, inverse, added)
        return False

    return search(0)


def _rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language, normalize=False)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def _rdflib_graph(answer: Triples) -> Graph:
    # rdflib logs (and warns of) each literal it cannot turn into a Python value ("abc"^^xsd:integer
    # of the tests): nothing to say here, where literals are compared as terms.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module="rdflib.term")
    graph = Graph()
    for t in answer.triples:
        graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))
    return graph
