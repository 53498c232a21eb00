"""What to link, and the Wikidata items that might be it.

:func:`unlinked_entities` reads the built graph for named entities (states, people,
organisations, settlements, regions, border crossings, railway lines, posts) that have no
``kg:wikidataItem`` yet, with their labels and the facts a candidate can be checked
against. :func:`search_candidates` asks Wikidata's ``wbsearchentities`` for each label and
alternative label in English, Uzbek, Russian and Kazakh and merges the hits per item.

Uzbek is written with several apostrophe forms (ʻ ' ‘ ’ ` ʼ); :func:`normalise` treats them
as one, and an Uzbek label is also searched in its plain-apostrophe spelling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..namespaces import KGR, sparql_prologue
from ..store import Store
from .client import WikidataClient

#: The languages labels are searched and compared in.
LANGUAGES: tuple[str, ...] = ("en", "uz", "ru", "kk")

#: Named-entity kinds, most specific first, with the classes that make them (an entity
#: takes the first kind any of its classes gives: a state is also an org:Organization).
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("state", ("kg:State",)),
    ("person", ("foaf:Person",)),
    ("organisation", ("org:Organization",)),
    ("settlement", ("kg:Settlement",)),
    ("region", ("kg:Region",)),
    ("crossing", ("kg:BorderCrossing",)),
    ("railway", ("kg:RailwayLine",)),
    ("post", ("kg:HeadOfStatePost", "kg:AmbassadorPost", "org:Post")),
)

_APOSTROPHES = "ʻʼ'‘’`ʹ′´"
_APOSTROPHE_RE = re.compile(f"[{_APOSTROPHES}]")


def normalise(text: str) -> str:
    """A label for comparison: NFC, case-folded, every apostrophe form as one, spaces squeezed."""
    text = unicodedata.normalize("NFC", text)
    text = _APOSTROPHE_RE.sub("'", text)
    text = text.replace("–", "-").replace("—", "-")
    return " ".join(text.casefold().split())


def spellings(text: str, language: str) -> list[str]:
    """The forms a label is searched in: itself, and for Uzbek its ASCII-apostrophe spelling."""
    forms = [text]
    if language == "uz" and _APOSTROPHE_RE.search(text):
        plain = _APOSTROPHE_RE.sub("'", text)
        if plain != text:
            forms.append(plain)
    return forms


def short(iri: str) -> str:
    """``kgr:aktau`` for the full IRI (other IRIs in angle brackets)."""
    return "kgr:" + iri[len(str(KGR)):] if iri.startswith(str(KGR)) else f"<{iri}>"


@dataclass
class Term:
    """A term of office of a person, with what the article says of its dates (day bounds)."""

    post: str
    post_qid: str | None
    state_qid: str | None
    start: tuple[str | None, str | None] = (None, None)
    end: tuple[str | None, str | None] = (None, None)


@dataclass
class Entity:
    """A named entity of the graph with no Wikidata item yet, and what a candidate must fit."""

    iri: str
    kind: str
    labels: dict[str, list[str]] = field(default_factory=dict)
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    #: Items of the linked states it lies in (or whose border it is on, or whose post it is).
    country_qids: set[str] = field(default_factory=set)
    #: Items of the linked places (regions, settlements) it lies in.
    place_qids: set[str] = field(default_factory=set)
    #: Items of the linked states that are members (organisations).
    member_qids: set[str] = field(default_factory=set)
    terms: list[Term] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The entity's English label (or any label, or its IRI's last part)."""
        for lang in ("en", *LANGUAGES):
            if self.labels.get(lang):
                return self.labels[lang][0]
        return self.iri.rsplit("/", 1)[-1]

    @property
    def short(self) -> str:
        """``kgr:aktau``."""
        return short(self.iri)


@dataclass
class Hit:
    """One way a search found an item: which text, in which language, at which rank."""

    language: str
    text: str
    rank: int
    match_type: str  # "label", "alias" … as Wikidata reports it
    url: str


@dataclass
class Candidate:
    """A Wikidata item proposed for an entity, with the score and the evidence for it."""

    qid: str
    label: str = ""
    description: str = ""
    hits: list[Hit] = field(default_factory=list)
    score: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def best_rank(self) -> int | None:
        return min((h.rank for h in self.hits), default=None)


@dataclass
class Evidence:
    """One reason for (positive weight) or against (negative) a candidate."""

    kind: str  # name, type, fact, search
    text: str
    weight: float

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "weight": self.weight}


def _values(iris) -> str:
    return " ".join(f"<{iri}>" for iri in sorted(iris))


def unlinked_entities(store: Store, only: set[str] | None = None) -> list[Entity]:
    """The named entities of the built graph with no ``kg:wikidataItem``, in IRI order."""
    values = " ".join(f"({cls} \"{kind}\" {rank})" for rank, (kind, classes) in enumerate(KINDS)
                      for cls in classes)
    result = store.query(sparql_prologue() + f"""
        SELECT ?e ?kind ?rank WHERE {{
          VALUES (?class ?kind ?rank) {{ {values} }}
          ?e a ?class .
          FILTER (isIRI(?e) && STRSTARTS(STR(?e), STR(kgr:)))
          FILTER NOT EXISTS {{ ?e kg:wikidataItem ?item }}
        }}""")
    kinds: dict[str, tuple[int, str]] = {}
    for row in result.raw:
        iri, kind, rank = row["e"].value, row["kind"].value, int(row["rank"].value)
        if only is not None and iri not in only:
            continue
        if iri not in kinds or rank < kinds[iri][0]:
            kinds[iri] = (rank, kind)
    entities = {iri: Entity(iri, kind) for iri, (_, kind) in kinds.items()}
    if entities:
        _add_labels(store, entities)
        _add_context(store, entities)
    return [entities[iri] for iri in sorted(entities)]


