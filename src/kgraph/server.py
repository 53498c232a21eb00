"""``kgraph serve``: the web app on granian (never Flask's development server).

granian (a Rust HTTP server, hyper underneath) reads every request's line and headers in
Rust, without a Python thread, under a time limit (``header_timeout``). What reaches Python
is :class:`Front`, an RSGI application in each worker's event loop that

- refuses what is too big before any Python thread is involved — a URL over
  :data:`MAX_REQUEST_LINE` bytes (414), header fields over :data:`MAX_HEADER_BYTES` (431),
  a body over the app's ``MAX_CONTENT_LENGTH`` (413, a chunked one as soon as it passes the
  limit) — each answer in the project's error shape with the security headers;
- reads the body asynchronously, within ``body_timeout`` (else 408);
- only then hands the complete request to the Flask app, in a pool of ``threads`` threads.

So a slow or idle client holds a socket and a few kilobytes, never a thread: see
docs/serving.md for the measurements that chose this over gunicorn behind a buffer.

The app is created once, in the main process, before the workers fork (granian's workers
are ``multiprocessing`` processes, forked here): the data is loaded and its VoID statistics
counted once, and the per-client counters of :mod:`kgraph.web.limits` live in memory every
worker shares. Each worker starts its query processes as it starts
(:meth:`Front.__rsgi_init__`); a worker that dies is replaced, and its query processes die
with it (``PR_SET_PDEATHSIG``, :mod:`kgraph.execution`). Settings come from
:func:`kgraph.settings.resolve` (defaults < config file < ``KGRAPH_*`` environment < command
line).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import Flask

from .layout import Layout

logger = logging.getLogger("kgraph.server")

#: What every answer says in its Server header: no product or version for a scanner to match.
SERVER_NAME = "kgraph"

#: Longest request line read (method, URL, version), as gunicorn's most; a longer URL is a 414
#: advising POST.
MAX_REQUEST_LINE = 8190
#: Most bytes of header fields (names and values) a request may carry; more is a 431.
MAX_HEADER_BYTES = 16384
#: Most bytes of a request's head granian buffers while reading it (hyper's reads overshoot it:
#: heads up to about 100 KB get through). Beyond that, for a URL over 65,534 bytes and for more
#: than 100 header fields (hyper's own limits), hyper refuses the request itself with an empty
#: 431 or 414 and closes the connection: the JSON answers here cover everything short of that.
HEAD_BUFFER_BYTES = 65536
#: Bytes of a streamed answer gathered in the app's thread before one send.
STREAM_BATCH = 256 * 1024
#: Seconds a worker has to finish its requests when told to stop, then it is killed.
GRACEFUL_SECONDS = 10

LONG_URL_MESSAGE = (f"The request's URL is longer than this server reads ({MAX_REQUEST_LINE} bytes). "
                    "Send a long SPARQL query by POST instead: as the body with Content-Type "
                    "application/sparql-query, or as query=… in an application/x-www-form-urlencoded body.")


def _error(status: int, message: str, extra: Sequence[tuple[str, str]] = ()) -> tuple[int, list, bytes]:
    """An answer of the server's own, as the app answers errors (JSON, security headers)."""
    from .web.errors import error_body
    from .web.security import HEADERS

    body = (json.dumps(error_body(status, message), ensure_ascii=False) + "\n").encode("utf-8")
    headers = [("Content-Type", "application/json; charset=utf-8"), *HEADERS.items(),
               ("Server", SERVER_NAME), ("Connection", "close"), *extra]
    return status, headers, body


class _TooLarge(Exception):
    pass


