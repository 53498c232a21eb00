"""Canonical RDF written in each format: the same quads give the same bytes.

The quads come canonical and sorted (:func:`kgraph.export.select`: RDFC-1.0 blank-node
labels, N-Quads order). N-Triples and N-Quads are pyoxigraph's canonical lines, sorted;
RDF/XML is pyoxigraph's, one ``rdf:Description`` per subject in that order; Turtle and
TriG are rdflib's readable writers (subjects grouped, blank nodes and lists nested,
subjects and properties sorted; graphs in IRI order), with literals written bare only when
that keeps their lexical form; JSON-LD is compacted with the project's context.

Terms are written exactly as the quads hold them. Language tags are lower-case, as the data
writes them and as pyoxigraph, rdflib and PyLD give them back (``uz-cyrl``; BCP 47 tags are
case-insensitive): nothing is re-cased on the way out, so every path (export, download,
``/sparql``) shows the same terms. docs/modelling.md, "Terms as the store keeps them".
"""

from __future__ import annotations

import io
import re

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.serializers.trig import TrigSerializer
from rdflib.plugins.serializers.turtle import TurtleSerializer

from . import jsonld_context
from .errors import KgraphError
from .formats import Format
from .namespaces import PREFIXES


class ExportError(KgraphError):
    """An export that cannot be made as asked."""


def _to_rdflib(term: object):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise ExportError(f"cannot export the term {term!r} (RDF-star is not supported).")


def _bind(graph: Graph) -> None:
    for prefix in sorted(PREFIXES):
        graph.bind(prefix, PREFIXES[prefix], override=True, replace=True)


def _lines(quads: list[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    if fmt == ox.RdfFormat.N_TRIPLES:
        items = [q.triple for q in quads]
    else:
        items = quads
    text = (ox.serialize(items, format=fmt) or b"").decode("utf-8")
    lines = sorted(line for line in text.split("\n") if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


#: Lexical forms Turtle may write bare (``42``, ``4.5``, ``1e3``, ``true``), by datatype.
_SHORTHAND = {
    str(XSD.integer): re.compile(r"[+-]?[0-9]+"),
    str(XSD.decimal): re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    str(XSD.double): re.compile(r"[+-]?([0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    str(XSD.boolean): re.compile(r"true|false"),
}


class _ExactLiterals:
    """rdflib's writer, but a literal is written bare only when that keeps its lexical form.

    rdflib writes ``"500"^^xsd:decimal`` as ``500.0``: the same value, another RDF term,
    and the file would no longer round-trip to the same graph.
    """

    def label(self, node, position):
        if isinstance(node, Literal) and node.datatype is not None:
            pattern = _SHORTHAND.get(str(node.datatype))
            plain = bool(pattern and pattern.fullmatch(str(node)))
            return node._literal_n3(use_plain=plain,
                                    qname_callback=lambda dt: self.get_pname(dt, False))
        return super().label(node, position)


class _Turtle(_ExactLiterals, TurtleSerializer):
    pass


class _SortedTrig(_ExactLiterals, TrigSerializer):
    """rdflib's TriG writer with the graphs in IRI order (it takes the store's own order)."""

    def __init__(self, store: Dataset):
        super().__init__(store)
        self.contexts.sort(key=lambda g: (g.identifier == self.default_context, str(g.identifier)))


def serialize(quads: list[ox.Quad], fmt: Format) -> bytes:
    """Canonical, sorted quads (:func:`select`) written in ``fmt``."""
    if fmt.name in ("ntriples", "nquads"):
        return _lines(quads, fmt.oxigraph)
    if fmt.name == "rdfxml":
        prefixes = {p: PREFIXES[p] for p in sorted(PREFIXES)}
        return ox.serialize([q.triple for q in quads], format=ox.RdfFormat.RDF_XML, prefixes=prefixes) or b""
    if fmt.name == "jsonld":
        nquads = _lines(quads, ox.RdfFormat.N_QUADS).decode("utf-8")
        return jsonld_context.dumps(jsonld_context.compact(nquads)).encode("utf-8")
    if fmt.name == "turtle":
        graph = Graph()
        _bind(graph)
        for quad in quads:
            graph.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
        out = io.BytesIO()
        _Turtle(graph).serialize(out, encoding="utf-8")
        return out.getvalue()
    if fmt.name == "trig":
        dataset = Dataset()
        _bind(dataset)
        for quad in quads:  # sorted: graphs come in IRI order
            target = dataset.graph(URIRef(quad.graph_name.value)) if isinstance(quad.graph_name, ox.NamedNode) \
                else dataset.default_context
            target.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
        out = io.BytesIO()
        _SortedTrig(dataset).serialize(out, encoding="utf-8")
        return out.getvalue()
    raise ExportError(f"cannot export as {fmt.name}.")
