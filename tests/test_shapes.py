"""Data-driven tests of the SHACL shapes in ``shapes/`` (after pySHACL's test_dash_validate.py).

Every fixture is validated the way the build validates the real data: the fixture plus
``tests/shapes/base.ttl`` (shared background: sources, states, a post, concept schemes)
plus the axioms of ``ontology/kgraph.ttl`` (its labels and comments left out, see
``ontology_axioms``), expanded with the OWL-RL closure, then
``pyshacl.validate(..., inference="none", advanced=True, allow_warnings=False)``.

* ``tests/shapes/valid/*.ttl`` must conform.
* ``tests/shapes/invalid/*.ttl`` must not. Each starts with one or more
  ``# expect: <substring of sh:message>`` lines and optionally ``# focus: <IRI or kgr:slug>``.
  Every expected message must be reported (on the focus node, when given), and every
  reported result must match one of them: the fixture fails for exactly that reason.
* Meta-tests: every node shape, property shape and SPARQL constraint is exercised by some
  invalid fixture; every constraint has an sh:message; every shape has a label and comment.
* The real data (``data/*.ttl`` with the whole ontology) conforms; on failure every
  violation is listed with its focus node, path, value and message (marked ``slow``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import owlrl
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "shapes"
ONTOLOGY = ROOT / "ontology" / "kgraph.ttl"
DATA = ROOT / "data"
FIXTURES = ROOT / "tests" / "shapes"
BASE = FIXTURES / "base.ttl"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))

SH = Namespace("http://www.w3.org/ns/shacl#")
KGR = "https://w3id.org/kgraph/id/"
PREFIXES = {
    "kgr:": KGR,
    "kg:": "https://w3id.org/kgraph/ontology#",
    "kgsh:": "https://w3id.org/kgraph/shapes#",
    "rdfs:": str(RDFS),
    "skos:": "http://www.w3.org/2004/02/skos/core#",
    "dcterms:": "http://purl.org/dc/terms/",
    "foaf:": "http://xmlns.com/foaf/0.1/",
    "org:": "http://www.w3.org/ns/org#",
    "prov:": "http://www.w3.org/ns/prov#",
    "schema:": "https://schema.org/",
}


@dataclass(frozen=True)
class Result:
    """One sh:ValidationResult, flattened."""

    focus: object
    path: object
    value: object
    message: str
    source_shape: object
    source_constraint: object

    def __str__(self) -> str:
        parts = [f"focus={_short(self.focus)}"]
        if self.path is not None:
            parts.append(f"path={_short(self.path)}")
        if self.value is not None:
            parts.append(f"value={_short(self.value)}")
        parts.append(f"shape={_short(self.source_shape)}")
        return f"{' '.join(parts)}\n    {self.message}"


@dataclass(frozen=True)
class Outcome:
    conforms: bool
    results: tuple[Result, ...]
    data: Graph  # the validated (expanded) data graph, for target look-ups


def _short(term: object) -> str:
    text = str(term)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(namespace):
            return prefix + text[len(namespace):]
    return term.n3() if isinstance(term, Literal) else text


@functools.cache
def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        graph.parse(path)
    return graph


@functools.cache
def ontology_axioms() -> Graph:
    """The ontology without its annotations (labels, comments, titles: literal-valued triples).

    OWL-RL draws the same conclusions about the fixtures from it, in half the time, and the
    fixtures do not depend on the wording of the ontology's labels; the real-data test
    below uses the whole ontology.
    """
    ontology = Graph().parse(ONTOLOGY)
    axioms = Graph()
    for triple in ontology:
        if not isinstance(triple[2], Literal) or triple[1].startswith(str(OWL)):
            axioms.add(triple)
    return axioms


def expanded(*paths: Path, ontology: Path | None = None) -> Graph:
    """Ontology + the given Turtle files + their OWL-RL closure (as the build does).

    Without ``ontology``, only the ontology's axioms are used (see ``ontology_axioms``).
    """
    graph = Graph()
    if ontology is None:
        graph += ontology_axioms()
    else:
        graph.parse(ontology)
    for path in paths:
        graph.parse(path)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def validate(data: Graph) -> Outcome:
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=False,
    )
    results = tuple(
        Result(
            focus=report.value(r, SH.focusNode),
            path=report.value(r, SH.resultPath),
            value=report.value(r, SH.value),
            message=str(report.value(r, SH.resultMessage)),
            source_shape=report.value(r, SH.sourceShape),
            source_constraint=report.value(r, SH.sourceConstraint),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )
    return Outcome(bool(conforms), results, data)


@functools.cache
def validate_fixture(path: Path) -> Outcome:
    """Validate one fixture (memoised: the meta-tests reuse the invalid fixtures' results)."""
    return validate(expanded(BASE, path))


def header(path: Path, key: str) -> list[str]:
    """Values of the leading ``# key: value`` comment lines of a fixture."""
    values = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        name, _, value = line[1:].partition(":")
        if name.strip() == key:
            values.append(value.strip())
    return values


def expand_iri(text: str) -> URIRef:
    for prefix, namespace in PREFIXES.items():
        if text.startswith(prefix):
            return URIRef(namespace + text[len(prefix):])
    return URIRef(text.strip("<>"))


def report_text(results: tuple[Result, ...]) -> str:
    return "\n".join(f"  - {result}" for result in sorted(results, key=str))


# --- fixtures ---------------------------------------------------------------------------


def test_base_conforms() -> None:
    outcome = validate(expanded(BASE))
    assert outcome.conforms, (
        f"tests/shapes/base.ttl does not conform:\n{report_text(outcome.results)}"
    )


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_conforms(path: Path) -> None:
    outcome = validate_fixture(path)
    assert outcome.conforms, f"{path.name} should conform but:\n{report_text(outcome.results)}"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_fails_for_its_reason(path: Path) -> None:
    expects = header(path, "expect")
    focus = [expand_iri(f) for f in header(path, "focus")]
    assert expects, f"{path.name} has no '# expect: <message substring>' header line"

    outcome = validate_fixture(path)
    assert not outcome.conforms, f"{path.name} should not conform"
    for expect in expects:
        matching = [r for r in outcome.results if expect in r.message]
        assert matching, (
            f"{path.name}: no result with message containing {expect!r}; got:\n"
            f"{report_text(outcome.results)}"
        )
        if focus:
            assert any(r.focus in focus for r in matching), (
                f"{path.name}: {expect!r} reported, but not on {[_short(f) for f in focus]}:\n"
                f"{report_text(tuple(matching))}"
            )
    unexpected = tuple(r for r in outcome.results if not any(e in r.message for e in expects))
    assert not unexpected, (
        f"{path.name} should fail only for {expects}, but also reports:\n{report_text(unexpected)}"
    )


# --- meta-tests -------------------------------------------------------------------------


def _node_shapes(shapes: Graph) -> set:
    return set(shapes.subjects(RDF.type, SH.NodeShape))


def _property_shapes(shapes: Graph) -> set:
    return set(shapes.subjects(RDF.type, SH.PropertyShape))


def _sparql_constraints(shapes: Graph) -> set:
    return set(shapes.objects(None, SH.sparql))


def _targets(shapes: Graph, shape: object, data: Graph, focus: object) -> bool:
    """Is ``focus`` a target of node shape ``shape`` in ``data``?"""
    if (shape, SH.target, None) in shapes:  # a SPARQL target: selected by its query, not computed here
        return True
    if any((focus, RDF.type, c) in data for c in shapes.objects(shape, SH.targetClass)):
        return True
    return any((focus, p, None) in data for p in shapes.objects(shape, SH.targetSubjectsOf))


def exercised_shapes(outcome: Outcome) -> set:
    """Node shapes, property shapes and SPARQL constraints that produced a result.

    A property shape shared by several node shapes counts for those of them that target
    the result's focus node.
    """
    shapes = shapes_graph()
    hit = set()
    for result in outcome.results:
        hit.add(result.source_shape)
        if result.source_constraint is not None:
            hit.add(result.source_constraint)
        if (result.source_shape, RDF.type, SH.PropertyShape) in shapes:
            for owner in shapes.subjects(SH.property, result.source_shape):
                if _targets(shapes, owner, outcome.data, result.focus):
                    hit.add(owner)
    return hit


def test_every_shape_and_constraint_is_exercised_by_an_invalid_fixture() -> None:
    shapes = shapes_graph()
    wanted = _node_shapes(shapes) | _property_shapes(shapes) | _sparql_constraints(shapes)
    hit: set = set()
    for path in INVALID:
        hit |= exercised_shapes(validate_fixture(path))
    missing = sorted(_short(s) for s in wanted - hit)
    assert not missing, f"no invalid fixture in tests/shapes/invalid/ exercises: {missing}"


def test_every_constraint_has_a_message() -> None:
    shapes = shapes_graph()
    constraint_parameters = {
        SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.pattern,
        SH.languageIn, SH.uniqueLang, SH["in"], SH["or"], SH["not"], SH.minInclusive,
        SH.qualifiedValueShape, SH.hasValue, SH.xone, SH["and"], SH.node,
    }
    with_constraints = _property_shapes(shapes) | _sparql_constraints(shapes) | {
        shape
        for shape in _node_shapes(shapes)
        if any((shape, p, None) in shapes for p in constraint_parameters)
    }
    silent = sorted(_short(s) for s in with_constraints if (s, SH.message, None) not in shapes)
    assert not silent, f"constraints without sh:message: {silent}"
    for shape in with_constraints:
        for message in shapes.objects(shape, SH.message):
            assert isinstance(message, Literal) and message.language == "en", _short(shape)


def test_every_shape_has_a_label_and_a_comment() -> None:
    shapes = shapes_graph()
    every = _node_shapes(shapes) | _property_shapes(shapes) | _sparql_constraints(shapes)
    bare = sorted(
        _short(s)
        for s in every
        if isinstance(s, BNode)
        or (s, RDFS.label, None) not in shapes
        or (s, RDFS.comment, None) not in shapes
    )
    assert not bare, f"shapes without an IRI, rdfs:label or rdfs:comment: {bare}"


# --- the real data ----------------------------------------------------------------------


@pytest.mark.slow
def test_real_data_conforms() -> None:
    data_files = sorted(DATA.glob("*.ttl"))
    if not data_files:
        pytest.skip("no data/*.ttl yet")
    outcome = validate(expanded(*data_files, ontology=ONTOLOGY))
    assert outcome.conforms, (
        f"data/*.ttl does not conform to shapes/ ({len(outcome.results)} results):\n"
        f"{report_text(outcome.results)}"
    )
