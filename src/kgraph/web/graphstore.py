"""/rdf-graphs: the SPARQL 1.1 Graph Store HTTP Protocol, read side (GET and HEAD).

https://www.w3.org/TR/sparql11-http-rdf-update/ — ``?graph=IRI`` names a graph of the
dataset, ``?default`` the default graph (the same one a query sees when it names none).
Exactly one of the two; a graph the dataset lacks is a 404. Writes (PUT, POST, DELETE,
PATCH) are refused with 405: the graph changes only through ``kgraph build``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, redirect, request, url_for

from ..formats import RDF_FORMATS
from ..namespaces import BASE
from ..store import QueryResult, Store
from . import negotiation, served
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


def read_graph(store: Store, graph: str | None) -> QueryResult:
    """The triples of a named graph (a 404 when the store has none of that name) or of the default graph."""
    if graph is None:
        return store.query(_ALL)
    if graph not in store.named_graphs():
        raise WebError(404, f"There is no graph named <{graph}> here. The named graphs are listed in "
                            "the service description (GET /sparql) and at /void.")
    return store.query(_GRAPH.format(iri=graph), default_graphs=[], named_graphs=[graph])


@bp.route("/rdf-graphs", methods=["GET"])
def graph_store() -> Response:
    wanted = read_graph_request(request.args)
    fmt = negotiation.choose(RDF_FORMATS, request.accept_mimetypes,
                             negotiation.requested_format(request.args), what="a graph")
    result = read_graph(served().store, wanted.graph)
    response = Response(result.serialize(fmt), content_type=negotiation.content_type(fmt))
    response.vary.add("Accept")
    return response


@bp.get("/graph/<name>")
def named_graph(name: str) -> Response:
    """The IRI of each named graph (https://w3id.org/kgraph/graph/asserted …) resolves:
    303 See Other to its content at /rdf-graphs, where it is negotiated."""
    iri = BASE + "graph/" + name
    if iri not in served().store.named_graphs():
        raise WebError(404, f"There is no named graph {iri} in this dataset. "
                            f"The graphs are listed by the service description at /sparql.")
    return redirect(url_for("graphstore.graph_store", graph=iri), code=303)
