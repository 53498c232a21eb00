"""What the fuzz tests share: their bounds, and what every answer of the server must be.

``FUZZ`` is applied per test (other suites keep their own hypothesis settings). The count
is small so the fuzz suite stays within seconds; ``KGRAPH_FUZZ_EXAMPLES=2000`` makes a
longer hunt, ``KGRAPH_FUZZ_RANDOM=1`` draws new examples instead of the fixed ones.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, event, settings

ROOT = Path(__file__).resolve().parents[2]

FUZZ = settings(
    max_examples=int(os.environ.get("KGRAPH_FUZZ_EXAMPLES", "100")),
    deadline=None,  # time is bounded by the count; one slow parse is no failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
    derandomize=not os.environ.get("KGRAPH_FUZZ_RANDOM"),  # the same examples in every run
    print_blob=True,
)

#: What an answer never carries: internals a client has no business seeing.
LEAKS = ("Traceback", 'File "', "site-packages", str(ROOT), "Werkzeug/", "Python/", "gunicorn/",
         "Oxigraph/", "pyparsing")

ERROR_TYPES = {"application/json", "text/html", "text/plain"}


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"the answer shows {leak!r}:\n{text[:2000]}"


def assert_answer_is_sound(response, *, protocol: bool = True) -> None:
    """Never a 5xx; a 4xx of a protocol path in the documented error shape; no internals."""
    event(f"{response.status_code} {response.mimetype}")  # shown by --hypothesis-show-statistics
    body = response.get_data()
    text = body.decode("utf-8", "replace")
    assert response.status_code < 500, text[:2000]
    assert_no_leak(text)
    assert_no_leak(" ".join(f"{k}: {v}" for k, v in response.headers.items()))
    if response.status_code < 400 or not protocol or response.request.method == "HEAD":
        return
    status = response.status_code
    assert response.mimetype in ERROR_TYPES, response.content_type
    if response.mimetype == "application/json":
        error = json.loads(text)["error"]
        assert error["status"] == status and error["title"] and error["message"]
    elif response.mimetype == "text/html":
        assert f"<h1>{status} " in text
    else:
        assert text.startswith(f"{status} ")


# --- Query texts that stress a lexer (tests/hardening/test_query_reading.py) ---------------
#
# Queries are built from pieces holding placeholders the test fills per query, so that a
# listener can tell which query called it (a path /q<N> of its own for each):
#   @IRI@  <http://HOST:PORT/qN>              @UIRI@  the same with \u escapes in the path
#   @PN@   lst:qN (PREFIX lst: is the listener's folder)   @REL@  <qN> (with BASE)
#   @BASE@ the listener's folder, http://HOST:PORT/

import subprocess  # noqa: E402
import sys  # noqa: E402

from hypothesis import strategies as st  # noqa: E402

#: What ends a ``#`` comment for the engine (CR, LF) and what does not (the rest).
COMMENT_ENDS = ["\r", "\n", "\r\n", "\u2028", "\u0085", "\f", "\x0b"]
comments = st.tuples(st.sampled_from(["#", "#c", "#>", "#'", '#"', "#}", "#{", "#<", "#SERVICE @IRI@ {",
                                      "#\\", "#'''", '#"""']),
                     st.sampled_from(COMMENT_ENDS)).map("".join)
#: Between two pieces: white space of the grammar, none, a comment, or white space it does not know.
separators = st.one_of(st.sampled_from([" ", "", "\n", "\r", "\t", "\r\n", " \n "]), comments)

_STRING_BODIES = ["x", "", "SERVICE @IRI@ { ?x ?y ?z }", "#", "\\\"", "\\'", "\\n", "\\u0022", "\\U00000027",
                  "\\\\", "}", "{", "<", ">", "'", '"', "''", '""', "\r", "\n", "\r\n", "\u2028", "#\r",
                  "\\u0053ERVICE", "<@BASE@q0>"]
string_bodies = st.lists(st.sampled_from(_STRING_BODIES), max_size=4).map("".join)
#: The four quote forms (a raw CR or LF makes a short one invalid, a long one not).
strings = st.tuples(st.sampled_from(['"', "'", '"""', "'''"]), string_bodies).map(lambda t: t[0] + t[1] + t[0])
iris = st.sampled_from(["<urn:o>", "<urn:a#b>", "<urn:\\u0061>", "<urn:\\U00000061#x>", "<urn:a b>", "<urn:a'b>",
                        "<urn:(x>", "<urn:a#b#c>", "<@BASE@q0>", "<urn:a\u2028b>", "<>", "<#>"])
pnames = st.sampled_from(["ex:a\\#b", "ex:a\\.b", "ex:\\#c", "ex:a", "ex:a.b", "ex:a\\-b", "ex:%41", "ex:",
                          "ex:a\\~b", "ex:a\\'b", "ex:a\\,b"])
