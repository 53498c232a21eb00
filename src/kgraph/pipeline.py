"""``kgraph build``: load → reason → validate → write → store, atomically.

A build is a folder ``<build_dir>/<version>/`` holding ``dataset.nq`` (named graphs:
ontology, asserted, inferred, shapes), ``manifest.json`` and ``store/``, an on-disk
Oxigraph store of the dataset; ``<build_dir>/current`` is a symbolic link to the latest
good one, swapped in one ``rename``. A build that fails at any step leaves ``current``
(and whatever serves it) untouched.

Reasoning (reasonable, or owlrl the reference: :mod:`kgraph.reasoning`) and validation
(:mod:`kgraph.validation`) are skipped when their inputs' content hash is the one of a
previous build (:mod:`kgraph.stepcache`): their results are read from ``build/cache/``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph

from . import __version__, stepcache
from .errors import NoBuild, NotConformant
from .fileutil import public_mode
from .layout import Layout
from .loading import RdflibTerms, load_files, new_graph
from .namespaces import PREFIXES, Graphs
from .ondisk import is_loaded, materialise
from .reasoning import choose_reasoner, infer
from .store import DEFAULT_GRAPHS
from .validation import (
    ValidationReport,
    choose_validator,
    report_from_json,
    report_to_json,
    validate,
)

DATASET_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
STORE_DIR = "store"
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
    report: ValidationReport | None
    timings: dict[str, float] = field(default_factory=dict)
    reasoner: str = ""
    validator: str = ""
    skipped: list[str] = field(default_factory=list)
    ntriples: dict[str, bytes] = field(default_factory=dict)

    def by_name(self) -> dict[str, Graph]:
        return {"ontology": self.ontology, "asserted": self.asserted,
                "inferred": self.inferred, "shapes": self.shapes}

    def serialise(self) -> None:
        """Each graph as N-Triples (rdflib's: blank-node labels shared across the graphs)."""
        for name, graph in self.by_name().items():
            if name not in self.ntriples:
                self.ntriples[name] = graph.serialize(format="nt", encoding="utf-8")


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


def _step(timings: dict[str, float], name: str, progress: Progress | None, label: str | None = None):
    class _Timer:
        def __enter__(self):
            if progress:
                progress(label or name)
            self.start = time.perf_counter()

        def __exit__(self, *exc):  # a step timed in two parts (write) adds up
            timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - self.start, 3)

    return _Timer()


def compile_graphs(layout: Layout, progress: Progress | None = None, *, reasoner: str | None = None,
                   validator: str | None = None, use_cache: bool = True) -> BuiltGraphs:
    """Load, reason and validate; raise on the first step that fails. Writes nothing but cache.

    ``reasoner``/``validator`` default to ``$KGRAPH_REASONER``/``$KGRAPH_VALIDATOR``, else the
    fast ones. With ``use_cache``, a step whose inputs are unchanged is read from the cache.
    """
    layout.require_sources()
    reasoner, validator = choose_reasoner(reasoner), choose_validator(validator)
    timings: dict[str, float] = {}
    skipped: list[str] = []
    ontology_files, data_files, shapes_files = layout.ontology_files(), layout.data_files(), layout.shapes_files()
    reason_entry = stepcache.entry(layout.build_dir, "reason", stepcache.key(
        "reason", [*ontology_files, *data_files], reasoner, _package_version(reasoner)), ".nq")
    # The validation report names the data files, so their folder is part of its key.
    validate_entry = stepcache.entry(layout.build_dir, "validate", stepcache.key(
        "validate", [*ontology_files, *data_files, *shapes_files], validator, _package_version(validator),
        str(layout.data_dir.resolve())), ".json")
    cached = use_cache and reason_entry.is_file()
    with _step(timings, "load", progress):
        data = load_files(data_files)
        shapes = load_files(shapes_files)
        if cached:
            # The ontology comes from the cache with the inferences, so that the blank
            # nodes they share (restriction classes) stay the same nodes.
            ontology, inferred = _read_reasoned(reason_entry)
        else:
            ontology = load_files(ontology_files).graph
    with _step(timings, "reason", progress):
        if cached:
            skipped.append("reason")
        else:
            inferred = infer(ontology, data.graph, reasoner)
    graphs = BuiltGraphs(ontology, data.graph, inferred, shapes.graph, None, timings, reasoner, validator, skipped)
    with _step(timings, "write", progress, "serialise"):  # the first part of "write"
        # Serialised now (the dataset needs it anyway): Oxigraph loads N-Triples far faster
        # than pyshacl-turbo reads an rdflib graph, so validation runs on that store.
        graphs.serialise()
        if use_cache and not cached:
            _write_reasoned(reason_entry, graphs)
    with _step(timings, "validate", progress):
        if use_cache and validate_entry.is_file():
            report = report_from_json(validate_entry.read_text(encoding="utf-8"))
            skipped.append("validate")
        else:
            report = validate(_validation_data(graphs), shapes.graph, data.origins, validator)
            if use_cache:
                stepcache.write(validate_entry, report_to_json(report).encode("utf-8"))
    graphs.report = report
    if not report.conforms:
        raise NotConformant(report)
    return graphs


