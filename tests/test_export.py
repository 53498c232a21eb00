"""Exports: every format round-trips, the bytes are stable, files are written atomically,
and the server offers them as downloads (plus the JSON-LD context)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from kgraph.fileutil import public_mode
from kgraph import export as exporting
from kgraph import jsonld_context
from kgraph.pipeline import DATASET_FILE, build, read_manifest
from kgraph.cli import cli
from kgraph.export import ExportError, export, write_export
from kgraph.layout import Layout
from kgraph.namespaces import PREFIXES, Graphs
from kgraph.web import create_app
from kgraph.web.dataset import open_built

ROOT = Path(__file__).resolve().parents[1]
TRIPLE_FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}
DATASET_FORMATS = {"trig": "trig", "nquads": "nquads"}
GRAPH_NAMES = ("asserted", "inferred", "ontology", "shapes")


def reference(build_path: Path) -> Dataset:
    """The build's dataset as rdflib reads it: the yardstick, independent of the exporter."""
    dataset = Dataset()
    dataset.parse(build_path / DATASET_FILE, format="nquads")
    return dataset


def union(dataset: Dataset, names) -> Graph:
    graph = Graph()
    for name in names:
        for triple in dataset.graph(Graphs.BY_NAME[name]):
            graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def ref(built):
    return reference(built.path)


# --- Round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_the_facts_round_trip_in_each_triple_format(built, ref, fmt):
    data = export(built.path, fmt)
    parsed = Graph().parse(data=data, format=TRIPLE_FORMATS[fmt])
    assert isomorphic(parsed, union(ref, ("asserted", "inferred")))


@pytest.mark.parametrize("graph", GRAPH_NAMES)
@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_each_graph_round_trips(built, ref, fmt, graph):
    parsed = Graph().parse(data=export(built.path, fmt, graph=graph), format=TRIPLE_FORMATS[fmt])
    assert isomorphic(parsed, union(ref, (graph,)))


@pytest.mark.parametrize("fmt", DATASET_FORMATS)
def test_trig_and_nquads_keep_the_named_graphs(built, ref, fmt):
    parsed = Dataset()
    parsed.parse(data=export(built.path, fmt), format=DATASET_FORMATS[fmt])
    names = {str(g.identifier) for g in parsed.graphs() if len(g)}
    assert names == {str(iri) for iri in Graphs.BY_NAME.values()}
    for name, iri in Graphs.BY_NAME.items():
        assert isomorphic(parsed.graph(URIRef(iri)), ref.graph(iri)), name


def test_all_in_a_triple_format_merges_every_graph(built, ref):
    parsed = Graph().parse(data=export(built.path, "nt", graph="all"), format="nt")
    assert isomorphic(parsed, union(ref, GRAPH_NAMES))


# --- Determinism -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [*TRIPLE_FORMATS, *DATASET_FORMATS])
def test_exporting_twice_gives_the_same_bytes(built, fmt):
    assert export(built.path, fmt) == export(built.path, fmt)


@pytest.fixture(scope="module")
def second_build(tmp_path_factory):
    """The same sources built again elsewhere: blank-node labels differ in its dataset.nq."""
    return build(Layout.at(ROOT, tmp_path_factory.mktemp("second-build")))


@pytest.mark.parametrize("fmt", [*TRIPLE_FORMATS, *DATASET_FORMATS])
def test_two_builds_export_to_the_same_bytes(built, second_build, fmt):
    assert export(built.path, fmt, graph="all") == export(second_build.path, fmt, graph="all")


def test_the_bytes_do_not_depend_on_the_process(built):
    """Python's string hashing differs between processes (set order): the output must not."""
    code = ("import sys; from pathlib import Path; from kgraph.export import export; "
            "sys.stdout.buffer.write(export(Path(sys.argv[1]), sys.argv[2]))")
    outputs = set()
    for fmt in ("turtle", "trig", "jsonld", "rdfxml"):
        for seed in ("1", "2"):
            env = {**os.environ, "PYTHONHASHSEED": seed}
            done = subprocess.run([sys.executable, "-c", code, str(built.path), fmt],
                                  capture_output=True, env=env, check=True)
            outputs.add((fmt, done.stdout))
    assert len(outputs) == 4  # one output per format, whatever the seed


