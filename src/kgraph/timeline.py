"""The dated facts of the graph in time order, each date at the precision the source gave.

A fact node carries up to three dates (``kg:date``, ``kg:startDate``, ``kg:endDate``), each
with its day bounds (earliest / latest ``xsd:date``); an event the source does not date may
carry bounds alone. :func:`timeline` lists every dated point of every fact (events, terms
of office, treaties, trade years, construction work …) ordered by its earliest day bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import RDF

from .namespaces import KG, SCHEMA, Graphs
from .presentation import format_date
from .store import Store


@dataclass(frozen=True)
class DateRole:
    name: str
    value: str
    earliest: str
    latest: str


#: The three dates a fact can have, each with its day bounds.
ROLES: tuple[DateRole, ...] = (
    DateRole("date", str(KG.date), str(KG.dateEarliest), str(KG.dateLatest)),
    DateRole("start", str(KG.startDate), str(KG.startEarliest), str(KG.startLatest)),
    DateRole("end", str(KG.endDate), str(KG.endEarliest), str(KG.endLatest)),
)
DATE_PROPERTIES: tuple[str, ...] = tuple(p for r in ROLES for p in (r.value, r.earliest, r.latest))

#: Classes whose members are put on the timeline (facts, and events that are not facts).
TIMELINE_CLASSES: tuple[str, ...] = (str(KG.Fact), str(SCHEMA.Event))


@dataclass(frozen=True)
class DatePoint:
    """One date of a fact: ``value`` as the source gave it (or ``None``), and its day bounds."""

    role: str
    value: ox.Literal | None
    earliest: str | None
    latest: str | None

    @property
    def text(self) -> str:
        """``2008``, ``December 2008``, ``23 November 1992``; bounds when no date is given."""
        if self.value is not None:
            return format_date(self.value.value, self.value.datatype.value)
        if self.earliest and self.latest:
            if self.earliest == self.latest:
                return format_date(self.earliest)
            return f"between {format_date(self.earliest)} and {format_date(self.latest)}"
        if self.earliest:
            return f"not before {format_date(self.earliest)}"
        return f"not after {format_date(self.latest or '')}"

    @property
    def first_day(self) -> str | None:
        """The earliest day bound, or the first day the precise value can mean."""
        return self.earliest or _lower_day(self.value)

    @property
    def sort_key(self) -> tuple[str, str]:
        """The earliest day bound (from the value when bounds are missing), then the latest.

        A point with only a latest bound ("not after 26 March 2025") sorts at that day, not
        at the end of time.
        """
        low = self.first_day or self.latest or ""
        return (low, self.latest or low)


def _lower_day(value: ox.Literal | None) -> str | None:
    if value is None:
        return None
    text = value.value
    if len(text) == 4:
        return text + "-01-01"
    if len(text) == 7:
        return text + "-01"
    return text[:10]


def date_points(values: Mapping[str, Iterable[ox.Literal]]) -> list[DatePoint]:
    """The dated points among ``{property: literals}`` (one node's date properties)."""
    points = []
    for role in ROLES:
        value = next(iter(values.get(role.value, ())), None)
        earliest = next((lit.value for lit in values.get(role.earliest, ())), None)
        latest = next((lit.value for lit in values.get(role.latest, ())), None)
        if value is not None or earliest or latest:
            points.append(DatePoint(role.name, value, earliest, latest))
    return points


@dataclass(frozen=True)
class TimelineEntry:
    iri: str
    point: DatePoint
    types: tuple[str, ...]  # the node's asserted classes


def _values(items: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in items)


def timeline(store: Store) -> list[TimelineEntry]:
    """Every dated point of every fact or event, earliest first."""
    sparql = (
        f"SELECT ?node ?p ?v WHERE {{ VALUES ?p {{ {_values(DATE_PROPERTIES)} }} ?node ?p ?v "
        f"FILTER(isIRI(?node)) FILTER EXISTS {{ VALUES ?t {{ {_values(TIMELINE_CLASSES)} }} ?node a ?t }} }}"
    )
    by_node: dict[str, dict[str, list[ox.Literal]]] = {}
    for row in store.query(sparql).raw:
        by_node.setdefault(row["node"].value, {}).setdefault(row["p"].value, []).append(row["v"])
    types: dict[str, list[str]] = {}
    if by_node:
        sparql = (f"SELECT ?node ?t WHERE {{ VALUES ?node {{ {_values(by_node)} }} "
                  f"?node <{RDF.type}> ?t FILTER(isIRI(?t)) }}")
        for row in store.query(sparql, default_graphs=[str(Graphs.ASSERTED)]).raw:
            types.setdefault(row["node"].value, []).append(row["t"].value)
    entries = [
        TimelineEntry(node, point, tuple(sorted(types.get(node, ()))))
        for node, values in by_node.items()
        for point in date_points(values)
    ]
    role_order = {r.name: i for i, r in enumerate(ROLES)}
    entries.sort(key=lambda e: (*e.point.sort_key, role_order[e.point.role], e.iri))
    return entries
