"""On-disk Oxigraph stores (RocksDB), loaded in a spawned process.

RocksDB must never run in a process that later forks: once it has, the forked children
crash when they exit (the server's main process builds the graph, then forks its workers). So a
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


def merge_into_default(store: ox.Store, graphs: Sequence[str] | None) -> None:
    """Make the store's default graph the RDF merge of ``graphs`` (``None``: of every named
    graph) beside what it holds already.

    The served dataset's default graph is a merge of named graphs (asserted ∪ inferred for
    a build, everything for user files). Held as the store's own default graph, it is what
    the engine uses when a request names no dataset — and only then: a query's ``FROM`` /
    ``FROM NAMED`` and the protocol's ``default-graph-uri`` keep their meaning, where passing
    the graphs with every query overrode them. A triple in two graphs is one triple of the
    merge, not two. The cost is a second copy of those triples in the store.
    """
    names = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    if graphs is not None:
        wanted = set(graphs)
        names = [g for g in names if g.value in wanted]
    for name in names:
        # Materialised first: the store is not read while the bulk loader writes to it.
        copies = [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                  for q in store.quads_for_pattern(None, None, None, name)]
        store.bulk_extend(copies)


#: Part of every store's marker: a store loaded before its default graph was the merge
#: (``merge_into_default``) must not be taken for a complete one.
_LAYOUT = "default graph: merged"


def is_loaded(store_dir: Path, key: str) -> bool:
    """True when ``store_dir`` holds a complete store loaded for ``key``."""
    marker = Path(store_dir) / MARKER
    return marker.is_file() and marker.read_text(encoding="utf-8") == f"{key}\n{_LAYOUT}"


def materialise(store_dir: Path, paths: Sequence[Path], key: str,
                default_graphs: Sequence[str] | None = None) -> Path:
    """An on-disk Oxigraph store at ``store_dir`` holding ``paths``, its default graph the merge
    of ``default_graphs`` (``None``: of every graph; :func:`merge_into_default`); reloaded
    when ``key`` changes.

    The loading runs in a spawned process, into a sibling folder swapped in at the end,
    so a failed load leaves the old store.
    """
    store_dir = Path(store_dir)
    if is_loaded(store_dir, key):
        return store_dir
    defaults = None if default_graphs is None else list(default_graphs)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_load_into, store_dir, [Path(p) for p in paths], key, defaults).result()
    return store_dir


def _load_into(store_dir: Path, paths: list[Path], key: str, default_graphs: list[str] | None) -> None:
    staging = store_dir.with_name(f".{store_dir.name}.loading-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        store = ox.Store(str(staging))
        for path in paths:
            load_file(store, path)
        merge_into_default(store, default_graphs)
        store.flush()
        del store
        (staging / MARKER).write_text(f"{key}\n{_LAYOUT}", encoding="utf-8")
        if store_dir.exists():
            shutil.rmtree(store_dir)
        os.rename(staging, store_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
