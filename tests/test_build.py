"""kgraph build: the pipeline's guarantees — asserted and inferred kept apart, noise
dropped, inconsistency and bad data stop the build, the last good build stays current."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDFS

from kgraph.errors import InconsistentGraph, NotConformant, SourceSyntaxError
from kgraph.layout import Layout
from kgraph.loading import new_graph
from kgraph.namespaces import KG, KGR, Graphs
from kgraph.pipeline import (
    DATASET_FILE,
    build,
    current_build,
    is_current,
    read_manifest,
    store_path,
)
from kgraph.reasoning import infer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project_copy(tmp_path) -> Layout:
    """A private copy of ontology/, data/ and shapes/ that a test may break."""
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return Layout.at(tmp_path)


def _graph(text: str) -> Graph:
    g = new_graph()
    g.parse(data=text, format="turtle")
    return g


ONTOLOGY = _graph((ROOT / "ontology" / "kgraph.ttl").read_text(encoding="utf-8"))


def test_build_writes_four_named_graphs_and_a_manifest(built):
    manifest = read_manifest(built.path)
    assert set(manifest["triples"]) == {"ontology", "asserted", "inferred", "shapes"}
    assert all(count > 0 for count in manifest["triples"].values())
    assert (built.path / DATASET_FILE).stat().st_size > 0


def test_asserted_and_inferred_triples_stay_apart(store):
    overlap = store.query(
        "ASK { GRAPH <%s> { ?s ?p ?o } GRAPH <%s> { ?s ?p ?o } }" % (Graphs.ASSERTED, Graphs.INFERRED)
    )
    assert bool(overlap.raw) is False


def test_the_closure_drops_noise_no_user_asks_for(store):
    noise = store.query(
        """ASK { GRAPH <%s> {
            { ?s <%s> ?s } UNION { ?s a <%s> } UNION { ?s a <%s> }
            UNION { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "http://www.w3.org/2002/07/owl#")) }
        } }""" % (Graphs.INFERRED, OWL.sameAs, OWL.Thing, RDFS.Resource)
    )
    assert bool(noise.raw) is False


def test_symmetric_and_inverse_properties_are_materialised():
    data = _graph(f"""
        <{KGR.uzbekistan}> a <{KG.State}> ; <{KG.sharesBorderWith}> <{KGR.kazakhstan}> .
        <{KGR.kazakhstan}> a <{KG.State}> .""")
    inferred = infer(ONTOLOGY, data)
    assert (KGR.kazakhstan, KG.sharesBorderWith, KGR.uzbekistan) in inferred


def test_a_disjointness_clash_fails_and_names_the_culprit():
    data = _graph(f"""<{KGR.nobody}> a <{KG.State}> , <http://xmlns.com/foaf/0.1/Person> .""")
    with pytest.raises(InconsistentGraph) as caught:
        infer(ONTOLOGY, data)
    assert str(KGR.nobody) in str(caught.value)


def test_a_member_of_owl_nothing_fails_the_build():
    data = _graph(f"""<{KGR.ghost}> a <{OWL.Nothing}> .""")
    with pytest.raises(InconsistentGraph) as caught:
        infer(ONTOLOGY, data)
    assert "ghost" in str(caught.value)


def test_an_irreflexive_property_looping_fails():
    data = _graph(f"""<{KGR.uzbekistan}> a <{KG.State}> ; <{KG.sharesBorderWith}> <{KGR.uzbekistan}> .""")
    with pytest.raises(InconsistentGraph):
        infer(ONTOLOGY, data)


def test_malformed_turtle_names_the_file_and_line(project_copy):
    bad = project_copy.data_dir / "zz-broken.ttl"
    bad.write_text("@prefix kgr: <https://w3id.org/kgraph/id/> .\n\nkgr:a kgr:b kgr:c\nkgr:d .\n", encoding="utf-8")
    with pytest.raises(SourceSyntaxError) as caught:
        build(project_copy)
    assert caught.value.path == bad
    assert caught.value.line == 4
    assert "zz-broken.ttl:4" in str(caught.value)


