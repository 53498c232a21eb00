"""The kgraph web app: an application factory, one blueprint per area.

    app = create_app()                       # the built graph (built first if needed)
    app = create_app(files=["my.trig"])      # RDF files instead
    app = create_app({"TESTING": True}, store=some_store)

The one long-lived object, the served dataset (:class:`~kgraph.web.dataset.ServedDataset`:
the store and what describes it), is ``app.extensions["kgraph"]``; views reach it with
:func:`served`. Settings (:mod:`kgraph.settings`) are config keys in upper case
(``CORS_ORIGINS``); with no ``test_config``, ``KGRAPH_*`` environment variables override the
defaults (``KGRAPH_CORS_ORIGINS=https://a.org,https://b.org``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .. import settings as kg_settings
from ..layout import Layout
from ..store import Store
from . import conditional, errors, security
from .dataset import ServedDataset, open_files, open_layout

#: Every area of the app, a module of this package exposing a blueprint ``bp``,
#: registered in this order. A new area adds its module name here.
BLUEPRINTS: tuple[str, ...] = (
    "sparql",  # /sparql: SPARQL 1.1 Protocol, service description
    "graphstore",  # /rdf-graphs: Graph Store Protocol, read side
    "description",  # /.well-known/void, /void: VoID
    "downloads",  # /download/kgraph.{ttl,jsonld,nt,rdf,trig,nq}[.gz], /context.jsonld
    "ui",  # /: the query UI (YASGUI); /static/vendor/…: front-end assets from node_modules
    "pages",  # /id/…: resource pages and RDF by conneg; /search, /timeline, /diagram.json
    "ontology_doc",  # /ontology (pyLODE), /ontology/diagram, /shapes
)

#: Paths a browser on another origin may call (CORS, from the ``cors_origins`` setting):
#: every read-only resource — the endpoint, the Graph Store, each resource's IRI, the
#: dumps, VoID, the ontology and shapes, the JSON-LD context, the pages' JSON — and so
#: their error answers too (404, 406, 413, 414 …). Everything here is public and read-only
#: and no credentials are ever allowed, so a browser app elsewhere may read what a
#: ``curl`` may.
CORS_PATHS = (
    r"^/sparql$",
    r"^/rdf-graphs$",
    r"^/graph/.*",
    r"^/id/.*",
    r"^/download/.*",
    r"^/context\.jsonld$",
    r"^/\.well-known/void$",
    r"^/void$",
    r"^/ontology(/.*)?$",
    r"^/shapes$",
    r"^/search$",
    r"^/timeline$",
    r"^/diagram\.json$",
)
#: Request headers a cross-origin caller may send (beyond the CORS-safelisted ones):
#: the conditional ones, so that a browser app can revalidate.
CORS_ALLOW_HEADERS = ["Accept", "Accept-Language", "Content-Type", "If-None-Match", "If-Modified-Since",
                      "If-Match"]
#: Response headers a cross-origin caller may read.
CORS_EXPOSE_HEADERS = ["Content-Type", "Content-Disposition", "Content-Language", "Vary", "Allow", "ETag",
                       "Last-Modified", "Link", "Location", "Retry-After", "Kgraph-Result-Truncated"]


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    store: Store | None = None,
    files: Sequence[str | Path] | None = None,
    layout: Layout | None = None,
    dataset: ServedDataset | None = None,
) -> Flask:
    """The app, serving (first given wins) ``dataset``, ``store``, ``files``, or the build of ``layout``.

    ``test_config``: settings (lower- or upper-case names of :data:`kgraph.settings.SETTINGS`,
    or Flask config keys) applied over the defaults, instead of the environment.
    """
    app = Flask(__name__)
    app.config.from_mapping({s.name.upper(): s.default for s in kg_settings.SETTINGS})
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # a query body larger than 1 MiB is a 413
    if test_config is None:
        app.config.from_prefixed_env("KGRAPH")
    else:
        app.config.from_mapping({k.upper(): v for k, v in test_config.items()})
    _normalise_settings(app)

    if dataset is None:
        store_dir = app.config["STORE_DIR"] or None
        if store is not None:
            dataset = ServedDataset(store)
        elif files:
            dataset = open_files(files, store_dir=store_dir)
        elif app.config["STORE_URL"]:  # a remote SPARQL store (docs/remote-stores.md)
            from .remote_dataset import open_remote

            # The HTTP timeout: the query's own limit, plus a second for the network.
            dataset = open_remote(app.config["STORE_URL"], timeout=float(app.config["QUERY_TIMEOUT"]) + 1,
                                  layout=layout)
        else:
            dataset = open_layout(layout, store_dir=store_dir)
    app.extensions["kgraph"] = dataset

    errors.register(app)
    security.register(app)
    for name in BLUEPRINTS:
        module = importlib.import_module(f"{__name__}.{name}")
        app.register_blueprint(module.bp)
    _enable_cors(app)
    conditional.register(app)  # after CORS (see there)
    return app


def served() -> ServedDataset:
    """The dataset the current app serves."""
    return current_app.extensions["kgraph"]


def _normalise_settings(app: Flask) -> None:
    """Give text values (from the environment) the type of the setting's default."""
    for setting in kg_settings.SETTINGS:
        key = setting.name.upper()
        value = app.config.get(key)
        if isinstance(value, str) and not isinstance(setting.default, str):
            app.config[key] = setting.parse(value)
        elif isinstance(setting.default, str) and not isinstance(value, str):
            app.config[key] = str(value)  # KGRAPH_STORE_DIR=2026 reads as JSON: a number
        elif isinstance(setting.default, (list, tuple)) and isinstance(value, (int, float)):
            app.config[key] = [str(value)]


def _enable_cors(app: Flask) -> None:
    import re

    from flask import request
    from flask_cors import CORS

    origins = list(app.config["CORS_ORIGINS"])
    if "*" not in origins:
        # flask-cors says ``Vary: Origin`` only when more than one origin may be allowed; with
        # one, the answer still differs (an allowed origin's has the header, another's not),
        # so a shared cache must keep them apart. Registered before CORS: it runs after it.
        cors_paths = re.compile("|".join(CORS_PATHS))

        @app.after_request
        def _vary_on_origin(response):
            if cors_paths.match(request.path):
                response.vary.add("Origin")
            return response

    CORS(
        app,
        resources={path: {"origins": origins} for path in CORS_PATHS},
        methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age=86400,
    )
