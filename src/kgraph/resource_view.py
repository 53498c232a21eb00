"""What an entity's page shows, built from its :class:`~kgraph.describe.Description`.

Names in the reader's languages, types, the Wikidata item (or that there is none), for a
fact node its sources (with their addresses) and dates at their precision, and every
other link in and out by label, inferred ones marked. No Flask here: the web layer only
renders a :class:`ResourceView`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from .describe import Description, Statement
from .labels import Label, Labeller, best_literal
from .namespaces import SCHEMA
from .presentation import Linker, Shown, show_term
from .store import Store
from .timeline import DATE_PROPERTIES, DatePoint, date_points

#: Shown in the page's head, so left out of its tables of links.
IN_HEAD = {str(RDF.type), str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel), str(RDFS.comment)}


@dataclass(frozen=True)
class Group:
    """The values of one property (outgoing) or the subjects pointing here by it (incoming)."""

    predicate: Shown
    values: list[Shown]


@dataclass(frozen=True)
class SourceRef:
    source: Shown
    url: str | None
    identifier: str | None


@dataclass
class ResourceView:
    iri: str
    href: str
    label: Label
    names: list[Label]
    alt_names: list[Label]
    comment: Label | None
    types: list[Shown]
    is_fact: bool
    wikidata: list[Shown]
    sources: list[SourceRef]
    dates: list[DatePoint]
    outgoing: list[Group] = field(default_factory=list)
    incoming: list[Group] = field(default_factory=list)


def _groups(statements: list[Statement], labeller: Labeller, linker: Linker, skip: set[str]) -> list[Group]:
    grouped: dict[str, list[Shown]] = {}
    for st in statements:
        if st.predicate not in skip:
            grouped.setdefault(st.predicate, []).append(show_term(st.other, labeller, linker, st.inferred))
    groups = [Group(show_term(ox.NamedNode(p), labeller, linker),
                    sorted(values, key=lambda s: (s.inferred, s.text)))
              for p, values in grouped.items()]
    return sorted(groups, key=lambda g: g.predicate.text.casefold())


def _source_details(store: Store, sources: list[str]) -> dict[str, tuple[str | None, str | None]]:
    if not sources:
        return {}
    values = " ".join(f"<{s}>" for s in sources)
    sparql = (f"SELECT ?s ?url ?id WHERE {{ VALUES ?s {{ {values} }} "
              f"OPTIONAL {{ ?s <{SCHEMA.url}> ?url }} OPTIONAL {{ ?s <{DCTERMS.identifier}> ?id }} }}")
    found: dict[str, tuple[str | None, str | None]] = {}
    for row in store.query(sparql).raw:
        url, ident = row["url"], row["id"]
        found[row["s"].value] = (url.value if url is not None else None,
                                 ident.value if ident is not None else None)
    return found


def resource_view(store: Store, description: Description, labeller: Labeller, linker: Linker) -> ResourceView:
    """The page model of ``description`` for a reader (``labeller``) on a server (``linker``)."""
    labeller.prefetch(description.neighbours() | {description.iri})
    iri = description.iri
    alt = [lit for lit in description.objects(str(SKOS.altLabel)) if isinstance(lit, ox.Literal)]
    comment = best_literal([c for c in description.objects(str(RDFS.comment)) if isinstance(c, ox.Literal)],
                           labeller.chain)
    types = sorted({show_term(st.other, labeller, linker, st.inferred) for st in description.outgoing
                    if st.predicate == str(RDF.type) and isinstance(st.other, ox.NamedNode)},
                   key=lambda s: (s.inferred, s.text.casefold()))
    details = _source_details(store, description.sources)
    sources = [SourceRef(show_term(ox.NamedNode(s), labeller, linker), *details.get(s, (None, None)))
               for s in sorted(description.sources)]
    date_values: dict[str, list[ox.Literal]] = {}
    for st in description.outgoing:
        if st.predicate in DATE_PROPERTIES and isinstance(st.other, ox.Literal):
            date_values.setdefault(st.predicate, []).append(st.other)
    dates = date_points(date_values)
    return ResourceView(
        iri=iri,
        href=linker.href(iri),
        label=labeller.label(iri),
        names=labeller.all_labels(iri),
        alt_names=sorted({Label(a.value, a.language) for a in alt}, key=lambda n: (n.lang or "", n.text)),
        comment=Label(comment.value, comment.language) if comment is not None else None,
        types=types,
        is_fact=description.is_fact,
        wikidata=[show_term(ox.NamedNode(w), labeller, linker) for w in description.wikidata_items],
        sources=sources,
        dates=dates,
        outgoing=_groups(description.outgoing, labeller, linker, IN_HEAD),
        incoming=_groups(description.incoming, labeller, linker, set()),
    )
