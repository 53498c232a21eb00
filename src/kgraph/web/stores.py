"""Stores the app serves from, besides :class:`kgraph.store.OxigraphStore`.

- :class:`FilesStore`: user files in one store; its default graph is the union of all graphs.
- :class:`PerProcessStore`: an on-disk store (the ``store_dir`` setting), loaded once by
  :func:`materialise` and opened read-only in each server process.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from ..errors import KgraphError, QueryError
from ..formats import RDF_FORMATS, Format
from ..store import QueryResult, Store, check_nesting

#: The file in an on-disk store's folder naming what it was loaded from.
MARKER = "kgraph-source.txt"

def format_for_path(path: Path) -> Format:
    """The RDF format of a file, from its suffix (one of the table's, or .json/.owl/.xml)."""
    suffix = path.suffix.lower().lstrip(".")
    suffix = {"json": "jsonld", "owl": "rdf", "xml": "rdf", "n3": "ttl"}.get(suffix, suffix)
    for fmt in RDF_FORMATS:
        if suffix in (fmt.suffix, fmt.name, *fmt.aliases):
            return fmt
    known = ", ".join(f".{f.suffix}" for f in RDF_FORMATS)
    raise KgraphError(f"{path}: cannot tell the RDF format from the suffix {path.suffix!r}; "
                      f"rename it to one of {known}.")


class FilesStore:
    """A :class:`~kgraph.store.Store` over user files: its default graph is all graphs."""

    def __init__(self, store: ox.Store | None = None) -> None:
        self._store = ox.Store() if store is None else store

    def load(self, path: str | Path) -> None:
        _load(self._store, Path(path))

    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None) -> QueryResult:
        kwargs: dict = {}
        if default_graphs is None and named_graphs is None:
            kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        check_nesting(sparql)
        try:
            raw = self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"the query is not valid SPARQL: {exc}") from None
        if isinstance(raw, ox.QuerySolutions):
            return QueryResult("solutions", raw)
        if isinstance(raw, ox.QueryBoolean):
            return QueryResult("boolean", raw)
        return QueryResult("graph", raw)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self._store)


def _load(store: ox.Store, path: Path) -> None:
    fmt = format_for_path(path)
    try:
        store.bulk_load(path=str(path), format=fmt.oxigraph)
    except (SyntaxError, ValueError, OSError) as exc:
        raise KgraphError(f"{path}: cannot be loaded as {fmt.name}: {exc}") from None


class PerProcessStore:
    """A read-only on-disk store, opened anew in each process that uses it.

    The data is loaded once (:func:`materialise`); each worker then opens its own read-only
    handle. A process that forks must not have opened one: once RocksDB has run in a
    process, its forked children crash when they exit. So the server's master never opens
    it, and :func:`materialise` loads in a separate, spawned process.
    """

    opened_per_process = True

    def __init__(self, opener: Callable[[], Store]):
        self._opener = opener
        self._pid: int | None = None
        self._store: Store | None = None

    def _current(self) -> Store:
        if self._pid != os.getpid():
            self._store, self._pid = self._opener(), os.getpid()
        return self._store

    def query(self, sparql: str, **dataset) -> QueryResult:
        return self._current().query(sparql, **dataset)

    def named_graphs(self) -> list[str]:
        return self._current().named_graphs()

    def __len__(self) -> int:
        return len(self._current())


def materialise(store_dir: Path, paths: Sequence[Path], key: str) -> Path:
    """An on-disk Oxigraph store at ``store_dir`` holding ``paths``; reloaded when ``key`` changes.

    The loading runs in a spawned process (see :class:`PerProcessStore`), into a sibling
    folder swapped in at the end, so a failed load leaves the old store.
    """
    marker = store_dir / MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8") == key:
        return store_dir
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_load_into, store_dir, list(paths), key).result()
    return store_dir


def _load_into(store_dir: Path, paths: list[Path], key: str) -> None:
    staging = store_dir.with_name(f".{store_dir.name}.loading-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        store = ox.Store(str(staging))
        for path in paths:
            _load(store, path)
        store.flush()
        del store
        (staging / MARKER).write_text(key, encoding="utf-8")
        if store_dir.exists():
            shutil.rmtree(store_dir)
        os.rename(staging, store_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
