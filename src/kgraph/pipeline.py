"""``kgraph build``: load → reason (owlrl) → validate (pyshacl) → write, atomically.

A build is a folder ``<build_dir>/<version>/`` holding ``dataset.nq`` (named graphs:
ontology, asserted, inferred, shapes) and ``manifest.json``; ``<build_dir>/current`` is a
symbolic link to the latest good one, swapped in one ``rename``. A build that fails at
any step leaves ``current`` (and whatever serves it) untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Graph

from . import __version__
from .errors import NoBuild, NotConformant
from .fileutil import public_mode
from .layout import Layout
from .loading import load_files, new_graph
from .namespaces import PREFIXES, Graphs
from .reasoning import infer
from .validation import ValidationReport, validate

DATASET_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
#: The Wikidata graph ``kgraph enrich`` writes; it lives in the build folder beside the
#: versioned builds, so it outlives a rebuild.
ENRICHMENT_FILE = "wikidata.nq"
CURRENT = "current"
_KEEP_BUILDS = 2  # the current one and the one before, for a quick look back

Progress = Callable[[str], None]


@dataclass
class BuiltGraphs:
    """The graphs of a build, in memory, before they are written."""

    ontology: Graph
    asserted: Graph
    inferred: Graph
    shapes: Graph
    report: ValidationReport
    timings: dict[str, float] = field(default_factory=dict)

    def by_name(self) -> dict[str, Graph]:
        return {"ontology": self.ontology, "asserted": self.asserted,
                "inferred": self.inferred, "shapes": self.shapes}


@dataclass
class BuildResult:
    path: Path
    manifest: dict


def input_files(layout: Layout) -> list[Path]:
    return [*layout.ontology_files(), *layout.data_files(), *layout.shapes_files()]


def version_of(files: list[Path]) -> str:
    """A content hash of the inputs (names and bytes): same sources, same version."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _step(timings: dict[str, float], name: str, progress: Progress | None):
    class _Timer:
        def __enter__(self):
            if progress:
                progress(name)
            self.start = time.perf_counter()

        def __exit__(self, *exc):
            timings[name] = round(time.perf_counter() - self.start, 3)

    return _Timer()


def compile_graphs(layout: Layout, progress: Progress | None = None) -> BuiltGraphs:
    """Load, reason and validate; raise on the first step that fails. Writes nothing."""
    layout.require_sources()
    timings: dict[str, float] = {}
    with _step(timings, "load", progress):
        ontology = load_files(layout.ontology_files())
        data = load_files(layout.data_files())
        shapes = load_files(layout.shapes_files())
    with _step(timings, "reason", progress):
        inferred = infer(ontology.graph, data.graph)
    with _step(timings, "validate", progress):
        union = new_graph()
        for part in (ontology.graph, data.graph, inferred):
            union += part
        report = validate(union, shapes.graph, data.origins)
    if not report.conforms:
        raise NotConformant(report)
    return BuiltGraphs(ontology.graph, data.graph, inferred, shapes.graph, report, timings)


def _write_dataset(graphs: BuiltGraphs, path: Path) -> None:
    """All graphs as one N-Quads file, lines sorted so the same graphs give the same file.

    Each graph is written as N-Triples and its name appended: blank nodes keep one label
    across graphs (an ontology restriction and the inferences about it stay joined).
    """
    lines: list[str] = []
    for name, graph in graphs.by_name().items():
        suffix = f" <{Graphs.BY_NAME[name]}> .\n"
        for line in graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + suffix)
    lines.sort()
    path.write_text("".join(lines), encoding="utf-8")


def build(layout: Layout, progress: Progress | None = None) -> BuildResult:
    """Build the dataset into ``layout.build_dir`` and make it current."""
    files = input_files(layout)
    version = version_of(files)
    graphs = compile_graphs(layout, progress)
    if progress:
        progress("write")
    started = time.perf_counter()
    layout.build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=layout.build_dir))
    try:
        os.chmod(staging, public_mode(directory=True))
        _write_dataset(graphs, staging / DATASET_FILE)
        graphs.timings["write"] = round(time.perf_counter() - started, 3)
        manifest = {
            "version": version,
            "kgraph": __version__,
            "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "inputs": [str(p) for p in files],
            "graphs": {name: str(Graphs.BY_NAME[name]) for name in Graphs.BY_NAME},
            "triples": {name: len(g) for name, g in graphs.by_name().items()},
            "warnings": len(graphs.report.violations),
            "seconds": graphs.timings,
            "prefixes": PREFIXES,
        }
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        final = layout.build_dir / version
        if final.exists():
            shutil.rmtree(final)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_current_at(layout.build_dir, version)
    _prune(layout.build_dir, keep=version)
    return BuildResult(final, manifest)


def _point_current_at(build_dir: Path, version: str) -> None:
    link = build_dir / CURRENT
    temp = build_dir / f".{CURRENT}.{os.getpid()}"
    if temp.is_symlink() or temp.exists():
        temp.unlink()
    temp.symlink_to(version)
    os.replace(temp, link)  # atomic: readers see the old build or the new one, never none


def _prune(build_dir: Path, keep: str) -> None:
    builds = sorted(
        (p for p in build_dir.iterdir() if p.is_dir() and not p.is_symlink() and (p / MANIFEST_FILE).exists()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[_KEEP_BUILDS:]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def current_build(build_dir: Path) -> Path:
    """The folder of the current good build, or :class:`NoBuild`."""
    link = build_dir / CURRENT
    if not (link / DATASET_FILE).is_file():
        raise NoBuild(build_dir)
    return link.resolve()


def enrichment_path(build_dir: Path) -> Path:
    """Where ``kgraph enrich`` keeps the Wikidata graph for builds in ``build_dir``."""
    return Path(build_dir) / ENRICHMENT_FILE


def dataset_files(build_path: Path) -> list[Path]:
    """The files of a build's dataset: ``dataset.nq``, and the Wikidata graph when present."""
    files = [Path(build_path) / DATASET_FILE]
    extra = enrichment_path(Path(build_path).parent)
    if extra.is_file():
        files.append(extra)
    return files


def read_manifest(build_path: Path) -> dict:
    return json.loads((build_path / MANIFEST_FILE).read_text(encoding="utf-8"))


def is_current(layout: Layout) -> bool:
    """True when the current build was made from exactly the present sources."""
    try:
        path = current_build(layout.build_dir)
    except NoBuild:
        return False
    return read_manifest(path).get("version") == version_of(input_files(layout))


def ensure_built(layout: Layout, progress: Progress | None = None) -> Path:
    """The current build, building first when the sources have changed since."""
    if not is_current(layout):
        build(layout, progress)
    return current_build(layout.build_dir)