def _package_version(name: str) -> str:
    """The installed version of a reasoner's or validator's package: an upgrade re-runs its step."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _validation_data(graphs: BuiltGraphs) -> Graph | ox.Store:
    """Ontology + asserted + inferred as one graph: a pyoxigraph store for pyshacl-turbo."""
    if graphs.validator == "pyshacl-turbo":
        store = ox.Store()
        for name in ("ontology", "asserted", "inferred"):
            store.bulk_load(graphs.ntriples[name], format=ox.RdfFormat.N_TRIPLES)
        return store
    union = new_graph()
    for part in (graphs.ontology, graphs.asserted, graphs.inferred):
        union += part
    return union


def _write_reasoned(path: Path, graphs: BuiltGraphs) -> None:
    """Keep the ontology and its inferences in one N-Quads file, blank nodes shared.

    Not kept when an inference is about a blank node of the data: read back, it would no
    longer be the data's node (the data is parsed anew each build).
    """
    ontology_nodes = {term for triple in graphs.ontology for term in triple if isinstance(term, BNode)}
    if any(isinstance(t, BNode) and t not in ontology_nodes for triple in graphs.inferred for t in triple):
        return
    stepcache.write(path, b"".join(_as_quads(graphs.ntriples[name], name) for name in ("ontology", "inferred")))


def _as_quads(ntriples: bytes, name: str) -> bytes:
    suffix = f" <{Graphs.BY_NAME[name]}> .\n".encode()
    return b"".join(line.rstrip().removesuffix(b".").rstrip() + suffix
                    for line in ntriples.splitlines() if line.strip())


def _read_reasoned(path: Path) -> tuple[Graph, Graph]:
    ontology, inferred = new_graph(), new_graph()
    ontology_name = ox.NamedNode(str(Graphs.BY_NAME["ontology"]))
    term = RdflibTerms()
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        graph = ontology if quad.graph_name == ontology_name else inferred
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return ontology, inferred


def _write_dataset(graphs: BuiltGraphs, path: Path) -> None:
    """All graphs as one N-Quads file, lines sorted so the same graphs give the same file.

    Each graph is written as N-Triples and its name appended: blank nodes keep one label
    across graphs (an ontology restriction and the inferences about it stay joined).
    """
    lines: list[str] = []
    graphs.serialise()
    for name in graphs.by_name():
        suffix = f" <{Graphs.BY_NAME[name]}> .\n"
        for line in graphs.ntriples[name].decode("utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + suffix)
    lines.sort()
    path.write_text("".join(lines), encoding="utf-8")


def build(layout: Layout, progress: Progress | None = None, *, reasoner: str | None = None,
          validator: str | None = None, use_cache: bool = True, with_store: bool = True) -> BuildResult:
    """Build the dataset (and its on-disk store) into ``layout.build_dir`` and make it current."""
    files = input_files(layout)
    version = version_of(files)
    graphs = compile_graphs(layout, progress, reasoner=reasoner, validator=validator, use_cache=use_cache)
    layout.build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=layout.build_dir))
    try:
        os.chmod(staging, public_mode(directory=True))
        with _step(graphs.timings, "write", progress):
            _write_dataset(graphs, staging / DATASET_FILE)
        if with_store:
            with _step(graphs.timings, "store", progress):
                # In a spawned process: RocksDB must not run in this one (see kgraph.ondisk).
                materialise(staging / STORE_DIR, [staging / DATASET_FILE], version, DEFAULT_GRAPHS)
        manifest = {
            "version": version,
            "kgraph": __version__,
            "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "inputs": [str(p) for p in files],
            "graphs": {name: str(Graphs.BY_NAME[name]) for name in Graphs.BY_NAME},
            "triples": {name: len(g) for name, g in graphs.by_name().items()},
            "warnings": len(graphs.report.violations),
            "reasoner": graphs.reasoner,
            "validator": graphs.validator,
            "skipped": graphs.skipped,
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


def store_path(build_path: Path) -> Path | None:
    """The build's on-disk Oxigraph store (the dataset, without the Wikidata graph), if it has one.

    Open it read-only, and never in a process that forks afterwards (see kgraph.ondisk).
    """
    path = Path(build_path) / STORE_DIR
    try:
        version = read_manifest(Path(build_path))["version"]
    except (OSError, ValueError, KeyError):
        return None
    return path if is_loaded(path, version) else None


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