def linked_entities(store: Store) -> dict[str, str]:
    """Every entity of the graph that has a Wikidata item: IRI → QID."""
    result = store.query(sparql_prologue() + "SELECT ?e ?item WHERE { ?e kg:wikidataItem ?item }")
    return {row["e"].value: row["item"].value.rsplit("/", 1)[-1] for row in result.raw}


def _add_labels(store: Store, entities: dict[str, Entity]) -> None:
    result = store.query(sparql_prologue() + f"""
        SELECT ?e ?p ?label WHERE {{
          VALUES ?e {{ {_values(entities)} }}
          VALUES ?p {{ rdfs:label skos:altLabel skos:prefLabel foaf:name }}
          ?e ?p ?label . FILTER (isLiteral(?label))
        }}""")
    for row in result.raw:
        entity = entities[row["e"].value]
        label = row["label"]
        lang = (label.language or "").lower() or "en"
        target = entity.labels if row["p"].value.endswith(("#label", "#prefLabel")) else entity.alt_labels
        bucket = target.setdefault(lang, [])
        if label.value not in bucket:
            bucket.append(label.value)
    for entity in entities.values():
        for bucket in (*entity.labels.values(), *entity.alt_labels.values()):
            bucket.sort()


def _add_context(store: Store, entities: dict[str, Entity]) -> None:
    values = _values(entities)
    queries = {
        "country": f"""SELECT ?e ?q WHERE {{ VALUES ?e {{ {values} }}
            {{ ?e kg:locatedIn ?state }} UNION {{ ?e kg:onBorder/kg:separates ?state }}
            UNION {{ ?e org:postIn ?state }}
            ?state a kg:State ; kg:wikidataItem ?q }}""",
        "place": f"""SELECT ?e ?q WHERE {{ VALUES ?e {{ {values} }}
            ?e kg:locatedIn|kg:partOf ?place . ?place kg:wikidataItem ?q
            FILTER NOT EXISTS {{ ?place a kg:State }} }}""",
        "member": f"""SELECT ?e ?q WHERE {{ VALUES ?e {{ {values} }}
            ?m org:organization ?e ; org:member ?state . ?state kg:wikidataItem ?q }}""",
    }
    for key, text in queries.items():
        for row in store.query(sparql_prologue() + text).raw:
            entity = entities[row["e"].value]
            qid = row["q"].value.rsplit("/", 1)[-1]
            getattr(entity, f"{key}_qids").add(qid)
    result = store.query(sparql_prologue() + f"""
        SELECT ?e ?post ?postq ?stateq ?s1 ?s2 ?e1 ?e2 WHERE {{
          VALUES ?e {{ {values} }}
          ?term kg:officeHolder ?e ; kg:termOf ?post .
          OPTIONAL {{ ?post kg:wikidataItem ?postq }}
          OPTIONAL {{ ?post org:postIn/kg:wikidataItem ?stateq }}
          OPTIONAL {{ ?term kg:startEarliest ?s1 }} OPTIONAL {{ ?term kg:startLatest ?s2 }}
          OPTIONAL {{ ?term kg:endEarliest ?e1 }} OPTIONAL {{ ?term kg:endLatest ?e2 }}
        }} ORDER BY ?e ?post""")

    def text(row, name):
        return row[name].value if row[name] is not None else None

    for row in result.raw:
        entity = entities[row["e"].value]
        entity.terms.append(Term(
            post=row["post"].value,
            post_qid=(text(row, "postq") or "").rsplit("/", 1)[-1] or None,
            state_qid=(text(row, "stateq") or "").rsplit("/", 1)[-1] or None,
            start=(text(row, "s1"), text(row, "s2")),
            end=(text(row, "e1"), text(row, "e2")),
        ))
        if entity.terms[-1].state_qid:
            entity.country_qids.add(entity.terms[-1].state_qid)


def search_terms(entity: Entity, languages: tuple[str, ...] = LANGUAGES, per_language: int = 3) -> list[tuple[str, str]]:
    """The (language, text) pairs to search for: labels first, then alternative labels."""
    pairs: list[tuple[str, str]] = []
    for lang in languages:
        seen: set[str] = set()
        texts = [*entity.labels.get(lang, []), *entity.alt_labels.get(lang, [])]
        count = 0
        for text in texts:
            if normalise(text) in seen or count >= per_language:
                continue
            seen.add(normalise(text))
            count += 1
            for form in spellings(text, lang):
                pairs.append((lang, form))
    return pairs


def search_candidates(client: WikidataClient, entity: Entity, *, languages: tuple[str, ...] = LANGUAGES,
                      limit: int = 7) -> dict[str, Candidate]:
    """Items found by searching each of the entity's labels, merged per QID."""
    found: dict[str, Candidate] = {}
    for lang, text in search_terms(entity, languages):
        for rank, item in enumerate(client.search(text, lang, limit=limit), start=1):
            qid = item.get("id", "")
            if not re.fullmatch(r"Q[1-9][0-9]*", qid):
                continue
            candidate = found.setdefault(qid, Candidate(qid))
            candidate.label = candidate.label or item.get("label", "")
            candidate.description = candidate.description or item.get("description", "")
            match = item.get("match", {})
            candidate.hits.append(Hit(lang, text, rank, match.get("type", "label"), client.search_url(text, lang)))
    return found
