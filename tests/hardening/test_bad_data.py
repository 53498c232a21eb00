"""Bad data in data/ makes ``kgraph build`` fail cleanly, and the last good build keeps serving.

Each test copies the repository's ontology/, data/ and shapes/ into a temporary home whose
build folder holds a copy of the session's real build as ``current``, breaks one data file,
runs ``kgraph build`` (the CLI) and checks: a non-zero exit, a message naming the file and
line (syntax) or the node and shape (validation), ``current`` untouched, no folder left
behind, and an app over ``current`` still answering.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fuzzing import ROOT, assert_no_leak

from kgraph.cli import cli
from kgraph.layout import Layout
from kgraph.pipeline import current_build
from kgraph.web import create_app
from kgraph.web.dataset import open_built


@pytest.fixture
def home(tmp_path, built) -> Layout:
    """A copy of the sources, and a build folder whose ``current`` is a copy of the real build."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / "home" / folder)
    build_dir = tmp_path / "build"
    shutil.copytree(built.path, build_dir / built.path.name)
    (build_dir / "current").symlink_to(built.path.name)
    return Layout.at(tmp_path / "home", build_dir)


def break_file(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (once) by ``new`` in ``path``; the line where ``new`` now starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {path.name}: update this test"
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text[:at].count("\n") + 1


def builds(build_dir: Path) -> tuple[str, list[str]]:
    """Where ``current`` points, and every folder that is or may become a build."""
    return os.readlink(build_dir / "current"), sorted(
        p.name for p in build_dir.iterdir()
        if p.name.startswith(".staging") or (p / "dataset.nq").exists() or (p / "manifest.json").exists())


def run_build(layout: Layout):
    before = builds(layout.build_dir)
    result = CliRunner().invoke(cli, ["--home", str(layout.ontology_dir.parent),
                                      "--build-dir", str(layout.build_dir), "build"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert builds(layout.build_dir) == before, "a failed build changed what is built or current"
    assert "Traceback" not in result.stderr
    return result


def assert_still_serving(layout: Layout) -> None:
    """An app over ``current`` (as a server restarted on it would open) answers from the good build."""
    app = create_app({"TESTING": True}, dataset=open_built(current_build(layout.build_dir)))
    response = app.test_client().get("/sparql", query_string={
        "query": "ASK { <https://w3id.org/kgraph/id/kazakhstan> a <https://w3id.org/kgraph/ontology#State> }"},
        headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and response.get_json()["boolean"] is True


@pytest.mark.parametrize("broken, detail", [
    ('rdfs:label "Unclosed string .', "newline found in string literal"),
    ("kg:unknown nope:thing .", 'Prefix "nope:" not bound'),
    ('rdfs:label "x"@ .', "Bad language code"),
    ("a <https://w3id.org/kgraph/id/a space> .", "is no IRI: it holds ' '"),
    ('kg:dateEarliest "abc"^^xsd:date .', "'abc' is not a valid xsd:date"),
    ('kg:dateEarliest "2022-02-30"^^xsd:date .', "'2022-02-30' is not a valid xsd:date"),
])
def test_a_broken_data_file_names_its_file_and_line(home, broken, detail):
    states = home.data_dir / "states.ttl"
    text = states.read_text(encoding="utf-8")
    states.write_text(text + f"\nkgr:broken {broken}\n", encoding="utf-8")
    line = text.count("\n") + 2
    result = run_build(home)
    assert result.exit_code == 2
    assert f"states.ttl:{line}:" in result.stderr
    assert detail in result.stderr
    assert "kgraph build" in result.stderr or "run the command again" in result.stderr  # says what to do
    assert_no_leak(result.stderr.replace(str(home.data_dir), "DATA"))
    assert_still_serving(home)


@pytest.mark.slow
def test_data_that_breaks_the_shapes_names_node_and_shape(home):
    """One validation run (the slow step) for three faults: a wrong datatype and two dangling links."""
    # A well-formed value of the wrong datatype on a date property.
    break_file(home.data_dir / "treaties.ttl",
               'kg:dateEarliest "2022-01-01"^^xsd:date ;\n    kg:dateLatest "2022-12-31"^^xsd:date ;\n'
               "    kg:covers kgr:scope-border-demarcation",
               'kg:dateEarliest "2022"^^xsd:gYear ;\n    kg:dateLatest "2022-12-31"^^xsd:date ;\n'
               "    kg:covers kgr:scope-border-demarcation")
    # A link to a source that is defined nowhere.
    break_file(home.data_dir / "treaties.ttl", "prov:wasDerivedFrom kgr:source-s0 , kgr:source-s1 .",
               "prov:wasDerivedFrom kgr:source-s0 , kgr:source-s9 .")
    # A party that is defined nowhere: kg:party's range makes it an org:Organization, without a label.
    break_file(home.data_dir / "treaties.ttl", "kg:party kgr:uzbekistan , kgr:kazakhstan ;",
               "kg:party kgr:uzbekistan , kgr:atlantis ;")
    result = run_build(home)
    assert result.exit_code == 1
    report = result.stderr
    assert "treaties.ttl: kgr:treaty-on-border-demarcation-2022 | shape kgsh:dateEarliest" in report
    assert "treaties.ttl: kgr:treaty-on-allied-relations-2022 | shape kgsh:derivedFromSource" in report
    assert "value kgr:source-s9" in report
    assert "kgr:atlantis | shape kgsh:organizationLabelled" in report  # kg:party's range: org:Organization
    assert "correct the link" in report
    assert_still_serving(home)