less_than = st.sampled_from(["FILTER(?a<?b&&?c>?d)", "FILTER(?a<?b)", "FILTER(?a<=1)", "FILTER(1<2)",
                             "FILTER(?a<'x>'||true)", "FILTER(?a<?b||?c>?d)", "FILTER(?a<?b)FILTER(?c>?d)",
                             "FILTER(?a<\"x\"||true)", "FILTER(<urn:a><?b)", "FILTER(ex:a<ex:b||true)"])
variables = st.sampled_from(["?x", "$x", "?service", "$SERVICE", "?a", "?x1", "$xSERVICE"])

#: SERVICE, however written: with the keyword the engine knows, glued to what comes before
#: (``trueSERVICE``: the engine reads ``true SERVICE``), or as the engine does not know it.
service_keywords = st.sampled_from(["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVICESILENT",
                                    "SERVICE#c\rSILENT", "silent", "\\u0053ERVICE", "SERVIC\\u0045",
                                    "SERVICE\u2028SILENT"])
service_glue = st.one_of(
    st.sampled_from(["", " ", "{}", "OPTIONAL{}", "<urn:s> <urn:p> true", "<urn:s> <urn:p> 1", "BIND(1 AS ?n)",
                     "?s ?p ?o.", "VALUES ?v {1}", "<urn:s> <urn:p> ?a FILTER(?a<?b&&?c>?d)"]),
    # a `<` that is the less-than operator, which a reader may take for the start of an IRI
    # running on to the next `>` (of a comment, of a string, of `>>`):
    st.sampled_from(["<urn:s> <urn:p> ?a FILTER(?a<?b)", "<urn:s> <urn:p> ?a FILTER(?a<=2)",
                     "<urn:s> <urn:p> ?a FILTER(?a<'>'||true)", "BIND(1<2 AS ?lt)", "FILTER(1<(2))",
                     "<urn:s> <urn:p> ?a FILTER(?a<ex:b||true)", "OPTIONAL{?s ?p <<?a?b'x>>'>>}"]),
)
service_targets = st.sampled_from(["@IRI@", "@UIRI@", "@PN@", "@PN@", "@REL@", "?e", "lst:q@N@\\.x", "<@BASE@>"])
service_gaps = st.one_of(st.sampled_from(["", " ", "\n", "\t", "#>\n", "#x>\r", "#'\n"]), comments)
services = st.tuples(service_glue, st.sampled_from(["", "", " ", "\n"]), service_keywords,
                     st.sampled_from(["", " ", "\n", "#c\r"]), service_targets, service_gaps).map(
    lambda t: "".join(t) + "{ ?x ?y ?z }")

#: A SERVICE between what opens a token for one reader and what may close it, glued tight
#: (no space ends the token early): a `<` that is less-than (up to the `>` of a comment, or
#: with a `'` in it), the `<<` of a reified triple, a comment that runs on, a string.
trap_openers = st.sampled_from([
    "<urn:s> <urn:p> ?a FILTER(?a<?b)", "<urn:s> <urn:p> ?a FILTER(?a<=2)", "BIND(1<2 AS ?lt)",
    "<urn:s> <urn:p> ?a FILTER(?a<'>'||true)", "OPTIONAL{?s ?p <<?a?b'x>>'>>}", "FILTER(1<(2))",
    '<urn:s> <urn:p> ?a FILTER(?a<"x"||true)', "#c\u2028", "#c\r", "BIND('''", 'BIND("""', "",
])
trap_keywords = st.sampled_from(["SERVICE", "service", "SERVICESILENT", "SERVICE SILENT", "SERVICE#>\rSILENT"])
trap_targets = st.sampled_from(["@PN@", "lst:q@N@\\.x", "@IRI@", "@UIRI@"])
trap_gaps = st.sampled_from(["#>\n", "#>\r", "#x>\r\n", "#'\n", "", " ", "'''", '"""'])
trap_closers = st.sampled_from(["", "BIND('x' AS ?q)", "FILTER(?q!='>'||true)", "''' AS ?t)", '""" AS ?t)',
                                "#>\n", "\n"])
traps = st.tuples(trap_openers, st.sampled_from(["", "", " "]), trap_keywords, st.sampled_from(["", "", " "]),
                  trap_targets, trap_gaps, st.just("{ ?x ?y ?z }"), trap_closers).map("".join)

