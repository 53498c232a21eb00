"""The served dataset over a remote SPARQL 1.1 store (the ``store_url`` setting, ``kgraph serve --store URL``).

The app is the same — protocol, pages, UI, exports — only the store is
:class:`kgraph.remote.RemoteStore`. What describes the dataset (the version that keys
caches and ETags, the build date VoID shows, the files of /download/) comes from:

1. the local current build, when there is one and the remote holds the same number of
   triples in each of its graphs (it was pushed from there): its manifest and folder;
2. else the remote itself: a version made of the remote's graphs and their counts
   (``remote-…``), and downloads dumped from the remote on first request.

A remote that is down when the app starts does not stop it: the app starts with the
local manifest (or none) and answers 503 until the store is back (issue 6).

The default graph of a query that names none is the store's own default graph, which
``kgraph push`` writes as the merge of the asserted and inferred graphs, so a query's
``FROM`` keeps its meaning. A store pushed by an older kgraph has an empty default graph:
then every query without a dataset of its own names the two graphs in the protocol (and
a ``FROM`` of the query is overridden), with a warning to push again.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from ..errors import KgraphError, NoBuild, StoreUnavailable
from ..layout import Layout
from ..pipeline import current_build, read_manifest
from ..remote import RemoteStore
from ..store import DEFAULT_GRAPHS
from .dataset import ServedDataset

log = logging.getLogger(__name__)


def open_remote(url: str, *, timeout: float, layout: Layout | None = None) -> ServedDataset:
    """The built kgraph dataset as pushed to the SPARQL store at ``url`` (its query endpoint)."""
    store = RemoteStore(url, timeout=timeout)
    build_path, manifest = _local_build(layout)
    try:
        counts = {graph: store.count(graph) for graph in store.named_graphs()}
        if not store.count(default=True) and any(counts.get(g) for g in DEFAULT_GRAPHS):
            log.warning("the store at %s has no default graph of its own (pushed by an older kgraph): "
                        "queries name the asserted and inferred graphs, overriding a query's FROM. "
                        "Run `kgraph push` again.", store.where)
            store.default_graphs = DEFAULT_GRAPHS
    except StoreUnavailable as exc:
        log.warning("%s; serving anyway, with 503 answers until it is back", exc)
        return _dataset(store, manifest, build_path)
    if build_path is not None and _same_counts(manifest, counts):
        return _dataset(store, manifest, build_path)
    if build_path is not None:
        log.warning("the store at %s does not hold the local build %s (other triple counts); "
                    "describing the store as it is. Run `kgraph push` to update it.", store.where, build_path)
    return _dataset(store, {"version": remote_version(counts)}, None)


def _dataset(store: RemoteStore, manifest: dict, build_path: Path | None) -> ServedDataset:
    dataset = ServedDataset(store, manifest=manifest, build_path=build_path)
    if manifest.get("version"):
        # What names the data served (result-cache keys, ETags). Queries run here, over
        # HTTP, not in query processes: the remote enforces nothing of ours but the timeout.
        dataset.version = manifest["version"]
    return dataset


def remote_version(counts: dict[str, int]) -> str:
    """A version for a remote dataset: changes when a graph is added, dropped, or changes size."""
    text = "\n".join(f"{graph} {count}" for graph, count in sorted(counts.items()))
    return "remote-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _local_build(layout: Layout | None) -> tuple[Path | None, dict]:
    try:
        path = current_build((layout or Layout.default()).build_dir)
        return path, read_manifest(path)
    except (NoBuild, KgraphError, OSError, ValueError):
        return None, {}


def _same_counts(manifest: dict, counts: dict[str, int]) -> bool:
    graphs = manifest.get("graphs", {})
    expected = {graphs[name]: n for name, n in manifest.get("triples", {}).items() if name in graphs}
    return bool(expected) and all(counts.get(graph) == n for graph, n in expected.items())