class Front:
    """The RSGI application of a worker: checks and reads a request, then runs the WSGI app."""

    def __init__(self, app: Flask, settings: Mapping[str, Any]):
        self.app = app
        self.threads = max(1, int(settings["threads"]))
        self.body_timeout = float(settings["body_timeout"])
        self.request_timeout = float(settings["timeout"])
        self.max_body = int(app.config.get("MAX_CONTENT_LENGTH") or 0)
        self.host, self.port = str(settings["host"]), str(settings["port"])
        self.pool: ThreadPoolExecutor | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._running: dict[int, float] = {}  # request id → when the app started on it
        self._ids = iter(range(1, sys.maxsize))

    # --- the worker's life --------------------------------------------------------------------

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """In the worker, before it accepts connections: threads, watchdog, query processes."""
        self.loop = loop
        # Twice as many request threads as query processes: a request waiting for a query
        # slot or process (kgraph.web.limits, kgraph.execution) holds a thread, and with one
        # thread per process, busy clients' waiting requests kept a newcomer from any thread.
        self.pool = ThreadPoolExecutor(2 * self.threads, thread_name_prefix="kgraph-request")
        if self.request_timeout > 0:
            threading.Thread(target=self._watchdog, name="kgraph-watchdog", daemon=True).start()
        from .web.sparql import executor

        pool = executor(self.app)
        if pool is not None:
            # All of them, one after the other (the first answers while the rest start), so a
            # worker's memory is what it will stay under load. Not waiting: pages are served at
            # once, a first query waits for the first process.
            pool.start(every=True)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def _watchdog(self) -> None:
        """The last resort of ``timeout``: a request the app has run on for longer than that
        (a thread stuck outside any query's own limit) ends the worker; granian starts another."""
        while True:
            time.sleep(1)
            now = time.monotonic()
            if any(now - started > self.request_timeout for started in list(self._running.values())):
                logger.error("a request ran past %g s (the timeout setting): restarting this worker",
                             self.request_timeout)
                os.kill(os.getpid(), signal.SIGKILL)

    # --- one request -------------------------------------------------------------------------

    async def __rsgi__(self, scope, protocol) -> None:
        if scope.proto != "http":
            return
        headers = scope.headers
        refusal = self._check_head(scope, headers)
        if refusal is not None:
            protocol.response_bytes(*refusal)
            return
        body = b""
        if "transfer-encoding" in headers or headers.get("content-length", "0") not in ("", "0"):
            try:
                body = await asyncio.wait_for(self._read_body(protocol), self.body_timeout)
            except _TooLarge:
                protocol.response_bytes(*self._too_large())
                return
            except asyncio.TimeoutError:
                protocol.response_bytes(*_error(408, (
                    f"The request's body did not arrive within {self.body_timeout:g} s (the body_timeout "
                    "setting). Send it at once; a SPARQL query is small.")))
                return
            except Exception:  # the client went away mid-body: nobody to answer
                return
        environ = self._environ(scope, headers, body)
        status, response_headers, first, rest = await self.loop.run_in_executor(self.pool, self._call, environ)
        if rest is None:
            protocol.response_bytes(status, response_headers, first)
            return
        iterator, result = rest
        try:
            transport = protocol.response_stream(status, response_headers)
            chunk = first
            while chunk:
                await transport.send_bytes(chunk)
                chunk = await self.loop.run_in_executor(self.pool, _batch, iterator)
        except Exception:  # the client went away, or the app's iterator failed: stop sending
            logger.debug("a streamed answer ended early", exc_info=True)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                await self.loop.run_in_executor(self.pool, close)

    def _check_head(self, scope, headers) -> tuple[int, list, bytes] | None:
        line = len(scope.method) + len(scope.path.encode("utf-8")) + len(scope.query_string) + 11
        if line > MAX_REQUEST_LINE:
            return _error(414, LONG_URL_MESSAGE)
        size = 0
        for name, value in headers.items():
            size += len(name) + len(value) + 4
        if size > MAX_HEADER_BYTES:
            return _error(431, f"The request's header fields are longer than this server reads "
                               f"({MAX_HEADER_BYTES} bytes in all). Send fewer or shorter headers.")
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return _error(400, "The request's Content-Length is not a whole number of bytes.")
            if self.max_body and int(length) > self.max_body:
                return self._too_large()
        return None

    def _too_large(self) -> tuple[int, list, bytes]:
        return _error(413, f"The request's body is larger than this server reads ({self.max_body} bytes). "
                           "A SPARQL query is at most the max_query_length setting in characters.")

    async def _read_body(self, protocol) -> bytes:
        parts, size = [], 0
        async for chunk in protocol:
            size += len(chunk)
            if self.max_body and size > self.max_body:
                raise _TooLarge
            parts.append(chunk)
        return b"".join(parts)

    def _environ(self, scope, headers, body: bytes) -> dict[str, Any]:
        server_host, _, server_port = scope.server.rpartition(":")
        client_host, _, client_port = scope.client.rpartition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server_host.strip("[]") or self.host,
            "SERVER_PORT": server_port or self.port,
            "SERVER_PROTOCOL": f"HTTP/{'1.0' if scope.http_version == '1' else scope.http_version}",
            "SERVER_SOFTWARE": SERVER_NAME,
            "REMOTE_ADDR": client_host.strip("[]"),
            "REMOTE_PORT": client_port,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if body or "content-length" in headers or "transfer-encoding" in headers:
            environ["CONTENT_LENGTH"] = str(len(body))  # the body is read whole: no chunking left
        for name, value in headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name in ("content-length", "transfer-encoding"):
                continue
            else:
                key = "HTTP_" + name.upper().replace("-", "_")
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _call(self, environ: dict[str, Any]):
        """In a pool thread: the WSGI app's answer as (status, headers, first bytes, rest)."""
        request_id = next(self._ids)
        self._running[request_id] = time.monotonic()
        try:
            started: list = []

            def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
                if exc_info and started:
                    raise exc_info[1].with_traceback(exc_info[2])
                started[:] = [status, headers]
                return _no_write

            result = self.app(environ, start_response)
            if isinstance(result, (list, tuple)):
                body, rest = b"".join(result), None
            else:
                iterator = iter(result)
                body = _batch(iterator)
                rest = (iterator, result)
            status, headers = started
            headers = [(k, v) for k, v in headers if k.lower() != "server"]
            headers.append(("Server", SERVER_NAME))
            return int(status.split(" ", 1)[0]), headers, body, rest
        except Exception:
            logger.exception("%s %s failed outside the app's error handling",
                             environ["REQUEST_METHOD"], environ["PATH_INFO"])
            return (*_error(500, "The server failed to answer this request. The failure is logged; "
                                 "if it persists, report it with the request you made."), None)
        finally:
            self._running.pop(request_id, None)


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the WSGI write() callable is not supported; return an iterable")