# --- Readability ---------------------------------------------------------------------------------


def test_turtle_uses_the_project_prefixes_and_groups_by_subject(built):
    text = export(built.path, "turtle").decode("utf-8")
    for prefix in ("kg", "kgr", "rdfs", "prov"):
        assert f"@prefix {prefix}: <{PREFIXES[prefix]}> ." in text
    assert text.count("\nkgr:uzbekistan ") == 1  # one block for the subject
    assert text.count("<https://w3id.org/kgraph/id/") == 1  # the @prefix line: every kgr: IRI is prefixed


def test_literals_keep_their_exact_lexical_form_in_turtle(built):
    """rdflib's writer would turn "500"^^xsd:decimal into 500.0: another RDF term."""
    text = export(built.path, "turtle").decode("utf-8")
    assert ' 500.0 ' not in text
    assert '"500"^^xsd:decimal' in text


def test_jsonld_is_compacted_with_the_project_context(built):
    document = json.loads(export(built.path, "jsonld"))
    assert document["@context"] == jsonld_context.context_document()["@context"]
    nodes = {node["@id"]: node for node in document["@graph"]}
    uzbekistan = nodes["kgr:uzbekistan"]
    assert uzbekistan["label"]["en"] == "Uzbekistan"  # a language map
    assert "State" in uzbekistan["@type"]
    assert uzbekistan["wikidataItem"] == "wd:Q265"  # an IRI, compacted


# --- The JSON-LD context -------------------------------------------------------------------------


def test_the_shipped_context_is_the_one_the_ontology_gives():
    ontology = Graph().parse(ROOT / "ontology" / "kgraph.ttl")
    assert jsonld_context.build_context(ontology) == jsonld_context.context_document(), (
        "regenerate it: python -m kgraph.jsonld_context ontology/kgraph.ttl > src/kgraph/context.jsonld")


