"""Dates at their precision and the timeline of dated facts (kgraph.presentation,
kgraph.timeline), on a small fixture graph and on the real build."""

from __future__ import annotations


import pyoxigraph as ox
import pytest

from kgraph.namespaces import KG
from kgraph.presentation import format_date, format_literal
from kgraph.timeline import DatePoint, timeline

KGR = "https://w3id.org/kgraph/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


@pytest.mark.parametrize(
    ("value", "datatype", "shown"),
    [
        ("2008", "gYear", "2008"),
        ("2008-12", "gYearMonth", "December 2008"),
        ("1992-11-23", "date", "23 November 1992"),
        ("2022-11", "gYearMonth", "November 2022"),
        ("2008Z", "gYear", "2008"),
    ],
)
def test_dates_keep_their_precision(value, datatype, shown):
    assert format_date(value, XSD + datatype) == shown
    assert format_literal(_typed(value, datatype)) == shown


@pytest.mark.parametrize(
    ("literal", "shown"),
    [
        (_typed("4000000000", "integer"), "4\u202f000\u202f000\u202f000"),
        (_typed("0.5", "decimal"), "0.5"),
        (_typed("true", "boolean"), "yes"),
        (ox.Literal("plain text"), "plain text"),
    ],
)
def test_other_literals(literal, shown):
    assert format_literal(literal) == shown


@pytest.mark.parametrize(
    ("point", "text"),
    [
        (DatePoint("date", _typed("2008", "gYear"), "2008-01-01", "2008-12-31"), "2008"),
        (DatePoint("start", _typed("2023-11", "gYearMonth"), "2023-11-01", "2023-11-30"), "November 2023"),
        (DatePoint("date", None, "2022-11-01", "2025-01-27"), "between 1 November 2022 and 27 January 2025"),
        (DatePoint("date", None, "2022-11-01", None), "not before 1 November 2022"),
        (DatePoint("date", None, None, "2025-01-27"), "not after 27 January 2025"),
    ],
)
def test_date_point_text(point, text):
    assert point.text == text


def test_fixture_timeline_in_order_of_earliest_day(small_store):
    entries = timeline(small_store)
    seen = [(e.iri.removeprefix(KGR), e.point.role, e.point.text) for e in entries]
    assert seen == [
        ("independence", "date", "1991"),
        ("term-one", "start", "December 2008"),
        ("term-one", "end", "5 March 2011"),
        ("treaty-of-friendship", "date", "2022"),
        ("reopening", "date", "between 1 November 2022 and 27 January 2025"),
    ]
    treaty = next(e for e in entries if e.iri.endswith("treaty-of-friendship"))
    assert treaty.types == (str(KG.Treaty),)  # the asserted class, not the inferred kg:Fact


def test_real_timeline_is_ordered_and_complete(store):
    entries = timeline(store)
    keys = [e.point.sort_key for e in entries]
    assert all(a[0] <= b[0] for a, b in zip(keys, keys[1:]))
    # Every dated event, treaty, term of office and trade figure is on it.
    sparql = f"""SELECT DISTINCT ?x WHERE {{
        VALUES ?t {{ <{KG.Event}> <{KG.Treaty}> <{KG.TermOfOffice}> <{KG.TradeVolume}> }}
        ?x a ?t . {{ ?x <{KG.dateEarliest}> ?d }} UNION {{ ?x <{KG.startEarliest}> ?d }} }}"""
    dated = {row["x"].value for row in store.query(sparql).raw}
    assert dated, "the built graph has dated facts"
    assert dated <= {e.iri for e in entries}
    # No invented day: a year shows as a year, a month as month and year.
    for entry in entries:
        value = entry.point.value
        if value is not None and value.datatype.value == XSD + "gYear":
            assert entry.point.text == value.value.lstrip("0")
        if value is not None and value.datatype.value == XSD + "gYearMonth":
            assert len(entry.point.text.split()) == 2


def test_real_timeline_has_the_establishment_of_diplomatic_relations(store):
    entries = {e.iri.removeprefix(KGR): e for e in timeline(store)}
    assert entries["establishment-of-diplomatic-relations-uz-kz"].point.text == "23 November 1992"


def test_a_point_with_only_a_latest_bound_sorts_at_that_day(store):
    # Regression: "not after 26 March 2025" sorted after 2027 under a made-up 9999-12-31.
    from kgraph.timeline import timeline

    entries = timeline(store)
    days = [e.point.sort_key[0] for e in entries]
    assert "9999-12-31" not in days
    assert days == sorted(days)
    opening = next(e for e in entries if e.iri.endswith("opening-uzbek-distribution-centre-aktau"))
    assert opening.point.sort_key[0] == "2025-03-26"
