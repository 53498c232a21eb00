"""The kgraph command: help with examples everywhere, documented exit codes, every
command in the README, and the entry point importable."""

from __future__ import annotations

import json
import re
import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgraph.cli import cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(cli.commands)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def home(tmp_path):
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_the_console_script_points_at_an_importable_function():
    (script,) = [ep for ep in entry_points(group="console_scripts") if ep.name == "kgraph"]
    assert callable(script.load())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"kgraph {command}\b", readme), f"README.md does not show `kgraph {command}`"


def test_build_then_query_as_a_table(runner, home, built):
    result = runner.invoke(cli, ["--home", str(home), "--build-dir", str(built.path.parent), "query",
                                 "SELECT ?n WHERE { kgr:ots rdfs:label ?n FILTER(lang(?n)='ru') }"])
    assert result.exit_code == 0, result.output
    assert "Организация тюркских государств@ru" in result.output
    assert "(1 row)" in result.output


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("json", '{"head"'), ("csv", "n"), ("tsv", "?n"), ("xml", "<?xml")],
)
def test_query_writes_sparql_results_formats(runner, built, fmt, expected):
    result = runner.invoke(cli, ["--build-dir", str(built.path.parent), "query", "--format", fmt,
                                 "SELECT ?n WHERE { kgr:uzbekistan rdfs:label ?n FILTER(lang(?n)='en') }"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(expected)
    assert "Uzbekistan" in result.output


def test_query_from_a_file_as_turtle(runner, built, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text("CONSTRUCT { kgr:uzbekistan kg:sharesBorderWith ?x } WHERE { kgr:uzbekistan kg:sharesBorderWith ?x }")
    result = runner.invoke(cli, ["--build-dir", str(built.path.parent), "query", "-f", str(query), "--format", "turtle"])
    assert result.exit_code == 0, result.output
    assert "kazakhstan" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "SELECT WHERE {"], "not valid SPARQL"),
        (["query"], "either as an argument or with --file"),
        (["query", "--format", "nope", "ASK {}"], "Invalid value for '--format'"),
    ],
)
def test_bad_input_exits_2_with_a_message(runner, built, args, message):
    result = runner.invoke(cli, ["--build-dir", str(built.path.parent), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_validate_exits_0_on_the_real_data(runner, home):
    result = runner.invoke(cli, ["--home", str(home), "validate"])
    assert result.exit_code == 0, result.output


def test_validate_exits_1_and_reports_file_node_shape_message(runner, home):
    people = home / "data" / "people.ttl"
    people.write_text(people.read_text(encoding="utf-8").replace(
        'kg:startLatest "2016-01-06"^^xsd:date', 'kg:startLatest "2019-01-06"^^xsd:date'), encoding="utf-8")
    result = runner.invoke(cli, ["--home", str(home), "validate", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False
    (hit,) = [r for r in report["results"] if r["focus"] == "kgr:term-ambassador-uz-kz-5"][:1]
    assert hit["files"] == [str(people)]
    assert hit["shape"] and hit["message"]


def test_build_exits_2_on_malformed_turtle_naming_file_and_line(runner, home):
    (home / "data" / "broken.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b .\n", encoding="utf-8")
    result = runner.invoke(cli, ["--home", str(home), "build", "-q"])
    assert result.exit_code == 2
    assert "broken.ttl:2" in result.output


def test_stats_counts_by_graph_class_and_source(runner, built):
    result = runner.invoke(cli, ["--build-dir", str(built.path.parent), "stats", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["instances_by_class"]["kg:Ambassador"] == 6
    assert counts["instances_by_class"]["kg:State"] == 7
    assert counts["facts_by_source"]["S2 kgr:source-s2"] == 6
    assert set(counts["triples_by_graph"]) == {"kgg:ontology", "kgg:asserted", "kgg:inferred", "kgg:shapes"}


# Regressions found in review: each of these leaked a traceback or a wrong exit code.

def test_a_home_without_sources_is_an_error_and_creates_nothing(runner, tmp_path):
    missing = tmp_path / "nowhere"
    result = runner.invoke(cli, ["--home", str(missing), "build", "-q"])
    assert result.exit_code == 2
    assert "holds no .ttl file" in result.output
    assert not missing.exists()


def test_a_syntax_error_points_into_the_users_own_text(runner, built):
    result = runner.invoke(cli, ["--build-dir", str(built.path.parent), "query", "SELECT ?x WHERE {\n  ?x ?y\n}"])
    assert result.exit_code == 2
    assert "line 3, column" in result.output  # not 21, counting the predeclared prefixes


def test_a_service_failing_while_answers_are_read_exits_2(runner, built):
    result = runner.invoke(cli, ["--build-dir", str(built.path.parent), "query",
                                 "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"])
    assert result.exit_code == 2
    assert "the query failed while running" in result.output


def test_a_bad_setting_in_the_environment_exits_2_naming_it(runner, built):
    result = runner.invoke(cli, ["--build-dir", str(built.path.parent), "link"],
                           env={"KGRAPH_WIKIDATA_RETRIES": "abc"})
    assert result.exit_code == 2
    assert "KGRAPH_WIKIDATA_RETRIES='abc'" in result.output
