"""/rdf-graphs: the SPARQL 1.1 Graph Store HTTP Protocol, read side (GET and HEAD).

https://www.w3.org/TR/sparql11-http-rdf-update/ — ``?graph=IRI`` names a graph of the
dataset, ``?default`` the default graph (the same one a query sees when it names none).
Exactly one of the two; a graph the dataset lacks is a 404. Writes (PUT, POST, DELETE,
PATCH) are refused with 405: the graph changes only through ``kgraph build``.

Under the limits of /sparql (:mod:`kgraph.web.bounded`): the request holds a client slot,
the graph is read and serialized in a query process (killed at ``query_timeout``, JSON-LD
compacted there too), and a graph of more than ``max_result_rows`` triples (JSON-LD:
:data:`kgraph.jsonld_context.MAX_TRIPLES`) is a 422 that points to /download/, never a
graph cut short.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, redirect, request, url_for

from ..formats import RDF_FORMATS
from ..namespaces import BASE
from ..execution import Answer
from ..store import Store
from . import negotiation, served
from .bounded import BoundedStore, bounded, data
from .errors import WebError
from .protocol import check_iri

bp = Blueprint("graphstore", __name__)

_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
_GRAPH = "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"


@dataclass(frozen=True)
class GraphRequest:
    """Which graph a Graph Store Protocol request names: an IRI, or ``None`` for the default graph."""

    graph: str | None


def read_graph_request(args) -> GraphRequest:
    """The graph ``?graph=IRI`` or ``?default`` names; a 400 for both, neither, or a relative IRI."""
    graphs, default = args.getlist("graph"), "default" in args
    if default and graphs:
        raise WebError(400, "Give either ?default or ?graph=IRI, not both.")
    if default:
        return GraphRequest(None)
    if len(graphs) != 1:
        raise WebError(400, "Name one graph: ?graph=IRI (an absolute IRI) or ?default for the "
                            "default graph." + (" ?graph was given more than once." if graphs else ""))
    return GraphRequest(check_iri(graphs[0]))


def check_graph(store: Store, graph: str | None) -> None:
    """A 404 when ``graph`` names no graph of ``store`` (``None``: the default graph, always there)."""
    if graph is not None and graph not in store.named_graphs():
        raise WebError(404, f"There is no graph named <{graph}> here. The named graphs are listed in "
                            "the service description (GET /sparql) and at /void.")


def read_graph(store: BoundedStore, graph: str | None, format_name: str) -> Answer:
    """The triples of a named graph (a 404 when the store has none of that name) or of the
    default graph, serialized in the format named ``format_name`` (or the refusal)."""
    check_graph(store, graph)
    what = "The default graph" if graph is None else f"The graph <{graph}>"
    if graph is None:
        return store.answer(_ALL, {"graph": format_name}, what=what)
    return store.answer(_GRAPH.format(iri=graph), {"graph": format_name}, default_graphs=[],
                        named_graphs=[graph], what=what)


@bp.route("/rdf-graphs", methods=["GET"])
@bounded
def graph_store() -> Response:
    wanted = read_graph_request(request.args)
    fmt = negotiation.choose(RDF_FORMATS, request.accept_mimetypes,
                             negotiation.requested_format(request.args), what="a graph")
    answer = read_graph(data(), wanted.graph, fmt.name)
    response = Response(answer.body, content_type=negotiation.content_type(fmt))
    response.vary.add("Accept")
    return response


@bp.get("/graph/<name>")
@bounded
def named_graph(name: str) -> Response:
    """The IRI of each named graph (https://w3id.org/kgraph/graph/asserted …) resolves:
    303 See Other to its content at /rdf-graphs, where it is negotiated."""
    iri = BASE + "graph/" + name
    if iri not in served().store.named_graphs():
        raise WebError(404, f"There is no named graph {iri} in this dataset. "
                            f"The graphs are listed by the service description at /sparql.")
    return redirect(url_for("graphstore.graph_store", graph=iri), code=303)
