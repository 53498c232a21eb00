"""What the dataset is, in RDF: the VoID description (``/.well-known/void``, ``/void``), and
the helpers it shares with the service description (:mod:`kgraph.web.service`).

https://www.w3.org/TR/void/
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from ..formats import RDF_FORMATS, Format
from ..namespaces import KG, KGR, PREFIXES
from ..store import write_triples
from ..jsonld_context import MAX_TRIPLES as JSONLD_MAX_TRIPLES
from . import negotiation, served
from .bounded import bounded, jsonld_too_large
from .dataset import ServedDataset
from .statistics import DatasetStatistics, GraphStatistics, dataset_statistics, union_of_all

bp = Blueprint("description", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
WIKIDATA = "http://www.wikidata.org/entity/"
#: The URLs of the data dumps (served by the exports' blueprint), one per RDF format.
DUMPS = tuple(f"/download/kgraph.{fmt.suffix}" for fmt in RDF_FORMATS)
_DESCRIPTION_PREFIXES = {**PREFIXES, "sd": SD, "void": VOID, "formats": "http://www.w3.org/ns/formats/"}

Triples = list[ox.Triple]


def public_url(path: str) -> str:
    """The absolute URL of ``path`` on this server: under the ``base_url`` setting, else
    under :func:`server_url`. Never from the request's ``Host`` header, which the client
    writes: a request with ``Host: evil.example`` must not make VoID or the service
    description (cached by clients and crawlers) point elsewhere."""
    base = current_app.config.get("BASE_URL") or server_url()
    return base.rstrip("/") + path


#: Bind addresses that name every interface, not one a client can reach.
_WILDCARDS = {"", "0.0.0.0", "::", "[::]", "*"}


def server_url() -> str:
    """``http://HOST:PORT`` from the ``host`` and ``port`` settings the server listens on (a
    wildcard bind address, 0.0.0.0 or ::, as ``localhost``; an IPv6 address in brackets).
    Set ``base_url`` for the URL the public reaches the server at."""
    host = str(current_app.config.get("HOST") or "").strip()
    if host in _WILDCARDS:
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = str(current_app.config.get("PORT") or "").strip()
    return f"http://{host}" + ("" if port in ("", "80") else f":{port}")


def statistics(dataset: ServedDataset) -> DatasetStatistics:
    """The dataset's VoID numbers, counted on first use and kept for the process's life."""
    if "statistics" not in dataset.cache:
        uri_space = str(KGR) if dataset.kind == "kgraph" else None
        dataset.cache["statistics"] = dataset_statistics(
            dataset.store, union=union_of_all(dataset.store, dataset.default_graphs), uri_space=uri_space)
    return dataset.cache["statistics"]


class Writer:
    """Collects triples; subjects and objects given as IRIs (str) or terms."""

    def __init__(self) -> None:
        self.triples: Triples = []

    def add(self, s, p: str, o) -> None:
        term = lambda x: ox.NamedNode(x) if isinstance(x, str) else x  # noqa: E731
        self.triples.append(ox.Triple(term(s), ox.NamedNode(p), term(o)))

    def counts(self, node, stats: GraphStatistics) -> None:
        for prop, value in (("triples", stats.triples), ("distinctSubjects", stats.distinct_subjects),
                            ("distinctObjects", stats.distinct_objects), ("properties", stats.properties),
                            ("classes", stats.classes)):
            self.add(node, VOID + prop, ox.Literal(value))


def void_description(dataset: ServedDataset, document: str) -> Triples:
    """The VoID description of the served dataset, with its partitions, subsets and linkset."""
    stats, w, ds = statistics(dataset), Writer(), document + "#dataset"
    w.add(document, RDF_TYPE, VOID + "DatasetDescription")
    w.add(document, FOAF + "primaryTopic", ds)
    w.add(ds, RDF_TYPE, VOID + "Dataset")
    w.add(ds, DCT + "title", ox.Literal(dataset.title, language="en"))
    w.add(ds, VOID + "sparqlEndpoint", public_url("/sparql"))
    w.counts(ds, stats.total)
    w.add(ds, VOID + "entities", ox.Literal(stats.total.distinct_subjects))
    for vocabulary in stats.vocabularies:
        w.add(ds, VOID + "vocabulary", vocabulary)
    for example in stats.example_resources:
        w.add(ds, VOID + "exampleResource", example)
    if dataset.kind == "kgraph":
        w.add(ds, VOID + "uriSpace", ox.Literal(str(KGR)))
        for path, fmt in zip(DUMPS, RDF_FORMATS):
            w.add(ds, VOID + "dataDump", public_url(path))
            w.add(ds, VOID + "feature", fmt.iri)
        if dataset.manifest.get("built"):
            w.add(ds, DCT + "modified", ox.Literal(dataset.manifest["built"],
                                                   datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")))
    for cls, entities in stats.class_partitions.items():
        part = ox.BlankNode()
        w.add(ds, VOID + "classPartition", part)
        w.add(part, VOID + "class", cls)
        w.add(part, VOID + "entities", ox.Literal(entities))
    for prop, triples in stats.property_partitions.items():
        part = ox.BlankNode()
        w.add(ds, VOID + "propertyPartition", part)
        w.add(part, VOID + "property", prop)
        w.add(part, VOID + "triples", ox.Literal(triples))
    for index, (name, graph_stats) in enumerate(stats.named_graphs.items(), 1):
        subset = f"{document}#graph-{index}"
        w.add(ds, VOID + "subset", subset)
        w.add(subset, RDF_TYPE, VOID + "Dataset")
        w.add(subset, SD + "name", name)
        w.counts(subset, graph_stats)
    if dataset.kind == "kgraph" or stats.wikidata_links:
        links = document + "#wikidata-links"
        w.add(ds, VOID + "subset", links)
        w.add(links, RDF_TYPE, VOID + "Linkset")
        w.add(links, VOID + "linkPredicate", str(KG.wikidataItem))
        w.add(links, VOID + "subjectsTarget", ds)
        w.add(links, VOID + "objectsTarget", "https://www.wikidata.org/")
        w.add(links, VOID + "triples", ox.Literal(stats.wikidata_links))
        w.add("https://www.wikidata.org/", VOID + "uriSpace", ox.Literal(WIKIDATA))
    return w.triples


def serialize_triples(triples: Triples, fmt: Format) -> bytes:
    """The triples in ``fmt``, declaring only the prefixes they use (JSON-LD: compacted with
    the project's context, embedded so that no client has to fetch it)."""
    iris = {t.value for triple in triples for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, ox.NamedNode)}
    used = {p: ns for p, ns in _DESCRIPTION_PREFIXES.items() if any(i.startswith(ns) for i in iris)}
    return write_triples(triples, fmt, prefixes=used)


@bp.route("/void")
@bp.route("/.well-known/void")
@bounded
def void() -> Response:
    fmt = negotiation.choose(RDF_FORMATS, request.accept_mimetypes, negotiation.requested_format(request.args),
                             what="a VoID description")
    triples = void_description(served(), public_url("/void"))
    if fmt.oxigraph == ox.RdfFormat.JSON_LD and len(triples) > JSONLD_MAX_TRIPLES:
        raise jsonld_too_large("The VoID description")
    body = serialize_triples(triples, fmt)
    response = Response(body, content_type=negotiation.content_type(fmt))
    response.vary.add("Accept")
    return response
