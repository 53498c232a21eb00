"""Federated queries: which remote endpoints a query may call, checked before anything runs.

pyoxigraph's ``Store.query`` **executes** ``SERVICE`` itself (measured with pyoxigraph
0.5.13 against a local stand-in: it POSTs the inner pattern as ``application/sparql-query``
with the User-Agent ``Oxigraph/0.5.13``, follows no redirect, and set no time limit of its
own — a stand-in that took 8 s was waited for) and sends the SERVICE block as written,
without the bindings of the rest of the query (so a federated query lists its items in a
``VALUES`` inside the block; see ``queries/federated-*.rq``). It offers no hook to vet or route those
calls, so an endpoint that passes user queries to it would fetch any URL a query names.
:func:`check_query` is that vetting, done on the query's parsed algebra before the store
sees the query:

- ``SERVICE <iri>`` is allowed only for an IRI in the allow-list (the ``federation_allow``
  setting; Wikidata's endpoint by default), compared after prefixes and ``BASE`` are
  resolved, so ``SERVICE wdqs:`` works when ``wdqs:`` expands to an allowed IRI, and
  a SERVICE written inside a string literal or a comment is no SERVICE at all;
- ``SERVICE ?var`` (an endpoint chosen by the data) is refused;
- ``FROM`` / ``FROM NAMED`` (and the protocol's ``default-graph-uri`` / ``named-graph-uri``)
  must name a graph of the dataset: an IRI under ``https://w3id.org/kgraph/`` or one of the
  store's named graphs;
- in an update, ``LOAD`` is refused, and ``USING`` / ``WITH`` follow the ``FROM`` rule.

Parsing is rdflib's SPARQL parser (``parseQuery`` + ``translateQuery``). A query with none
of the words SERVICE, FROM, LOAD, USING, WITH and no ``\\u`` escape anywhere in its text
cannot contain any of these clauses, so it is let through without the parse (the parse
costs 5–25 ms per query here). A query rdflib cannot parse (syntax only pyoxigraph knows,
or a plain error) is refused if any of those words appears anywhere in it; otherwise the
store reports the syntax error itself.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from .errors import QueryError
from .namespaces import BASE

#: The words as keywords could be written (not part of a name such as prov:wasDerivedFrom,
#: or a variable) without which a query can hold no SERVICE, dataset clause or LOAD.
_KEYWORDS = re.compile(r"(?<![\w:?$])(service|from|load|using|with)(?![\w:])", re.IGNORECASE)
#: When to parse the query: one of those keywords, or a \u escape (SPARQL decodes escapes
#: before parsing, so a keyword may hide behind one). Most queries have neither and skip
#: rdflib's parser, which costs milliseconds and would dominate a small query's answer.
_TRIGGERS = re.compile(_KEYWORDS.pattern + r"|\\u", re.IGNORECASE)


class FederationRefused(QueryError):
    """A query names an endpoint or a graph this server will not fetch. HTTP: 403."""

    status = 403


@dataclass
class Federation:
    """What a query asks of the outside world, once parsed."""

    services: list[str] = field(default_factory=list)  # endpoints, in order of appearance
    variable_services: list[str] = field(default_factory=list)  # ?var names
    dataset: list[tuple[str, str]] = field(default_factory=list)  # ("FROM" | "FROM NAMED" | …, IRI)
    loads: list[str] = field(default_factory=list)


def _prologue(prefixes: Mapping[str, str] | None) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())


def _walk(node, found: Federation) -> None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            term = node["term"]
            if isinstance(term, Variable):
                found.variable_services.append(f"?{term}")
            else:
                found.services.append(str(term))
        elif node.name == "Load":
            found.loads.append(str(node["iri"]))
        elif node.name == "DatasetClause":
            # (CompValue.get returns the key itself for a missing key: test membership.)
            if "default" in node:
                found.dataset.append(("FROM", str(node["default"])))
            if "named" in node:
                found.dataset.append(("FROM NAMED", str(node["named"])))
        for key, value in node.items():
            if key == "using" and value:
                for clause in value:
                    if "default" in clause:
                        found.dataset.append(("USING", str(clause["default"])))
                    if "named" in clause:
                        found.dataset.append(("USING NAMED", str(clause["named"])))
                continue
            if key == "withClause" and isinstance(value, URIRef):
                found.dataset.append(("WITH", str(value)))
            _walk(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk(value, found)


#: rdflib's SPARQL parser (pyparsing) must not be entered by two threads at once: its parse
#: actions learn their arity on their first calls, and a race there breaks them for good —
#: every later parse in the process fails, so a server worker answered 403 to every query
#: holding a trigger word (found by bench/load_test.py). One parse at a time.
_PARSING = threading.Lock()


def analyse(text: str, *, update: bool = False, prefixes: Mapping[str, str] | None = None) -> Federation:
    """The SERVICE endpoints, dataset clauses and LOADs of a query (or update), from its algebra.

    ``prefixes`` are predeclared (the query's own PREFIX lines win). Raises
    :class:`QueryError` when rdflib cannot parse it.
    """
    source = _prologue(prefixes) + text
    try:
        with _PARSING:
            if update:
                algebra = translateUpdate(parseUpdate(source)).algebra
            else:
                query = translateQuery(parseQuery(source))
                algebra = [query.algebra]
    except Exception as exc:  # noqa: BLE001 — pyparsing's ParseException, rdflib's plain Exception …
        raise QueryError(f"the query could not be parsed to check it: {exc}") from None
    found = Federation()
    _walk(algebra, found)
    return found


@functools.lru_cache(maxsize=512)
def _analysed(text: str, update: bool, prefixes: tuple[tuple[str, str], ...]) -> Federation:
    """:func:`analyse`, remembered: a server sees the same queries again and again (the UI's
    examples, a dashboard), and rdflib's parser, run under a lock, costs milliseconds each.
    A query that fails to parse raises and is not remembered. Callers must not change the result."""
    return analyse(text, update=update, prefixes=dict(prefixes))


def _local(iri: str, local_graphs: Iterable[str]) -> bool:
    return iri.startswith(BASE) or iri in set(local_graphs)


def check_query(
    text: str,
    allow: Sequence[str],
    *,
    update: bool = False,
    prefixes: Mapping[str, str] | None = None,
    local_graphs: Iterable[str] = (),
    default_graphs: Iterable[str] = (),
    named_graphs: Iterable[str] = (),
) -> list[str]:
    """Refuse (:class:`FederationRefused`) a query that would reach outside; else its endpoints.

    ``allow``: the endpoints SERVICE may call (the ``federation_allow`` setting).
    ``local_graphs``: the store's named graphs (IRIs under https://w3id.org/kgraph/ are
    always local). ``default_graphs`` / ``named_graphs``: the protocol's
    ``default-graph-uri`` / ``named-graph-uri``, held to the same rule as FROM.
    Returns the allowed endpoints the query calls (empty: nothing leaves the server).
    """
    local_graphs = list(local_graphs)
    for iri in [*default_graphs, *named_graphs]:
        if not _local(iri, local_graphs):
            raise FederationRefused(f"the graph <{iri}> is not part of this dataset; this server reads no "
                                    "graph from elsewhere. Name one of its graphs, or none.")
    if not _TRIGGERS.search(text):
        return []
    try:
        found = _analysed(text, update, tuple(sorted((prefixes or {}).items())))
    except QueryError:
        words = sorted({w.upper() for w in _KEYWORDS.findall(text)})
        if words:
            raise FederationRefused(
                f"the query could not be checked for federation (it uses {', '.join(words)}, and "
                "kgraph's checker cannot parse it): this server only runs SERVICE, FROM and LOAD "
                "it has checked. Simplify the query, or correct its syntax.") from None
        return []
    allowed = list(allow)
    offered = ", ".join(f"<{a}>" for a in allowed) or "none"
    for name in found.variable_services:
        raise FederationRefused(f"SERVICE {name} is refused: the endpoint must be written as an IRI, one of "
                                f"the endpoints this server may call ({offered}).")
    for endpoint in found.services:
        if endpoint not in allowed:
            raise FederationRefused(f"SERVICE <{endpoint}> is refused: this server calls only the endpoints of "
                                    f"its federation_allow setting ({offered}). Query that endpoint yourself, "
                                    "or run your own server with it allowed.")
    for iri in found.loads:
        raise FederationRefused(f"LOAD <{iri}> is refused: this server fetches no documents.")
    for clause, iri in found.dataset:
        if not _local(iri, local_graphs):
            raise FederationRefused(f"{clause} <{iri}> is refused: the graph is not part of this dataset, and "
                                    "this server reads no graph from elsewhere. Use GRAPH over its own graphs, "
                                    "or SERVICE to an allowed endpoint.")
    return list(dict.fromkeys(found.services))
