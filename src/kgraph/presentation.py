"""How terms are shown to people: dates at their precision, amounts, links by label.

A date keeps the precision the source gave: ``"2008"^^xsd:gYear`` shows as ``2008``,
``"2008-12"^^xsd:gYearMonth`` as ``December 2008``, ``"1992-11-23"^^xsd:date`` as
``23 November 1992``; a day is never made up. IRIs of the graph become links on the
server that serves it (:class:`Linker`), shown by their label (:mod:`kgraph.labels`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.namespace import XSD

from .labels import Label, Labeller, prefixed_name
from .namespaces import BASE, WD

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

_YEAR = re.compile(r"^(-?\d{4,})(Z|[+-]\d\d:\d\d)?$")
_YEAR_MONTH = re.compile(r"^(-?\d{4,})-(\d\d)(Z|[+-]\d\d:\d\d)?$")
_DATE = re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d)(Z|[+-]\d\d:\d\d)?$")
_NUMBERS = {str(XSD.integer), str(XSD.decimal), str(XSD.positiveInteger), str(XSD.nonNegativeInteger),
            str(XSD.int), str(XSD.long)}


def format_date(value: str, datatype: str | None = None) -> str:
    """A date as people read it, at the precision its datatype (or its shape) gives."""
    dt = datatype or ""
    if dt in ("", str(XSD.gYear)) and (m := _YEAR.match(value)):
        return str(int(m.group(1)))
    if dt in ("", str(XSD.gYearMonth)) and (m := _YEAR_MONTH.match(value)) and 1 <= int(m.group(2)) <= 12:
        return f"{MONTHS[int(m.group(2)) - 1]} {int(m.group(1))}"
    if dt in ("", str(XSD.date)) and (m := _DATE.match(value)) and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(3))} {MONTHS[int(m.group(2)) - 1]} {int(m.group(1))}"
    return value


def is_date(lit: ox.Literal) -> bool:
    return lit.datatype.value in (str(XSD.gYear), str(XSD.gYearMonth), str(XSD.date))


def format_literal(lit: ox.Literal) -> str:
    """A literal's value for reading: dates at their precision, numbers grouped, yes/no."""
    dt = lit.datatype.value
    if is_date(lit):
        return format_date(lit.value, dt)
    if dt in _NUMBERS:
        try:
            number = int(lit.value) if dt != str(XSD.decimal) else float(lit.value)
        except ValueError:
            return lit.value
        if isinstance(number, float):
            return f"{number:,.10f}".rstrip("0").rstrip(".").replace(",", "\u202f")
        return f"{number:,}".replace(",", "\u202f")
    if dt == str(XSD.boolean):
        return {"true": "yes", "1": "yes", "false": "no", "0": "no"}.get(lit.value, lit.value)
    return lit.value


#: The schemes of IRIs that may become links.
LINK_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
#: What a browser drops or reads through in a URL (``java\tscript:`` is ``javascript:``).
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def linkable_iri(iri: str) -> bool:
    """True for an absolute ``http(s)`` IRI with nothing in it a browser would drop or read through."""
    scheme = _SCHEME.match(iri)
    return bool(scheme) and scheme.group(1).lower() in LINK_SCHEMES and not _UNSAFE.search(iri)


@dataclass(frozen=True)
class Linker:
    """Where a link to an IRI points: IRIs under the graph's base are served by this app
    (at ``base_url``, or the request's own host when it is empty); other ``http(s)`` IRIs are
    left as they are, and any other IRI (``javascript:``, ``data:``, ``urn:`` …) gets no
    link at all (``None``): the data must not put a live script link on a page."""

    base_url: str = ""
    lang: str | None = None

    def href(self, iri: str) -> str | None:
        if not iri.startswith(BASE):
            return iri if linkable_iri(iri) else None
        rest = iri[len(BASE):]
        path, hash_, fragment = rest.partition("#")
        url = self.base_url.rstrip("/") + "/" + quote(path, safe="/-._~!$&'()*+,;=:@")
        if self.lang and path.startswith("id/"):
            url += "?lang=" + quote(self.lang)
        return url + (hash_ + fragment)


@dataclass(frozen=True)
class Shown:
    """A term ready for a template: ``text`` in ``lang``, a link ``href`` when it is an IRI,
    ``note`` (a datatype or "inferred") shown small after it."""

    text: str
    lang: str | None = None
    href: str | None = None
    iri: str | None = None
    note: str | None = None
    inferred: bool = False


def show_term(term, labeller: Labeller, linker: Linker, inferred: bool = False) -> Shown:
    """Any RDF term as a :class:`Shown`: IRIs by label, literals by value."""
    if isinstance(term, ox.NamedNode):
        if term.value.startswith(str(WD)):
            return Shown(prefixed_name(term.value), None, term.value, term.value, inferred=inferred)
        label: Label = labeller.label(term.value)
        return Shown(label.text, label.lang, linker.href(term.value), term.value, inferred=inferred)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        note = None
        if not term.language and dt != str(XSD.string):
            note = prefixed_name(dt)
        return Shown(format_literal(term), term.language, None, None, note, inferred)
    return Shown(f"_:{getattr(term, 'value', term)}", inferred=inferred)
