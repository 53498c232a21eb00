"""The OWL 2 RL closure with ``reasonable`` (Rust), completed so that it equals owlrl's.

reasonable 0.4 materialises OWL 2 RL about 100× faster than owlrl, but it leaves out
some of the rules owlrl (the reference) applies, so on its own it gives a smaller closure.
This module adds exactly those rules, each a few set operations over the closure:

* prp-spo2, property chains (``owl:propertyChainAxiom``): ``kg:holdsPost`` and
  ``org:memberOf`` are chains, and what follows from them (``org:holds``, the
  ``kg:Ambassador`` / ``kg:HeadOfState`` restrictions) depends on them, so the chains are
  fed back to reasonable until nothing new follows;
* scm-dom1/2 and scm-rng1/2: a property's domain and range inherited along
  ``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` (inferences about the ontology's terms);
* the consistency rules, since reasonable never reports a clash: cls-nothing2, cax-dw,
  cax-adc, prp-irp, prp-asyp, prp-pdw and dt-not-type, with owlrl's messages.

It also writes simple literals back in rdflib's plain form: reasonable returns every
plain literal as ``xsd:string``, which RDF 1.1 says is the same term but rdflib does not.

Only the OWL constructs in :data:`SUPPORTED` are accepted — those whose closure
``tests/test_reasoning.py`` proves equal to owlrl's. Anything else (``owl:sameAs``,
``owl:FunctionalProperty``, cardinalities, ``owl:hasValue`` …) stops the build with a
message to use owlrl, rather than giving a different closure without a word.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterable

import reasonable
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.OWLRL import OWL_RL_Datatypes
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import InconsistentGraph, KgraphError

Triple = tuple

# rdflib's namespace attributes are looked up by a Python __getattr__: over a million
# triples that alone costs seconds, so the terms the loops compare with are bound once.
_TYPE, _FIRST, _REST, _NIL = RDF.type, RDF.first, RDF.rest, RDF.nil
_SUBCLASS, _SUBPROPERTY, _DOMAIN, _RANGE = RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range
_STRING = XSD.string
_RL_DATATYPES = frozenset(OWL_RL_Datatypes)

#: The owl: terms the fast path handles exactly as owlrl does (proven by the tests).
SUPPORTED = frozenset({
    OWL.Ontology, OWL.versionIRI, OWL.versionInfo, OWL.imports, OWL.Class, OWL.ObjectProperty,
    OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual, OWL.Thing, OWL.Nothing,
    OWL.Restriction, OWL.onProperty, OWL.someValuesFrom, OWL.inverseOf, OWL.propertyChainAxiom,
    OWL.SymmetricProperty, OWL.TransitiveProperty, OWL.IrreflexiveProperty,
    OWL.AsymmetricProperty, OWL.propertyDisjointWith, OWL.disjointWith,
    OWL.AllDisjointClasses, OWL.members,
})


class UnsupportedConstruct(KgraphError):
    """The ontology or data uses an OWL construct the fast reasoner is not proven on."""

    def __init__(self, terms: list[str]):
        self.terms = terms
        super().__init__(
            f"the ontology or data uses {', '.join(terms)}, which kgraph's fast reasoner "
            "(reasonable) is not proven to handle as owlrl does; build with --reasoner owlrl "
            "(or KGRAPH_REASONER=owlrl), or add the construct to kgraph.fast_closure with a "
            "test in tests/test_reasoning.py. Cardinalities and owl:FunctionalProperty belong in "
            "the SHACL shapes, not the ontology."
        )


def unsupported_terms(*graphs: Graph) -> list[str]:
    """owl: terms used as a predicate or a class that the fast path does not cover."""
    used = set()
    for graph in graphs:
        for predicate in graph.predicates(unique=True):
            if str(predicate).startswith(str(OWL)):
                used.add(predicate)
        for cls in graph.objects(None, RDF.type, unique=True):
            if str(cls).startswith(str(OWL)):
                used.add(cls)
    return sorted(f"owl:{str(t)[len(str(OWL)):]}" for t in used - SUPPORTED)


def closure(ontology: Graph, asserted: Graph) -> set[Triple]:
    """The triples the OWL 2 RL closure of ``ontology + asserted`` adds to them."""
    unsupported = unsupported_terms(ontology, asserted)
    if unsupported:
        raise UnsupportedConstruct(unsupported)
    data = list(asserted)  # rdflib iterates its graphs slowly: once, here
    given = set(ontology) | set(data)
    inert_predicates, blank_nodes = _inert_predicates(ontology, data)
    active = [t for t in data if t[1] not in inert_predicates]
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(ontology)
    if not blank_nodes:
        # reasonable reads Turtle text 8× faster than an rdflib graph; but its parser
        # relabels blank nodes, so data with blank nodes goes the slow way.
        with tempfile.NamedTemporaryFile("w", suffix=".ttl", encoding="utf-8") as text:
            text.writelines(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in active)
            text.flush()
            reasoner.load_file(text.name)  # N-Triples is Turtle
    else:
        reasoner.from_graph(active)
    triples = _plain_literals(reasoner.reason(), given)
    by_predicate = _by_predicate(triples)
    chains = _property_chains(by_predicate)
    while chains:
        new = _chain_triples(by_predicate, chains) - triples
        if not new:
            break
        reasoner.from_graph(list(new))  # appended: the next reason() is incremental
        triples = _plain_literals(reasoner.reason(), given)
        by_predicate = _by_predicate(triples)
    # Domains and ranges of ontology terms: nothing below (the clashes) depends on them.
    triples |= _inherited_domains_and_ranges(triples, by_predicate)
    inert_literals = (o for _, p, o in data if p in inert_predicates)
    problems = inconsistencies(triples, by_predicate, inert_literals)
    if problems:
        raise InconsistentGraph(sorted(problems))
    return triples - given


#: Predicates with no meaning to OWL 2 RL unless an axiom mentions them (annotations).
_ANNOTATIONS = frozenset({RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy})
_W3C = (str(RDF), str(RDFS), str(OWL))


def _inert_predicates(ontology: Graph, asserted: list[Triple]) -> tuple[set, bool]:
    """Predicates no OWL 2 RL rule can use, and whether the data has blank nodes.

    Inert: mentioned by no triple as subject or object, and not of RDF, RDFS or OWL (but
    for the annotations). A rule uses a triple's predicate only through an axiom about it
    (its domain, range, super-property, inverse, characteristics, a restriction on it …),
    so such a triple adds nothing to the closure but itself (eq-rep, which could, needs
    owl:sameAs: refused above). Labels, names, sources and figures — half the data — are
    kept out of the reasoner; the closure is the same (tests/test_reasoning.py).
    """
    mentioned = {term for s, _, o in ontology for term in (s, o)}
    predicates = set()
    blank_nodes = False
    for s, p, o in asserted:
        mentioned.add(s)
        mentioned.add(o)
        predicates.add(p)
        blank_nodes = blank_nodes or isinstance(s, BNode) or isinstance(o, BNode)
    inert = {p for p in predicates
             if p not in mentioned and (p in _ANNOTATIONS or not str(p).startswith(_W3C))}
    return inert, blank_nodes


def _plain_literals(triples: Iterable[Triple], given: set[Triple]) -> set[Triple]:
    """``"x"^^xsd:string`` as rdflib's plain ``"x"``, unless the input wrote it typed."""
    out = set()
    for s, p, o in triples:
        if isinstance(o, Literal) and o.datatype == _STRING and (s, p, o) not in given:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


