"""The fast reasoner (reasonable, completed by kgraph.fast_closure) gives owlrl's closure.

owlrl is the reference: on the project's ontology and data, and on synthetic data in the
article's shape, both reasoners must infer exactly the same triples (after the same noise
filtering), and both must refuse the same inconsistent graphs, naming the culprit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import OWL, XSD

from kgraph.errors import InconsistentGraph, KgraphError
from kgraph.fast_closure import UnsupportedConstruct
from kgraph.layout import Layout
from kgraph.loading import load_files, new_graph
from kgraph.namespaces import KG, KGR
from kgraph.reasoning import choose_reasoner, infer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from synth import generate

REASONERS = ["reasonable", "owlrl"]
ONTOLOGY = load_files([ROOT / "ontology" / "kgraph.ttl"]).graph


def _graph(text: str) -> Graph:
    graph = new_graph()
    graph.parse(data=text, format="turtle")
    return graph


def _differences(fast: Graph, reference: Graph) -> str:
    missing, extra = set(reference) - set(fast), set(fast) - set(reference)
    lines = [f"  owlrl only: {t}" for t in sorted(missing)[:10]]
    lines += [f"  reasonable only: {t}" for t in sorted(extra)[:10]]
    return f"{len(missing)} triple(s) only in owlrl's closure, {len(extra)} only in reasonable's:\n" + "\n".join(lines)


def test_the_same_closure_on_the_projects_ontology_and_data():
    layout = Layout.at(ROOT)
    data = load_files(layout.data_files())
    reference = infer(ONTOLOGY, data.graph, "owlrl")
    fast = infer(ONTOLOGY, data.graph, "reasonable")
    assert len(reference) > 500  # inverses, chains, restrictions, types: a real closure
    assert set(fast) == set(reference), _differences(fast, reference)


def test_the_same_closure_on_synthetic_data(tmp_path):
    generate(2500, tmp_path, seed=7)
    data = load_files(sorted((tmp_path / "data").glob("*.ttl")))
    reference = infer(ONTOLOGY, data.graph, "owlrl")
    fast = infer(ONTOLOGY, data.graph, "reasonable")
    # Chains (kg:holdsPost, org:memberOf) and what follows from them are in it.
    assert (None, KG.holdsPost, None) in reference
    assert set(fast) == set(reference), _differences(fast, reference)


@pytest.mark.parametrize("reasoner", REASONERS)
@pytest.mark.parametrize("data, culprit", [
    (f"<{KGR.nobody}> a <{KG.State}> , <http://xmlns.com/foaf/0.1/Person> .", KGR.nobody),
    (f"<{KGR.ghost}> a <{OWL.Nothing}> .", KGR.ghost),
    (f"<{KGR.uzbekistan}> a <{KG.State}> ; <{KG.sharesBorderWith}> <{KGR.uzbekistan}> .", KGR.uzbekistan),
    # owl:AllDisjointClasses (cax-adc): a treaty is not a visit tally.
    (f"<{KGR.paper}> a <{KG.Treaty}> , <{KG.VisitTally}> .", KGR.paper),
    # A clash that only follows from an inference: the range of kg:visitor makes it a person.
    (f"<{KGR.t}> <{KG.visitor}> <{KGR.kazakhstan}> . <{KGR.kazakhstan}> a <{KG.State}> .", KGR.kazakhstan),
], ids=["disjoint", "nothing", "irreflexive", "all-disjoint", "inferred-clash"])
def test_both_reasoners_refuse_an_inconsistent_graph_naming_the_culprit(reasoner, data, culprit):
    with pytest.raises(InconsistentGraph) as caught:
        infer(ONTOLOGY, _graph(data), reasoner)
    assert str(culprit) in str(caught.value)


def test_data_with_blank_nodes_gets_the_same_closure():
    # Blank nodes take the other way into reasonable (its Turtle parser would relabel them).
    data = _graph(f"""
        _:term <{KG.officeHolder}> _:someone ; <{KG.termOf}> <{KGR.post}> .
        <{KGR.post}> a <{KG.AmbassadorPost}> .""")
    reference = infer(ONTOLOGY, data, "owlrl")
    fast = infer(ONTOLOGY, data, "reasonable")
    assert any(p == KG.holdsPost for _, p, _ in reference)
    assert set(fast) == set(reference), _differences(fast, reference)


def test_a_construct_the_fast_reasoner_is_not_proven_on_is_refused_with_the_way_out():
    ontology = ONTOLOGY + _graph(f"<{KG.visitor}> a <{OWL.FunctionalProperty}> .")
    data = _graph(f"<{KGR.t}> <{KG.visitor}> <{KGR.a}> .")
    with pytest.raises(UnsupportedConstruct) as caught:
        infer(ontology, data, "reasonable")
    assert "owl:FunctionalProperty" in str(caught.value)
    assert "--reasoner owlrl" in str(caught.value)
    infer(ontology, data, "owlrl")  # the reference still reasons over it


def test_a_typed_string_stays_asserted_and_a_plain_one_is_not_inferred_again():
    data = _graph(f"""<{KGR.a}> <{KG.writtenForm}> "typed"^^<{XSD.string}> ; <{KG.evidence}> "plain" .""")
    inferred = infer(ONTOLOGY, data, "reasonable")
    assert not any(isinstance(o, Literal) and str(o) in ("typed", "plain") for _, _, o in inferred)


def test_the_reasoner_comes_from_the_argument_else_the_environment(monkeypatch):
    monkeypatch.delenv("KGRAPH_REASONER", raising=False)
    assert choose_reasoner() == "reasonable"
    monkeypatch.setenv("KGRAPH_REASONER", "owlrl")
    assert choose_reasoner() == "owlrl"
    assert choose_reasoner("reasonable") == "reasonable"
    monkeypatch.setenv("KGRAPH_REASONER", "hermit")
    with pytest.raises(KgraphError, match="unknown reasoner 'hermit'"):
        choose_reasoner()
