"""What the graph says about one resource: its description, for pages and for machines.

:func:`describe` gathers the triples in and out of a resource from the asserted and the
inferred graphs, remembering which were inferred; :func:`description_triples` is the
resource's concise bounded description (outgoing triples, blank nodes followed one level,
and incoming triples) from the default graph, for RDF answers by content negotiation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import PROV, RDF, RDFS

from .formats import Format
from .namespaces import KG, PREFIXES, Graphs
from .store import Store, write_triples

_PAIR = (str(Graphs.ASSERTED), str(Graphs.INFERRED))
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`]*")


def valid_iri(iri: str) -> bool:
    """True for an absolute IRI that can be written between ``<`` and ``>`` in SPARQL as is."""
    return bool(_IRI.fullmatch(iri))


@dataclass(frozen=True)
class Statement:
    """One triple around the described resource: ``other`` is the object of an outgoing
    triple or the subject of an incoming one."""

    predicate: str
    other: ox.NamedNode | ox.BlankNode | ox.Literal
    inferred: bool


@dataclass
class Description:
    """The statements about one IRI, as asserted or inferred."""

    iri: str
    outgoing: list[Statement] = field(default_factory=list)
    incoming: list[Statement] = field(default_factory=list)
    #: More statements out of (into) the resource than were read (see :func:`describe`'s ``limit``).
    more_outgoing: bool = False
    more_incoming: bool = False
    limit: int | None = None

    def objects(self, predicate: str) -> list:
        return [s.other for s in self.outgoing if s.predicate == predicate]

    def iris(self, predicate: str) -> list[str]:
        return [o.value for o in self.objects(predicate) if isinstance(o, ox.NamedNode)]

    @property
    def types(self) -> list[str]:
        return self.iris(str(RDF.type))

    @property
    def is_fact(self) -> bool:
        """A fact node (``kg:Fact`` or one of its subclasses, asserted or inferred)."""
        return str(KG.Fact) in self.types

    @property
    def sources(self) -> list[str]:
        return self.iris(str(PROV.wasDerivedFrom))

    @property
    def wikidata_items(self) -> list[str]:
        return self.iris(str(KG.wikidataItem))

    def neighbours(self) -> set[str]:
        """Every IRI this description mentions (for fetching their labels at once)."""
        found = {s.predicate for s in (*self.outgoing, *self.incoming)}
        found |= {s.other.value for s in (*self.outgoing, *self.incoming)
                  if isinstance(s.other, ox.NamedNode)}
        return found


def _statements(store: Store, pattern: str, var: str, split: bool,
                limit: int | None = None) -> tuple[list[Statement], bool]:
    """The statements matching ``pattern``, and whether more rows than ``limit`` were there
    (then only those of the first ``limit`` rows are kept)."""
    cut = f" LIMIT {limit + 1}" if limit is not None else ""
    if split:
        sparql = f"SELECT ?p ?{var} ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}{cut}"
        rows = store.query(sparql, default_graphs=[], named_graphs=list(_PAIR)).raw
    else:
        rows = store.query(f"SELECT ?p ?{var} WHERE {{ {pattern} }}{cut}").raw
    found: dict[tuple, bool] = {}
    more = False
    for n, row in enumerate(rows):
        if limit is not None and n >= limit:
            more = True
            break
        key = (row["p"].value, row[var])
        inferred = split and row["g"].value == str(Graphs.INFERRED)
        found[key] = found.get(key, True) and inferred
    return [Statement(p, other, inferred) for (p, other), inferred in found.items()], more


def statements_query(iri: str, direction: str, offset: int = 0, limit: int = 1000) -> str:
    """The SPARQL query of the ``outgoing`` or ``incoming`` statements of ``iri``, a page of
    them (for a reader who wants the statements a page did not show)."""
    node = f"<{iri}>"
    pattern, var = (f"{node} ?p ?o", "o") if direction == "outgoing" else (f"?s ?p {node}", "s")
    return (f"SELECT ?p ?{var} WHERE {{ {pattern} }} ORDER BY ?p ?{var} "
            f"LIMIT {limit}" + (f" OFFSET {offset}" if offset else ""))


def describe(store: Store, iri: str, *, split: bool = True, limit: int | None = None) -> Description | None:
    """The statements in and out of ``iri``; ``None`` when the graph does not mention it.

    ``split``: read the asserted and inferred graphs of a built kgraph dataset apart, so
    inferred statements are marked; otherwise read the store's default graph as asserted.
    ``limit``: read at most this many rows each way; the description then says whether
    there were more (``more_outgoing``, ``more_incoming``), for a page to say so.
    """
    if not valid_iri(iri):
        return None
    node = f"<{iri}>"
    out, more_out = _statements(store, f"{node} ?p ?o", "o", split, limit)
    into, more_in = _statements(store, f"?s ?p {node}", "s", split, limit)
    if not out and not into:
        return None
    order = {str(RDF.type): 0, str(RDFS.label): 1}
    out.sort(key=lambda s: (order.get(s.predicate, 2), s.predicate, s.inferred, str(s.other)))
    into.sort(key=lambda s: (s.predicate, s.inferred, str(s.other)))
    return Description(iri, out, into, more_outgoing=more_out, more_incoming=more_in, limit=limit)


def description_triples(store: Store, iri: str) -> list[ox.Triple]:
    """The resource's concise bounded description, from the default graph (asserted and
    inferred): its outgoing triples (and those of blank nodes it points to) and incoming ones."""
    if not valid_iri(iri):
        return []
    node = f"<{iri}>"
    sparql = (
        f"CONSTRUCT {{ {node} ?p ?o . ?o ?bp ?bo . ?s ?q {node} }} WHERE {{ "
        f"{{ {node} ?p ?o OPTIONAL {{ FILTER(isBlank(?o)) ?o ?bp ?bo }} }} "
        f"UNION {{ ?s ?q {node} }} }}"
    )
    triples = list(store.query(sparql).raw)
    triples.sort(key=lambda t: (t.subject.value != iri, str(t.subject), str(t.predicate), str(t.object)))
    return triples


class TooManyForJsonLd(ValueError):
    """More triples than JSON-LD compaction is given (see :data:`kgraph.jsonld_context.MAX_TRIPLES`)."""

    def __init__(self, triples: int, limit: int):
        super().__init__(f"{triples} triples, more than the {limit} compacted into JSON-LD at once")
        self.triples = triples
        self.limit = limit


def serialize_triples(triples: list[ox.Triple], fmt: Format, *, context_iri: str | None = None) -> bytes:
    """``triples`` written in an RDF format of :mod:`kgraph.formats`, prefixes declared.

    JSON-LD (compacted in this thread, slowly) only of at most
    :data:`kgraph.jsonld_context.MAX_TRIPLES` triples: more is :class:`TooManyForJsonLd`."""
    if not isinstance(fmt.oxigraph, ox.RdfFormat):
        raise ValueError(f"{fmt.name} is not an RDF format")
    if fmt.oxigraph == ox.RdfFormat.JSON_LD:
        from .jsonld_context import MAX_TRIPLES

        if len(triples) > MAX_TRIPLES:
            raise TooManyForJsonLd(len(triples), MAX_TRIPLES)
    return write_triples(triples, fmt, prefixes=PREFIXES, context_iri=context_iri)