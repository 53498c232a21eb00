"""/sparql: the SPARQL 1.1 Protocol endpoint (query operation; read-only).

The view only translates HTTP: :func:`kgraph.web.protocol.read_query` reads the query and
its dataset from the request, the served store answers it, :mod:`kgraph.web.negotiation`
picks the format. A GET with no query returns the SPARQL 1.1 Service Description (or, for
a browser, redirects to the UI at ``/``).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.datastructures import MultiDict

from ..federation import check_query
from ..formats import RDF_FORMATS
from ..store import check_nesting
from . import negotiation, protocol, served
from .description import public_url, serialize_triples
from .errors import WebError
from .service import service_description

bp = Blueprint("sparql", __name__)

HTML = "text/html"


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    mimetype = request.mimetype
    asked = protocol.read_query(
        request.method,
        mimetype,
        request.mimetype_params,
        request.args,
        request.form if mimetype == protocol.FORM else MultiDict(),
        request.get_data() if mimetype == protocol.DIRECT else b"",
    )
    if asked is None:
        return _service_description()
    store = served().store
    check_nesting(asked.query)  # before any parser sees it: deep nesting crashes them
    federated = check_query(asked.query, current_app.config["FEDERATION_ALLOW"],
                            local_graphs=store.named_graphs(), default_graphs=asked.default_graphs or (),
                            named_graphs=asked.named_graphs or ())
    result = None
    try:
        result = store.query(asked.query, default_graphs=asked.default_graphs,
                             named_graphs=asked.named_graphs)
        fmt = negotiation.for_result(result.kind, request.accept_mimetypes, _format_parameter())
        body = result.serialize(fmt)
    except OSError as exc:
        if not federated:
            raise
        raise WebError(502, f"A SERVICE call of the query failed: {exc}") from None
    finally:
        # pyoxigraph results belong to the thread that made them: drop ours here, not when a
        # traceback that still holds this frame is collected on another thread (a 406 …).
        del result
    return _response(body, negotiation.content_type(fmt))


def _format_parameter() -> str | None:
    form = request.form if request.mimetype == protocol.FORM else {}
    return request.args.get("format") or form.get("format")


def _service_description() -> Response:
    accept = request.accept_mimetypes
    if accept and not request.args.get("format"):
        wanted = accept.best_match([*(f.media_type for f in RDF_FORMATS), HTML])
        if wanted == HTML:
            response = redirect("/", code=303)
            response.vary.add("Accept")
            return response
    fmt = negotiation.choose(RDF_FORMATS, accept, request.args.get("format"),
                             what="a service description")
    triples = service_description(served(), public_url("/sparql"))
    return _response(serialize_triples(triples, fmt), negotiation.content_type(fmt))


def _response(body: bytes, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    return response
