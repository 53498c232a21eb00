"""Downloads of the whole graph, and the project's JSON-LD context.

======================================  =================================================
``/download/kgraph.ttl|jsonld|nt|rdf``  the facts: asserted + inferred triples, merged
``/download/kgraph.trig|nq``            every named graph (ontology, asserted, inferred,
                                        shapes, and the Wikidata graph when enriched)
``/download/kgraph.<suffix>.gz``        the same, gzip-compressed (``application/gzip``)
``/context.jsonld``                     the JSON-LD context of every kgraph JSON-LD
======================================  =================================================

Each file is generated once per build (:func:`kgraph.export.download_file`, kept in the
build folder) and sent with its media type, a ``Content-Disposition`` file name and an
``ETag`` made from the build version, so a client that has it gets ``304 Not Modified``.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, send_file

from .. import export as exporting
from .. import jsonld_context
from ..pipeline import DATASET_FILE, MANIFEST_FILE
from ..formats import RDF_FORMATS, Format
from .errors import WebError

bp = Blueprint("downloads", __name__)

_GZIP = "application/gzip"
_MAX_AGE = 3600
_lock = threading.Lock()


def _format_for(suffix: str) -> Format:
    for fmt in RDF_FORMATS:
        if fmt.suffix == suffix:
            return fmt
    offered = ", ".join(f"kgraph.{f.suffix}" for f in RDF_FORMATS)
    raise WebError(404, f"There is no download kgraph.{suffix}. Offered: {offered} "
                        "(each also as .gz).")


def _build_path() -> Path:
    """The build folder the served dataset comes from (or a snapshot of the served store)."""
    dataset = current_app.extensions["kgraph"]
    path = getattr(dataset, "build_path", None)
    if path is not None:
        return Path(path)
    with _lock:
        cached = dataset.cache.get("downloads-snapshot")
        if cached is None:
            cached = _snapshot(dataset.store)
            dataset.cache["downloads-snapshot"] = cached
    return cached


def _snapshot(store) -> Path:
    """The served store dumped as a build folder (N-Quads + manifest), when no build is known."""
    if hasattr(store, "quads"):
        quads = list(store.quads())
    else:
        result = store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=())
        quads = [ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in result.raw]
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    version = hashlib.sha256(data).hexdigest()[:16]
    folder = Path(tempfile.mkdtemp(prefix="kgraph-downloads-"))
    (folder / DATASET_FILE).write_bytes(data)
    (folder / MANIFEST_FILE).write_text(json.dumps({"version": version}) + "\n", encoding="utf-8")
    return folder


@bp.get("/download/kgraph.<suffix>")
def download(suffix: str) -> Response:
    compressed = suffix.endswith(".gz")
    fmt = _format_for(suffix.removesuffix(".gz"))
    build_path = _build_path()
    path = exporting.download_file(build_path, fmt, compressed=compressed)
    key = exporting.downloads_key(build_path)
    name = f"{exporting.DOWNLOAD_STEM}-{key.split('-wd')[0]}.{fmt.suffix}" + (".gz" if compressed else "")
    response = send_file(
        path,
        mimetype=_GZIP if compressed else fmt.media_type,
        as_attachment=True,
        download_name=name,
        etag=f"{key}-{fmt.suffix}{'-gz' if compressed else ''}",
        conditional=True,
        max_age=_MAX_AGE,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/context.jsonld")
def context() -> Response:
    body = jsonld_context.context_bytes()
    response = Response(body, content_type=f"{jsonld_context.MEDIA_TYPE}; charset=utf-8")
    response.set_etag(hashlib.sha256(body).hexdigest()[:16])
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    # JSON-LD processors in browsers fetch contexts across origins: CORS comes from the
    # cors_origins setting, as for every read-only path (kgraph.web.CORS_PATHS).
    return response.make_conditional(request)
