"""The OWL 2 RL closure of ontology + data, kept apart from what was asserted.

Two reasoners give the same closure: ``reasonable`` (the default, fast; completed in
:mod:`kgraph.fast_closure` with the rules it lacks) and owlrl, the reference
(``kgraph build --reasoner owlrl`` or ``KGRAPH_REASONER=owlrl``). ``tests/test_reasoning.py``
proves the two equal on the project's ontology and data and on synthetic data.

What owlrl adds that no user asks for is dropped: its axiomatic triples about the
rdf:/rdfs:/owl:/xsd: vocabularies, reflexive owl:sameAs / subClassOf / subPropertyOf /
equivalence, and memberships of owl:Thing or rdfs:Resource. An inconsistent closure
(owl:Nothing has a member, disjoint classes share one, an irreflexive property loops)
raises :class:`~kgraph.errors.InconsistentGraph` naming the culprits.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from owlrl.Namespaces import ERRNS
from owlrl.OWLRL import OWLRL_Semantics
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import InconsistentGraph, KgraphError
from .fast_closure import closure as fast_closure
from .loading import new_graph

REASONERS = ("reasonable", "owlrl")
DEFAULT_REASONER = "reasonable"

_W3C_VOCABULARIES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
_REFLEXIVE_NOISE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
                    OWL.equivalentProperty}
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource}
_TOP_TERMS = {OWL.Thing, RDFS.Resource, OWL.topObjectProperty, OWL.topDataProperty}
# Bound once: rdflib resolves RDF.type & co. by a Python __getattr__, slow per triple.
_TYPE, _NOTHING = RDF.type, OWL.Nothing


def is_noise(triple) -> bool:
    """True for a closure triple that says nothing about the domain."""
    s, p, o = triple
    if isinstance(s, Literal):
        return True
    if str(s).startswith(_W3C_VOCABULARIES):
        return True
    if p in _REFLEXIVE_NOISE and s == o:
        return True
    if p == _TYPE and o in _TRIVIAL_TYPES:
        return True
    if p == _TYPE and isinstance(o, BNode):
        return True  # membership of anonymous restriction classes
    if o in _TOP_TERMS or s == _NOTHING:
        return True  # "domain owl:Thing", "subPropertyOf owl:topObjectProperty" …
    return False


def choose_reasoner(name: str | None = None) -> str:
    """``name``, else ``$KGRAPH_REASONER``, else reasonable; an unknown name is an error."""
    chosen = (name or os.environ.get("KGRAPH_REASONER") or DEFAULT_REASONER).strip().lower()
    if chosen not in REASONERS:
        raise KgraphError(f"unknown reasoner {chosen!r}: choose one of {', '.join(REASONERS)} "
                          "(--reasoner or KGRAPH_REASONER)")
    return chosen


def _owlrl_closure(ontology: Graph, asserted: Graph) -> Iterable[tuple]:
    work = new_graph()
    work += ontology
    work += asserted
    closure = OWLRL_Semantics(work, False, False, rdfs=False)
    closure.closure()
    if closure.error_messages:
        raise InconsistentGraph(sorted(str(m) for m in closure.error_messages))
    return (t for t in work if t[1] != ERRNS.error and t[2] != ERRNS.ErrorMessage)


def infer(ontology: Graph, asserted: Graph, reasoner: str | None = None) -> Graph:
    """The triples the OWL-RL closure of ``ontology + asserted`` adds, without noise."""
    if choose_reasoner(reasoner) == "owlrl":
        added = (t for t in _owlrl_closure(ontology, asserted) if t not in asserted and t not in ontology)
    else:
        added = fast_closure(ontology, asserted)  # only what is new already
    inferred = new_graph()
    inferred.addN((s, p, o, inferred) for s, p, o in added if not is_noise((s, p, o)))
    return inferred
