"""The one table of result and RDF formats: names users type, media types, file suffixes.

The CLI's ``--format`` choices and the endpoint's content negotiation both read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat

from .errors import UnknownFormat


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    oxigraph: object  # a pyoxigraph QueryResultsFormat or RdfFormat
    aliases: tuple[str, ...] = ()


#: Formats for SELECT and ASK results.
RESULTS_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", "srx", QueryResultsFormat.XML),
    Format("csv", "text/csv", "csv", QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", "tsv", QueryResultsFormat.TSV),
)

#: Formats for graphs (CONSTRUCT, DESCRIBE) and datasets.
RDF_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", RdfFormat.TURTLE, ("ttl",)),
    Format("jsonld", "application/ld+json", "jsonld", RdfFormat.JSON_LD, ("json-ld",)),
    Format("ntriples", "application/n-triples", "nt", RdfFormat.N_TRIPLES, ("nt",)),
    Format("rdfxml", "application/rdf+xml", "rdf", RdfFormat.RDF_XML, ("xml", "rdf")),
    Format("trig", "application/trig", "trig", RdfFormat.TRIG),
    Format("nquads", "application/n-quads", "nq", RdfFormat.N_QUADS, ("nq",)),
)


def _find(formats: tuple[Format, ...], name: str) -> Format:
    wanted = name.lower()
    for fmt in formats:
        if wanted in (fmt.name, fmt.media_type, *fmt.aliases):
            return fmt
    raise UnknownFormat(name, (f.name for f in formats))


def results_format(name: str) -> Format:
    """A SELECT/ASK results format by name (``json``) or media type."""
    return _find(RESULTS_FORMATS, name)


def rdf_format(name: str) -> Format:
    """An RDF format by name (``turtle``), alias (``ttl``) or media type."""
    return _find(RDF_FORMATS, name)
