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

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .. import pipeline
from ..execution import StoreSpec
from ..layout import Layout
from ..ondisk import materialise
from ..pipeline import dataset_files, ensure_built, read_manifest
from ..query import open_build
from ..store import DEFAULT_GRAPHS, OxigraphStore, Store
from .stores import FilesStore, PerProcessStore


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
    #: How a query process opens the same data (:mod:`kgraph.execution`); ``None``: the
    #: store cannot be reopened elsewhere (an object given to the app), queries run inline.
    spec: StoreSpec | None = None
    #: Names the data served, for cache keys and ETags: the build's version, a digest of
    #: the user files (path, size, time), or, for a store given as an object, unique per app.
    version: str = field(default_factory=lambda: "store-" + uuid.uuid4().hex[:16])

    @property
    def title(self) -> str:
        if self.kind == "files":
            return "RDF files: " + ", ".join(p.name for p in self.files)
        return "kgraph: Uzbekistan–Kazakhstan relations since 1991"


def _files_key(paths: Sequence[Path]) -> str:
    return "\n".join(f"{p.resolve()} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in paths)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def open_files(paths: Sequence[str | Path], *, store_dir: str | Path | None = None) -> ServedDataset:
    """User RDF files (format from each suffix, named graphs kept), in memory or in ``store_dir``."""
    paths = tuple(Path(p) for p in paths)
    key = "files\n" + _files_key(paths)
    folder = None
    if store_dir:
        folder = materialise(Path(store_dir), paths, key, None)
        store: Store = PerProcessStore(lambda: FilesStore(ox.Store.read_only(str(folder))))
    else:
        store = FilesStore()
        for path in paths:
            store.load(path)
    return ServedDataset(store, kind="files", default_graphs=(), files=paths,
                         spec=StoreSpec("files", paths, folder), version=_digest(key))


def open_built(build_path: Path, *, store_dir: str | Path | None = None) -> ServedDataset:
    """A build (``kgraph.pipeline.ensure_built``), in memory or in ``store_dir``."""
    manifest = read_manifest(build_path)
    files = dataset_files(build_path)
    key = "build\n" + manifest["version"] + "\n" + _files_key(files)
    folder = _build_store(build_path, files)
    if store_dir and folder is None:
        folder = materialise(Path(store_dir), files, key, DEFAULT_GRAPHS)
    if folder is not None:
        store: Store = PerProcessStore(lambda: OxigraphStore(folder, read_only=True))
    else:
        store = open_build(build_path)
    return ServedDataset(store, manifest=manifest, build_path=build_path,
                         spec=StoreSpec("kgraph", tuple(files), folder), version=_digest(key))


def _build_store(build_path: Path, files: Sequence[Path]) -> Path | None:
    """The on-disk store ``kgraph build`` wrote beside ``dataset.nq``, if it did and it holds
    the whole dataset (not when ``kgraph enrich`` added a Wikidata graph since).

    Read-only data every process opens cheaply, sharing the OS page cache: no copy per
    worker or per query process, and no load at start-up.
    """
    folder = pipeline.store_path(build_path)  # None for a build made before stores were written
    return folder if folder is not None and len(files) == 1 else None


def open_layout(layout: Layout | None = None, *, store_dir: str | Path | None = None) -> ServedDataset:
    """The current build of ``layout`` (default: :meth:`Layout.default`), built first if needed."""
    return open_built(ensure_built(layout or Layout.default()), store_dir=store_dir)
