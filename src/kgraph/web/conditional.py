"""HTTP validators and conditional requests (RFC 9110 §8.8, §13), in one place for the app.

One ``after_request`` hook, so no view repeats it:

- **Validators on data answers.** A 200 to GET or HEAD of a route in
  :data:`CONDITIONAL_ENDPOINTS` (``/id/…``, ``/rdf-graphs``) that has no ``ETag`` of
  its own gets one from :func:`kgraph.web.cache.etag` — the data's version, the media
  type, for an HTML page the reader's languages, and the body — and a ``Last-Modified``
  (the build's time, or the served files' newest modification). Then werkzeug's
  ``make_conditional`` answers ``If-None-Match`` / ``If-Modified-Since`` with a 304. The
  ETag names the representation: a Turtle validator is never a 304 for TriG.
- **Preconditions on other methods.** A POST (a query sent in the body) whose
  ``If-None-Match`` matches the answer's ETag, or is ``*``, is answered 412 Precondition
  Failed, never 304 (RFC 9110 §13.1.2: 304 is for GET and HEAD only). An ``If-Match`` that
  names no current ETag is a 412 on any method. As §13.2.1 says, preconditions are only
  looked at when the answer would otherwise be a 2xx.

/sparql sets its own ETag (only on answers it may cache, :mod:`kgraph.web.cache`) and
calls ``make_conditional`` itself; this hook then only does the second part for it.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import Flask, Response, current_app, request

from .cache import etag
from .errors import error_response

#: The views whose GET/HEAD answers get an ETag and Last-Modified here (Flask endpoint names).
CONDITIONAL_ENDPOINTS = frozenset({"pages.resource", "graphstore.graph_store"})
_SAFE = ("GET", "HEAD")


def _last_modified(dataset) -> datetime | None:
    """When the served data last changed: the build's time, else the newest served file's;
    ``None`` for a store given as an object. Computed once per dataset."""
    if "last_modified" not in dataset.cache:
        found = None
        built = (dataset.manifest or {}).get("built")
        if built:
            try:
                found = datetime.fromisoformat(built)
            except ValueError:
                found = None
        elif dataset.files:
            try:
                found = datetime.fromtimestamp(max(p.stat().st_mtime for p in dataset.files), timezone.utc)
            except OSError:
                found = None
        if found is not None:
            if found.tzinfo is None:
                found = found.replace(tzinfo=timezone.utc)
            # Never in the future (a clock ahead of this one): RFC 9110 §8.8.2.1.
            found = min(found, datetime.fromtimestamp(time.time(), timezone.utc)).replace(microsecond=0)
        dataset.cache["last_modified"] = found
    return dataset.cache["last_modified"]


def _language(response: Response) -> str | None:
    """The languages a page was written for (its labels follow them); ``None`` for data."""
    if response.mimetype not in ("text/html", "application/xhtml+xml"):
        return None
    from .reader import reader_chain

    return ",".join(reader_chain())


def add_validators(response: Response) -> Response:
    """Give a buffered 200 answer about the served data its ETag and Last-Modified."""
    dataset = current_app.extensions["kgraph"]
    response.headers["ETag"] = etag(dataset.version, response.get_data(), response.mimetype, _language(response))
    modified = _last_modified(dataset)
    if modified is not None:
        response.last_modified = modified
    return response


def _wants_validators(response: Response) -> bool:
    return (request.method in _SAFE and request.endpoint in CONDITIONAL_ENDPOINTS
            and response.status_code == 200 and not response.is_streamed
            and "ETag" not in response.headers and not response.cache_control.no_store)


def _precondition_failed(response: Response) -> Response | None:
    """The 412 the request's preconditions call for, if any (see the module's text)."""
    if not 200 <= response.status_code < 300:
        return None
    current, _weak = response.get_etag()
    if_match = request.if_match
    if request.headers.get("If-Match") and not (if_match.star_tag or (current and if_match.contains(current))):
        return error_response(412, "If-Match names no current representation of this resource"
                                   + (f"; its ETag is now {response.headers['ETag']}." if current else "."))
    if request.method in _SAFE or not request.headers.get("If-None-Match"):
        return None
    if_none_match = request.if_none_match
    if if_none_match.star_tag or (current and if_none_match.contains_weak(current)):
        return error_response(412, f"If-None-Match matches the answer to this {request.method}, and a "
                                   f"304 Not Modified is only for GET and HEAD: send the query with GET "
                                   "(?query=…) to revalidate an answer, or send no If-None-Match.")
    return None


def _conditional(response: Response) -> Response:
    if _wants_validators(response):
        add_validators(response).make_conditional(request)
    failed = _precondition_failed(response)
    if failed is not None:
        failed.vary.update(response.vary)
        return failed
    return response


def register(app: Flask) -> None:
    """Install the hook. Register it after CORS: Flask runs ``after_request`` hooks last
    registered first, so a 304 or 412 made here still gets the CORS headers."""
    app.after_request(_conditional)