def _by_predicate(triples: Iterable[Triple]) -> dict:
    """predicate → subject → objects, built in one pass."""
    index: dict = defaultdict(lambda: defaultdict(set))
    for s, p, o in triples:
        index[p][s].add(o)
    return index


def _rdf_list(first: dict, rest: dict, head) -> list:
    items = []
    while head is not None and head != _NIL and head in first:
        items.append(next(iter(first[head])))
        head = next(iter(rest.get(head, {_NIL})))
    return items


def _property_chains(by_predicate: dict) -> list[tuple[object, list]]:
    first, rest = by_predicate[_FIRST], by_predicate[_REST]
    return [(p, _rdf_list(first, rest, head))
            for p, heads in by_predicate[OWL.propertyChainAxiom].items() for head in heads]


def _chain_triples(by_predicate: dict, chains: list[tuple[object, list]]) -> set[Triple]:
    """prp-spo2: ``x p1 y1 … yn-1 pn z`` gives ``x p z``."""
    out = set()
    for prop, steps in chains:
        if not steps:
            continue
        reached = {(s, o) for s, objects in by_predicate[steps[0]].items() for o in objects}
        for step in steps[1:]:
            index = by_predicate[step]
            reached = {(s, z) for s, y in reached for z in index.get(y, ())}
        out |= {(s, prop, o) for s, o in reached}
    return out


