"""What the app serves: the built kgraph dataset, or RDF files a user names.

:class:`ServedDataset` is the one long-lived object of the app (``app.extensions["kgraph"]``):
the :class:`~kgraph.store.Store` queries run against, plus what describes it.

The default graph of a query that names none is the store's own choice:

- the built kgraph dataset: the asserted and inferred facts
  (:data:`kgraph.store.DEFAULT_GRAPHS`), not the ontology or the shapes;
- user files (``kgraph serve FILE …``): the union of every graph of those files, their
  default graphs and all their named graphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..pipeline import dataset_files, ensure_built, read_manifest
from ..layout import Layout
from ..query import open_build
from ..store import DEFAULT_GRAPHS, OxigraphStore, Store
from .stores import FilesStore, PerProcessStore, materialise


@dataclass
class ServedDataset:
    """The store the app serves and what describes it (for /void and the service description)."""

    store: Store
    #: ``"kgraph"`` for the built graph, ``"files"`` for user files.
    kind: str = "kgraph"
    #: The IRIs of the default graph when a request names none; empty: all graphs (files).
    default_graphs: tuple[str, ...] = DEFAULT_GRAPHS
    #: The files served (kind ``"files"``), or the build's manifest (kind ``"kgraph"``).
    files: tuple[Path, ...] = ()
    manifest: dict = field(default_factory=dict)
    #: The versioned build folder served (kind ``"kgraph"``): downloads are cached there.
    build_path: Path | None = None
    #: Computed once per process and kept: the VoID statistics (see description.py).
    cache: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        if self.kind == "files":
            return "RDF files: " + ", ".join(p.name for p in self.files)
        return "kgraph: Uzbekistan–Kazakhstan relations since 1991"


def _files_key(paths: Sequence[Path]) -> str:
    return "\n".join(f"{p.resolve()} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in paths)


def open_files(paths: Sequence[str | Path], *, store_dir: str | Path | None = None) -> ServedDataset:
    """User RDF files (format from each suffix, named graphs kept), in memory or in ``store_dir``."""
    paths = tuple(Path(p) for p in paths)
    if store_dir:
        folder = materialise(Path(store_dir), paths, "files\n" + _files_key(paths))
        store: Store = PerProcessStore(lambda: FilesStore(ox.Store.read_only(str(folder))))
    else:
        store = FilesStore()
        for path in paths:
            store.load(path)
    return ServedDataset(store, kind="files", default_graphs=(), files=paths)


def open_built(build_path: Path, *, store_dir: str | Path | None = None) -> ServedDataset:
    """A build (``kgraph.pipeline.ensure_built``), in memory or in ``store_dir``."""
    manifest = read_manifest(build_path)
    if store_dir:
        files = dataset_files(build_path)
        folder = materialise(Path(store_dir), files, "build\n" + manifest["version"] + "\n" + _files_key(files))
        store: Store = PerProcessStore(lambda: OxigraphStore(folder, read_only=True))
    else:
        store = open_build(build_path)
    return ServedDataset(store, manifest=manifest, build_path=build_path)


def open_layout(layout: Layout | None = None, *, store_dir: str | Path | None = None) -> ServedDataset:
    """The current build of ``layout`` (default: :meth:`Layout.default`), built first if needed."""
    return open_built(ensure_built(layout or Layout.default()), store_dir=store_dir)
