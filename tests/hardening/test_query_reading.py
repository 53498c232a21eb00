"""The reading of a query (kgraph.sparql_text.read) held against the engine that runs it.

The checks, the negotiation and the cache all trust one lexical reading of the text
(issue 17: three readers of the same text let a SERVICE through, planted rows in the
cache and made two queries share a key). These tests ask the engine itself:

- **SERVICE** (hypothesis): queries made of pieces that stress a lexer (comments ending in
  CR, LF, CRLF or in what ends no comment; the four quote forms with escapes and raw line
  breaks; IRIs with ``#``, ``\\u`` escapes and spaces; ``<`` as less-than; escaped local
  names; glued keywords; BASE and PREFIX) run in pyoxigraph, in a child process, against a
  listener on 127.0.0.1; whenever the engine calls the listener, the reading must have seen
  that endpoint or a SERVICE it could not resolve.
- **form**: the reading's kind is the engine's result type for every query it parses.
- **depth**: brackets hidden behind comments, strings and IRIs never make the reading's
  depth smaller than the true depth, known by construction.
- the issue's reproductions through the served app (its query processes): cache poisoning,
  the escaped-local-name collision, the CPU bomb, the queries that crashed the engine;
- a differential cache test: thousands of variants of a few queries, each asked twice
  (the second answer from the cache), answered as pyoxigraph answers them in-process.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from fuzzing import FUZZ, fill, run_in_engine, stressed_queries
from hypothesis import given, settings
from hypothesis import strategies as st

from kgraph.errors import QueryError
from kgraph.namespaces import PREFIXES
from kgraph.sparql_text import read
from kgraph.web import create_app
from kgraph.web.sparql import executor

#: Queries per hypothesis example: one child process runs a whole batch.
BATCH = 40
READING = settings(FUZZ, max_examples=30)
KIND_OF_RESULT = {"QuerySolutions": "solutions", "QueryBoolean": "boolean", "QueryTriples": "graph"}
CASES: dict[str, int] = {"service": 0, "service-parsed": 0, "service-called": 0, "depth": 0}

#: Queries whose reading once missed a SERVICE the engine made (found by the tests below);
#: each is run against the listener as a fixed case as well.
KNOWN = [
    # `<` as less-than, read as the start of an IRI up to the `>` of a comment:
    "PREFIX lst: <@BASE@> SELECT * WHERE { <urn:s> <urn:p> ?a FILTER(?a<?b)SERVICElst:q@N@#>\n{ ?x ?y ?z } }",
    "PREFIX lst: <@BASE@> SELECT * WHERE { <urn:s> <urn:p> ?a FILTER(?a<=2)SERVICElst:q@N@#>\n{ ?x ?y ?z } }",
    # … and a string that the engine opens inside what the reading took for an IRI:
    "SELECT * WHERE { <urn:s> <urn:p> ?a FILTER(?a<'>'||true) SERVICE @IRI@ { ?x ?y ?z } FILTER(?a!='x'||true) }",
    # `<<` of a reified triple, read as `<` and an IRI holding the quote of a string:
    "SELECT * WHERE { OPTIONAL{?s ?p <<?a?b'x>>'>>} SERVICE @IRI@ { ?x ?y ?z } BIND('x' AS ?q) }",
]


def _connection_recorder():
    """tests/hardening/conftest.py's ConnectionRecorder (loaded by its path: which module is
    ``conftest`` when a test module is imported depends on what pytest collected last)."""
    spec = importlib.util.spec_from_file_location("hardening_conftest", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ConnectionRecorder


@pytest.fixture(scope="module")
def listener():
    """One listener on 127.0.0.1 for every query of the module (each has a path of its own)."""
    recorder = _connection_recorder()("127.0.0.1")
    yield recorder
    recorder.close()


def _base(listener) -> str:
    return f"http://127.0.0.1:{listener.port}/"


_CALLED = re.compile(rb"^[A-Z]+ /q(\d+)")


def _called(listener, since: int) -> set[int]:
    """The query numbers whose /q<N> the listener was asked since its ``since``-th connection."""
    time.sleep(0.02)  # the engine calls synchronously; this lets the listener's thread record it
    found = set()
    for request in listener.connections[since:]:
        match = _CALLED.match(request)
        if match:
            found.add(int(match.group(1)))
    return found


def _check_batch(listener, templates: list[str]) -> None:
    base = _base(listener)
    queries = [fill(t, base, n) for n, t in enumerate(templates)]
    since = len(listener.connections)
    answers = run_in_engine(queries)
    called = _called(listener, since)
    CASES["service"] += len(queries)
    CASES["service-parsed"] += sum(a["parsed"] for a in answers)
    CASES["service-called"] += len(called)
    for n, (query, answer) in enumerate(zip(queries, answers)):
        reading = read(query)
        if n in called:
            endpoints = {s.endpoint for s in reading.services}
            assert reading.unknown_service or any(e.startswith(f"{base}q{n}") for e in endpoints), (
                f"the engine called the listener, the reading saw no such SERVICE: {query!r} → {reading}")
        if answer["parsed"] and "type" in answer:
            assert reading.kind == KIND_OF_RESULT[answer["type"]], (query, reading, answer)


@READING
@given(templates=st.lists(stressed_queries(), min_size=BATCH, max_size=BATCH))
def test_every_service_the_engine_makes_is_one_the_reading_saw(listener, templates):
    _check_batch(listener, templates)


def test_the_known_misreadings_are_read(listener):
    _check_batch(listener, KNOWN)
    # … and they are real: the engine does call the listener for each.
    base = _base(listener)
    since = len(listener.connections)
    run_in_engine([fill(t, base, n) for n, t in enumerate(KNOWN)])
    assert _called(listener, since) == set(range(len(KNOWN)))


def test_the_generator_reaches_the_engine(listener):
    """The positive control: the placeholders, the listener's prefix and the store's triples
    the pieces are made of do make the engine call the listener (a typo in them would make
    the property above vacuous; how many generated queries parse and call is reported by
    test_report_the_number_of_cases)."""
    base = _base(listener)
    rng = random.Random(17)
    queries = [fill(_simple_service(rng), base, n) for n in range(BATCH)]
    since = len(listener.connections)
    answers = run_in_engine(queries)
    assert all(a["parsed"] for a in answers), [(q, a) for q, a in zip(queries, answers) if not a["parsed"]][:3]
    assert len(_called(listener, since)) == BATCH


def _simple_service(rng: random.Random) -> str:
    target = rng.choice(["@IRI@", "@UIRI@", "@PN@", "lst:q@N@\\.x"])
    glue = rng.choice(["", " ", "{}", "<urn:s> <urn:p> true", "<urn:s> <urn:p> 1", "#c\r"])
    keyword = rng.choice(["SERVICE", "service", "SERVICESILENT", "SERVICE#c\rSILENT"])
    return f"PREFIX lst: <@BASE@> SELECT * WHERE {{ {glue}{keyword} {target} {{ ?x ?y ?z }} }}"


# --- depth ----------------------------------------------------------------------------

#: Noise that holds brackets the engine does not read as brackets.
_HIDING = ["#{{{(((\r", "#}}}))\n", "#{{\u2028{{\r\n", "BIND('{{((' AS ?h@)", 'BIND("""}}\n))""" AS ?h@)',
           "OPTIONAL{<urn:s> <urn:p> <urn:((#x>}", "OPTIONAL{<urn:s> <urn:p> '''{{'''}", "FILTER(true||'}}((')",
           "<urn:s> ex:a\\#b ?o .", "<urn:s> <urn:p> \"\\\"(\" .", ""]


@st.composite
def nested_queries(draw) -> tuple[str, int]:
    """A query and the true depth of its code brackets, known by construction."""
    counter = iter(range(10_000))

    def noise() -> str:
        return "".join(draw(st.sampled_from(_HIDING)).replace("@", str(next(counter))) + " "
                       for _ in range(draw(st.integers(0, 2))))

    def group(budget: int) -> tuple[str, int]:
        kinds = ["group", "optional", "filter", "bnode", "less-than"] if budget > 0 else ["leaf"]
        kind = draw(st.sampled_from(kinds))
        if kind == "leaf":
            return noise() + "<urn:s> <urn:p> ?a .", 0
        if kind == "less-than":  # ( … ) after a `<` that a reader may take for the start of an IRI
            parens = draw(st.integers(1, min(budget, 6)))
            inner = "(" * parens + "1" + ")" * parens
            form = draw(st.sampled_from(["FILTER(?a<{}#>\n)", "FILTER(?a<'>'||{}||'x')", "FILTER(?a<={}#>\r)"]))
            return noise() + form.format(inner) + " " + noise(), parens + 1
        if kind == "filter":  # ( … ) nested in an expression
            parens = draw(st.integers(1, min(budget, 6)))
            return noise() + "FILTER" + "(" * parens + "?a<?b||true" + ")" * parens + " " + noise(), parens
        if kind == "bnode":  # [ … ] nested property lists
            brackets = draw(st.integers(1, min(budget, 6)))
            return ("<urn:s> <urn:p> " + "[ <urn:p> " * brackets + "1" + " ]" * brackets + " . "
                    + noise()), brackets
        inner, depth = group(budget - 1)
        more, depth2 = group(budget - 1) if draw(st.booleans()) else ("", 0)
        opener = "OPTIONAL{" if kind == "optional" else "{"
        return opener + noise() + inner + noise() + more + "}" + noise(), 1 + max(depth, depth2)

    body, depth = group(draw(st.integers(1, 12)))
    return "PREFIX ex: <http://ex/> SELECT * WHERE {" + body + "\n}", depth + 1


@settings(READING, max_examples=40)
@given(batch=st.lists(nested_queries(), min_size=BATCH // 2, max_size=BATCH // 2))
def test_hidden_brackets_never_make_the_depth_smaller(batch):
    answers = run_in_engine([query for query, _ in batch], parse_only=True)
    CASES["depth"] += len(batch)
    for (query, depth), answer in zip(batch, answers):
        assert answer["parsed"], (query, answer)  # by construction: else the true depth is no one's
        assert read(query).depth >= depth, (query, read(query).depth, depth)


# --- the reproductions, through the served app ---------------------------------

RESULTS = {"Accept": "application/sparql-results+json, application/n-triples;q=0.9"}
#: The UI's first example tab, the query every visitor runs first.
POPULAR = """SELECT ?ordinal ?name ?start ?end WHERE {
  ?term kg:termOf kgr:ambassador-of-uzbekistan-to-kazakhstan ;
        kg:ordinal ?ordinal ;
        kg:officeHolder/rdfs:label ?name ;
        kg:startDate ?start .
  OPTIONAL { ?term kg:endDate ?end }
  FILTER (lang(?name) = "en")
}
ORDER BY ?ordinal
"""
#: What an attacker hides behind ``#\r`` (a comment the old cache key ran on to the next LF).
PLANTED = ["FILTER(false)", 'VALUES ?name { "Planted"@en }', "BIND(1 AS ?ordinal)",
           "?term kg:ordinal 99 .", '{ VALUES ?start { "1999-01-01"^^xsd:date } }']


@pytest.fixture(scope="module")
def served(project_layout, built):
    """The app as ``kgraph serve`` runs it: queries in query processes, a cache of its own."""
    return create_app({"TESTING": True}, layout=project_layout)


REFUSED = "400: not a valid query"


def _fresh(store, query: str):
    """pyoxigraph's own answer, in this process, on the build's store, with the endpoint's
    predeclared prefixes: a multiset of rows (or the boolean, or the triples), or
    ``REFUSED`` (a BIND to a variable in scope, which a planted pattern may make)."""
    try:
        result = store.query(query, prefixes=PREFIXES)
    except QueryError:
        return REFUSED
    if result.kind == "boolean":
        return bool(result.raw)
    if result.kind == "graph":
        return sorted(str(t) + " ." for t in result.raw)
    variables = [v.value for v in result.raw.variables]
    return sorted(json.dumps({v: _term(s[v]) for v in variables if s[v] is not None}, sort_keys=True)
                  for s in result.raw)


def _term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode"}
    answer = {"type": "literal", "value": term.value}
    if term.language:
        answer["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        answer["datatype"] = term.datatype.value
    return answer


def _served_answer(response):
    """The app's answer in the shape of :func:`_fresh`."""
    if response.status_code == 400:
        return REFUSED
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if response.mimetype == "application/n-triples":
        return sorted(line for line in response.get_data(as_text=True).splitlines() if line.strip())
    body = response.get_json()
    if "boolean" in body:
        return body["boolean"]
    return sorted(json.dumps({v: {k: x for k, x in b.items() if not (b["type"] == "bnode" and k == "value")}
                              for v, b in row.items()}, sort_keys=True)
                  for row in body["results"]["bindings"])


