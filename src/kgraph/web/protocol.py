"""The SPARQL 1.1 Protocol's query operation, read from a request's parts (no Flask here).

https://www.w3.org/TR/sparql11-protocol/#query-operation — three ways to send a query:

=====================  =====================================  ===========================
how                    the query                              default-graph-uri / named-graph-uri
=====================  =====================================  ===========================
GET                    ``?query=`` in the URL                 in the URL
POST form              ``query=`` in the urlencoded body      in the body (or the URL)
POST direct            the body (``application/sparql-query``)  in the URL
=====================  =====================================  ===========================

The ``query`` parameter must come exactly once. An update (``update=`` or a body of type
``application/sparql-update``) is refused: this endpoint is read-only. A byte-order mark
(U+FEFF) at the start of the query — editors on Windows write one at the start of a
``.rq`` file, and ``curl --data-binary @query.rq`` sends it — is not part of the query and
is dropped, as RFC 3629 §6 allows for UTF-8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..describe import valid_iri
from .errors import WebError

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
#: Parameters of the protocol itself; ``format`` (an override of Accept) is kgraph's own.
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
BOM = "\ufeff"




class Params(Protocol):
    """What is read of URL parameters and form fields (werkzeug's ``MultiDict`` fits)."""

    def __contains__(self, key: object) -> bool: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class QueryRequest:
    """A query and the RDF dataset the request names for it.

    ``default_graphs`` and ``named_graphs`` are both ``None`` when the request names no
    dataset (the service's default dataset applies); else both are tuples (maybe empty),
    as the protocol says a request naming either one specifies the whole dataset.
    """

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: ``truncate=yes``: the client takes an answer cut at the row limit (marked so in a
    #: header) over an error; without it, an answer is whole or refused (kgraph's own
    #: parameter; the query UI sends it and shows the notice).
    truncate: bool = False


def read_query(method: str, mimetype: str, mimetype_params: Mapping[str, str], args: Params,
               form: Params, body: bytes) -> QueryRequest | None:
    """The query operation of a request to the endpoint; ``None``: a GET with no parameters.

    Raises :class:`WebError`: 400 for a missing or repeated query, 403 for an update,
    415 for a POST body of another type.
    """
    if "update" in args or "update" in form or mimetype == UPDATE:
        raise WebError(403, "This endpoint is read-only: SPARQL Update is not accepted here. "
                            "Change the graph's sources (ontology/, data/) and run `kgraph build`.")
    if method in ("GET", "HEAD"):
        if not any(key in args for key in ("query", *DATASET_PARAMS)):
            return None
        return _request(args.getlist("query"), args, "the URL (?query=…)")
    if mimetype == FORM:
        queries = [*args.getlist("query"), *form.getlist("query")]
        return _request(queries, _Merged(args, form), "the form body (query=…)")
    if mimetype == DIRECT:
        if "query" in args:
            raise WebError(400, "A query sent as the body (application/sparql-query) cannot also "
                                "come as a query= parameter: send it one way.")
        charset = mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise WebError(415, f"The query body is declared as {charset}; SPARQL queries are "
                                "sent in UTF-8 (Content-Type: application/sparql-query; charset=utf-8).")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WebError(400, f"The query body is not valid UTF-8 (byte {exc.start}).") from None
        return _request([text], args, "the body")
    given = f"Content-Type {mimetype!r}" if mimetype else "no Content-Type"
    raise WebError(415, f"A POST to the SPARQL endpoint must have Content-Type {FORM} (query=… in "
                        f"the body) or {DIRECT} (the query as the body); this one has {given}.")


def _request(queries: Sequence[str], params: Params, where: str) -> QueryRequest:
    if not queries:
        raise WebError(400, f"No query: give the SPARQL query in {where}.")
    if len(queries) > 1:
        raise WebError(400, f"The query parameter is given {len(queries)} times; give exactly one query.")
    query = queries[0].removeprefix(BOM)
    if not query.strip():
        raise WebError(400, "The query is empty: give a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).")
    defaults = params.getlist("default-graph-uri")
    named = params.getlist("named-graph-uri")
    for iri in (*defaults, *named):
        check_iri(iri)
    truncate = any(value.strip().lower() in ("yes", "true", "1") for value in params.getlist("truncate"))
    if not defaults and not named:
        return QueryRequest(query, truncate=truncate)
    return QueryRequest(query, tuple(defaults), tuple(named), truncate)


def check_iri(iri: str) -> str:
    """``iri`` if it is an absolute IRI; else a 400 naming it."""
    if not valid_iri(iri):
        raise WebError(400, f"{iri!r} is not an absolute IRI: a graph is named by a full IRI "
                            "such as https://w3id.org/kgraph/graph/asserted.")
    return iri


class _Merged:
    """URL parameters and form fields read as one (a form POST may put either in either)."""

    def __init__(self, *parts: Params):
        self.parts = parts

    def __contains__(self, key: str) -> bool:
        return any(key in part for part in self.parts)

    def getlist(self, key: str) -> list[str]:
        return [value for part in self.parts for value in part.getlist(key)]
