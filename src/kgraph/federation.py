"""Federated queries: which remote endpoints a query may call, decided before anything runs.

pyoxigraph's ``Store.query`` **executes** ``SERVICE`` itself (measured with pyoxigraph
0.5.13 against a local stand-in: it POSTs the inner pattern as ``application/sparql-query``
with the User-Agent ``Oxigraph/0.5.13``, follows no redirect, and sets no time limit of its
own) and sends the SERVICE block as written, without the bindings of the rest of the query
(so a federated query lists its items in a ``VALUES`` inside the block; see
``queries/federated-*.rq``). It offers no hook to vet or route those calls. Two things
keep them to the allow-list (the ``federation_allow`` setting; Wikidata's endpoint by
default):

1. :func:`check_query` reads the query with :func:`kgraph.sparql_text.read` (the engine's
   lexical rules, no second parser): a ``SERVICE`` (not ``SILENT``) to an endpoint that is
   not allowed, or ``SERVICE ?var``, is refused with a 403 before anything runs; a query
   whose every SERVICE is resolved to an allowed endpoint is *federated*.
2. Only a federated query runs in a query process that can reach the network. Every other
   query — no SERVICE, a ``SERVICE SILENT`` to an endpoint that is not allowed (an empty
   solution, as SILENT says), a ``SERVICE ?var``, or anything the reading could not resolve —
   runs where no socket can be opened (:mod:`kgraph.sandbox`), so no reading of the text,
   right or wrong, can make the server fetch a URL.

``FROM``, ``FROM NAMED`` and the protocol's ``default-graph-uri`` / ``named-graph-uri`` name
graphs of the store; the engine fetches nothing for them (a graph it does not hold is an
empty graph, as the standard says), so they need no check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import QueryError
from .sparql_text import read


class FederationRefused(QueryError):
    """A query names an endpoint this server will not call. HTTP: 403."""

    status = 403


def check_query(text: str, allow: Sequence[str], *, prefixes: Mapping[str, str] | None = None) -> list[str]:
    """The allowed endpoints ``text`` calls when it may run with the network; else ``[]``
    (it runs where nothing can leave the server). Raises :class:`FederationRefused` for a
    SERVICE that is not SILENT to an endpoint outside ``allow``.

    ``prefixes``: those the engine is given (the query's own PREFIX lines win).
    """
    reading = read(text, tuple(sorted((prefixes or {}).items())))
    allowed = list(allow)
    offered = ", ".join(f"<{a}>" for a in allowed) or "none"
    for name in reading.variable_services:
        raise FederationRefused(f"SERVICE {name} is refused: write the endpoint as an IRI, one of the endpoints "
                                f"this server may call ({offered}).")
    for service in reading.services:
        if service.endpoint not in allowed and not service.silent:
            raise FederationRefused(f"SERVICE <{service.endpoint}> is refused: this server calls only the "
                                    f"endpoints of its federation_allow setting ({offered}). Query that "
                                    "endpoint yourself, or run your own server with it allowed.")
    if reading.unknown_service or not reading.services:
        return []
    if any(service.endpoint not in allowed for service in reading.services):
        return []  # a SILENT call outside the list: the whole query runs without the network
    return list(dict.fromkeys(service.endpoint for service in reading.services))
