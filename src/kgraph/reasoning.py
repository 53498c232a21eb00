"""OWL 2 RL closure with owlrl, the reference reasoner, kept apart from what was asserted.

What owlrl adds that no user asks for is dropped: its axiomatic triples about the
rdf:/rdfs:/owl:/xsd: vocabularies, reflexive owl:sameAs / subClassOf / subPropertyOf /
equivalence, and memberships of owl:Thing or rdfs:Resource. An inconsistent closure
(owl:Nothing has a member, disjoint classes share one, an irreflexive property loops)
raises :class:`~kgraph.errors.InconsistentGraph` naming the culprits.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from owlrl.Namespaces import ERRNS
from owlrl.OWLRL import OWLRL_Semantics

from .errors import InconsistentGraph
from .loading import new_graph

_W3C_VOCABULARIES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
_REFLEXIVE_NOISE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
                    OWL.equivalentProperty}
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource}
_TOP_TERMS = {OWL.Thing, RDFS.Resource, OWL.topObjectProperty, OWL.topDataProperty}


def is_noise(triple) -> bool:
    """True for a closure triple that says nothing about the domain."""
    s, p, o = triple
    if isinstance(s, Literal):
        return True
    if str(s).startswith(_W3C_VOCABULARIES):
        return True
    if p in _REFLEXIVE_NOISE and s == o:
        return True
    if p == RDF.type and o in _TRIVIAL_TYPES:
        return True
    if p == RDF.type and isinstance(o, BNode):
        return True  # membership of anonymous restriction classes
    if o in _TOP_TERMS or s == OWL.Nothing:
        return True  # "domain owl:Thing", "subPropertyOf owl:topObjectProperty" …
    return False


def infer(ontology: Graph, asserted: Graph) -> Graph:
    """The triples the OWL-RL closure of ``ontology + asserted`` adds, without noise."""
    work = new_graph()
    work += ontology
    work += asserted
    closure = OWLRL_Semantics(work, False, False, rdfs=False)
    closure.closure()
    if closure.error_messages:
        raise InconsistentGraph(sorted(str(m) for m in closure.error_messages))
    inferred = new_graph()
    for triple in work:
        if triple in asserted or triple in ontology or is_noise(triple):
            continue
        if triple[1] == ERRNS.error or triple[2] == ERRNS.ErrorMessage:
            continue
        inferred.add(triple)
    return inferred
