"""The ontology and the shapes, for people and machines: /ontology, /ontology/diagram, /shapes.

``/ontology`` (the ontology's IRI, https://w3id.org/kgraph/ontology, whose terms are its
hash IRIs) is pyLODE's documentation, made once per app from the served ontology graph,
with each term's anchor set to its local name so ``ontology#State`` lands on ``State``;
RDF by content negotiation. ``/shapes`` lists every SHACL shape; Turtle by conneg.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, make_response, render_template, request, url_for
from rdflib import Graph, Literal

from ..describe import TooManyForJsonLd, serialize_triples
from ..diagram import graph_of, ontology_diagram
from ..namespaces import KG, PREFIXES, Graphs
from ..shapes_doc import shapes_overview
from . import negotiation, served
from .bounded import bounded, data, jsonld_too_large
from .errors import WebError
from .pages import HTML, RESOURCE_FORMATS, page_labeller
from .reader import cache, linker, reader_chain
from .safe_html import clean_document

bp = Blueprint("ontology_doc", __name__)


def _require(graph: str, what: str) -> None:
    if served().kind != "kgraph" or graph not in served().store.named_graphs():
        raise WebError(404, f"This server serves no {what}: it serves {served().title}.")


def _rdf(graph: str, fmt) -> Response:
    result = data().query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graphs=[graph])
    triples = sorted(result.raw, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    try:
        body = serialize_triples(triples, fmt)
    except TooManyForJsonLd:
        raise jsonld_too_large(f"The graph <{graph}>") from None
    response = Response(body, content_type=negotiation.content_type(fmt))
    return response


def _alternates(path: str) -> str:
    return ", ".join(f'<{path}?format={f.name}>; rel="alternate"; type="{f.media_type}"'
                     for f in RESOURCE_FORMATS)


def _finish(response: Response, path: str) -> Response:
    response.headers["Link"] = _alternates(path)
    response.vary.add("Accept")
    return response


def anchored(html: str, fids: dict[str, str]) -> str:
    """pyLODE's page with each kg: term's fragment id renamed to the term's local name."""
    namespace = str(KG._NS)
    for iri, fid in sorted(fids.items()):
        if not iri.startswith(namespace):
            continue
        local = iri[len(namespace):]
        if local == fid or f'id="{local}"' in html:
            continue
        html = html.replace(f'id="{fid}"', f'id="{local}"').replace(f'href="#{fid}"', f'href="#{local}"')
    return html


def english_only(graph: Graph) -> Graph:
    """The graph without the other-language twins of English literals (pyLODE writes one
    language; the terms' labels in uz, ru and kk stay in the RDF and on the entity pages)."""
    english = {(s, p) for s, p, o in graph if isinstance(o, Literal) and o.language == "en"}
    for s, p, o in list(graph):
        if isinstance(o, Literal) and o.language and o.language != "en" and (s, p) in english:
            graph.remove((s, p, o))
    return graph


def ontology_html() -> str:
    pages = cache()
    if "ontology_html" not in pages:
        from pylode import OntPub

        graph = english_only(graph_of(data(), str(Graphs.ONTOLOGY)))
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        publication = OntPub(ontology=graph)
        # pyLODE leaves some values unescaped: clean its page before it is served.
        html = clean_document(anchored(publication.make_html(), publication.fids))
        style = "color:#fff;margin-right:1.2em;text-decoration:none"
        links = [("ui.index", "kgraph"), ("ontology_doc.diagram_page", "Ontology diagram"),
                 ("ontology_doc.shapes", "Shapes"), ("pages.timeline_page", "Timeline")]
        nav = ('<nav class="kgraph-nav" style="padding:.5em 1em;background:#1f3b57;font:15px sans-serif">'
               + "".join(f'<a style="{style}" href="{url_for(e)}">{t}</a>' for e, t in links) + "</nav>")
        pages["ontology_html"] = re.sub(r"<body([^>]*)>", lambda m: f"<body{m.group(1)}>{nav}", html, count=1)
    return pages["ontology_html"]


@bp.get("/ontology")
@bounded
def ontology() -> Response:
    _require(str(Graphs.ONTOLOGY), "kgraph ontology")
    fmt = negotiation.choose(RESOURCE_FORMATS, request.accept_mimetypes, negotiation.requested_format(request.args),
                             what="the ontology")
    if fmt is HTML:
        response = make_response(ontology_html())
    else:
        response = _rdf(str(Graphs.ONTOLOGY), fmt)
    return _finish(response, request.path)


def _diagram() -> dict:
    return ontology_diagram(graph_of(data(), str(Graphs.ONTOLOGY)), page_labeller(), linker())


@bp.get("/ontology/diagram")
@bounded
def diagram_page() -> Response:
    _require(str(Graphs.ONTOLOGY), "kgraph ontology")
    response = make_response(render_template("ontology_diagram.html", diagram=_diagram()))
    response.vary.add("Accept-Language")
    return response


@bp.get("/ontology/diagram.json")
@bounded
def diagram_json() -> Response:
    _require(str(Graphs.ONTOLOGY), "kgraph ontology")
    response = jsonify(_diagram())
    response.vary.add("Accept-Language")
    return response


@bp.get("/shapes")
@bounded
def shapes() -> Response:
    _require(str(Graphs.SHAPES), "SHACL shapes")
    fmt = negotiation.choose(RESOURCE_FORMATS, request.accept_mimetypes, negotiation.requested_format(request.args),
                             what="the shapes")
    if fmt is HTML:
        docs = shapes_overview(graph_of(data(), str(Graphs.SHAPES)), reader_chain())
        response = make_response(render_template("shapes.html", shapes=docs))
    else:
        response = _rdf(str(Graphs.SHAPES), fmt)
    return _finish(response, request.path)

