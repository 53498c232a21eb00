"""Synthetic source data in the article's shape, of any size, for benchmarks.

    .venv/bin/python bench/synth.py --triples 100000 --out /tmp/kg100k [--seed 0]

writes ``OUT/data/*.ttl`` (about N asserted triples) and links ``OUT/ontology`` and
``OUT/shapes`` to the repository's, so ``kgraph --home OUT build`` builds it; from Python,
``Layout.default().with_data(OUT / "data")`` does the same without the links.

The facts use the project's ontology terms exactly as ``data/*.ttl`` do: states with their
regions, settlements and borders; presidents' and ambassadors' posts with persons and
non-overlapping terms; visit tallies; treaties with parties, dates and scope; bilateral
relationships, the establishment of diplomatic relations and memberships of
intergovernmental organisations; trade observations with quantities; border crossings
with their closures and facilities; railway lines with measures; and the sources every
fact is derived from, with their publishers. The concept schemes are the project's own
(``data/concepts.ttl`` is copied), because every concept-valued property must draw on
them. Everything conforms to ``shapes/``.

The data grows one *state* at a time (each state brings about 500 triples of facts with
its neighbour, the state before it), so 1M triples means about 2,000 states. Files are
written as they are generated, never held in memory, and the same seed gives the same
bytes.

Importable too: ``from synth import generate`` (``bench/`` is run as scripts).
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]

PREFIXES = """\
@prefix kg:      <https://w3id.org/kgraph/ontology#> .
@prefix kgr:     <https://w3id.org/kgraph/id/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix schema:  <https://schema.org/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix unit:    <http://qudt.org/vocab/unit/> .
@prefix iso639:  <http://id.loc.gov/vocabulary/iso639-1/> .