#: A piece of a group graph pattern (each matches the listener test's store, or is OPTIONAL).
elements = st.one_of(
    services,
    traps,
    traps,
    st.sampled_from(["BIND('x' AS ?q)", "FILTER(?q!='x'||true)", "FILTER(?q!='>'||true)"]),
    st.sampled_from(["<urn:s> <urn:p> ?a .", "?s ?p ?o .", "<urn:s> ex:a\\#b ?o .", "<urn:s> ex:a\\.b ?o .",
                     "<urn:s> <urn:p> true", "<urn:s> <urn:p> 1", "OPTIONAL{?s ?p <<?a?b'x>>'>>}",
                     "BIND('x' AS ?q)", "{}", "OPTIONAL { ?s <urn:none> ?o }"]),
    strings.map(lambda s: f"OPTIONAL{{<urn:s> <urn:p> {s}}}"),
    strings.map(lambda s: f"FILTER(true||{s})"),
    iris.map(lambda i: f"OPTIONAL {{ <urn:s> <urn:p> {i} }}"),
    pnames.map(lambda p: f"OPTIONAL {{ <urn:s> {p} ?o }}"),
    less_than,
    variables.map(lambda v: f"OPTIONAL {{ <urn:s> <urn:p> {v} }}"),
    comments,
)
prologue_parts = st.sampled_from(["PREFIX ex: <http://ex/>", "BASE <@BASE@>", "PREFIX ex:<http://ex/>",
                                  "PREFIX lst: <http://127.0.0.1:1/>", "PREFIX e2: <@BASE@>",
                                  "prefix ex:#c\r<http://ex/>", "BASE<@BASE@>"])
forms = st.sampled_from(["SELECT * WHERE", "SELECT*WHERE", "select *", "SELECT ?a", "ASK", "ASK WHERE", "ask",
                         "CONSTRUCT { ?s ?p ?o } WHERE", "CONSTRUCT{?s ?p ?o}", "DESCRIBE ?a WHERE", "DESCRIBE*",
                         "SELECT DISTINCT *", "SELECTDISTINCT*", "SELECT REDUCED * WHERE"])


@st.composite
def stressed_queries(draw) -> str:
    """A query (with placeholders) of random lexical pieces. The prologue may redeclare the
    listener's prefix ``lst:`` as a decoy (a closed port) before or after the real one."""
    prologue = draw(st.lists(st.tuples(prologue_parts, separators).map("".join), max_size=3))
    prologue.append("PREFIX lst: <@BASE@>" + draw(separators))
    prologue = draw(st.permutations(prologue))
    body = draw(st.lists(st.tuples(elements, separators).map("".join), min_size=1, max_size=6))
    return ("".join(prologue) + draw(separators) + draw(forms) + draw(separators) + "{"
            + draw(separators) + "".join(body) + "\n}")


def fill(template: str, base: str, n: int) -> str:
    """A query of :func:`stressed_queries` calling the listener at ``base`` (``http://HOST:PORT/``) as /q<n>."""
    escaped = "".join(f"\\u{ord(c):04X}" for c in f"q{n}")
    return (template.replace("@IRI@", f"<{base}q{n}>").replace("@UIRI@", f"<{base}{escaped}>")
            .replace("@PN@", f"lst:q{n}").replace("@REL@", f"<q{n}>").replace("@N@", str(n))
            .replace("@BASE@", base))


# The engine in a child process (a crash of it cannot take pytest down): a JSON list of
# queries on stdin; one JSON line per query on stdout, written before the next one runs.
_ENGINE_CHILD = r"""
import itertools, json, sys
import pyoxigraph as ox
store = ox.Store()
s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
for o in (ox.Literal(1), ox.Literal(True), ox.Literal("x"), ox.NamedNode("urn:o")):
    store.add(ox.Quad(s, p, o))
for pred in ("http://ex/a#b", "http://ex/a.b", "http://ex/#c", "http://ex/a"):
    store.add(ox.Quad(s, ox.NamedNode(pred), ox.NamedNode("urn:o")))
parse_only = sys.argv[1] == "parse"
for n, query in enumerate(json.load(sys.stdin)):
    print(json.dumps({"n": n, "started": True}), flush=True)
    answer = {"n": n}
    try:
        result = store.query(query)
    except SyntaxError as exc:
        answer.update(parsed=False, error=str(exc)[:300])
    except Exception as exc:
        answer.update(parsed=True, error=f"{type(exc).__name__}: {exc}"[:300])
    else:
        answer.update(parsed=True, type=type(result).__name__)
        if not parse_only and not isinstance(result, ox.QueryBoolean):
            try:
                list(itertools.islice(result, 100))
            except Exception as exc:
                answer["error"] = f"{type(exc).__name__}: {exc}"[:300]
    print(json.dumps(answer), flush=True)
"""


def run_in_engine(queries: list[str], *, parse_only: bool = False, timeout: float = 120) -> list[dict]:
    """What pyoxigraph does with each query, run in a child process: ``parsed``, ``type``
    (its result class), ``error``. A query that kills the child fails the caller's test with
    the query named."""
    done = subprocess.run([sys.executable, "-c", _ENGINE_CHILD, "parse" if parse_only else "run"],
                          input=json.dumps(queries), capture_output=True, text=True, timeout=timeout)
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    finished = [a for a in answers if "started" not in a]
    if len(finished) != len(queries):
        last = answers[-1]["n"] if answers else 0
        raise AssertionError(f"the engine's process died (rc {done.returncode}) on {queries[last]!r}:\n"
                             f"{done.stderr[-2000:]}")
    return finished
