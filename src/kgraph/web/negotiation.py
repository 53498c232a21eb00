"""Content negotiation: which format of :mod:`kgraph.formats` answers a request.

The candidates come from the one table of formats: results formats for SELECT and ASK,
RDF formats for CONSTRUCT, DESCRIBE and graphs. A ``format=`` parameter (a name, alias or
media type from the table) overrides the Accept header; Accept is read parsed (q-values,
lists, wildcards); with neither, the first of the table (JSON for results, Turtle for
graphs). When nothing offered fits, a 406 names what is offered.
"""

from __future__ import annotations

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


def choose(formats: tuple[Format, ...], accept: MIMEAccept, format_name: str | None = None,
           *, what: str = "this answer") -> Format:
    """The format to answer in, from ``format=`` or else Accept; a :class:`WebError` when none fits.

    An unknown ``format=`` name is a 400; a known one that cannot express the answer (a
    Turtle SELECT result), or an Accept header nothing offered matches, a 406.
    """
    if format_name:
        fmt = find(formats, format_name)
        if fmt is not None:
            return fmt
        every = (*RESULTS_FORMATS, *RDF_FORMATS)
        if find(every, format_name) is None:
            raise UnknownFormat(format_name, dict.fromkeys(f.name for f in every))
        raise WebError(406, f"format={format_name} cannot express {what}; choose one of "
                            f"{', '.join(f.name for f in formats)}.")
    if not accept:
        return formats[0]
    # Each format's own media type before the other names for it, so that a wildcard
    # (text/*) picks text/csv, not text/xml, an alias of the XML results format.
    candidates = [fmt.media_type for fmt in formats] + [mt for fmt in formats for mt in fmt.also]
    wanted = accept.best_match(candidates)
    if wanted is None:
        raise WebError(406, f"None of the media types in the Accept header ({accept}) can express "
                            f"{what}. Offered: {', '.join(offered(formats))}. "
                            "Ask for one of them, or give format= with its name.")
    return next(fmt for fmt in formats if wanted in fmt.media_types)


def for_result(kind: str, accept: MIMEAccept, format_name: str | None = None) -> Format:
    """The format of a query's answer of ``kind`` (``solutions``, ``boolean``, ``graph``)."""
    return choose(FORMATS_BY_KIND[kind], accept, format_name, what=_WHAT[kind])


def offered(formats: tuple[Format, ...]) -> list[str]:
    return [fmt.media_type for fmt in formats]


def content_type(fmt: Format) -> str:
    """The Content-Type header of a response in ``fmt``: every format here is text, in UTF-8."""
    return f"{fmt.media_type}; charset=utf-8"