def _ask(client, query: str):
    return client.post("/sparql", data={"query": query}, headers=RESULTS)


def test_a_planted_answer_is_never_served_for_the_popular_query(served, store):
    client = served.test_client()
    truth = _fresh(store, POPULAR)
    assert truth and len(truth) > 1
    at = POPULAR.index("{") + 1
    for pattern in PLANTED:
        for end in ("\n", "\r\n"):
            attack = POPULAR[:at] + f"#\r{pattern}{end}" + POPULAR[at:]
            assert _served_answer(_ask(client, attack)) == _fresh(store, attack) not in (truth, REFUSED)
            assert _served_answer(_ask(client, POPULAR)) == truth  # the victim, after the attacker
            assert _served_answer(_ask(client, attack)) == _fresh(store, attack)  # … and from the cache


def test_escaped_local_names_are_two_queries(served, store):
    """``ex:\\#wikidataItem`` and ``ex:\\#comparedWith`` (the local names ``#wikidataItem`` and
    ``#comparedWith`` of a prefix without the ``#``): two properties, two counts, whichever
    is asked first and however often."""
    client = served.test_client()
    template = "PREFIX ex: <https://w3id.org/kgraph/ontology> SELECT (COUNT(*) AS ?n) WHERE {{ ?s ex:\\#{} ?o }}"
    pair = [template.format(name) for name in ("wikidataItem", "comparedWith")]
    counts = [_fresh(store, query) for query in pair]
    assert counts[0] != counts[1]
    for query in pair + pair[::-1] + pair:
        assert _served_answer(_ask(client, query)) == counts[pair.index(query)], query


