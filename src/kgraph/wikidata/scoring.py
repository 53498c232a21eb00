"""Scoring a Wikidata candidate for an entity (0–1), every weight with its reason.

:func:`score` weighs what the SPARQL endpoint says of the item (:class:`ItemFacts`)
against the entity (:class:`~kgraph.wikidata.search.Entity`):

===========  ====================================================================  ==========
names        a label equal to one of ours (apostrophe forms and case aside)          +0.30
             … or only an alias / alternative label equal                             +0.20
             … or only found by the search                                            +0.10
             each further language that matches (at most two)                          +0.05
type         P31/P279* reaches a class expected for the entity's kind                  +0.35
             has classes, none expected: capped at 0.40                                 −0.30
facts        country, region, post, jurisdiction or members as the graph says          +0.15 each
             (at most +0.25); a position's start within the article's bounds           +0.05
             a country contradicting the graph, or born too late for the term           −0.30
search       first hit of a search                                                    +0.05
===========  ====================================================================  ==========

Every weight becomes an :class:`~kgraph.wikidata.search.Evidence` line, so the score is
always shown with why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .search import LANGUAGES, Candidate, Entity, Evidence, normalise

#: Wikidata classes an item of each kind is an instance of (through P31/P279*).
EXPECTED_TYPES: dict[str, dict[str, str]] = {
    "state": {"Q6256": "country", "Q3624078": "sovereign state", "Q3024240": "historical country",
              "Q7275": "state"},
    "person": {"Q5": "human"},
    "organisation": {"Q43229": "organization", "Q484652": "international organization"},
    "settlement": {"Q486972": "human settlement", "Q515": "city"},
    "region": {"Q82794": "geographic region", "Q56061": "administrative territorial entity"},
    # No Wikidata class for border crossings has been verified yet: their type is not
    # checked, so a crossing never reaches the threshold without a person's review.
    "crossing": {},
    "railway": {"Q728937": "railway line"},
    "post": {"Q4164871": "position", "Q294414": "public office"},
}

W_LABEL, W_ALIAS, W_SEARCH_ONLY, W_LANGUAGE = 0.30, 0.20, 0.10, 0.05
W_TYPE, W_WRONG_TYPE, TYPE_CAP = 0.35, -0.30, 0.40
W_FACT, W_FACTS_MAX, W_DATES, W_CONTRADICTION = 0.15, 0.25, 0.05, -0.30
W_FIRST_HIT = 0.05


@dataclass
class ItemFacts:
    """What the SPARQL endpoint says of one candidate item."""

    qid: str
    classes: dict[str, str] = field(default_factory=dict)  # P31 class → its English label
    kinds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # class → expected types
    labels: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    aliases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: (property, value, start, end): value a QID or a literal's text
    statements: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    #: linked states that are members of it (P463 pointing at the item)
    members: set[str] = field(default_factory=set)

    def values(self, prop: str) -> list[tuple[str, str | None, str | None]]:
        return [(v, s, e) for p, v, s, e in self.statements if p == prop]


def _year(text: str | None) -> int | None:
    if not text:
        return None
    digits = text.lstrip("+-")[:4]
    return int(digits) if digits.isdigit() else None


def _names(entity: Entity, candidate: Candidate, item: ItemFacts) -> list[Evidence]:
    label_langs, alias_langs = [], []
    for lang in LANGUAGES:
        ours = {normalise(t) for t in entity.labels.get(lang, [])}
        our_alts = {normalise(t) for t in entity.alt_labels.get(lang, [])}
        theirs = {normalise(t) for t in item.labels.get(lang, [])}
        their_alts = {normalise(t) for t in item.aliases.get(lang, [])}
        if ours & theirs:
            label_langs.append((lang, item.labels[lang][0]))
        elif (ours | our_alts) & (theirs | their_alts):
            shown = next(t for t in [*item.labels.get(lang, []), *item.aliases.get(lang, [])]
                         if normalise(t) in ours | our_alts)
            alias_langs.append((lang, shown))
    evidence = []
    if label_langs:
        lang, text = label_langs[0]
        evidence.append(Evidence("name", f"label ({lang}) “{text}” is the entity's label", W_LABEL))
        rest = label_langs[1:] + alias_langs
    elif alias_langs:
        lang, text = alias_langs[0]
        evidence.append(Evidence("name", f"“{text}” ({lang}) is a label or alias on both sides", W_ALIAS))
        rest = alias_langs[1:]
    elif candidate.hits:
        hit = candidate.hits[0]
        evidence.append(Evidence("name", f"found by searching “{hit.text}” ({hit.language}), but no label "
                                         "or alias is equal to the entity's", W_SEARCH_ONLY))
        rest = []
    else:
        evidence.append(Evidence("name", "no label or alias equal to the entity's", 0.0))
        rest = []
    for lang, text in rest[:2]:
        evidence.append(Evidence("name", f"also matches in {lang}: “{text}”", W_LANGUAGE))
    return evidence


def _type(entity: Entity, item: ItemFacts) -> tuple[list[Evidence], bool]:
    """Evidence on the item's type, and whether it contradicts the entity's kind."""
    expected = EXPECTED_TYPES.get(entity.kind, {})
    if not expected:
        return [Evidence("type", f"type not checked: no verified Wikidata class for the kind {entity.kind}", 0.0)], False
    if not item.classes:
        return [Evidence("type", "Wikidata gives it no class (P31)", 0.0)], False
    for cls, label in sorted(item.classes.items()):
        fits = sorted(item.kinds.get(cls, set()) & expected.keys())
        if fits:
            via = "" if fits[0] == cls else f", a kind of {expected[fits[0]]} ({fits[0]})"
            return [Evidence("type", f"instance of {label or cls} ({cls}){via}: fits the kind {entity.kind}", W_TYPE)], False
    shown = ", ".join(f"{label or cls} ({cls})" for cls, label in sorted(item.classes.items())[:3])
    wanted = " or ".join(f"{label} ({q})" for q, label in expected.items())
    return [Evidence("type", f"instance of {shown}, not of {wanted}", W_WRONG_TYPE)], True


def _facts(entity: Entity, item: ItemFacts) -> list[Evidence]:
    found: list[Evidence] = []
    against: list[Evidence] = []
    countries = {v for v, _, _ in item.values("P17")}
    if entity.country_qids and entity.kind in ("settlement", "region", "crossing", "railway", "organisation", "post"):
        if countries & entity.country_qids:
            found.append(Evidence("fact", f"country (P17) {', '.join(sorted(countries & entity.country_qids))} "
                                          "is the state the graph places it in", W_FACT))
        elif countries:
            against.append(Evidence("fact", f"country (P17) {', '.join(sorted(countries))}, but the graph "
                                            f"places it in {', '.join(sorted(entity.country_qids))}", W_CONTRADICTION))
    located = {v for v, _, _ in item.values("P131")}
    if entity.place_qids & located:
        found.append(Evidence("fact", f"located in (P131) {', '.join(sorted(entity.place_qids & located))}, "
                                      "as in the graph", W_FACT))
    if entity.kind == "post":
        jurisdiction = {v for v, _, _ in item.values("P1001")}
        if jurisdiction & entity.country_qids:
            found.append(Evidence("fact", f"applies to jurisdiction (P1001) "
                                          f"{', '.join(sorted(jurisdiction & entity.country_qids))}, the post's state", W_FACT))
    if entity.kind == "organisation" and entity.member_qids:
        members = item.members & entity.member_qids
        if members:
            found.append(Evidence("fact", f"member states (P463) include {', '.join(sorted(members))}, "
                                          "as in the graph", W_FACT))
    if entity.kind == "person":
        found += _person_facts(entity, item, against)
    evidence = []
    total = 0.0
    for ev in found:
        weight = min(ev.weight, max(0.0, W_FACTS_MAX - total))
        total += weight
        evidence.append(Evidence(ev.kind, ev.text, round(weight, 2)))
    return evidence + against


def _person_facts(entity: Entity, item: ItemFacts, against: list[Evidence]) -> list[Evidence]:
    found: list[Evidence] = []
    positions = item.values("P39")
    held = {v for v, _, _ in positions}
    for term in entity.terms:
        if term.post_qid and term.post_qid in held:
            found.append(Evidence("fact", f"position held (P39) {term.post_qid}: the post of its term in the graph",
                                  W_FACT))
            starts = [_year(s) for v, s, _ in positions if v == term.post_qid and s]
            low, high = _year(term.start[0]), _year(term.start[1])
            if starts and low and high:
                if any(low <= y <= high for y in starts if y):
                    found.append(Evidence("fact", f"the position's start ({min(y for y in starts if y)}) agrees with "
                                                  f"the article ({low}–{high})", W_DATES))
                else:
                    found.append(Evidence("fact", f"the position's start ({', '.join(str(y) for y in starts if y)}) "
                                                  f"differs from the article's ({low}–{high})", 0.0))
    citizenship = {v for v, _, _ in item.values("P27")}
    if citizenship & entity.country_qids:
        found.append(Evidence("fact", f"citizenship (P27) {', '.join(sorted(citizenship & entity.country_qids))}, "
                                      "the state of the post", W_FACT))
    births = [_year(v) for v, _, _ in item.values("P569")]
    starts = [_year(t.start[0]) for t in entity.terms if t.start[0]]
    if births and starts and all(b and b > min(starts) - 18 for b in births):
        against.append(Evidence("fact", f"born {min(births)}, too late for a term the article starts in "
                                        f"{min(starts)}", W_CONTRADICTION))
    return found


def score(entity: Entity, candidate: Candidate, item: ItemFacts) -> Candidate:
    """Fill ``candidate.score`` (0–1, two decimals) and ``candidate.evidence`` from ``item``."""
    evidence = _names(entity, candidate, item)
    type_evidence, wrong_type = _type(entity, item)
    evidence += type_evidence
    evidence += _facts(entity, item)
    if candidate.best_rank == 1:
        hit = next(h for h in candidate.hits if h.rank == 1)
        evidence.append(Evidence("search", f"first hit searching “{hit.text}” ({hit.language})", W_FIRST_HIT))
    total = sum(ev.weight for ev in evidence)
    if wrong_type:
        total = min(total, TYPE_CAP)
    candidate.score = round(min(1.0, max(0.0, total)), 2)
    candidate.evidence = evidence
    if not candidate.label:
        candidate.label = (item.labels.get("en") or next(iter(item.labels.values()), [""]))[0]
    return candidate