def _inherited_domains_and_ranges(triples: set[Triple], by_predicate: dict) -> set[Triple]:
    """scm-dom1/2, scm-rng1/2 to a fixpoint (the closure already has transitive subClassOf)."""
    sub_class, sub_property = by_predicate[_SUBCLASS], by_predicate[_SUBPROPERTY]
    found = {(s, kind, o) for kind in (_DOMAIN, _RANGE)
             for s, objects in by_predicate[kind].items() for o in objects}
    frontier = set(found)
    while frontier:
        new = set()
        for prop, kind, cls in frontier:
            new |= {(prop, kind, sup) for sup in sub_class.get(cls, ())}
        for sub, sups in sub_property.items():
            for sup in sups:
                for prop, kind, cls in frontier:
                    if prop == sup:
                        new.add((sub, kind, cls))
        frontier = new - found
        found |= frontier
    return found - triples


def inconsistencies(triples: set[Triple], by_predicate: dict, more_literals: Iterable = ()) -> list[str]:
    """The clashes owlrl reports for the supported constructs, in owlrl's words."""
    types = by_predicate[_TYPE]
    problems = [f"{x} is defined of type 'Nothing'" for x, classes in types.items() if OWL.Nothing in classes]

    disjoint = {(a, b) for a, bs in by_predicate[OWL.disjointWith].items() for b in bs}
    first, rest, members = by_predicate[_FIRST], by_predicate[_REST], by_predicate[OWL.members]
    for group in (x for x, cs in types.items() if OWL.AllDisjointClasses in cs):
        classes = [c for head in members.get(group, ()) for c in _rdf_list(first, rest, head)]
        disjoint |= {(a, b) for i, a in enumerate(classes) for b in classes[i + 1:]}
    classes_in_clashes = {c for pair in disjoint for c in pair}
    for x, classes in types.items():
        if len(classes & classes_in_clashes) < 2:
            continue
        for a, b in disjoint:
            if a in classes and b in classes:
                problems.append(f"Disjoint classes {a} and {b} have a common individual {x}")

    irreflexive = {p for p, ks in types.items() if OWL.IrreflexiveProperty in ks}
    asymmetric = {p for p, ks in types.items() if OWL.AsymmetricProperty in ks}
    for p in irreflexive:
        for s, objects in by_predicate[p].items():
            if s in objects:
                problems.append(f"Irreflexive property used on {s} with {p}")
    for p in asymmetric:
        uses = by_predicate[p]
        for s, objects in uses.items():
            for o in objects:
                if s in uses.get(o, ()):
                    problems.append(f"Erroneous usage of asymmetric property {p} on {s} and {o}")
    for a, bs in by_predicate[OWL.propertyDisjointWith].items():
        for b in bs:
            for s, objects in by_predicate[a].items():
                for o in objects & by_predicate[b].get(s, set()):
                    problems.append(f"Erroneous usage of disjoint properties {a} and {b} on {s} and {o}")

    literals = {o for _, _, o in triples if type(o) is Literal and o.datatype in _RL_DATATYPES}
    literals |= {o for o in more_literals if type(o) is Literal and o.datatype in _RL_DATATYPES}
    for literal in literals:
        convert = AltXSDToPYTHON.get(literal.datatype)
        if convert is None:
            continue
        try:
            convert(str(literal))
        except ValueError:
            problems.append(f"Lexical value of the literal '{literal}' does not match its datatype ({literal.datatype})")
    return problems
