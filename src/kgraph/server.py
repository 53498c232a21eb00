"""``kgraph serve``: the web app on gunicorn (never Flask's development server).

The app is created once, in gunicorn's master process (``preload_app``): the data is loaded
and its VoID statistics counted before the workers fork, so every worker shares them.
Settings come from :func:`kgraph.settings.resolve` (defaults < config file < ``KGRAPH_*``
environment < command line).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from .layout import Layout


def gunicorn_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn's configuration from kgraph's settings."""
    threads = max(1, int(settings["threads"]))
    return {
        "bind": [f"{settings['host']}:{settings['port']}"],
        "workers": max(1, int(settings["workers"])),
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": int(settings["timeout"]),
        "graceful_timeout": 10,
        "preload_app": True,
        "accesslog": "-" if settings["access_log"] else None,
        "errorlog": "-",
        "proc_name": "kgraph",
        # No control socket: its default path is shared by every gunicorn of the user.
        "control_socket_disable": True,
        # Refuse absurd requests before they reach the app (a SPARQL query in a URL can be long).
        "limit_request_line": 16384,
    }


class KgraphServer(BaseApplication):
    """gunicorn running the app that ``factory`` makes (called once, in the master)."""

    def __init__(self, factory: Callable[[], Flask], options: Mapping[str, Any]):
        self.factory = factory
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None and key in self.cfg.settings:  # older gunicorns lack some
                self.cfg.set(key, value)

    def load(self) -> Flask:
        app = self.factory()
        _warm(app)
        return app


def _warm(app: Flask) -> None:
    """Count the VoID statistics now, before the fork, so the workers share them.

    Not for an on-disk store: the master must not open it (see
    :class:`kgraph.web.stores.PerProcessStore`); each worker counts on first use.
    """
    from .web.description import statistics

    dataset = app.extensions["kgraph"]
    if not getattr(dataset.store, "opened_per_process", False):
        statistics(dataset)


def make_app(settings: Mapping[str, Any], files: Sequence[Path] = (), layout: Layout | None = None) -> Flask:
    from .web import create_app

    return create_app(dict(settings), files=list(files) or None, layout=layout)


def serve(settings: Mapping[str, Any], files: Sequence[Path] = (), layout: Layout | None = None) -> None:
    """Serve ``files`` (or the built graph of ``layout``) until stopped (SIGINT/SIGTERM)."""
    KgraphServer(lambda: make_app(settings, files, layout), gunicorn_options(settings)).run()