def test_non_conforming_data_fails_and_keeps_the_previous_build(project_copy):
    first = build(project_copy)
    trade = project_copy.data_dir / "trade.ttl"
    # A trade figure with its source removed: every fact must have one.
    text = trade.read_text(encoding="utf-8")
    broken = text.replace("prov:wasDerivedFrom", "rdfs:seeAlso")
    assert broken != text
    trade.write_text(broken, encoding="utf-8")
    with pytest.raises(NotConformant) as caught:
        build(project_copy)
    report = caught.value.report
    assert not report.conforms
    assert any(str(trade) in v.files for v in report.violations)
    assert current_build(project_copy.build_dir) == first.path
    assert not is_current(project_copy)


def test_same_sources_give_the_same_version_and_identical_dataset(project_copy, built):
    again = build(project_copy)
    assert read_manifest(again.path)["version"] == read_manifest(built.path)["version"]
    assert is_current(project_copy)


def test_a_literal_subject_never_reaches_the_inferred_graph(store):
    result = store.query("ASK { GRAPH <%s> { ?s ?p ?o FILTER(isLiteral(?s)) } }" % Graphs.INFERRED)
    assert bool(result.raw) is False


# --- the faster build: reasoner choice, step cache, on-disk store --------------------------


def _canonical_quads(path: Path) -> set[str]:
    """The dataset's quads with blank nodes relabelled canonically (RDFC-1.0)."""
    import pyoxigraph as ox

    dataset = ox.Dataset(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


def test_the_manifest_records_the_reasoner_the_validator_and_each_steps_time(built):
    manifest = read_manifest(built.path)
    assert manifest["reasoner"] == "reasonable"
    assert manifest["validator"] == "pyshacl-turbo"
    assert set(manifest["seconds"]) == {"load", "reason", "validate", "write", "store"}


def test_the_build_holds_an_on_disk_store_of_its_dataset(built):
    import subprocess
    import sys

    path = store_path(built.path)
    assert path == built.path / "store"
    quads = sum(1 for line in (built.path / DATASET_FILE).read_text(encoding="utf-8").splitlines() if line)
    # Opened in another process, read-only: RocksDB must not run in this (forking) one. The
    # named graphs are dataset.nq; the default graph is the merge of asserted and inferred.
    script = ("import sys, pyoxigraph as ox; s = ox.Store.read_only(sys.argv[1]); "
              "named = sum(1 for q in s if not isinstance(q.graph_name, ox.DefaultGraph)); "
              "default = len(list(s.quads_for_pattern(None, None, None, ox.DefaultGraph()))); "
              "merged = s.query('SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { VALUES ?g { "
              "<https://w3id.org/kgraph/graph/asserted> <https://w3id.org/kgraph/graph/inferred> } "
              "GRAPH ?g { ?s ?p ?o } } }'); print(named, default, next(iter(merged))['n'].value)")
    opened = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    named, default, merged = (int(n) for n in opened.stdout.split())
    assert named == quads and default == merged > 0


def test_store_path_is_none_without_a_complete_store(tmp_path):
    assert store_path(tmp_path) is None  # no manifest, no store


def test_unchanged_inputs_skip_reasoning_and_validation_with_the_same_result(project_copy):
    first = build(project_copy)
    assert read_manifest(first.path)["skipped"] == []
    again = build(project_copy)
    assert read_manifest(again.path)["skipped"] == ["reason", "validate"]
    fresh = build(replace(project_copy, build_dir=project_copy.build_dir.with_name("fresh")), use_cache=False)
    assert _canonical_quads(again.path / DATASET_FILE) == _canonical_quads(fresh.path / DATASET_FILE)


def test_editing_only_the_shapes_revalidates_without_reasoning_again(project_copy):
    build(project_copy)
    shapes = next(project_copy.shapes_dir.glob("*.ttl"))
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = build(project_copy)
    assert read_manifest(edited.path)["skipped"] == ["reason"]
    # A shape that now fails: validation really ran again, reasoning did not.
    text = shapes.read_text(encoding="utf-8").replace(
        'sh:path foaf:name ;\n    sh:minCount 1 ;', 'sh:path foaf:name ;\n    sh:minCount 2 ;')
    shapes.write_text(text, encoding="utf-8")
    with pytest.raises(NotConformant) as caught:
        build(project_copy)
    assert any("foaf:name" in v.message for v in caught.value.report.violations)


def test_build_with_the_reference_reasoner_records_it(project_copy, monkeypatch):
    monkeypatch.setenv("KGRAPH_REASONER", "owlrl")
    result = build(project_copy, use_cache=False, with_store=False)
    assert result.manifest["reasoner"] == "owlrl"
    assert "store" not in result.manifest["seconds"]