def test_the_context_declares_every_prefix_and_language_maps():
    context = jsonld_context.context_document()["@context"]
    for prefix, iri in PREFIXES.items():
        assert context[prefix] == iri
    assert context["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert context["startDate"] == "kg:startDate"
    assert context["locatedIn"] == {"@id": "kg:locatedIn", "@type": "@id"}


def test_compaction_never_fetches_a_remote_document():
    with pytest.raises(Exception, match="does not fetch remote JSON-LD"):
        jsonld_context.offline_loader("https://example.org/other-context.jsonld")
    served = jsonld_context.offline_loader(jsonld_context.CONTEXT_IRI)
    assert served["document"] == jsonld_context.context_document()


def test_compact_can_name_the_published_context_instead_of_embedding_it():
    nquads = '<https://w3id.org/kgraph/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "X"@en .\n'
    document = jsonld_context.compact(nquads, context_iri="https://example.org/context.jsonld")
    assert document["@context"] == "https://example.org/context.jsonld"
    assert document["label"] == {"en": "X"}


def test_compact_graph_for_other_engineers(built, ref):
    graph = union(ref, ("asserted",))
    document = jsonld_context.compact_graph(graph)
    parsed = Graph().parse(data=json.dumps(document), format="json-ld")
    assert isomorphic(parsed, graph)


# --- Writing files --------------------------------------------------------------------------------


def test_write_export_writes_the_file_and_compresses_gz(built, tmp_path):
    plain = write_export(built.path, "nquads", tmp_path / "kgraph.nq")
    packed = write_export(built.path, "nquads", tmp_path / "kgraph.nq.gz")
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()
    assert plain.read_bytes() == export(built.path, "nquads")


def test_a_failed_export_leaves_the_old_file_and_no_temporary_one(built, tmp_path, monkeypatch):
    target = tmp_path / "kgraph.ttl"
    target.write_text("old content\n")

    def broken(*args):
        raise ExportError("simulated failure while serialising")

    monkeypatch.setattr(exporting, "serialize", broken)
    with pytest.raises(ExportError):
        write_export(built.path, "turtle", target)
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kgraph.ttl"]


def test_a_failed_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    target = tmp_path / "out.nt"
    target.write_bytes(b"old\n")

    def failing_replace(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(exporting.ExportError, match="disk full"):
        exporting.atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nt"]


def test_an_export_is_readable_by_others_like_any_output_file(tmp_path):
    # Regression: mkstemp's private 0600 mode leaked into exported files.
    written = exporting.atomic_write(tmp_path / "out.ttl", b"x\n")
    assert written.stat().st_mode & 0o777 == public_mode()


def test_an_unwritable_target_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(exporting.ExportError, match="cannot write"):
        exporting.atomic_write(blocker / "out.ttl", b"x\n")


def test_the_wikidata_graph_is_refused_before_enrich(built):
    with pytest.raises(ExportError, match="kgraph enrich"):
        export(built.path, "turtle", graph="wikidata")


# --- The command ---------------------------------------------------------------------------------


def test_cli_export_writes_a_file(project_layout, built, tmp_path):
    out = tmp_path / "kgraph.ttl"
    result = CliRunner().invoke(cli, ["--build-dir", str(project_layout.build_dir), "export",
                                      "--format", "turtle", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == export(built.path, "turtle")


def test_cli_export_to_standard_output(project_layout, built):
    result = CliRunner().invoke(cli, ["--build-dir", str(project_layout.build_dir), "export",
                                      "--format", "nquads", "--graph", "asserted"])
    assert result.exit_code == 0
    assert result.stdout_bytes == export(built.path, "nquads", graph="asserted")


def test_cli_export_refuses_an_unknown_format(project_layout):
    result = CliRunner().invoke(cli, ["--build-dir", str(project_layout.build_dir), "export", "--format", "n3"])
    assert result.exit_code == 2
    assert "n3" in result.output


# --- Downloads ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def downloads(built):
    dataset = open_built(built.path)
    dataset.build_path = built.path  # (until ServedDataset carries it itself)
    return create_app({"TESTING": True}, dataset=dataset).test_client()


@pytest.mark.parametrize("suffix, media_type, fmt", [
    ("ttl", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "jsonld"),
    ("nt", "application/n-triples", "ntriples"), ("rdf", "application/rdf+xml", "rdfxml"),
    ("trig", "application/trig", "trig"), ("nq", "application/n-quads", "nquads"),
])
def test_downloads_have_media_type_name_and_etag(downloads, built, suffix, media_type, fmt):
    version = read_manifest(built.path)["version"]
    response = downloads.get(f"/download/kgraph.{suffix}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Disposition"] == f"attachment; filename=kgraph-{version}.{suffix}"
    assert version in response.headers["ETag"]
    graph = "all" if suffix in ("trig", "nq") else "facts"
    assert response.data == export(built.path, fmt, graph=graph)


def test_gzip_downloads(downloads):
    plain = downloads.get("/download/kgraph.nq")
    packed = downloads.get("/download/kgraph.nq.gz")
    assert packed.mimetype == "application/gzip"
    assert packed.headers["Content-Disposition"].endswith(".nq.gz")
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]


def test_a_download_is_generated_once_and_kept_in_the_build_folder(downloads, built, monkeypatch):
    downloads.get("/download/kgraph.rdf")
    assert list((built.path / "downloads").glob("*/kgraph.rdf"))
    monkeypatch.setattr(exporting, "export", lambda *a, **k: pytest.fail("generated twice"))
    assert downloads.get("/download/kgraph.rdf").status_code == 200


def test_a_known_etag_gets_304(downloads):
    first = downloads.get("/download/kgraph.ttl")
    again = downloads.get("/download/kgraph.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_an_unknown_download_is_404_naming_the_offered_ones(downloads):
    response = downloads.get("/download/kgraph.n3")
    assert response.status_code == 404
    assert "kgraph.ttl" in response.get_json()["error"]["message"]


def test_downloads_from_a_bare_store_snapshot_it(store):
    client = create_app({"TESTING": True}, store=store).test_client()
    response = client.get("/download/kgraph.nt")
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"
    assert len(Graph().parse(data=response.data, format="nt")) > 1000


def test_the_context_is_published(downloads):
    response = downloads.get("/context.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.get_json() == jsonld_context.context_document()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    again = downloads.get("/context.jsonld", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