"""

# The themes, one file each, as in data/.
THEMES = ("sources", "states", "people", "diplomacy", "treaties", "trade", "border", "infrastructure")

GIVEN = ("Aziz", "Bobur", "Dilshod", "Erkin", "Farhod", "Gʻayrat", "Jasur", "Kamol", "Laziz",
         "Murod", "Nodir", "Oybek", "Rustam", "Sardor", "Timur", "Ulugʻbek", "Asqar", "Baurjan",
         "Daniyar", "Ermek", "Nurlan", "Serik", "Talgat", "Yerlan")
FAMILY = ("Karimov", "Yoqubov", "Rahimov", "Toshmatov", "Usmonov", "Nazarov", "Qodirov",
          "Saidov", "Abdullayev", "Ismoilov", "Nurmatov", "Tokayev", "Suleimenov", "Akhmetov",
          "Bekov", "Omarov", "Zhaksybekov", "Seitkali")
SCOPES = ("scope-foreign-policy", "scope-defence-and-security", "scope-deeper-economic-cooperation",
          "scope-energy", "scope-investment", "scope-cultural-and-humanitarian-ties",
          "scope-legal-basis-for-long-term-relations", "scope-transboundary-resources",
          "scope-environment", "scope-food-security", "scope-border-demarcation")
CHARACTERS = ("character-historical-closeness", "character-cultural-closeness",
              "character-economic-closeness", "character-friendship",
              "character-strategic-partnership", "character-good-neighbourliness")
AREAS = ("area-trade-and-economy", "area-transport", "area-energy", "area-railways", "area-roads",
         "area-logistics", "area-regional-security", "area-education")
STATUSES = ("status-in-operation", "status-completed", "status-under-way", "status-planned",
            "status-expected")
PURPOSES = ("purpose-more-cross-border-freight", "purpose-faster-transit",
            "purpose-more-passenger-trains", "purpose-export-of-farm-goods-and-food")

TERMS_PER_POST = 4  # four consecutive, non-overlapping four-year terms from 1991
TRADE_YEARS = range(2018, 2023)
STATES_PER_MACRO_REGION = 25
STATES_PER_ORGANISATION = 10
SOURCES_PER_PUBLISHER = 10


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(text: str, datatype: str) -> str:
    return f'"{text}"^^xsd:{datatype}'


def _labels(en: str, uz: str, ru: str, kk: str | None = None, uz_cyrl: str | None = None) -> list[str]:
    labels = [_lit(en, "en"), _lit(uz, "uz")]
    if uz_cyrl:
        labels.append(_lit(uz_cyrl, "uz-Cyrl"))
    labels.append(_lit(ru, "ru"))
    if kk:
        labels.append(_lit(kk, "kk"))
    return labels


@dataclass
class _Writer:
    """Turtle blocks into one file per theme, counting the triples written."""

    files: dict[str, TextIO]
    triples: int = 0
    per_theme: dict[str, int] = field(default_factory=dict)

    def block(self, theme: str, subject: str, types: str | list[str], *pairs: tuple[str, object]) -> None:
        """``subject a types ; p o , o ; …`` — a pair whose object is None is left out."""
        types = [types] if isinstance(types, str) else types
        lines = [f"kgr:{subject} a {' , '.join(types)}"]
        count = len(types)
        for predicate, objects in pairs:
            if objects is None:
                continue
            objects = objects if isinstance(objects, (list, tuple)) else [objects]
            lines.append(f"    {predicate} {' , '.join(str(o) for o in objects)}")
            count += len(objects)
        self.files[theme].write(" ;\n".join(lines) + " .\n\n")
        self.triples += count
        self.per_theme[theme] = self.per_theme.get(theme, 0) + count


def _year_bounds(year: int) -> tuple[str, str, str]:
    return _typed(str(year), "gYear"), _typed(f"{year}-01-01", "date"), _typed(f"{year}-12-31", "date")


def _month_bounds(year: int, month: int) -> tuple[str, str, str]:
    last = calendar.monthrange(year, month)[1]  # leap years counted, as the shapes check
    return (_typed(f"{year}-{month:02d}", "gYearMonth"), _typed(f"{year}-{month:02d}-01", "date"),
            _typed(f"{year}-{month:02d}-{last:02d}", "date"))


def _day_bounds(year: int, month: int, day: int) -> tuple[str, str, str]:
    text = f"{year}-{month:02d}-{day:02d}"
    return _typed(text, "date"), _typed(text, "date"), _typed(text, "date")


class _Generator:
    def __init__(self, out: _Writer, rng: random.Random):
        self.out = out
        self.rng = rng
        self.persons = 0

    # --- shared entities, created as the states need them -------------------------------

    def macro_region(self, k: int) -> str:
        slug = f"macro-region-{k}"
        self.out.block("states", slug, "kg:Region", ("rdfs:label", _labels(
            f"Macro-region {k}", f"{k}-makrohudud", f"Макрорегион {k}", f"{k}-макроөңір", f"{k}-макроҳудуд")))
        return slug

    def organisation(self, k: int) -> str:
        slug = f"organisation-{k}"
        self.out.block("diplomacy", slug, "kg:IntergovernmentalOrganisation",
                       ("rdfs:label", _labels(f"Intergovernmental Organisation {k}", f"{k}-hukumatlararo tashkilot",
                                              f"Межправительственная организация {k}", f"{k}-үкіметаралық ұйым")),
                       ("skos:altLabel", _lit(f"IGO{k}", "en")))
        return slug

    def publisher(self, k: int) -> str:
        slug = f"publisher-{k}"
        self.out.block("sources", slug, "kg:MediaOrganisation",
                       ("rdfs:label", _labels(f"News Agency {k}", f"{k}-axborot agentligi", f"Информагентство {k}")),
                       ("schema:url", _typed(f"https://news{k}.example.org/", "anyURI")))
        return slug

    def source(self, k: int, publisher: str) -> str:
        slug = f"source-synthetic-{k}"
        day = self.rng.randrange(1, 29)
        month = self.rng.randrange(1, 13)
        year = self.rng.randrange(2005, 2026)
        self.out.block("sources", slug, ["kg:Source", "schema:NewsArticle"],
                       ("dcterms:identifier", _lit(f"S{k + 100}")),
                       ("rdfs:label", _labels(f"News report {k}", f"{k}-xabar", f"Сообщение {k}")),
                       ("schema:url", _typed(f"https://news.example.org/{year}/{month:02d}/{day:02d}/{k}/", "anyURI")),
                       ("dcterms:publisher", f"kgr:{publisher}"),
                       ("dcterms:issued", _typed(f"{year}-{month:02d}-{day:02d}", "date")),
                       ("dcterms:language", ["iso639:uz", "iso639:ru"]))
        return slug

    def person(self, i: int) -> str:
        self.persons += 1
        n = self.persons
        given, family = self.rng.choice(GIVEN), self.rng.choice(FAMILY)
        slug = f"person-{n}"
        self.out.block("people", slug, "foaf:Person",
                       ("foaf:name", _lit(f"{given} {family}")),
                       ("foaf:givenName", _lit(given)),
                       ("foaf:familyName", _lit(family)),
                       ("rdfs:label", _labels(f"{given} {family} ({n})", f"{given} {family} ({n})",
                                              f"{given} {family} ({n})")))
        return slug

    # --- one state and its facts with the state before it ------------------------------

    def state(self, i: int, macro: str, organisation: str, source: str) -> None:
        out, rng = self.out, self.rng
        state, prev = f"state-{i}", (f"state-{i - 1}" if i > 0 else None)
        src = f"kgr:{source}"
        out.block("states", state, "kg:State",
                  ("rdfs:label", _labels(f"State {i}", f"{i}-davlat", f"Государство {i}", f"{i}-мемлекет",
                                         f"{i}-давлат")),
                  ("skos:altLabel", [_lit(f"Republic of State {i}", "en"), _lit(f"{i}-davlat Respublikasi", "uz")]),
                  ("kg:locatedIn", f"kgr:{macro}"),
                  ("kg:sharesBorderWith", f"kgr:{prev}" if prev else None))
        region = f"region-{i}"
        out.block("states", region, "kg:Region",
                  ("rdfs:label", _labels(f"Region {i}", f"{i}-viloyat", f"Область {i}", f"{i}-облыс")),
                  ("kg:locatedIn", f"kgr:{state}"))
        settlements = []
        for k in range(2):
            slug = f"settlement-{i}-{k}"
            settlements.append(slug)
            out.block("states", slug, "kg:Settlement",
                      ("rdfs:label", _labels(f"Town {i}-{k}", f"{i}-{k}-shahar", f"Город {i}-{k}", f"{i}-{k}-қала")),
                      ("kg:locatedIn", f"kgr:{region}"))

        membership = f"membership-{state}-{organisation}"
        out.block("diplomacy", membership, "org:Membership",
                  ("rdfs:label", _labels(f"State {i} in organisation {organisation}",
                                         f"{i}-davlat {organisation} aʼzosi", f"Государство {i} в {organisation}")),
                  ("org:member", f"kgr:{state}"), ("org:organization", f"kgr:{organisation}"),
                  ("prov:wasDerivedFrom", src))

        # Posts, persons and their consecutive terms.
        president = f"president-of-{state}"
        out.block("people", president, "kg:HeadOfStatePost",
                  ("rdfs:label", _labels(f"President of State {i}", f"{i}-davlat Prezidenti", f"Президент государства {i}")),
                  ("org:postIn", f"kgr:{state}"))
        presidents = self.terms(president, i, src)
        for term, person, start in presidents:
            if prev:
                tally = f"visits-{term}"
                out.block("diplomacy", tally, "kg:VisitTally",
                          ("rdfs:label", _labels(f"Visits of {person} to State {i - 1}", f"{person} tashriflari",
                                                 f"Визиты {person}")),
                          ("kg:visitor", f"kgr:{person}"), ("kg:visitedState", f"kgr:{prev}"),
                          ("kg:visitCount", _typed(str(rng.randrange(0, 30)), "nonNegativeInteger")),
                          *zip(("kg:startDate", "kg:startEarliest", "kg:startLatest"), _year_bounds(start)),
                          ("kg:duringTerm", f"kgr:{term}"), ("prov:wasDerivedFrom", src))
        if prev is None:
            return

        ambassador = f"ambassador-of-{state}-to-{prev}"
        out.block("people", ambassador, "kg:AmbassadorPost",
                  ("rdfs:label", _labels(f"Ambassador of State {i} to State {i - 1}", f"{i}-davlat elchisi",
                                         f"Посол государства {i}")),
                  ("org:postIn", f"kgr:{state}"), ("kg:accreditedTo", f"kgr:{prev}"))
        self.terms(ambassador, i, src)

        # The relationship with the state before, its founding event and treaties.
        pair = f"{prev}-{state}"
        out.block("states", f"relations-{pair}", "kg:BilateralRelationship",
                  ("rdfs:label", _labels(f"Relations of State {i - 1} and State {i}", f"{i - 1}–{i} munosabatlari",
                                         f"Отношения {i - 1} и {i}")),
                  ("kg:party", [f"kgr:{prev}", f"kgr:{state}"]),
                  ("kg:characterisedAs", f"kgr:{rng.choice(CHARACTERS)}"),
                  ("kg:cooperationArea", [f"kgr:{a}" for a in rng.sample(AREAS, 2)]),
                  ("kg:cooperatesWithin", f"kgr:{organisation}"), ("prov:wasDerivedFrom", src))
        out.block("diplomacy", f"establishment-of-diplomatic-relations-{pair}",
                  "kg:EstablishmentOfDiplomaticRelations",
                  ("rdfs:label", _labels(f"Diplomatic relations of State {i - 1} and State {i}",
                                         f"{i - 1}–{i} diplomatik aloqalari", f"Дипотношения {i - 1} и {i}")),
                  ("kg:involves", [f"kgr:{prev}", f"kgr:{state}"]),
                  *zip(("kg:date", "kg:dateEarliest", "kg:dateLatest"),
                       _day_bounds(rng.randrange(1992, 1995), rng.randrange(1, 13), rng.randrange(1, 29))),
                  ("prov:wasDerivedFrom", src))
        for k in range(2):
            year, month, day = rng.randrange(1992, 2025), rng.randrange(1, 13), rng.randrange(1, 29)
            out.block("treaties", f"treaty-{pair}-{k}", "kg:Treaty",
                      ("rdfs:label", _labels(f"Treaty {k} between State {i - 1} and State {i}",
                                             f"{i - 1}–{i} {k}-shartnoma", f"Договор {k} между {i - 1} и {i}",
                                             f"{i - 1}–{i} {k}-шарт")),
                      ("kg:party", [f"kgr:{prev}", f"kgr:{state}"]),
                      *zip(("kg:date", "kg:dateEarliest", "kg:dateLatest"),
                           _day_bounds(year, month, day) if k else _year_bounds(year)),
                      ("kg:covers", [f"kgr:{s}" for s in rng.sample(SCOPES, 2)]),
                      ("prov:wasDerivedFrom", src))

        # Trade observations, one a year.
        for year in TRADE_YEARS:
            out.block("trade", f"trade-{pair}-{year}", "kg:TradeVolume",
                      ("rdfs:label", _labels(f"Trade of State {i - 1} and State {i} in {year}",
                                             f"{year}-yilda {i - 1}–{i} savdo hajmi", f"Товарооборот {i - 1}–{i} в {year}")),
                      ("kg:measureOf", f"kgr:relations-{pair}"),
                      ("kg:quantityKind", "kgr:quantity-trade-volume"),
                      ("kg:tradeBetween", [f"kgr:{prev}", f"kgr:{state}"]),
                      *zip(("kg:date", "kg:dateEarliest", "kg:dateLatest"), _year_bounds(year)),
                      ("schema:value", str(rng.randrange(10_000_000, 9_000_000_000))),
                      ("schema:currency", _lit("USD")), ("prov:wasDerivedFrom", src))

        # The border, its crossings, their closures and facilities.
        border = f"border-{pair}"
        out.block("border", border, "kg:Border",
                  ("rdfs:label", _labels(f"Border of State {i - 1} and State {i}", f"{i - 1}–{i} davlat chegarasi",
                                         f"Граница {i - 1} и {i}", f"{i - 1}–{i} шекарасы")),
                  ("kg:separates", [f"kgr:{prev}", f"kgr:{state}"]))
        for k in range(2):
            crossing = f"crossing-{pair}-{k}"
            out.block("border", crossing, "kg:BorderCrossing",
                      ("rdfs:label", _labels(f"Crossing {k} on border {i - 1}–{i}", f"{i - 1}–{i} {k}-chegara posti",
                                             f"Пункт пропуска {k} {i - 1}–{i}", f"{i - 1}–{i} {k}-өткізу пункті")),
                      ("kg:onBorder", f"kgr:{border}"))
            out.block("border", f"closure-{crossing}", "kg:Closure",
                      ("rdfs:label", _labels(f"Closure of crossing {k} {i - 1}–{i}", f"{k}-postning yopilishi",
                                             f"Закрытие пункта {k}")),
                      ("kg:eventOf", f"kgr:{crossing}"),
                      *zip(("kg:date", "kg:dateEarliest", "kg:dateLatest"),
                           _month_bounds(rng.randrange(2000, 2025), rng.randrange(1, 13))),
                      ("kg:reason", "kgr:reason-modernisation"), ("prov:wasDerivedFrom", src))
            out.block("border", f"car-park-{crossing}", "kg:Facility",
                      ("rdfs:label", _labels(f"Car park at crossing {k} {i - 1}–{i}", f"{k}-post avtoturargohi",
                                             f"Автостоянка у пункта {k}")),
                      ("kg:partOf", f"kgr:{crossing}"), ("kg:status", f"kgr:{rng.choice(STATUSES)}"),
                      ("prov:wasDerivedFrom", src))

        # A railway line between the two states' towns, and its length.
        line = f"railway-{pair}"
        out.block("infrastructure", line, "kg:RailwayLine",
                  ("rdfs:label", _labels(f"Railway {i - 1}–{i}", f"{i - 1}–{i} temir yoʻli", f"Железная дорога {i - 1}–{i}")),
                  ("kg:locatedIn", f"kgr:region-{i}"),
                  ("kg:terminus", [f"kgr:settlement-{i - 1}-1", f"kgr:{settlements[0]}"]),
                  ("kg:towards", f"kgr:{border}"),
                  ("kg:purpose", f"kgr:{rng.choice(PURPOSES)}"),
                  ("kg:status", f"kgr:{rng.choice(STATUSES)}"), ("prov:wasDerivedFrom", src))
        out.block("infrastructure", f"measure-{line}-length", "kg:ProjectMeasure",
                  ("rdfs:label", _labels(f"Length of railway {i - 1}–{i}", f"{i - 1}–{i} temir yoʻli uzunligi",
                                         f"Длина дороги {i - 1}–{i}")),
                  ("kg:measureOf", f"kgr:{line}"), ("kg:quantityKind", "kgr:quantity-track-panel-required"),
                  ("schema:value", str(rng.randrange(20, 900))), ("kg:unit", "unit:KiloM"),
                  ("kg:isApproximate", "true"), ("prov:wasDerivedFrom", src))

    def terms(self, post: str, i: int, src: str) -> list[tuple[str, str, int]]:
        """Consecutive four-year terms of one post (they never overlap), each with a new person."""
        made = []
        for k in range(TERMS_PER_POST):
            person = self.person(i)
            start = 1991 + 4 * k
            term = f"term-{post}-{k + 1}"
            self.out.block("people", term, "kg:TermOfOffice",
                           ("rdfs:label", _labels(f"Term {k + 1} of {post}", f"{post} {k + 1}-muddati",
                                                  f"Срок {k + 1} {post}")),
                           ("kg:officeHolder", f"kgr:{person}"), ("kg:termOf", f"kgr:{post}"),
                           ("kg:ordinal", _typed(str(k + 1), "positiveInteger")),
                           *zip(("kg:startDate", "kg:startEarliest", "kg:startLatest"), _year_bounds(start)),
                           *zip(("kg:endDate", "kg:endEarliest", "kg:endLatest"), _year_bounds(start + 3)),
                           ("prov:wasDerivedFrom", src))
            made.append((term, person, start))
        return made


def _count_triples(path: Path) -> int:
    from rdflib import Graph  # only here: the generator itself writes plain text

    return len(Graph().parse(path, format="turtle"))


def generate(triples: int, out: str | Path, seed: int = 0, link_sources: bool = True) -> dict:
    """Write ``out/data/*.ttl`` with about ``triples`` asserted triples; return the counts.

    ``out/data`` is replaced. With ``link_sources``, ``out/ontology`` and ``out/shapes``
    become links to the repository's, so ``out`` is a complete ``--home``.
    """
    if triples < 1:
        raise ValueError("--triples must be a positive number")
    out = Path(out)
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    shutil.copyfile(ROOT / "data" / "concepts.ttl", data / "concepts.ttl")
    concepts = _count_triples(data / "concepts.ttl")
    if link_sources:
        for name in ("ontology", "shapes"):
            link = out / name
            if link.is_symlink() or link.exists():
                if not link.is_symlink():
                    raise ValueError(f"{link} exists and is not a link; choose an empty --out folder")
                link.unlink()
            link.symlink_to(ROOT / name, target_is_directory=True)

    rng = random.Random(seed)
    with contextlib.ExitStack() as files:  # one file per theme, all open while states are made
        handles = {theme: files.enter_context(open(data / f"synthetic-{theme}.ttl", "w", encoding="utf-8"))
                   for theme in THEMES}
        for theme, handle in handles.items():
            handle.write(f"# Synthetic {theme}, generated by bench/synth.py (seed {seed}); not real facts.\n\n")
            handle.write(PREFIXES)
        writer = _Writer(handles)
        gen = _Generator(writer, rng)
        macro = organisation = publisher = source = ""
        i = 0
        while concepts + writer.triples < triples:
            if i % STATES_PER_MACRO_REGION == 0:
                macro = gen.macro_region(i // STATES_PER_MACRO_REGION)
            if i % STATES_PER_ORGANISATION == 0:
                organisation = gen.organisation(i // STATES_PER_ORGANISATION)
            if i % SOURCES_PER_PUBLISHER == 0:
                publisher = gen.publisher(i // SOURCES_PER_PUBLISHER)
            source = gen.source(i, publisher)
            gen.state(i, macro, organisation, source)
            i += 1
    return {"triples": concepts + writer.triples, "states": i, "persons": gen.persons,
            "files": sorted(p.name for p in data.glob("*.ttl")),
            "per_file": {"concepts.ttl": concepts,
                         **{f"synthetic-{t}.ttl": n for t, n in sorted(writer.per_theme.items())}}}


def parse_size(text: str) -> int:
    """``10k``, ``1m``, ``2500`` → a number of triples."""
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write e.g. 10000, 10k or 1m") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the size must be positive")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic kgraph source data of about N triples.")
    parser.add_argument("--triples", type=parse_size, required=True, help="about how many asserted triples (10k, 1m …)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write data/ into (data/ is replaced)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same files")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        stats = generate(args.triples, args.out, args.seed)
    except (OSError, ValueError) as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    print(f"{stats['triples']} triples ({stats['states']} states, {stats['persons']} persons) in "
          f"{args.out / 'data'} in {time.perf_counter() - started:.1f} s; build it with "
          f"`kgraph --home {args.out} build`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
