"""Errors, translated once: every failure of a request becomes one response shape.

For machines, JSON (pinned by ``tests/web/test_protocol.py``)::

    {"error": {"status": 400, "title": "Bad Request", "message": "…"}}

For people (an Accept header that prefers ``text/html``, or ``text/plain``), the same
three things as a small page or as text. A user's mistake is a 4xx carrying the cause (the
SPARQL parser's message and position, the offered formats …); a server fault is a 500 that
is logged with its traceback and tells the client nothing of the internals.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Flask, Response, current_app, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from ..errors import KgraphError, QueryError, StoreUnavailable, UnknownFormat

JSON = "application/json"
HTML = "text/html"
TEXT = "text/plain"


class WebError(KgraphError):
    """A request the app refuses, with its HTTP status, message and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(status: int, message: str) -> dict:
    """The JSON body of every error response."""
    return {"error": {"status": status, "title": HTTPStatus(status).phrase, "message": message}}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON, HTML or text, whichever the request's Accept prefers (JSON on a tie)."""
    title = HTTPStatus(status).phrase
    chosen = request.accept_mimetypes.best_match([JSON, HTML, TEXT], default=JSON)
    if chosen == HTML:
        body = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{status} {escape(title)}</title></head>\n"
                f"<body><h1>{status} {escape(title)}</h1>\n<pre>{escape(message)}</pre>\n"
                f'<p><a href="/">kgraph</a></p></body></html>\n')
    elif chosen == TEXT:
        body = f"{status} {title}\n\n{message}\n"
    else:
        body = json.dumps(error_body(status, message), ensure_ascii=False) + "\n"
    response = Response(body, status=status, content_type=f"{chosen}; charset=utf-8")
    response.headers.update(headers or {})
    response.vary.add("Accept")
    return response


def _http_exception(exc: HTTPException) -> Response:
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    if exc.code == 500:
        return _server_fault(getattr(exc, "original_exception", None) or exc)
    message = exc.description or ""
    if exc.code == 405:
        message = (f"{request.method} is not allowed on {request.path}: use {headers.get('Allow', 'GET')}. "
                   "The graph is read-only here; it changes only through `kgraph build`.")
    return error_response(exc.code or 500, message, headers)


def _web_error(exc: WebError) -> Response:
    return error_response(exc.status, exc.message, exc.headers)


def _user_error(exc: KgraphError) -> Response:
    """A mistake in the request: 400, or the status the error class names (a refusal: 403)."""
    return error_response(getattr(exc, "status", 400), str(exc))


def _store_unavailable(exc: StoreUnavailable) -> Response:
    """The remote store is down or slow: 503, retry later. Its URL stays in the log."""
    current_app.logger.warning("%s %s: %s", request.method, request.path, exc)
    if exc.waited is not None:
        cause = (f"did not answer within {exc.waited:g} s (the query_timeout setting, and a second "
                 "for the network): the query may be too expensive, or the store too busy")
    else:
        cause = "is not answering at the moment"
    return error_response(503, f"The graph's store {cause}. Try again in {exc.retry_after} seconds.",
                          {"Retry-After": str(exc.retry_after)})


def _server_fault(exc: BaseException) -> Response:
    current_app.logger.error("%s %s failed", request.method, request.path, exc_info=exc)
    return error_response(500, "The server failed to answer this request. The failure is logged; "
                               "if it persists, report it with the request you made.")


def register(app: Flask) -> None:
    """Install the one translation of errors into responses."""
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(WebError, _web_error)
    app.register_error_handler(QueryError, _user_error)
    app.register_error_handler(UnknownFormat, _user_error)
    app.register_error_handler(StoreUnavailable, _store_unavailable)
    app.register_error_handler(Exception, _server_fault)
