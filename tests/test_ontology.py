"""The ontology keeps its promises: every term documented in en/uz/ru, the Python
namespace equal to the terms declared, OWL 2 RL-friendly axioms only."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kgraph.namespaces import KG

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = Graph().parse(ROOT / "ontology" / "kgraph.ttl")
KG_NS = str(KG._NS)
KG_TERMS = sorted({s for s in ONTOLOGY.subjects() if isinstance(s, URIRef) and str(s).startswith(KG_NS)})
UZ_NON_STANDARD_APOSTROPHES = "'‘’`"


def test_the_python_namespace_lists_exactly_the_ontology_terms():
    declared = {str(t)[len(KG_NS):] for t in KG_TERMS}
    in_python = set(KG.__annotations__)
    assert declared - in_python == set(), "terms missing from kgraph.namespaces.KG"
    assert in_python - declared == set(), "KG names terms the ontology does not declare"


def test_a_misspelt_term_raises():
    with pytest.raises(AttributeError):
        KG.Ambasador  # noqa: B018


@pytest.mark.parametrize("term", KG_TERMS, ids=lambda t: str(t)[len(KG_NS):])
def test_every_term_has_labels_and_a_comment(term):
    labels = {lit.language: lit for lit in ONTOLOGY.objects(term, RDFS.label)}
    comments = {lit.language for lit in ONTOLOGY.objects(term, RDFS.comment)}
    assert {"en", "uz", "ru"} <= labels.keys()
    assert "en" in comments
    assert not any(ch in str(labels["uz"]) for ch in UZ_NON_STANDARD_APOSTROPHES)


@pytest.mark.parametrize("term", KG_TERMS, ids=lambda t: str(t)[len(KG_NS):])
def test_every_term_is_typed_as_a_class_or_property(term):
    types = set(ONTOLOGY.objects(term, RDF.type))
    assert types & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}


def test_no_functional_properties_cardinalities_belong_in_shacl():
    assert not list(ONTOLOGY.subjects(RDF.type, OWL.FunctionalProperty))
    assert not list(ONTOLOGY.subjects(RDF.type, OWL.InverseFunctionalProperty))
    assert not list(ONTOLOGY.subjects(OWL.maxCardinality, None))


def test_the_ontology_has_a_version_and_licence():
    onto = URIRef("https://w3id.org/kgraph/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ONTOLOGY
    assert ONTOLOGY.value(onto, OWL.versionInfo) is not None
    assert ONTOLOGY.value(onto, URIRef("http://purl.org/dc/terms/license")) is not None
