"""The SHACL shapes, readable: each shape with its targets, its constraints and messages.

:func:`shapes_overview` reads a shapes graph (rdflib) into :class:`ShapeDoc` records for the
/shapes page: node shapes with their property shapes and SPARQL constraints nested, RDF
lists and blank-node expressions (``sh:or ( [ sh:class … ] … )``) written out as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from .labels import prefixed_name

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: Shown apart from the constraints (or not at all).
NOT_CONSTRAINTS = {RDF.type, RDFS.label, RDFS.comment, SH.message, SH.severity, SH.property, SH.sparql,
                   SH.path, SH.name, SH.description, SH.order, SH.group, SH.select, SH.prefixes,
                   SH.deactivated, *TARGETS}


@dataclass
class ShapeDoc:
    anchor: str
    iri: str | None
    kind: str  # "node", "property" or "sparql"
    label: str
    comment: str
    targets: list[tuple[str, str]] = field(default_factory=list)
    path: str | None = None
    constraints: list[tuple[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    severity: str | None = None
    select: str | None = None
    properties: list[ShapeDoc] = field(default_factory=list)
    sparql: list[ShapeDoc] = field(default_factory=list)


def term_text(graph: Graph, node, depth: int = 0) -> str:
    """A term as Turtle-like text: prefixed names, lists in ( ), blank nodes in [ ]."""
    if isinstance(node, URIRef):
        return prefixed_name(str(node))
    if isinstance(node, Literal):
        if node.language:
            return f'"{node}"@{node.language}'
        return f'"{node}"' if node.datatype in (None, XSD.string) else str(node)
    if depth > 4:
        return "[ … ]"
    if (node, RDF.first, None) in graph or node == RDF.nil:
        return "( " + " ".join(term_text(graph, m, depth + 1) for m in Collection(graph, node)) + " )"
    parts = [f"{prefixed_name(str(p))} {term_text(graph, o, depth + 1)}"
             for p, o in sorted(graph.predicate_objects(node)) if p != RDF.type]
    return "[ " + " ; ".join(parts) + " ]"


def _text(graph: Graph, node, prop, langs: Sequence[str]) -> list[str]:
    def rank(value) -> tuple[int, str]:
        lang = (getattr(value, "language", None) or "").lower()
        return (langs.index(lang) if lang in langs else len(langs), str(value))

    return [str(v) for v in sorted(graph.objects(node, prop), key=rank)]


def _anchor(node, used: set[str]) -> str:
    """A page-unique id: the shape's local name, or ``shape-N`` for a blank node."""
    base = str(node).rsplit("#", 1)[-1].rsplit("/", 1)[-1] if isinstance(node, URIRef) else "shape"
    anchor, n = base, 1
    while anchor in used or (anchor == "shape"):
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def _doc(graph: Graph, node, kind: str, langs: Sequence[str], used: set[str]) -> ShapeDoc:
    label = (_text(graph, node, RDFS.label, langs) or _text(graph, node, SH.name, langs) or [""])[0]
    comment = (_text(graph, node, RDFS.comment, langs)
               or _text(graph, node, SH.description, langs) or [""])[0]
    doc = ShapeDoc(_anchor(node, used), str(node) if isinstance(node, URIRef) else None, kind,
                   label or (prefixed_name(str(node)) if isinstance(node, URIRef) else ""), comment)
    doc.targets = [(prefixed_name(str(t)), term_text(graph, o))
                   for t in TARGETS for o in graph.objects(node, t)]
    path = graph.value(node, SH.path)
    doc.path = term_text(graph, path) if path is not None else None
    doc.constraints = sorted((prefixed_name(str(p)), term_text(graph, o))
                             for p, o in graph.predicate_objects(node) if p not in NOT_CONSTRAINTS)
    doc.messages = _text(graph, node, SH.message, langs)[:1]
    severity = graph.value(node, SH.severity)
    doc.severity = prefixed_name(str(severity)) if severity is not None else None
    select = graph.value(node, SH.select)
    doc.select = str(select).strip() if select is not None else None
    return doc


def shapes_overview(graph: Graph, langs: Sequence[str] = ("en",)) -> list[ShapeDoc]:
    """Every node shape (and property shape standing on its own), its parts nested, by label."""
    used: set[str] = set()
    node_shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    nested = {o for s in node_shapes for o in graph.objects(s, SH.property)}
    standalone = {s for s in graph.subjects(RDF.type, SH.PropertyShape) if s not in nested}
    standalone |= {s for s in graph.subjects(SH.path, None) if s not in nested and any(
        (s, t, None) in graph for t in TARGETS)}
    docs = []
    for node in sorted(node_shapes, key=str):
        doc = _doc(graph, node, "node", langs, used)
        parts = [_doc(graph, p, "property", langs, used) for p in graph.objects(node, SH.property)]
        doc.properties = sorted(parts, key=lambda d: (d.path or "", d.label))
        doc.sparql = [_doc(graph, c, "sparql", langs, used) for c in graph.objects(node, SH.sparql)]
        docs.append(doc)
    docs += [_doc(graph, node, "property", langs, used) for node in sorted(standalone, key=str)]
    return sorted(docs, key=lambda d: (d.label.casefold(), d.anchor))