def test_the_cpu_bomb_is_answered_within_a_second(served):
    client = served.test_client()
    assert _ask(client, "ASK {}").status_code == 200  # a query process is up
    for n in range(4):
        query = "SELECT (" + "+".join(["1"] * (5990 + n)) + " AS ?x) FROM <urn:x> {}"
        assert len(query) >= 12_000
        started = time.monotonic()
        response = _ask(client, query)
        took = time.monotonic() - started
        assert response.status_code in (200, 400, 413, 429, 503), response.get_data(as_text=True)[:300]
        assert took < 1.0, f"{took:.2f} s for the bomb of {len(query)} characters"


@pytest.mark.parametrize("query, limit", [
    ("SELECT * WHERE { #\r" + "{" * 3000 + "}" * 3000 + " }", "max_query_nesting"),
    ("SELECT (" + "+".join(["1"] * 20_000) + " AS ?x) {}", "max_query_operators"),
    # Behind a `<` that the old reading took for an IRI up to the `>` of a comment:
    ("SELECT * WHERE { FILTER(?a<" + "(" * 3000 + "1" + ")" * 3000 + "#>\n) }", "max_query_nesting"),
    ("SELECT * WHERE { FILTER(?a<" + "+".join(["1"] * 20_000) + "#>\n) }", "max_query_operators"),
], ids=["nesting-behind-CR", "operators", "nesting-behind-less-than", "operators-behind-less-than"])
def test_the_queries_that_crashed_the_engine_are_refused_by_name(served, query, limit):
    client = served.test_client()
    assert _ask(client, "ASK {}").status_code == 200
    pool = executor(served)
    replaced, children = pool.replaced, set(pool.children())
    response = _ask(client, query)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert limit in response.get_json()["error"]["message"]
    assert _ask(client, "ASK {}").status_code == 200
    assert pool.replaced == replaced and set(pool.children()) == children  # no query process died