def _batch(iterator: Iterator[bytes]) -> bytes:
    """The next chunks of a streamed answer, up to :data:`STREAM_BATCH` bytes; b"" at its end."""
    parts, size = [], 0
    for chunk in iterator:
        if chunk:
            parts.append(chunk)
            size += len(chunk)
            if size >= STREAM_BATCH:
                break
    return b"".join(parts)


# --- granian -----------------------------------------------------------------------------------


def granian_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """granian's configuration (keyword arguments of its server) from kgraph's settings."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    workers = max(1, int(settings["workers"]))
    connections = max(1, int(settings["max_connections"]))
    return {
        "address": str(settings["host"]),
        "port": int(settings["port"]),
        "interface": Interfaces.RSGI,
        "workers": workers,
        # HTTP/1.1 only: no cleartext HTTP/2, whose streams the header limits below do not cover.
        "http": HTTPModes.http1,
        "http1_settings": HTTP1Settings(
            header_read_timeout=max(1, int(float(settings["header_timeout"]) * 1000)),
            keep_alive=bool(settings["keep_alive"]),
            max_buffer_size=HEAD_BUFFER_BYTES,
        ),
        "websockets": False,
        # Connections each worker holds at once; further ones wait in the listen queue.
        "backpressure": connections,
        "backlog": max(1024, connections * workers),
        "respawn_failed_workers": True,
        "workers_kill_timeout": GRACEFUL_SECONDS,
        "log_access": bool(settings["access_log"]),
        "log_level": LogLevels.info,
        "log_dictconfig": _LOGGING,
    }


#: granian's logging, on standard error (its default is standard output, where nothing else goes).
_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"generic": {"()": "logging.Formatter", "fmt": "[%(levelname)s] %(message)s"},
                   "access": {"()": "logging.Formatter", "fmt": "%(message)s"}},
    "handlers": {"console": {"formatter": "generic", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
                 "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
    "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
                "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
                "kgraph.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


def _server_class():
    from granian.server.mp import MPServer

    class KgraphServer(MPServer):
        """granian's process manager, minus its "crash loop" exit: granian stops the whole
        server when a worker dies within 5.5 s of its last replacement — which a client able
        to kill workers (a runaway past ``timeout``) could use to stop the service. Here a
        dead worker is always replaced, at most once a second."""

        _last_respawn = 0.0

        def _init_shared_socket(self):
            """One listening socket, made here and inherited by every worker (as gunicorn does),
            not granian's Linux default of a SO_REUSEPORT socket per worker: there the kernel
            ties each new connection to one worker's queue, and a worker that dies resets the
            connections waiting in it. Listening here also queues connections while no worker runs."""
            import socket

            from granian.net import SocketSpec

            self._ssp = None
            self._shd = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
            self._sfd = self._shd.get_fd()
            self._sso = socket.socket(fileno=self._sfd)
            self._sso.listen(self.backlog)
            self._sso.set_inheritable(True)

        def _respawn_workers(self, workers, spawn_target, target_loader, delay: float = 0):
            pause = 1.0 - (time.monotonic() - self._last_respawn)
            if pause > 0:
                time.sleep(pause)
            super()._respawn_workers(workers, spawn_target, target_loader, delay)
            self._last_respawn = time.monotonic()
            self.respawned_wrks.clear()

    return KgraphServer


def _warm(app: Flask) -> None:
    """Count the VoID statistics now, before the fork, so the workers share them.

    Not for an on-disk store: the main process must not open it (see
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
    # The workers must be forks of this process, which holds the app (3.14 defaults to
    # forkserver, which granian turns into spawn). The query processes are spawned regardless.
    multiprocessing.set_start_method("fork", force=True)
    app = make_app(settings, files, layout)
    _warm(app)
    front = Front(app, settings)
    server = _server_class()(target="kgraph", **granian_options(settings))
    server.serve(target_loader=lambda: front, wrap_loader=False)
