"""Names for people: the label of a resource in the reader's language, with a fallback chain.

A reader asks for languages (``?lang=uz-Cyrl``, or ``Accept-Language``); each tag brings
its broader tags (``uz-Cyrl`` → ``uz``), then the language its speakers most often read
next (Russian for Uzbek, Kazakh, Kyrgyz and Tajik readers), then the configured default
and English; when none of these is there, any label does. So ``uz-Cyrl`` reads
``uz-Cyrl → uz → ru → en → any``. Resources without a label are shown by their prefixed
name (``prov:wasDerivedFrom``), never as a bare IRI when a prefix fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS

from .describe import valid_iri
from .namespaces import SCHEMA, Graphs, prefixed
from .store import DEFAULT_GRAPHS, Store

#: Properties that name a resource, most preferred first.
LABEL_PROPERTIES: tuple[str, ...] = (
    str(RDFS.label), str(SKOS.prefLabel), str(FOAF.name), str(DCTERMS.title), str(SCHEMA.name),
)

#: The language a reader of the key language most often reads next.
NEXT_LANGUAGE: dict[str, str] = {"uz": "ru", "kk": "ru", "ky": "ru", "tg": "ru", "tk": "ru"}

#: Languages a reader can switch the pages to, as (tag, name in that language).
OFFERED_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"), ("uz", "Oʻzbekcha"), ("uz-Cyrl", "Ўзбекча"), ("ru", "Русский"), ("kk", "Қазақша"),
)

#: Where labels are looked up: the facts (asserted and inferred) and the ontology's terms.
LABEL_GRAPHS: tuple[str, ...] = (*DEFAULT_GRAPHS, str(Graphs.ONTOLOGY))


def language_chain(requested: Iterable[str], default: str = "en") -> tuple[str, ...]:
    """The languages to try, best first, for a reader asking for ``requested`` (lower case)."""
    chain: list[str] = []

    def add(tag: str) -> None:
        tag = tag.strip().lower()
        if tag and tag != "*" and tag not in chain:
            chain.append(tag)

    wanted = [t for t in requested if t and t.strip() != "*"]
    for tag in wanted:
        parts = tag.strip().split("-")
        for end in range(len(parts), 0, -1):
            add("-".join(parts[:end]))
    for tag in wanted:
        primary = tag.strip().split("-")[0].lower()
        if primary in NEXT_LANGUAGE:
            add(NEXT_LANGUAGE[primary])
    add(default)
    add("en")
    return tuple(chain)


def display_tag(tag: str | None) -> str:
    """A language tag in its usual case (stores may lower-case them): ``uz-cyrl`` → ``uz-Cyrl``."""
    if not tag:
        return ""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


@dataclass(frozen=True)
class Label:
    """A name to show: its text and language tag (``None`` for plain or made-up names)."""

    text: str
    lang: str | None = None

    def __str__(self) -> str:
        return self.text


def best_literal(literals: Sequence[ox.Literal], chain: Sequence[str]) -> ox.Literal | None:
    """The literal in the first language of ``chain`` that has one; then a plain literal;
    then any (the smallest, for a stable choice); ``None`` for no literals."""
    if not literals:
        return None
    by_lang: dict[str, list[ox.Literal]] = {}
    for lit in literals:
        by_lang.setdefault((lit.language or "").lower(), []).append(lit)
    for tag in (*chain, ""):
        if tag in by_lang:
            return min(by_lang[tag], key=lambda lit: lit.value)
    return min(literals, key=lambda lit: ((lit.language or ""), lit.value))


def prefixed_name(iri: str) -> str:
    """``kg:State`` for a known namespace, else the IRI itself."""
    return prefixed(iri) or iri


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def fetch_labels(store: Store, iris: Iterable[str], graphs: Sequence[str] | None = LABEL_GRAPHS,
                 ) -> dict[str, dict[str, list[ox.Literal]]]:
    """All naming literals of ``iris``: ``{iri: {property: [literal, …]}}``, in one query
    over ``graphs`` (``None``: the store's default graph)."""
    wanted = sorted({i for i in iris if valid_iri(i)})
    found: dict[str, dict[str, list[ox.Literal]]] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start:start + 400]
        sparql = (
            f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {_values(chunk)} }} "
            f"VALUES ?p {{ {_values(LABEL_PROPERTIES)} }} ?s ?p ?l FILTER(isLiteral(?l)) }}"
        )
        for row in store.query(sparql, default_graphs=graphs).raw:
            found.setdefault(row["s"].value, {}).setdefault(row["p"].value, []).append(row["l"])
    return found


class Labeller:
    """Labels of resources in one reader's languages, fetched in batches and remembered."""

    def __init__(self, store: Store, chain: Sequence[str], graphs: Sequence[str] | None = LABEL_GRAPHS):
        self.store = store
        self.chain = tuple(chain)
        self.graphs = graphs
        self._literals: dict[str, dict[str, list[ox.Literal]]] = {}
        self._asked: set[str] = set()

    def prefetch(self, iris: Iterable[str]) -> None:
        missing = {i for i in iris if i not in self._asked}
        if missing:
            self._literals.update(fetch_labels(self.store, missing, self.graphs))
            self._asked |= missing

    def literals(self, iri: str) -> dict[str, list[ox.Literal]]:
        self.prefetch([iri])
        return self._literals.get(iri, {})

    def label(self, iri: str) -> Label:
        """The name of ``iri`` for this reader (see the module's fallback rules)."""
        names = self.literals(iri)
        for prop in LABEL_PROPERTIES:
            lit = best_literal(names.get(prop, []), self.chain)
            if lit is not None:
                return Label(lit.value, lit.language)
        return Label(prefixed_name(iri))

    def all_labels(self, iri: str) -> list[Label]:
        """Every ``rdfs:label`` / ``skos:prefLabel`` of ``iri``, one per language, ordered by tag."""
        seen: dict[str, Label] = {}
        for prop in LABEL_PROPERTIES[:2]:
            for lit in self.literals(iri).get(prop, []):
                seen.setdefault(lit.language or "", Label(lit.value, lit.language))
        return [seen[k] for k in sorted(seen)]
