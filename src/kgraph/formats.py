"""The one table of result and RDF formats: names users type, media types, file suffixes.

The CLI's ``--format`` choices and the endpoint's content negotiation both read it.

Besides each format's own name and media type, the table holds the other names clients
use for it, so that they work unchanged: SPARQLWrapper's ``format=``/``output=`` values
(``json``, ``xml``, ``csv``, ``tsv``, ``turtle``, ``n3``, ``rdf``, ``rdf+xml``,
``json-ld``), rdflib's parser names (``nt``, ``ttl``, ``xml``, ``json-ld``), and the
media types registered or used before the current ones: ``text/plain`` for N-Triples
(rdflib's ``format="nt"`` asks for it), ``application/x-turtle``, and the N3 types for
Turtle (Turtle is N3 without its rules, so an N3 reader reads it).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat

from .errors import UnknownFormat

W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    oxigraph: object  # a pyoxigraph QueryResultsFormat or RdfFormat
    aliases: tuple[str, ...] = ()
    #: Other media types that ask for this format in an Accept header (after media_type).
    also: tuple[str, ...] = ()
    #: The format's IRI in https://www.w3.org/ns/formats/ (service descriptions name it).
    iri: str = ""

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.also)


#: Formats for SELECT and ASK results.
RESULTS_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", QueryResultsFormat.JSON,
           also=("application/json",), iri=W3C + "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", "srx", QueryResultsFormat.XML,
           also=("application/xml", "text/xml"), iri=W3C + "SPARQL_Results_XML"),
    Format("csv", "text/csv", "csv", QueryResultsFormat.CSV, iri=W3C + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "tsv", QueryResultsFormat.TSV, iri=W3C + "SPARQL_Results_TSV"),
)

#: Formats for graphs (CONSTRUCT, DESCRIBE) and datasets.
RDF_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", RdfFormat.TURTLE, ("ttl", "n3"),
           also=("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3"),
           iri=W3C + "Turtle"),
    # A graph asked for as plain JSON gets JSON-LD: the one JSON form of RDF offered here.
    Format("jsonld", "application/ld+json", "jsonld", RdfFormat.JSON_LD, ("json-ld", "json"),
           also=("application/json",), iri=W3C + "JSON-LD"),
    Format("ntriples", "application/n-triples", "nt", RdfFormat.N_TRIPLES, ("nt", "n-triples"),
           also=("text/plain",), iri=W3C + "N-Triples"),
    Format("rdfxml", "application/rdf+xml", "rdf", RdfFormat.RDF_XML, ("xml", "rdf", "rdf+xml"),
           also=("application/xml", "text/xml"), iri=W3C + "RDF_XML"),
    Format("trig", "application/trig", "trig", RdfFormat.TRIG, iri=W3C + "TriG"),
    Format("nquads", "application/n-quads", "nq", RdfFormat.N_QUADS, ("nq",), iri=W3C + "N-Quads"),
)


def find(formats: tuple[Format, ...], name: str) -> Format | None:
    """The format of ``formats`` called ``name`` (its name, an alias or a media type), or None.

    A media type's parameters are not part of its name (``text/turtle; charset=utf-8``).
    """
    wanted = name.split(";", 1)[0].strip().lower()
    for fmt in formats:
        if wanted in (fmt.name, *fmt.media_types, *fmt.aliases):
            return fmt
    return None


def _find(formats: tuple[Format, ...], name: str) -> Format:
    found = find(formats, name)
    if found is None:
        raise UnknownFormat(name, (f.name for f in formats))
    return found


def results_format(name: str) -> Format:
    """A SELECT/ASK results format by name (``json``) or media type."""
    return _find(RESULTS_FORMATS, name)


def rdf_format(name: str) -> Format:
    """An RDF format by name (``turtle``), alias (``ttl``) or media type."""
    return _find(RDF_FORMATS, name)
