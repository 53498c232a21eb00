"""On-disk Oxigraph stores (RocksDB), loaded in a spawned process.

RocksDB must never run in a process that later forks: once it has, the forked children
crash when they exit (gunicorn's master builds the graph, then forks its workers). So a
store is always loaded by :func:`materialise` in a *spawned* child, into a sibling folder
renamed into place at the end: a failed load leaves no half-written store behind.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from .errors import KgraphError
from .formats import RDF_FORMATS, Format

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


def load_file(store: ox.Store, path: Path) -> None:
    """Bulk-load one RDF file into ``store``; a bad file is a :class:`KgraphError` naming it."""
    fmt = format_for_path(path)
    try:
        store.bulk_load(path=str(path), format=fmt.oxigraph)
    except (SyntaxError, ValueError, OSError) as exc:
        raise KgraphError(f"{path}: cannot be loaded as {fmt.name}: {exc}") from None


def is_loaded(store_dir: Path, key: str) -> bool:
    """True when ``store_dir`` holds a complete store loaded for ``key``."""
    marker = Path(store_dir) / MARKER
    return marker.is_file() and marker.read_text(encoding="utf-8") == key


def materialise(store_dir: Path, paths: Sequence[Path], key: str) -> Path:
    """An on-disk Oxigraph store at ``store_dir`` holding ``paths``; reloaded when ``key`` changes.

    The loading runs in a spawned process, into a sibling folder swapped in at the end,
    so a failed load leaves the old store.
    """
    store_dir = Path(store_dir)
    if is_loaded(store_dir, key):
        return store_dir
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_load_into, store_dir, [Path(p) for p in paths], key).result()
    return store_dir


def _load_into(store_dir: Path, paths: list[Path], key: str) -> None:
    staging = store_dir.with_name(f".{store_dir.name}.loading-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        store = ox.Store(str(staging))
        for path in paths:
            load_file(store, path)
        store.flush()
        del store
        (staging / MARKER).write_text(key, encoding="utf-8")
        if store_dir.exists():
            shutil.rmtree(store_dir)
        os.rename(staging, store_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
