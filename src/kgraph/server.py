"""``kgraph serve``: the web app on gunicorn (never Flask's development server).

The app is created once, in gunicorn's master process (``preload_app``): the data is loaded
and its VoID statistics counted before the workers fork, so every worker shares them.
Settings come from :func:`kgraph.settings.resolve` (defaults < config file < ``KGRAPH_*``
environment < command line).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gunicorn.http.wsgi
from flask import Flask
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestLine
from gunicorn.http.message import MAX_REQUEST_LINE
from gunicorn.workers import gthread, sync

from .layout import Layout


def gunicorn_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn's configuration from kgraph's settings."""
    threads = max(1, int(settings["threads"]))
    return {
        "bind": [f"{settings['host']}:{settings['port']}"],
        "workers": max(1, int(settings["workers"])),
        "threads": threads,
        "worker_class": f"kgraph.server.{'ThreadWorker' if threads > 1 else 'SyncWorker'}",
        "timeout": int(settings["timeout"]),
        "graceful_timeout": 10,
        "preload_app": True,
        "accesslog": "-" if settings["access_log"] else None,
        "errorlog": "-",
        "proc_name": "kgraph",
        # No control socket: its default path is shared by every gunicorn of the user.
        "control_socket_disable": True,
        # Refuse absurd requests before they reach the app. 8190 is gunicorn's most (a larger
        # value is silently cut to it; 0 would read a line of any length into memory); a
        # longer URL gets the project's error shape from the workers below, advising POST.
        "limit_request_line": MAX_REQUEST_LINE,
        # The query processes start with the worker, not with its first query.
        "post_worker_init": _start_query_processes,
    }


def _start_query_processes(worker) -> None:
    from .web.sparql import executor

    pool = executor(worker.wsgi)
    if pool is not None:
        # All of them, one after the other (the first answers while the rest start), so a
        # worker's memory is what it will stay under load. Not waiting: pages are served at
        # once, a first query waits for the first process.
        pool.start(every=True)


class _ProjectErrors:
    """A gunicorn worker that answers a request line over the limit as the app answers errors
    (JSON: status, title, message), not with gunicorn's HTML page."""

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, LimitRequestLine):
            return super().handle_error(req, client, addr, exc)
        from .web.errors import error_body

        body = (json.dumps(error_body(414, LONG_URL_MESSAGE)) + "\n").encode("utf-8")
        head = (f"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n"
                f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n")
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except OSError:
            pass  # the client is gone
        self.log.info("refused a request line over %d bytes from %s", MAX_REQUEST_LINE, addr)


LONG_URL_MESSAGE = (f"The request's URL is longer than this server reads ({MAX_REQUEST_LINE} bytes). "
                    "Send a long SPARQL query by POST instead: as the body with Content-Type "
                    "application/sparql-query, or as query=… in an application/x-www-form-urlencoded body.")


class ThreadWorker(_ProjectErrors, gthread.ThreadWorker):
    pass


class SyncWorker(_ProjectErrors, sync.SyncWorker):
    pass


class KgraphServer(BaseApplication):
    """gunicorn running the app that ``factory`` makes (called once, in the master)."""

    def __init__(self, factory: Callable[[], Flask], options: Mapping[str, Any]):
        self.factory = factory
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        # gunicorn names itself in every response's Server header; say only "kgraph"
        # (no server product for a scanner to match). Its Response reads this module global.
        gunicorn.http.wsgi.SERVER = "kgraph"
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
