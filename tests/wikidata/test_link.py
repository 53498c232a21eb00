"""`kgraph link`: candidates proposed and scored with evidence; accepted links written
atomically as valid records; nothing below the threshold written without review; offline →
exit 2 and nothing written. Always on a copy of the project, never the real data/."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kgraph.pipeline import compile_graphs
from kgraph.cli import cli
from kgraph.namespaces import KG, KGR, WD
from kgraph.query import open_build
from kgraph.wikidata.linking import accept, entity_iri, find_proposals, parse_pair
from kgraph.wikidata.links import AcceptedLink, LinkError, write_links
from kgraph.wikidata.search import normalise, spellings

AKTAU = str(KGR["aktau"])
KARIMOV = str(KGR["islam-karimov"])


@pytest.fixture(scope="module")
def store(built_project):
    return open_build(built_project[1])


@pytest.fixture
def proposals(store, client):
    return {p.entity.iri: p for p in find_proposals(store, client)}


def run(layout, *args, input=None):
    return CliRunner().invoke(cli, ["--home", str(layout.data_dir.parent), "--build-dir", str(layout.build_dir),
                                    "link", *args], input=input)


# --- Proposals ------------------------------------------------------------------------------


def test_the_true_item_ranks_first_with_its_evidence(proposals):
    best, other = proposals[AKTAU].candidates[:2]
    assert best.qid == "Q198989" and best.score >= 0.9
    kinds = {ev.kind for ev in best.evidence}
    assert {"name", "type", "fact"} <= kinds
    assert any("Q232" in ev.text and ev.weight > 0 for ev in best.evidence)  # country as in the graph
    assert other.qid == "Q990000021" and other.score < best.score


def test_a_namesake_scores_low_and_says_why(proposals):
    by_qid = {c.qid: c for c in proposals[KARIMOV].candidates}
    assert by_qid["Q990000001"].score >= 0.9
    namesake = by_qid["Q990000011"]
    assert namesake.score < 0.5
    assert any(ev.weight < 0 and "born 1990" in ev.text for ev in namesake.evidence)


def test_only_unlinked_named_entities_are_proposed(proposals):
    assert str(KGR["uzbekistan"]) not in proposals  # linked in data/wikidata.ttl
    assert AKTAU in proposals and KARIMOV in proposals
    assert {p.entity.kind for p in proposals.values()} >= {"person", "settlement", "organisation", "crossing"}


def test_every_language_is_searched(store, client, standin):
    find_proposals(store, client, only={AKTAU})
    searched = {(r["params"]["language"], r["params"]["search"]) for r in standin.requests if r["path"] == "/w/api.php"}
    assert {("en", "Aktau"), ("uz", "Oqtov"), ("ru", "Актау"), ("kk", "Ақтау")} <= searched


def test_a_border_crossing_cannot_pass_without_review(proposals):
    crossing = proposals[str(KGR["navoiy-qoplonbek"])]
    assert crossing.entity.kind == "crossing"
    assert all(c.score < 0.75 for c in crossing.candidates)


@pytest.mark.parametrize("a, b", [("Oʻzbekiston", "O'zbekiston"), ("Oʻzbekiston", "O‘zbekiston"),
                                  ("Qozogʻiston", "QOZOG`ISTON"), ("Navoiy – Qoplonbek", "navoiy - qoplonbek")])
def test_uzbek_apostrophe_forms_compare_equal(a, b):
    assert normalise(a) == normalise(b)


def test_an_uzbek_label_is_also_searched_with_a_plain_apostrophe():
    assert spellings("Qozogʻiston", "uz") == ["Qozogʻiston", "Qozog'iston"]
    assert spellings("Qozogʻiston", "en") == ["Qozogʻiston"]


@pytest.mark.parametrize("text, expected", [
    ("kgr:aktau=Q198989", (AKTAU, "Q198989")), ("aktau=q198989", (AKTAU, "Q198989")),
    (f"<{AKTAU}>=http://www.wikidata.org/entity/Q198989", (AKTAU, "Q198989")),
])
def test_accept_pairs_are_read(text, expected):
    assert parse_pair(text) == expected


@pytest.mark.parametrize("text", ["aktau", "aktau=", "=Q1", "aktau=P17", "aktau=Q0"])
def test_bad_accept_pairs_are_refused(text):
    with pytest.raises(LinkError, match="ENTITY=QID"):
        parse_pair(text)


def test_entity_references():
    assert entity_iri("kgr:aktau") == entity_iri("aktau") == entity_iri(AKTAU) == AKTAU


# --- The command: listing ----------------------------------------------------------------------


def test_link_lists_proposals_as_json(built_project, standin_env):
    layout, _ = built_project
    result = run(layout, "--entity", "kgr:aktau", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [proposal] = data["proposals"]
    assert proposal["entity"] == AKTAU
    first = proposal["candidates"][0]
    assert first["qid"] == "Q198989" and first["above_threshold"] is True
    assert all({"kind", "text", "weight"} <= set(ev) for ev in first["evidence"])


def test_link_shows_scores_and_reasons(built_project, standin_env):
    layout, _ = built_project
    result = run(layout, "--entity", "islam-karimov")
    assert result.exit_code == 0, result.output
    assert "Q990000001  1.00" in result.stdout or "Q990000001  0.9" in result.stdout
    assert "instance of human (Q5)" in result.stdout
    assert "(below the threshold)" in result.stdout  # the namesake


def test_an_already_linked_entity_is_refused(built_project, standin_env):
    layout, _ = built_project
    result = run(layout, "--entity", "kgr:uzbekistan")
    assert result.exit_code == 2
    assert "already linked to Q265" in result.output


# --- Accepting -----------------------------------------------------------------------------------


def test_accept_writes_a_valid_record(project, standin_env):
    target = project.data_dir / "wikidata.ttl"
    before = target.read_text(encoding="utf-8")
    result = run(project, "--accept", "kgr:aktau=Q198989")
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith(before.rstrip("\n"))  # the hand-written records and comments kept
    graph = Graph().parse(target, format="turtle")
    aktau, item = URIRef(AKTAU), URIRef(WD["Q198989"])
    assert (aktau, KG.wikidataItem, item) in graph
    [record] = graph.subjects(KG.linkSubject, aktau)
    assert (record, RDF.type, KG.WikidataLink) in graph
    assert (record, KG.linkTarget, item) in graph
    assert "0.95" in str(graph.value(record, KG.linkMethod))
    evidence = [str(e) for e in graph.objects(record, KG.evidence)]
    assert any("wbsearchentities" in e and "Q198989" in e for e in evidence)
    assert any("P17" in e for e in evidence)
    assert graph.value(record, DCTERMS.date).datatype is not None
    assert "kgr:aktau kg:wikidataItem wd:Q198989 ." in text  # written with the file's prefixes
    assert sorted(p.name for p in project.data_dir.iterdir() if p.name.startswith(".")) == []


def test_an_accepted_link_builds_and_conforms(project, standin_env):
    assert run(project, "--accept", "kgr:aktau=Q198989").exit_code == 0
    graphs = compile_graphs(project)  # reasoning + SHACL on the changed data
    assert (URIRef(AKTAU), KG.wikidataItem, URIRef(WD["Q198989"])) in graphs.asserted


def test_below_the_threshold_nothing_is_written(project, standin_env):
    target = project.data_dir / "wikidata.ttl"
    before = target.read_bytes()
    result = run(project, "--accept", "kgr:islam-karimov=Q990000011")
    assert result.exit_code == 2
    assert "below the threshold" in result.output and "Nothing was written" in result.output
    assert target.read_bytes() == before


def test_one_bad_pair_stops_the_whole_write(project, standin_env):
    target = project.data_dir / "wikidata.ttl"
    before = target.read_bytes()
    result = run(project, "--accept", "kgr:aktau=Q198989", "--accept", "kgr:islam-karimov=Q990000011")
    assert result.exit_code == 2
    assert target.read_bytes() == before


def test_a_higher_threshold_refuses_a_good_candidate(project, standin_env):
    target = project.data_dir / "wikidata.ttl"
    before = target.read_bytes()
    assert run(project, "--threshold", "0.99", "--accept", "kgr:aktau=Q198989").exit_code == 2
    assert target.read_bytes() == before


@pytest.mark.parametrize("env", ["KGRAPH_WIKIDATA_API_URL", "KGRAPH_WIKIDATA_SPARQL_URL"])
def test_offline_exits_2_with_the_message_and_writes_nothing(project, standin_env, monkeypatch, env):
    from standin import closed_port_url

    url = closed_port_url("/w/api.php" if env.endswith("API_URL") else "/sparql")
    monkeypatch.setenv(env, url)
    target = project.data_dir / "wikidata.ttl"
    before = target.read_bytes()
    result = run(project, "--accept", "kgr:aktau=Q198989")
    assert result.exit_code == 2
    assert f"could not reach Wikidata at {url}" in result.output
    assert f"check the network or set {env}" in result.output
    assert "Traceback" not in result.output
    assert target.read_bytes() == before


def test_the_review_asks_and_writes_what_was_chosen(project, standin_env):
    # Aktau: take the first candidate; Kazinform: skip; Karimov: pick the namesake, then decline.
    result = run(project, "--review", "--entity", "aktau", "--entity", "kazinform", "--entity", "islam-karimov",
                 input="1\ns\n2\nn\n")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(project.data_dir / "wikidata.ttl", format="turtle")
    assert (URIRef(AKTAU), KG.wikidataItem, URIRef(WD["Q198989"])) in graph
    assert not list(graph.objects(URIRef(KARIMOV), KG.wikidataItem))
    assert not list(graph.objects(URIRef(KGR["kazinform"]), KG.wikidataItem))
    [record] = graph.subjects(KG.linkSubject, URIRef(AKTAU))
    assert "interactive review" in str(graph.value(record, KG.linkMethod))


def test_the_review_can_accept_below_the_threshold_when_confirmed(project, standin_env):
    result = run(project, "--review", "--entity", "islam-karimov", input="2\ny\n")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(project.data_dir / "wikidata.ttl", format="turtle")
    assert (URIRef(KARIMOV), KG.wikidataItem, URIRef(WD["Q990000011"])) in graph


# --- Writing the file ------------------------------------------------------------------------------


def link(entity=AKTAU, qid="Q198989"):
    return AcceptedLink(entity, qid, "Aktau", "a method", ['evidence with "quotes" and a \\ backslash'])


def test_a_new_file_gets_its_prefixes(tmp_path):
    path = tmp_path / "wikidata.ttl"
    graph = write_links(path, [link()], today=date(2026, 11, 24))
    assert (URIRef(AKTAU), KG.wikidataItem, URIRef(WD["Q198989"])) in graph
    reread = Graph().parse(path, format="turtle")
    assert Literal('evidence with "quotes" and a \\ backslash') in set(reread.objects(None, KG.evidence))


def test_an_entity_already_linked_in_the_file_is_refused(tmp_path):
    path = tmp_path / "wikidata.ttl"
    write_links(path, [link()])
    before = path.read_bytes()
    with pytest.raises(LinkError, match="already linked to"):
        write_links(path, [link(qid="Q990000021")])
    assert path.read_bytes() == before


def test_a_file_that_does_not_parse_is_left_alone(tmp_path):
    path = tmp_path / "wikidata.ttl"
    path.write_text("@prefix kg: <https://w3id.org/kgraph/ontology#> .\nthis is not turtle\n")
    before = path.read_bytes()
    with pytest.raises(LinkError, match="would not parse"):
        write_links(path, [link()])
    assert path.read_bytes() == before


def test_a_qid_must_look_like_one():
    with pytest.raises(LinkError):
        AcceptedLink(AKTAU, "Q12a", "Aktau", "m")


def test_accept_in_the_library_is_all_or_nothing(store, client, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(LinkError, match="below the threshold"):
        accept(store, client, [(AKTAU, "Q198989"), (KARIMOV, "Q990000011")], data, threshold=0.75)
    assert not (data / "wikidata.ttl").exists()
    links = accept(store, client, [(AKTAU, "Q198989")], data, threshold=0.75)
    assert [(x.entity, x.qid) for x in links] == [(AKTAU, "Q198989")]
    assert Path(data / "wikidata.ttl").exists()
