"""Property-based tests of the CLI's inputs: any query text, format, file or option value.

Through click's CliRunner against a real build of a tiny home (built once, in a second).
Every run ends with a documented exit code (0, 1, 2) and, when it is not 0, a message on
stderr; never a traceback, never an exception other than the exit itself; an export that
fails leaves no file behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fuzzing import FUZZ, assert_no_leak
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_protocol import ENCODINGS, TOKENS, _encoded, queries

from kgraph.cli import cli

TINY = {
    "ontology/tiny.ttl": """@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/kgraph/ontology> a owl:Ontology .
kg:State a owl:Class ; rdfs:label "state"@en .
""",
    "data/tiny.ttl": """@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix kgr: <https://w3id.org/kgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kgr:kazakhstan a kg:State ; rdfs:label "Kazakhstan"@en , "Қазақстан"@kk .
kgr:uzbekistan a kg:State ; rdfs:label "Uzbekistan"@en , "Oʻzbekiston"@uz .
""",
    "shapes/tiny.ttl": """@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/kgraph/shapes#State> a sh:NodeShape ; sh:targetClass kg:State ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .
""",
}
QUERY_FORMATS = ["table", "json", "xml", "csv", "tsv", "turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads"]
GRAPHS = ["facts", "asserted", "inferred", "ontology", "shapes", "wikidata", "all"]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> list[str]:
    """``--home``/``--build-dir`` options naming a tiny home, built once."""
    root = tmp_path_factory.mktemp("tiny-home")
    for name, text in TINY.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    options = ["--home", str(root), "--build-dir", str(root / "build")]
    result = CliRunner().invoke(cli, [*options, "build", "--quiet"])
    assert result.exit_code == 0, result.output
    return options


def assert_clean_exit(result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_no_leak(result.output)
    if result.exit_code:
        assert result.stderr.strip(), "a failure says what was wrong"


formats = st.one_of(st.sampled_from(QUERY_FORMATS), st.text(max_size=10))


@FUZZ
@given(text=st.one_of(queries, st.lists(st.sampled_from(TOKENS), max_size=15).map(" ".join)), fmt=formats)
def test_query_any_text_and_format(home, text, fmt):
    result = CliRunner().invoke(cli, [*home, "query", "--format", fmt, "--", text])
    assert_clean_exit(result)


@FUZZ
@given(text=queries, encoding=st.sampled_from(ENCODINGS), fmt=st.sampled_from(QUERY_FORMATS))
def test_query_from_a_file_in_any_encoding(home, tmp_path_factory, text, encoding, fmt):
    path = tmp_path_factory.mktemp("q") / "question.rq"
    path.write_bytes(_encoded(text, encoding))
    result = CliRunner().invoke(cli, [*home, "query", "--format", fmt, "-f", str(path)])
    assert_clean_exit(result)


# What a shell can pass: any text but NUL (execve's arguments are C strings).
argument_text = st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=15)


@FUZZ
@given(args=st.lists(st.one_of(st.sampled_from(["-f", "--file", "--format", "-", "--", "query", "-x", ""]),
                               argument_text), max_size=5))
def test_query_any_arguments(home, args):
    assert_clean_exit(CliRunner().invoke(cli, [*home, "query", *args], input=""))


@FUZZ
@given(fmt=st.one_of(st.sampled_from(["turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads"]), st.text(max_size=8)),
       graph=st.one_of(st.none(), st.sampled_from(GRAPHS), st.text(max_size=8)),
       target=st.sampled_from(["file.ttl", "file.nq.gz", "missing/dir/file.ttl", ".", "", "-"]))
def test_export_any_options(home, tmp_path_factory, fmt, graph, target):
    folder = tmp_path_factory.mktemp("export")
    args = [*home, "export", "--format", fmt, "-o", str(folder / target) if target not in ("", "-") else target]
    if graph is not None:
        args += ["--graph", graph]
    result = CliRunner().invoke(cli, args)
    assert_clean_exit(result)
    if result.exit_code:
        # Nothing half-written: the folder holds no file (the export's temporary one included).
        assert [p for p in Path(folder).rglob("*") if p.is_file()] == []
