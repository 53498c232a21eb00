"""The query UI at "/" (YASGUI, with the example queries as tabs) and the browser assets.

The front-end libraries come from the npm registry, installed by the project's own set-up
(``npm ci`` with package.json / package-lock.json at the checkout's root), and are served
from ``node_modules`` under ``/static/vendor/…``: no CDN, so the UI works offline. Only the
files in :data:`VENDOR_FILES` are served; when they are missing, a page says to run ``npm ci``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, send_file, url_for

from ..examples import example_queries
from ..labels import OFFERED_LANGUAGES, display_tag
from ..namespaces import PREFIXES, sparql_prologue
from .reader import lang_param

bp = Blueprint("ui", __name__)

#: URL path under /static/vendor/ → file under node_modules/.
VENDOR_FILES: dict[str, str] = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.js.map": "@zazuko/yasgui/build/yasgui.min.js.map",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "cytoscape/cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}
_CHECKOUT = Path(__file__).resolve().parents[3]


def node_modules_dirs() -> list[Path]:
    """Where node_modules may be: only the ``NODE_MODULES`` config key when it is set; else
    ``$KGRAPH_NODE_MODULES``, ``$KGRAPH_HOME/node_modules``, the checkout's, the working folder's."""
    if current_app.config.get("NODE_MODULES"):
        return [Path(current_app.config["NODE_MODULES"])]
    found = [os.environ.get("KGRAPH_NODE_MODULES")]
    if os.environ.get("KGRAPH_HOME"):
        found.append(Path(os.environ["KGRAPH_HOME"]) / "node_modules")
    found += [_CHECKOUT / "node_modules", Path.cwd() / "node_modules"]
    return [Path(p) for p in found if p]


def vendor_file(name: str) -> Path | None:
    relative = VENDOR_FILES.get(name)
    if relative is None:
        return None
    for folder in node_modules_dirs():
        if (folder / relative).is_file():
            return folder / relative
    return None


def missing_assets() -> list[str]:
    return [VENDOR_FILES[n] for n in VENDOR_FILES if not n.endswith(".map") and vendor_file(n) is None]


@bp.get("/static/vendor/<path:name>")
def vendor(name: str) -> Response:
    if name not in VENDOR_FILES:
        return Response(render_template("assets_missing.html", missing=[name], unknown=True), 404)
    path = vendor_file(name)
    if path is None:
        return Response(render_template("assets_missing.html", missing=[VENDOR_FILES[name]]), 503)
    return send_file(path, max_age=3600)


def with_prologue(sparql: str) -> str:
    """The query with PREFIX lines for the project prefixes it uses, after its header comments."""
    lines = sparql.splitlines()
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    body = "\n".join(lines[head:])
    declared = set(re.findall(r"(?im)^\s*PREFIX\s+([\w-]*):", body))
    used = [p for p in PREFIXES if p not in declared and re.search(rf"(?<![\w:<]){re.escape(p)}:", body)]
    prologue = [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used]
    return "\n".join([*lines[:head], *prologue, *lines[head:]]).strip() + "\n"


def endpoint_url() -> str:
    """The endpoint the UI sends queries to: under the ``base_url`` setting, else relative to
    this page (``/sparql`` under the app's mount point) — never from the request's ``Host``."""
    base = current_app.config.get("BASE_URL") or request.script_root
    return base.rstrip("/") + "/sparql"


@bp.get("/")
def index() -> str:
    tabs = [{"name": q.title, "description": q.description, "query": with_prologue(q.sparql)}
            for q in example_queries()]
    new_tab = sparql_prologue()
    new_tab += "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 10\n"
    config = {"endpoint": endpoint_url(), "tabs": tabs, "newTab": new_tab, "prefixes": PREFIXES}
    return render_template("index.html", config=config, missing=missing_assets())


@bp.app_template_filter("tag")
def tag_filter(tag: str | None) -> str:
    return display_tag(tag)


#: Schemes a link on a page may have; an IRI of any other (``javascript:``, ``data:``,
#: ``vbscript:``, ``file:``, ``urn:`` …) is shown as text, never as a live link.
LINK_SCHEMES = frozenset({"http", "https"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
#: What a browser drops or reads through in a URL (so ``java\tscript:`` is ``javascript:``):
#: an href holding any of them is not linked at all.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def linkable(href: str | None) -> str | None:
    """``href`` when a page may link to it — an http(s) URL, or a reference relative to this
    server (``/id/…``, ``?format=…``, ``#…``) — else ``None``."""
    if not href:
        return None
    text = str(href)
    if _UNSAFE_CHARACTERS.search(text):
        return None
    scheme = _SCHEME.match(text)
    if scheme is None:
        return text
    return text if scheme.group(1).lower() in LINK_SCHEMES else None


@bp.app_template_filter("linkable")
def linkable_filter(href: str | None) -> str | None:
    return linkable(href)


@bp.app_template_filter("safe_diagram")
def safe_diagram_filter(data: dict) -> dict:
    """Cytoscape elements with every ``href`` a page may not link to taken out (the
    diagram's script follows a node's href when it is clicked)."""
    elements = data.get("elements", {})
    nodes = [{**node, "data": {**node["data"], "href": linkable(node["data"].get("href"))}}
             if "href" in node.get("data", {}) else node for node in elements.get("nodes", [])]
    return {**data, "elements": {**elements, "nodes": nodes}}


@bp.app_context_processor
def page_context() -> dict:
    """What every page's header needs: the search box's query and the language switch."""

    def lang_url(tag: str) -> str:
        args = {k: v for k, v in request.args.items() if k != "lang"}
        return url_for(request.endpoint or "ui.index", **(request.view_args or {}), **args, lang=tag)

    def here(endpoint: str, **values) -> str:
        if lang_param():
            values["lang"] = lang_param()
        return url_for(endpoint, **values)

    return {"reader_lang": lang_param(), "offered_languages": OFFERED_LANGUAGES, "lang_url": lang_url,
            "here": here, "vendor_url": lambda name: url_for("ui.vendor", name=name)}