# --- the differential cache test ---------------------------------------------------------

#: Base queries: `␣` is a gap (white space, a comment of any ending, hidden text), `¦` a gap
#: inside a group (where an attacker's pattern may follow `#\r` as well), `{{a|b}}` a choice
#: of equivalent spellings (quote forms, escapes, IRIs and prefixed names).
BASES = [
    POPULAR.replace("WHERE {", "WHERE {¦").replace(" .\n", " .¦\n").replace('"en"', '{{"en"|\'en\'|"""en"""|'
                                                                            "'''en'''|\"\\u0065n\"|'e\\U0000006E'}}"),
    "SELECT␣(COUNT(*)␣AS␣?n)␣WHERE␣{¦?s␣{{kg:wikidataItem|<https://w3id.org/kgraph/ontology#wikidataItem>|"
    "<https://w3id.org/kgraph/ontology\\u0023wikidataItem>|ex:\\#wikidataItem}}␣?o␣.¦}",
    "SELECT␣(COUNT(*)␣AS␣?n)␣WHERE␣{¦?s␣{{kg:comparedWith|ex:\\#comparedWith|"
    "<https://w3id.org/kgraph/ontology#comparedWith>}}␣?o␣.¦}",
    "ASK␣{¦?s␣a␣{{kg:Treaty|<https://w3id.org/kgraph/ontology#Treaty>|ex:\\#Treaty}}␣.¦}",
    "SELECT␣?ru␣WHERE␣{¦kgr:ots␣rdfs:label␣?ru␣.¦FILTER␣(lang(?ru)␣=␣{{\"ru\"|'ru'|\"\\u0072u\"|'''ru'''}})¦}"
    "␣ORDER␣BY␣?ru",
    "SELECT␣?date␣(COUNT(DISTINCT␣?state)␣AS␣?states)␣WHERE␣{¦?event␣a␣kg:EstablishmentOfDiplomaticRelations␣;"
    "␣kg:date␣?date␣;␣kg:involves␣?state␣.¦}␣GROUP␣BY␣?date",
]
EX = "PREFIX ex: <https://w3id.org/kgraph/ontology>\n"
GAPS = [" "] * 8 + ["\n", "\t", "\r\n", "\r", "#c\r", "#c\n", "#c\r\n", "#{\r", "#}\n", "#'\r", '#"\n',
                    "#c\u2028?s ?p ?o .\n", "#\u0085}\n", "#\f{\r", "  "]
