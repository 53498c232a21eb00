"""Finding entities by name, in any language and either script.

Every ``rdfs:label``, ``skos:prefLabel`` and ``skos:altLabel`` is turned into match keys:
lower case, diacritics folded, the many Uzbek apostrophes (ʻ ' ‘ ’ ` „ ‟ ʼ) dropped alike,
punctuation as spaces, and Cyrillic also transliterated to Latin (the Uzbek scheme and
the Russian/Kazakh one used in English). A query gets the same keys, so a query typed in
Cyrillic finds Cyrillic and Latin labels, and ``Qozogʻiston``, ``Qozog'iston`` and
``qozogiston`` find the same entities.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import RDFS, SKOS

from .store import Store

#: The properties searched.
SEARCHED: tuple[str, ...] = (str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel))

#: Apostrophe-like characters Uzbek is written with; all are dropped from match keys.
APOSTROPHES = "ʻʼ'‘’`„‟‛′´ʹʽ\u02bb\u02bc"

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ь": "",
    "ы": "y", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ә": "a", "ө": "o", "ұ": "u", "ү": "u",
    "ң": "ng", "һ": "h",
}
#: Uzbek Cyrillic to Uzbek Latin (the official alphabet).
UZBEK = {**_COMMON, "ж": "j", "х": "x", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "щ": "sh"}
#: Russian and Kazakh Cyrillic to the Latin spelling English uses (Kazakhstan, Aktau).
RUSSIAN = {**_COMMON, "ж": "zh", "х": "kh", "ё": "e", "ў": "u", "қ": "k", "ғ": "g", "ҳ": "kh"}

_APOSTROPHE_TABLE = {ord(c): None for c in APOSTROPHES}
_NON_WORD = re.compile(r"[\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _tidy(text: str) -> str:
    return _NON_WORD.sub(" ", _strip_marks(text)).strip()


def normalize(text: str) -> str:
    """Lower case, apostrophes dropped; the common ground of every key of ``text``."""
    return unicodedata.normalize("NFC", text).casefold().translate(_APOSTROPHE_TABLE)


def transliterate(text: str, table: dict[str, str]) -> str:
    """Cyrillic letters of (normalised) ``text`` replaced by Latin ones from ``table``."""
    return "".join(table.get(c, c) for c in text)


def direct_key(text: str) -> str:
    """``text`` folded as written (no transliteration)."""
    return _tidy(normalize(text))


def match_keys(text: str) -> frozenset[str]:
    """The keys ``text`` is found by: folded as written, and transliterated when Cyrillic."""
    base = normalize(text)
    keys = {_tidy(base)}
    if _CYRILLIC.search(base):
        keys |= {_tidy(transliterate(base, UZBEK)), _tidy(transliterate(base, RUSSIAN))}
    return frozenset(k for k in keys if k)


def _score(query: str, key: str) -> int:
    if key == query:
        return 100
    if key.startswith(query):
        return 80
    if f" {query}" in f" {key}":
        return 60
    if query in key:
        return 40
    words = key.split()
    if all(any(w.startswith(q) for w in words) for q in query.split()):
        return 30
    return 0


@dataclass(frozen=True)
class Hit:
    """An entity found: its IRI, how well it matched, and the label it matched by."""

    iri: str
    score: int
    matched: ox.Literal
    matched_by: str  # the property: rdfs:label, skos:prefLabel or skos:altLabel


@dataclass(frozen=True)
class _Entry:
    iri: str
    prop: str
    literal: ox.Literal
    keys: frozenset[str]
    direct: str


class SearchIndex:
    """The labels of a store's entities with their match keys, built once and searched often."""

    def __init__(self, entries: list[_Entry]):
        self._entries = entries

    @classmethod
    def from_store(cls, store: Store) -> SearchIndex:
        values = " ".join(f"<{p}>" for p in SEARCHED)
        sparql = (f"SELECT DISTINCT ?s ?p ?l WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?l "
                  f"FILTER(isIRI(?s) && isLiteral(?l)) }}")
        entries = [_Entry(row["s"].value, row["p"].value, row["l"], match_keys(row["l"].value),
                          direct_key(row["l"].value)) for row in store.query(sparql).raw]
        return cls(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, limit: int = 50) -> list[Hit]:
        """The entities whose labels match ``query``, best first (one hit per entity)."""
        wanted = match_keys(query)
        if not wanted:
            return []
        as_typed = direct_key(query)
        best: dict[str, Hit] = {}
        for entry in self._entries:
            score = max((_score(q, k) for q in wanted for k in entry.keys), default=0)
            if not score:
                continue
            # A label matched as written beats one matched through transliteration.
            score += 1 if _score(as_typed, entry.direct) == score else 0
            score += 2 if entry.prop == SEARCHED[0] else 0
            current = best.get(entry.iri)
            if current is None or score > current.score:
                best[entry.iri] = Hit(entry.iri, score, entry.literal, entry.prop)
        ranked = sorted(best.values(), key=lambda h: (-h.score, len(h.matched.value), h.iri))
        return ranked[:limit]


def search(store: Store, query: str, limit: int = 50) -> list[Hit]:
    """One-off search of ``store`` (build a :class:`SearchIndex` to search repeatedly)."""
    return SearchIndex.from_store(store).search(query, limit)
