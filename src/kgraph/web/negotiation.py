"""Content negotiation: which format of :mod:`kgraph.formats` answers a request.

The candidates come from the one table of formats: results formats for SELECT and ASK,
RDF formats for CONSTRUCT, DESCRIBE and graphs. A ``format=`` (or ``output=``) parameter,
a name, alias or media type from the table, overrides the Accept header; with neither, the
first of the table (JSON for results, Turtle for graphs). When nothing offered fits, a 406
names what is offered.

Accept is read as RFC 9110 §12.5.1 says, not as werkzeug's ``best_match`` does: a media
range's parameters other than ``q`` (``text/turtle; charset=utf-8``, which the W3C Graph
Store tests send) do not stop it matching, since every answer here is UTF-8 anyway; and a
format's q-value is that of the most specific range naming it, so ``text/html;q=0, */*``
refuses the page. The other media types a format is known by (``text/plain`` for
N-Triples, ``application/json`` for JSON-LD…) count only when named: a wildcard picks a
format by its own media type, so ``text/*`` gets CSV, not the XML results as ``text/xml``.
"""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.datastructures import MIMEAccept

from ..errors import UnknownFormat
from ..formats import RDF_FORMATS, RESULTS_FORMATS, Format, find
from .errors import WebError

#: The candidates for each kind of answer (see :class:`kgraph.store.QueryResult`).
FORMATS_BY_KIND: dict[str, tuple[Format, ...]] = {
    "solutions": RESULTS_FORMATS,
    "boolean": RESULTS_FORMATS,
    "graph": RDF_FORMATS,
}

_WHAT = {"solutions": "SELECT results", "boolean": "an ASK result", "graph": "a graph"}

#: The request parameters that name a format, in the order they are read: ``format`` is
#: kgraph's (and Virtuoso's), ``output`` Fuseki's; SPARQLWrapper sends both.
FORMAT_PARAMETERS = ("format", "output")

#: How precisely an Accept range names a media type: ``*/*``, ``type/*``, ``type/subtype``.
_ANY, _TYPE, _EXACT = 0, 1, 2


def requested_format(*sources) -> str | None:
    """The format a request names by parameter: the first ``format=`` or else ``output=``
    of the first of ``sources`` (query string, form body: mappings) that gives one."""
    for parameter in FORMAT_PARAMETERS:
        for source in sources:
            value = source.get(parameter)
            if value:
                return value
    return None


def choose(formats: tuple[Format, ...], accept: MIMEAccept, format_name: str | None = None,
           *, what: str = "this answer") -> Format:
    """The format to answer in, from ``format=`` or else Accept; a :class:`WebError` when none fits.

    ``accept`` is the parsed Accept header (any iterable of ``(media range, q)`` pairs will
    do). A ``format=`` name none of ``formats`` has gives way to an Accept header that names
    one of them (clients such as SPARQLWrapper send their own names next to a good Accept
    header); without one (no header, or wildcards alone, as browsers send), an unknown name
    is a 400 and a known one that cannot express the answer (a Turtle SELECT result) a 406,
    as is an Accept header nothing offered matches.
    """
    ranges = _ranges(accept)
    if format_name:
        fmt = find(formats, format_name)
        if fmt is not None:
            return fmt
        named = _negotiate(formats, ranges, least=_EXACT)
        if named is not None:
            return named
        every = (*RESULTS_FORMATS, *RDF_FORMATS)
        if find(every, format_name) is None:
            raise UnknownFormat(format_name, dict.fromkeys(f.name for f in every))
        raise WebError(406, f"format={format_name} cannot express {what}; choose one of "
                            f"{', '.join(f.name for f in formats)}.")
    if not ranges:
        return formats[0]
    fmt = _negotiate(formats, ranges)
    if fmt is None:
        raise WebError(406, f"None of the media types in the Accept header ({accept}) can express "
                            f"{what}. Offered: {', '.join(offered(formats))}. "
                            "Ask for one of them, or give format= with its name.")
    return fmt


def _ranges(accept: MIMEAccept) -> list[tuple[str, str, float]]:
    """``(type, subtype, q)`` of each media range of a parsed Accept header, lower-cased,
    without parameters; malformed ranges (no ``/``, ``*/subtype``) left out."""
    ranges = []
    for value, quality in accept or ():
        kind, slash, subtype = value.split(";", 1)[0].strip().lower().partition("/")
        if slash and kind and subtype and not (kind == "*" and subtype != "*"):
            ranges.append((kind, subtype, float(quality)))
    return ranges


def _negotiate(formats: Iterable[Format], ranges: list[tuple[str, str, float]],
               least: int = _ANY) -> Format | None:
    """The format the client prefers (highest q, then the most specific range, then the
    table's order), among those a range at least as precise as ``least`` accepts."""
    best, best_rank = None, (0.0, -1)
    for fmt in formats:
        rank = max((_rank(media_type, own, ranges) for own, media_type in
                    ((True, fmt.media_type), *((False, also) for also in fmt.also))),
                   default=(0.0, -1))
        if rank[1] >= least and rank[0] > 0 and rank > best_rank:
            best, best_rank = fmt, rank
    return best


def _rank(media_type: str, own: bool, ranges: list[tuple[str, str, float]]) -> tuple[float, int]:
    """``(q, precision)`` the Accept ranges give ``media_type``: those of the most precise
    range that matches it (RFC 9110 §12.5.1); wildcards match only a format's ``own`` type."""
    kind, _, subtype = media_type.partition("/")
    found = (0.0, -1)
    for range_kind, range_subtype, quality in ranges:
        if (range_kind, range_subtype) == (kind, subtype):
            precision = _EXACT
        elif not own:
            continue
        elif range_kind == kind and range_subtype == "*":
            precision = _TYPE
        elif range_kind == "*":
            precision = _ANY
        else:
            continue
        if precision > found[1] or (precision == found[1] and quality > found[0]):
            found = (quality, precision)
    return found


def for_result(kind: str, accept: MIMEAccept, format_name: str | None = None) -> Format:
    """The format of a query's answer of ``kind`` (``solutions``, ``boolean``, ``graph``)."""
    return choose(FORMATS_BY_KIND[kind], accept, format_name, what=_WHAT[kind])


def offered(formats: tuple[Format, ...]) -> list[str]:
    return [fmt.media_type for fmt in formats]


def content_type(fmt: Format) -> str:
    """The Content-Type header of a response in ``fmt``: every format here is text, in UTF-8."""
    return f"{fmt.media_type}; charset=utf-8"
