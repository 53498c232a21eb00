"""`kgraph enrich` writes Wikidata statements into a graph of their own, and `kgraph compare`
reports where they agree with the article. The stand-in's answers are recorded-shape
fixtures (see README.md), so the findings here test the code, not the world."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kgraph.pipeline import current_build
from kgraph.cli import cli
from kgraph.export import WIKIDATA_GRAPH, dataset_files, enrichment_path, export
from kgraph.query import open_build
from kgraph.wikidata import compare
from kgraph.wikidata.enrich import enrich

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PROV = "http://www.w3.org/ns/prov#"


def run(layout, *args):
    return CliRunner().invoke(cli, ["--home", str(layout.data_dir.parent), "--build-dir", str(layout.build_dir),
                                    *args])


@pytest.fixture
def enriched(project, client):
    """A project copy whose build folder holds the Wikidata graph from the stand-in."""
    build_path = current_build(project.build_dir)
    result = enrich(open_build(build_path), client, project.build_dir, now=NOW)
    return project, build_path, result


def quads(path):
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def test_the_statements_go_to_their_own_graph_and_file(enriched):
    project, _, result = enriched
    assert result.path == enrichment_path(project.build_dir)
    assert {q.graph_name.value for q in quads(result.path)} == {WIKIDATA_GRAPH}
    assert result.statements > 10 and result.items == 17


def test_each_statement_is_a_node_with_its_source_and_retrieval_time(enriched):
    _, _, result = enriched
    dataset = Dataset()
    dataset.parse(result.path, format="nquads")
    graph = dataset.graph(URIRef(WIKIDATA_GRAPH))
    statements = list(graph.subjects(RDF.type, URIRef("http://wikiba.se/ontology#Statement")))
    assert statements
    for statement in statements:
        source = graph.value(statement, URIRef(PROV + "wasDerivedFrom"))
        assert str(source).startswith("http://www.wikidata.org/entity/Q")
        assert (source, None, statement) in graph  # wd:Q… p:P… wds:…
        assert graph.value(statement, URIRef(PROV + "generatedAtTime")) == Literal(
            "2026-11-24T12:00:00Z", datatype=XSD.dateTime)


def test_history_is_kept_where_it_matters_and_best_rank_elsewhere(enriched):
    _, _, result = enriched
    lines = result.path.read_text(encoding="utf-8")
    assert "Q990000001" in lines and "Q57808" in lines  # both heads of state of Uzbekistan
    assert '"35648100"' in lines and '"33905000"' not in lines  # population: the best-ranked only
    assert "Q990000098" not in lines  # a diplomatic relation with an item the graph does not link


def test_the_article_facts_are_untouched(enriched, built):
    project, build_path, _ = enriched
    assert (build_path / "dataset.nq").read_bytes() == (built.path / "dataset.nq").read_bytes()
    assert (project.data_dir / "wikidata.ttl").read_bytes() == (ROOT / "data" / "wikidata.ttl").read_bytes()
    store = open_build(build_path)
    wikidata_only = f"ASK {{ GRAPH <{WIKIDATA_GRAPH}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{WIKIDATA_GRAPH}>) }} }}"
    leaked = "ASK { GRAPH ?g { ?s <http://www.wikidata.org/prop/P463> ?o } FILTER(?g != <%s>) }" % WIKIDATA_GRAPH
    assert bool(store.query(wikidata_only).raw)  # the enrichment is its own named graph …
    assert not bool(store.query(leaked).raw)  # … and none of it is in the article's graphs


def test_the_wikidata_graph_is_not_in_the_default_graph(enriched):
    _, build_path, _ = enriched
    store = open_build(build_path)
    assert WIKIDATA_GRAPH in store.named_graphs()
    ask = "ASK { ?s <http://www.wikidata.org/prop/P463> ?o }"
    assert not bool(store.query(ask).raw)
    assert bool(store.query(f"ASK {{ GRAPH <{WIKIDATA_GRAPH}> {{ ?s <http://www.wikidata.org/prop/P463> ?o }} }}").raw)


def test_exports_carry_the_wikidata_graph_only_when_asked(enriched):
    _, build_path, _ = enriched
    assert build_path.parent / "wikidata.nq" in dataset_files(build_path)
    dataset = Dataset()
    dataset.parse(data=export(build_path, "trig"), format="trig")
    assert len(dataset.graph(URIRef(WIKIDATA_GRAPH))) > 50
    facts = Graph().parse(data=export(build_path, "nt"), format="nt")
    assert not list(facts.triples((None, URIRef("http://www.wikidata.org/prop/P463"), None)))
    only = Graph().parse(data=export(build_path, "turtle", graph="wikidata"), format="turtle")
    assert list(only.triples((None, URIRef("http://www.wikidata.org/prop/P463"), None)))


def test_enriching_again_gives_the_same_file(enriched, client):
    project, build_path, result = enriched
    first = result.path.read_bytes()
    enrich(open_build(build_path), client, project.build_dir, now=NOW)
    assert result.path.read_bytes() == first


# --- The comparison -----------------------------------------------------------------------------


@pytest.fixture
def findings(enriched):
    return compare.compare(enriched[1])


def find(findings, topic, subject):
    return next(f for f in findings if f.topic == topic and f.subject == subject)


def test_memberships_agree(findings):
    cis = find(findings, "membership", "Uzbekistan in Commonwealth of Independent States")
    assert cis.verdict == "agree" and "1991-12-21" in cis.wikidata


def test_a_start_outside_the_articles_bounds_is_a_disagreement(findings):
    karimov = find(findings, "head of state", "President of Uzbekistan: Islam Karimov")
    assert karimov.verdict == "disagree"
    assert "1990-03-24" in karimov.wikidata and karimov.article == "from 1991"
    assert "by name" in karimov.note


def test_names_agree_through_apostrophes_and_aliases_and_disagree_otherwise(findings):
    assert find(findings, "name", "Uzbekistan (uz)").verdict == "agree"  # Oʻzbekiston
    assert find(findings, "name", "Soviet Union (ru)").verdict == "agree"  # through an alias
    ots = find(findings, "name", "Organization of Turkic States (kk)")
    assert ots.verdict == "disagree" and ots.wikidata == "Түркі мемлекеттері ұйымы"


def test_the_date_of_diplomatic_relations_is_compared(findings):
    relations = find(findings, "diplomatic relations", "Kazakhstan – Uzbekistan")
    assert relations.verdict == "agree" and "1992-11-23" in relations.article


def test_compare_without_enrich_says_what_to_do(built):
    with pytest.raises(Exception, match="kgraph enrich"):
        compare.compare(built.path)


# --- The commands --------------------------------------------------------------------------------


def test_cli_enrich_then_compare(project, standin_env):
    result = run(project, "enrich", "--compare")
    assert result.exit_code == 0, result.output
    assert enrichment_path(project.build_dir).exists()
    assert "[disagree] President of Uzbekistan: Islam Karimov" in result.stdout
    assert "Summary:" in result.stdout


def test_cli_compare_as_json(project, standin_env):
    assert run(project, "enrich").exit_code == 0
    result = run(project, "compare", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["membership"]["agree"] == 6
    assert {f["verdict"] for f in data["findings"]} <= set(compare.VERDICTS)


def test_cli_enrich_offline_exits_2_and_writes_nothing(project):
    result = run(project, "enrich")  # the autouse fixture points Wikidata at a closed port
    assert result.exit_code == 2
    assert "could not reach Wikidata at http://127.0.0.1:" in result.output
    assert not enrichment_path(project.build_dir).exists()
