"""bench/synth.py: synthetic data in the article's shape, deterministic, of the size asked,
and valid, so that the build can be measured on it at any size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kgraph.layout import Layout
from kgraph.loading import load_files
from kgraph.pipeline import compile_graphs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from synth import generate


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "data").glob("*.ttl"))}


def test_the_same_seed_gives_the_same_files_and_another_seed_others(tmp_path):
    generate(3000, tmp_path / "a", seed=1)
    generate(3000, tmp_path / "b", seed=1)
    generate(3000, tmp_path / "c", seed=2)
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")
    assert _contents(tmp_path / "a") != _contents(tmp_path / "c")


def test_about_the_number_of_triples_asked_and_counted_right(tmp_path):
    stats = generate(20_000, tmp_path, seed=0)
    parsed = len(load_files(sorted((tmp_path / "data").glob("*.ttl"))).graph)
    assert parsed == stats["triples"]  # no duplicate or miscounted triple
    assert 20_000 <= parsed < 21_000  # one state more at most


def test_the_synthetic_data_conforms_to_the_projects_shapes(tmp_path):
    generate(6000, tmp_path, seed=5)
    layout = Layout.at(ROOT, tmp_path / "build").with_data(tmp_path / "data")
    graphs = compile_graphs(layout, use_cache=False)
    assert graphs.report.conforms, graphs.report.text()
    kinds = {str(o).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for o in graphs.asserted.objects(None, None)
             if str(o).startswith(("https://w3id.org/kgraph/ontology#", "http://www.w3.org/ns/org#"))}
    assert {"State", "TermOfOffice", "AmbassadorPost", "Treaty", "TradeVolume", "BorderCrossing",
            "Membership", "Source", "VisitTally", "ProjectMeasure"} <= kinds


def test_the_command_builds_a_home_and_refuses_a_bad_size(tmp_path):
    script = ROOT / "bench" / "synth.py"
    ok = subprocess.run([sys.executable, str(script), "--triples", "2k", "--out", str(tmp_path)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "ontology").resolve() == ROOT / "ontology"
    assert "kgraph --home" in ok.stdout
    bad = subprocess.run([sys.executable, str(script), "--triples", "lots", "--out", str(tmp_path)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "not a size" in bad.stderr
