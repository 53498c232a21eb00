"""The reader of a page: the languages they read, and where links to the graph's IRIs point.

Languages come from ``?lang=`` (kept on links between pages) or else ``Accept-Language``,
then the fallback chain of :mod:`kgraph.labels` ending in the ``default_lang`` setting and
English. Links to IRIs under the graph's base go to this server: the ``base_url`` setting
when set, else the request's own host (and the app's mount point).
"""

from __future__ import annotations

import re

from flask import current_app, request

from ..labels import LABEL_GRAPHS, Labeller, language_chain
from ..presentation import Linker
from . import served

_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def lang_param() -> str | None:
    """The ``?lang=`` of the request, when it is a well-formed language tag."""
    tag = request.args.get("lang", "").strip()
    return tag if _TAG.match(tag) else None


def reader_chain() -> tuple[str, ...]:
    asked = lang_param()
    if asked:
        requested = [asked]
    else:
        requested = [tag for tag, _q in request.accept_languages]
    return language_chain(requested, current_app.config.get("DEFAULT_LANG") or "en")


def label_graphs() -> tuple[str, ...] | None:
    """Where labels are looked up: facts and ontology for kgraph; the store's default otherwise."""
    return LABEL_GRAPHS if served().kind == "kgraph" else None


def labeller() -> Labeller:
    return Labeller(served().store, reader_chain(), graphs=label_graphs())


def linker() -> Linker:
    base = current_app.config.get("BASE_URL") or request.script_root
    return Linker(base, lang_param())


def cache() -> dict:
    """Things the pages compute once per served dataset (search index, ontology page …)."""
    return served().cache.setdefault("pages", {})