ATTACKS = PLANTED + ["?s ?p ?o .", "FILTER(?n<1)", 'BIND("x" AS ?planted)']
VARIANTS = 2500


def _variant(rng: random.Random, base: str) -> str:
    text = re.sub(r"\{\{(.*?)\}\}", lambda m: rng.choice(m.group(1).split("|")), base)
    parts = re.split("([␣¦])", text)
    out = [EX] if "ex:" in text else []
    for part in parts:
        if part == "␣":
            out.append(rng.choice(GAPS))
        elif part == "¦":
            out.append(f"#\r{rng.choice(ATTACKS)}\n" if rng.random() < 0.15 else rng.choice(GAPS))
        else:
            out.append(part)
    return "".join(out)


def test_every_cached_answer_is_a_fresh_one(served, store):
    """Variants of a few queries in every comment, escape and white-space form (an
    attacker's pattern after `#\\r` now and then), each asked twice — the second answer from
    the cache — are answered as pyoxigraph answers them in-process; and the plain queries
    after them too."""
    client = served.test_client()
    rng = random.Random(17)
    variants = list(dict.fromkeys(_variant(rng, rng.choice(BASES)) for _ in range(VARIANTS)))
    started, spent = time.monotonic(), [0.0, 0.0, 0.0]  # in-process, first ask, second ask
    for query in variants:
        clock = time.monotonic()
        fresh = _fresh(store, query)
        for n in range(2):
            spent[n] += time.monotonic() - clock
            clock = time.monotonic()
            assert _served_answer(_ask(client, query)) == fresh, query
        spent[2] += time.monotonic() - clock
    for base in BASES:
        plain = re.sub(r"\{\{(.*?)\|.*?\}\}", r"\1", base).replace("␣", " ").replace("¦", " ")
        plain = (EX if "ex:" in plain else "") + plain
        assert _served_answer(_ask(client, plain)) == _fresh(store, plain), plain
    CASES["cache"] = len(variants)
    print(f"\n{len(variants)} variants asked twice in {time.monotonic() - started:.1f} s (in-process "
          f"{spent[0]:.1f} s, first asks {spent[1]:.1f} s, from the cache {spent[2]:.1f} s)")


def test_report_the_number_of_cases():
    """Not a check: the count of generated cases, shown with ``-s`` (or ``-rA``)."""
    print(f"\nquery-reading cases: {CASES}")
