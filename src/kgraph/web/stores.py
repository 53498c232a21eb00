"""Stores the app serves from, besides :class:`kgraph.store.OxigraphStore`.

- :class:`FilesStore`: user files in one store; its default graph is the RDF merge of all
  graphs, held as the store's own default graph (:func:`kgraph.ondisk.merge_into_default`).
- :class:`PerProcessStore`: an on-disk store (the ``store_dir`` setting), loaded once by
  :func:`kgraph.ondisk.materialise` and opened read-only in each server process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox

from ..ondisk import load_file as _load
from ..ondisk import merge_into_default
from ..store import QueryResult, Store, run_query


class FilesStore:
    """A :class:`~kgraph.store.Store` over user files: its default graph is the merge of all
    graphs (kept so by :meth:`load`, or as :func:`kgraph.ondisk.materialise` wrote it)."""

    def __init__(self, store: ox.Store | None = None) -> None:
        self._store = ox.Store() if store is None else store

    def load(self, path: str | Path) -> None:
        _load(self._store, Path(path))
        merge_into_default(self._store, None)

    def query(self, sparql: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, **options) -> QueryResult:
        if default_graphs is not None or named_graphs is not None:
            # The protocol: a request naming either part of the dataset names all of it.
            default_graphs, named_graphs = default_graphs or (), named_graphs or ()
        return run_query(self._store, sparql, default_graphs=default_graphs, named_graphs=named_graphs,
                         **options)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self._store)


class PerProcessStore:
    """A read-only on-disk store, opened anew in each process that uses it.

    The data is loaded once (:func:`kgraph.ondisk.materialise`); each worker then opens its own read-only
    handle. A process that forks must not have opened one: once RocksDB has run in a
    process, its forked children crash when they exit. So the server's master never opens
    it, and :func:`kgraph.ondisk.materialise` loads in a separate, spawned process.
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
