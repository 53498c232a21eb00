"""Pages for people over the graph's resources: /id/… (linked data), /search, /timeline.

Every IRI ``https://w3id.org/kgraph/id/X`` is served at ``/id/X``: an HTML page by default
(a browser's Accept), or the resource's description in an RDF format of
:mod:`kgraph.formats` by content negotiation (``Accept`` or ``?format=``), with ``Link``
headers naming the alternates. The logic lives in the library (:mod:`kgraph.describe`,
:mod:`kgraph.resource_view`, :mod:`kgraph.search`, :mod:`kgraph.timeline`,
:mod:`kgraph.diagram`); these views only translate HTTP.

Every view here reads the data through :func:`kgraph.web.bounded.data` under the limits of
/sparql (a client slot, the query timeout, the row cap). A resource's page shows at most
:data:`PAGE_STATEMENTS` statements each way, says so when there are more and links to the
SPARQL query that gives them; its RDF is whole or refused (422), never cut.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, make_response, render_template, request

from ..describe import TooManyForJsonLd, describe, description_triples, serialize_triples, statements_query
from ..diagram import neighbourhood
from ..formats import RDF_FORMATS, Format
from ..labels import Labeller, display_tag
from ..namespaces import KGR, Graphs
from ..presentation import Linker, show_term
from ..resource_view import resource_view
from ..search import SearchIndex
from ..timeline import timeline
from . import negotiation, served
from .bounded import bounded, data, jsonld_too_large
from .errors import WebError
from .reader import cache, label_graphs, linker, reader_chain

bp = Blueprint("pages", __name__)

HTML = Format("html", "text/html", "html", None, also=("application/xhtml+xml",))
#: What a resource's IRI answers in: the page first (also for ``*/*``), then RDF.
RESOURCE_FORMATS: tuple[Format, ...] = (HTML, *RDF_FORMATS)
JSON = "application/json"
#: The most statements a resource's page shows each way (out of it, into it); the page says
#: when there are more and links to the query that pages through them.
PAGE_STATEMENTS = 500


def _alternates(iri: str) -> str:
    href = Linker(linker().base_url).href(iri)
    return ", ".join(f'<{href}?format={f.name}>; rel="alternate"; type="{f.media_type}"'
                     for f in RESOURCE_FORMATS)


def page_labeller() -> Labeller:
    """The reader's labels, read through the request's bounded store."""
    return Labeller(data(), reader_chain(), graphs=label_graphs())


def _split() -> bool:
    return served().kind == "kgraph"


#: Statements per page of the SPARQL query a truncated page links to.
MORE_STATEMENTS = 1000


def _more(iri: str, direction: str) -> str:
    """The /sparql URL of all the statements one way of a resource, ordered, the first
    :data:`MORE_STATEMENTS` of them (its OFFSET gives the next ones)."""
    from urllib.parse import quote

    return "/sparql?query=" + quote(statements_query(iri, direction, 0, MORE_STATEMENTS), safe="")


@bp.get("/id/<path:rest>")
@bounded
def resource(rest: str) -> Response:
    iri = str(KGR) + rest
    fmt = negotiation.choose(RESOURCE_FORMATS, request.accept_mimetypes,
                             negotiation.requested_format(request.args), what="a resource's description")
    store = data()
    if fmt is HTML:
        description = describe(store, iri, split=_split(), limit=PAGE_STATEMENTS)
        if description is None:
            body = render_template("not_found.html", iri=iri, q=rest.replace("-", " "))
            response = make_response(body, 404)
        else:
            names, links = page_labeller(), linker()
            view = resource_view(store, description, names, links)
            graphs = (str(Graphs.ASSERTED),) if _split() else None
            diagram = neighbourhood(store, iri, names, links, graphs)
            more = {direction: _more(iri, direction) for direction, cut in
                    (("outgoing", description.more_outgoing), ("incoming", description.more_incoming)) if cut}
            response = make_response(render_template("resource.html", view=view, diagram=diagram, more=more,
                                                     shown=PAGE_STATEMENTS, per_page=MORE_STATEMENTS))
    else:
        if fmt.oxigraph == ox.RdfFormat.JSON_LD:
            with store.for_jsonld(f"The description of {iri}"):  # no more triples read than are compacted (slowly) here
                triples = description_triples(store, iri)
        else:
            triples = description_triples(store, iri)
        if not triples:
            raise WebError(404, f"No resource {iri} in this graph. Search for it at /search?q=…",
                           {"Vary": "Accept"})
        try:
            body = serialize_triples(triples, fmt)
        except TooManyForJsonLd:
            raise jsonld_too_large(f"The description of {iri}") from None
        response = Response(body, content_type=negotiation.content_type(fmt))
    if response.status_code == 200:
        response.headers["Link"] = _alternates(iri)
    response.vary.update(["Accept", "Accept-Language"])
    return response


def _wants_json() -> bool:
    if negotiation.requested_format(request.args) in ("json", JSON):
        return True
    return request.accept_mimetypes.best_match(["text/html", JSON], default="text/html") == JSON


def search_index() -> SearchIndex:
    pages = cache()
    if "search" not in pages:
        pages["search"] = SearchIndex.from_store(data())
    return pages["search"]


def _types(iris: list[str]) -> dict[str, list[str]]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    sparql = f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t FILTER(isIRI(?t)) }}"
    graphs = [str(Graphs.ASSERTED)] if _split() else None
    found: dict[str, list[str]] = {}
    for row in data().query(sparql, default_graphs=graphs).raw:
        found.setdefault(row["s"].value, []).append(row["t"].value)
    return found


@bp.get("/search")
@bounded
def search() -> Response:
    query = request.args.get("q", "").strip()
    try:
        limit = max(1, min(int(request.args.get("limit", "50")), 200))
    except ValueError:
        raise WebError(400, f"limit={request.args['limit']!r} is not a whole number; "
                            "give one from 1 to 200.") from None
    hits = search_index().search(query, limit) if query else []
    names, links = page_labeller(), linker()
    types = _types([h.iri for h in hits])
    names.prefetch({h.iri for h in hits} | {t for ts in types.values() for t in ts})
    results = []
    for hit in hits:
        label = names.label(hit.iri)
        results.append({
            "iri": hit.iri, "href": links.href(hit.iri), "label": label.text,
            "lang": display_tag(label.lang) or None,
            "matched": hit.matched.value, "matchedLang": display_tag(hit.matched.language) or None,
            "score": hit.score,
            "types": sorted(names.label(t).text for t in types.get(hit.iri, [])),
        })
    if _wants_json():
        response = jsonify({"query": query, "results": results})
    else:
        response = make_response(render_template("search.html", q=query, results=results))
    response.vary.update(["Accept", "Accept-Language"])
    return response


@bp.get("/timeline")
@bounded
def timeline_page() -> Response:
    pages = cache()
    if "timeline" not in pages:
        pages["timeline"] = timeline(data())
    entries = pages["timeline"]
    names, links = page_labeller(), linker()
    names.prefetch({e.iri for e in entries} | {t for e in entries for t in e.types})
    rows = []
    for entry in entries:
        label = names.label(entry.iri)
        rows.append({
            "iri": entry.iri, "href": links.href(entry.iri), "label": label.text,
            "lang": display_tag(label.lang) or None, "role": entry.point.role, "when": entry.point.text,
            "earliest": entry.point.first_day, "latest": entry.point.latest,
            "precise": entry.point.value is not None,
            "types": [show_term(ox.NamedNode(t), names, links).text for t in entry.types],
        })
    if _wants_json():
        response = jsonify({"entries": rows})
    else:
        response = make_response(render_template("timeline.html", rows=rows))
    response.vary.update(["Accept", "Accept-Language"])
    return response


@bp.get("/diagram.json")
@bounded
def diagram_json() -> Response:
    iri = request.args.get("iri", "").strip()
    if not iri:
        raise WebError(400, "give the resource's IRI: /diagram.json?iri=https://w3id.org/kgraph/id/…")
    graphs = (str(Graphs.ASSERTED),) if _split() else None
    store = data()
    found = neighbourhood(store, iri, page_labeller(), linker(), graphs)
    if len(found["elements"]["nodes"]) <= 1 and describe(store, iri, split=_split(), limit=1) is None:
        raise WebError(404, f"No resource {iri} in this graph.")
    response = jsonify(found)
    response.vary.add("Accept-Language")
    return response
