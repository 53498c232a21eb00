"""Where Wikidata and the article agree, and where they do not.

Reads the built graph (the article's facts) and the Wikidata graph of ``kgraph enrich``
side by side and reports, per topic:

- **memberships**: each org:Membership of a linked state in a linked organisation, against
  the state's P463 statements (and their start and end);
- **heads of state**: each term of office of a head-of-state post whose state is linked,
  against the state's P35 statements (holder by item, or by name when the person is not
  linked; start and end against the article's day bounds);
- **names**: each linked entity's label in en, uz, ru, kk against Wikidata's label (or an
  alias), apostrophe forms and case aside;
- **diplomatic relations**: the date the article gives for their establishment, against the
  start of the P530 statement between the two states.

Verdicts: ``agree``, ``disagree``, ``only-article`` (Wikidata says nothing of it),
``only-wikidata`` (the article says nothing of it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import KgraphError
from ..export import WIKIDATA_GRAPH
from ..namespaces import sparql_prologue
from ..query import open_build
from ..store import OxigraphStore
from .search import LANGUAGES, normalise

VERDICTS = ("agree", "disagree", "only-article", "only-wikidata")
_WD_PREFIXES = """PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
"""


@dataclass
class Finding:
    topic: str
    subject: str
    article: str
    wikidata: str
    verdict: str
    note: str = ""


def _q(store: OxigraphStore, text: str):
    return list(store.query(sparql_prologue() + _WD_PREFIXES + text).raw)


def _v(row, name):
    term = row[name]
    return None if term is None else term.value


def _day(text: str | None) -> str | None:
    return text[:10] if text else None


def _within(day: str | None, low: str | None, high: str | None) -> bool | None:
    if not day or not (low or high):
        return None
    return (low is None or low <= day) and (high is None or day <= high)


def _bounds(low: str | None, high: str | None, shown: str | None) -> str:
    if shown:
        return shown
    if low and high:
        return low if low == high else f"{low} … {high}"
    return "?"


def has_wikidata_graph(store: OxigraphStore) -> bool:
    return WIKIDATA_GRAPH in store.named_graphs()


def memberships(store: OxigraphStore) -> list[Finding]:
    article = _q(store, """SELECT ?state ?stateq ?stateLabel ?org ?orgq ?orgLabel WHERE {
        ?m a org:Membership ; org:member ?state ; org:organization ?org .
        ?state kg:wikidataItem ?stateq . ?org kg:wikidataItem ?orgq .
        OPTIONAL { ?state rdfs:label ?stateLabel FILTER (LANG(?stateLabel) = "en") }
        OPTIONAL { ?org rdfs:label ?orgLabel FILTER (LANG(?orgLabel) = "en") }
    }""")
    wikidata = _q(store, """SELECT ?stateq ?orgq ?start ?end WHERE { GRAPH kgg:wikidata {
        ?stateq p:P463 ?st . ?st ps:P463 ?orgq .
        OPTIONAL { ?st pq:P580 ?start } OPTIONAL { ?st pq:P582 ?end } } }""")
    enriched = {r["s"].value for r in _q(store, "SELECT DISTINCT ?s WHERE { GRAPH kgg:wikidata { ?s p:P463 ?x } }")}
    said = defaultdict(list)
    for row in wikidata:
        said[(_v(row, "stateq"), _v(row, "orgq"))].append((_day(_v(row, "start")), _day(_v(row, "end"))))
    linked_orgs = {_v(r, "orgq"): _v(r, "orgLabel") for r in article}
    findings, seen = [], set()
    for row in article:
        key = (_v(row, "stateq"), _v(row, "orgq"))
        seen.add(key)
        subject = f"{_v(row, 'stateLabel')} in {_v(row, 'orgLabel')}"
        if key[0] not in enriched:
            continue
        if key not in said:
            findings.append(Finding("membership", subject, "member", "no membership (P463) recorded",
                                    "disagree"))
            continue
        spans = sorted(said[key], key=lambda s: s[0] or "")
        text = "; ".join(f"member from {s or '?'}" + (f" to {e}" if e else "") for s, e in spans)
        ended = [e for _, e in spans if e] and not any(e is None for _, e in spans)
        findings.append(Finding("membership", subject, "member (no dates given)", text,
                                "disagree" if ended else "agree",
                                "Wikidata says the membership ended" if ended else
                                "the article gives no start; Wikidata's is extra information"))
    members = {_v(r, "stateq"): _v(r, "stateLabel") for r in article}
    for key, spans in sorted(said.items()):
        # Only for the states whose memberships the article lists, in the organisations it names.
        if key in seen or key[1] not in linked_orgs or key[0] not in members:
            continue
        state = members[key[0]]
        findings.append(Finding("membership", f"{state} in {linked_orgs[key[1]]}", "no membership recorded",
                                "member" + "".join(f" from {s}" for s, _ in spans if s), "only-wikidata"))
    return findings


def heads_of_state(store: OxigraphStore) -> list[Finding]:
    article = _q(store, """SELECT ?post ?postLabel ?stateq ?holder ?holderq ?holderLabel ?s1 ?s2 ?sd ?e1 ?e2 ?ed WHERE {
        ?post a kg:HeadOfStatePost ; org:postIn ?state . ?state kg:wikidataItem ?stateq .
        ?term kg:termOf ?post ; kg:officeHolder ?holder .
        OPTIONAL { ?holder kg:wikidataItem ?holderq }
        OPTIONAL { ?holder rdfs:label ?holderLabel FILTER (LANG(?holderLabel) = "en") }
        OPTIONAL { ?post rdfs:label ?postLabel FILTER (LANG(?postLabel) = "en") }
        OPTIONAL { ?term kg:startEarliest ?s1 } OPTIONAL { ?term kg:startLatest ?s2 } OPTIONAL { ?term kg:startDate ?sd }
        OPTIONAL { ?term kg:endEarliest ?e1 } OPTIONAL { ?term kg:endLatest ?e2 } OPTIONAL { ?term kg:endDate ?ed }
    } ORDER BY ?post ?holder""")
    names = defaultdict(set)
    for row in _q(store, "SELECT ?e ?l WHERE { ?e rdfs:label|skos:altLabel|foaf:name ?l }"):
        names[row["e"].value].add(normalise(row["l"].value))
    wd_names = defaultdict(set)
    wd_label = {}
    for row in _q(store, "SELECT ?e ?l WHERE { GRAPH kgg:wikidata { ?e rdfs:label|skos:altLabel ?l } }"):
        wd_names[row["e"].value].add(normalise(row["l"].value))
        if row["l"].language == "en":
            wd_label.setdefault(row["e"].value, row["l"].value)
    said = defaultdict(list)
    for row in _q(store, """SELECT ?stateq ?holder ?start ?end WHERE { GRAPH kgg:wikidata {
            ?stateq p:P35 ?st . ?st ps:P35 ?holder .
            OPTIONAL { ?st pq:P580 ?start } OPTIONAL { ?st pq:P582 ?end } } }"""):
        said[_v(row, "stateq")].append((_v(row, "holder"), _day(_v(row, "start")), _day(_v(row, "end"))))
    findings = []
    for row in article:
        state = _v(row, "stateq")
        if state not in said:
            continue
        holder, holderq = _v(row, "holder"), _v(row, "holderq")
        ours = names[holder]
        subject = f"{_v(row, 'postLabel')}: {_v(row, 'holderLabel') or holder.rsplit('/', 1)[-1]}"
        matches = [h for h in said[state] if h[0] == holderq or (not holderq and wd_names[h[0]] & ours)]
        if not matches:
            findings.append(Finding("head of state", subject, "holder of the post",
                                    "not among the heads of state (P35) of " + state.rsplit("/", 1)[-1],
                                    "disagree"))
            continue
        item, start, end = matches[0]
        who = f"{wd_label.get(item, item.rsplit('/', 1)[-1])} ({item.rsplit('/', 1)[-1]})"
        how = "by item" if holderq else "by name (the person is not linked)"
        art_start = _bounds(_v(row, "s1"), _v(row, "s2"), _v(row, "sd"))
        inside = _within(start, _v(row, "s1"), _v(row, "s2"))
        if inside is None:
            verdict = "agree" if not _v(row, "s1") else "only-article"
            note = f"holder matched {how}; " + ("the article gives no start" if not _v(row, "s1")
                                                 else "Wikidata gives no start")
        else:
            verdict = "agree" if inside else "disagree"
            note = f"holder matched {how}; start {'within' if inside else 'outside'} the article's bounds"
        if end and not (_v(row, "e1") or _v(row, "e2")):
            note += f"; Wikidata has an end ({end}) the article does not give"
        findings.append(Finding("head of state", subject,
                                "no dates given" if art_start == "?" else f"from {art_start}",
                                f"{who} from {start or '?'}" + (f" to {end}" if end else ""), verdict, note))
    return findings


def labels(store: OxigraphStore) -> list[Finding]:
    ours = defaultdict(lambda: defaultdict(list))
    for row in _q(store, """SELECT ?e ?q ?p ?l WHERE { ?e kg:wikidataItem ?q ; ?p ?l .
            VALUES ?p { rdfs:label skos:altLabel } FILTER (isLiteral(?l)) }"""):
        kind = "label" if row["p"].value.endswith("#label") else "alt"
        ours[(row["e"].value, row["q"].value)][(kind, row["l"].language)].append(row["l"].value)
    theirs = defaultdict(lambda: defaultdict(list))
    for row in _q(store, "SELECT ?e ?p ?l WHERE { GRAPH kgg:wikidata { ?e ?p ?l . VALUES ?p { rdfs:label skos:altLabel } } }"):
        kind = "label" if row["p"].value.endswith("#label") else "alt"
        theirs[row["e"].value][(kind, row["l"].language)].append(row["l"].value)
    findings = []
    for (entity, item), mine in sorted(ours.items()):
        if item not in theirs:
            continue
        wd = theirs[item]
        name = (mine.get(("label", "en")) or [entity.rsplit("/", 1)[-1]])[0]
        for lang in LANGUAGES:
            our_labels = mine.get(("label", lang), [])
            if not our_labels:
                continue
            their_labels = wd.get(("label", lang), [])
            our_all = {normalise(t) for t in our_labels + mine.get(("alt", lang), [])}
            their_all = {normalise(t) for t in their_labels + wd.get(("alt", lang), [])}
            subject = f"{name} ({lang})"
            if not their_labels:
                findings.append(Finding("name", subject, our_labels[0], "no label", "only-article"))
            elif {normalise(t) for t in our_labels} & {normalise(t) for t in their_labels}:
                findings.append(Finding("name", subject, our_labels[0], their_labels[0], "agree"))
            elif our_all & their_all:
                findings.append(Finding("name", subject, our_labels[0], their_labels[0], "agree",
                                        "equal through an alternative label or alias"))
            else:
                findings.append(Finding("name", subject, our_labels[0], their_labels[0], "disagree"))
    return findings


def diplomatic_relations(store: OxigraphStore) -> list[Finding]:
    article = _q(store, """SELECT ?event ?aq ?bq ?aLabel ?bLabel ?date ?low ?high WHERE {
        ?event a kg:EstablishmentOfDiplomaticRelations ; kg:involves ?a , ?b .
        FILTER (STR(?a) < STR(?b))
        ?a kg:wikidataItem ?aq . ?b kg:wikidataItem ?bq .
        OPTIONAL { ?a rdfs:label ?aLabel FILTER (LANG(?aLabel) = "en") }
        OPTIONAL { ?b rdfs:label ?bLabel FILTER (LANG(?bLabel) = "en") }
        OPTIONAL { ?event kg:date ?date } OPTIONAL { ?event kg:dateEarliest ?low } OPTIONAL { ?event kg:dateLatest ?high }
    }""")
    findings = []
    for row in article:
        a, b = _v(row, "aq"), _v(row, "bq")
        rel = _q(store, f"""SELECT ?start WHERE {{ GRAPH kgg:wikidata {{
            {{ <{a}> p:P530 ?st . ?st ps:P530 <{b}> }} UNION {{ <{b}> p:P530 ?st . ?st ps:P530 <{a}> }}
            OPTIONAL {{ ?st pq:P580 ?start }} }} }}""")
        subject = f"{_v(row, 'aLabel')} – {_v(row, 'bLabel')}"
        ours = _bounds(_v(row, "low"), _v(row, "high"), _v(row, "date"))
        starts = sorted({_day(_v(r, "start")) for r in rel if _v(r, "start")})
        if not rel:
            findings.append(Finding("diplomatic relations", subject, f"established {ours}",
                                    "no diplomatic relation (P530) between them", "only-article"))
        elif not starts:
            findings.append(Finding("diplomatic relations", subject, f"established {ours}",
                                    "a diplomatic relation (P530) without a start date", "only-article",
                                    "Wikidata does not date it"))
        else:
            inside = any(_within(s, _v(row, "low"), _v(row, "high")) for s in starts)
            findings.append(Finding("diplomatic relations", subject, f"established {ours}",
                                    "start " + ", ".join(starts), "agree" if inside else "disagree"))
    return findings


def compare(build_path: Path) -> list[Finding]:
    """Every finding, by topic. Raises when there is no Wikidata graph to compare with."""
    store = open_build(build_path)  # the build and its Wikidata graph, when enriched
    if not has_wikidata_graph(store):
        raise KgraphError("there is no Wikidata graph to compare with: run `kgraph enrich` first.")
    return [*memberships(store), *heads_of_state(store), *labels(store), *diplomatic_relations(store)]


def summary(findings: list[Finding]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for f in findings:
        out.setdefault(f.topic, {v: 0 for v in VERDICTS})[f.verdict] += 1
    return out


def report_text(findings: list[Finding]) -> str:
    """The findings as text: a section per topic, disagreements first, then a summary."""
    order = {v: i for i, v in enumerate(("disagree", "only-article", "only-wikidata", "agree"))}
    out = []
    for topic in dict.fromkeys(f.topic for f in findings):
        out.append(f"{topic.capitalize()}")
        for f in sorted((f for f in findings if f.topic == topic), key=lambda f: (order[f.verdict], f.subject)):
            out.append(f"  [{f.verdict}] {f.subject}")
            out.append(f"      article:  {f.article}")
            out.append(f"      wikidata: {f.wikidata}")
            if f.note:
                out.append(f"      note:     {f.note}")
        out.append("")
    out.append("Summary: " + "; ".join(
        f"{topic}: " + ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        for topic, counts in summary(findings).items()))
    return "\n".join(out)


def as_dicts(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]
