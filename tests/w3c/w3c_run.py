"""Running the W3C query-evaluation tests: through kgraph's ``/sparql``, and in pyoxigraph in-process.

How a test's dataset is served (one dataset file for every test, one server per store):

- each named graph a test reads (``qt:graphData``, or the query's ``FROM``/``FROM NAMED``)
  is a named graph of the served dataset, named by its file's IRI, as in the test;
- each ``qt:data`` file (a default graph) is a named graph of its own too, named
  ``<file IRI>#default-graph``: a copy, with its own blank nodes, so a test that has one file
  as its default graph and as a named graph (graph-exist, …) gets two graphs that share no
  blank node, as Oxigraph's test suite loads them;
- the request gives the test's dataset with the protocol's ``default-graph-uri`` (the
  ``#default-graph`` copies; :data:`EMPTY_GRAPH`, a graph no one holds, for a test without
  default graph) and ``named-graph-uri`` (its named graphs; none: the dataset has none). A
  query with its own ``FROM``/``FROM NAMED`` is sent without them: its dataset is its own.

The query is sent as the test has it, after a ``BASE <its file's IRI>`` line: its relative
IRIs resolve as the test says (a service's base IRI would be the endpoint's URL).

The engine's answer (:func:`engine_answer`) comes from a pyoxigraph store of that test's own
dataset alone: default graph in the default graph, named graphs (and FROM graphs) as named.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "remote")]

from oxigraph_process import OxigraphServer  # noqa: E402
from serving import fetch, free_port, kgraph_serve  # noqa: E402
from w3c_manifest import MANIFESTS, EvaluationTest, load_tests, path_of  # noqa: E402
from w3c_results import (Answer, Boolean, Solutions, Triples, compare, from_pyoxigraph,  # noqa: E402
                         normalised, read_expected)

#: The default graph of a test that has none: no store holds a graph of this name.
EMPTY_GRAPH = "urn:x-kgraph-w3c:empty-graph"
DEFAULT_COPY = "#default-graph"
STORES = ("embedded", "oxigraph")
_RDF_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".rdf": ox.RdfFormat.RDF_XML, ".nt": ox.RdfFormat.N_TRIPLES}
_SERVICE = re.compile(r"(\bSERVICE\s+(?:SILENT\s+)?)<([^>]*)>", re.IGNORECASE)
_ORDER_BY = re.compile(r"\}\s*(?:GROUP\s+BY[^{}]*)?(?:HAVING[^{}]*)?ORDER\s+BY[^{}]*$", re.IGNORECASE | re.DOTALL)
ACCEPT = {Solutions: "application/sparql-results+json", Boolean: "application/sparql-results+json",
          Triples: "application/n-triples"}


def all_tests() -> list[EvaluationTest]:
    return [test for suite in MANIFESTS for test in load_tests(suite)]


def needs_remote_endpoints(test: EvaluationTest) -> bool:
    """A SERVICE test whose answer needs the data of endpoints that would have to be contacted."""
    return bool(test.service_data)


def is_ordered(test: EvaluationTest) -> bool:
    """The order of the rows is part of the answer: a top-level ORDER BY (after the last ``}``)."""
    text = "\n".join(line for line in test.query_text.splitlines() if not line.lstrip().startswith("#"))
    return bool(_ORDER_BY.search(text))


def query_text(test: EvaluationTest, dead_endpoint: str) -> str:
    """The text sent: ``BASE <the query's IRI>`` and the test's query, each SERVICE IRI of a test
    without service data (service7: a failing endpoint) replaced by ``dead_endpoint``, a port
    of 127.0.0.1 where nothing listens, so nothing outside this machine can be contacted."""
    text = test.query_text
    if not test.service_data:
        text = _SERVICE.sub(lambda m: f"{m.group(1)}<{dead_endpoint}>", text)
    return f"BASE <{test.query}>\n{text}"


def protocol_dataset(test: EvaluationTest) -> dict[str, list[str]]:
    """The request's ``default-graph-uri`` and ``named-graph-uri``; none for a query with FROM."""
    if test.has_dataset_clause:
        return {}
    return {"default-graph-uri": [d + DEFAULT_COPY for d in test.data] or [EMPTY_GRAPH],
            "named-graph-uri": list(test.graph_data)}


def expected_answer(test: EvaluationTest) -> Answer:
    return read_expected(path_of(test.result), test.result)


# --- datasets ------------------------------------------------------------------------------------

def _quads(url: str, graph: ox.NamedNode | ox.DefaultGraph, tag: str) -> list[ox.Quad]:
    """The file ``url`` parsed (base: its IRI) into ``graph``, its blank nodes made ``tag``'s own."""
    path = path_of(url)
    renamed: dict = {}

    def own(term):
        if isinstance(term, ox.BlankNode):
            return renamed.setdefault(term.value, ox.BlankNode(f"{tag}x{len(renamed)}"))
        return term

    return [ox.Quad(own(q.subject), q.predicate, own(q.object), graph)
            for q in ox.parse(path=path, format=_RDF_FORMATS[path.suffix], base_iri=url)]


def served_graphs(tests: list[EvaluationTest]) -> dict[str, str]:
    """``{graph IRI in the served dataset: file IRI}`` for every test."""
    graphs: dict[str, str] = {}
    for test in tests:
        for url in test.data:
            graphs[url + DEFAULT_COPY] = url
        default, named = test.from_graphs
        for url in (*test.graph_data, *default, *named):
            graphs[url] = url
    return graphs


def write_dataset(tests: list[EvaluationTest], target: Path) -> Path:
    """One N-Quads file of every graph the tests read (see the module's docstring)."""
    quads = []
    for i, (name, url) in enumerate(sorted(served_graphs(tests).items())):
        quads.extend(_quads(url, ox.NamedNode(name), f"g{i}"))
    ox.serialize(quads, str(target), format=ox.RdfFormat.N_QUADS)
    return target


def engine_store(test: EvaluationTest) -> ox.Store:
    """The test's own dataset in an in-memory pyoxigraph store (as Oxigraph's test suite loads it)."""
    store = ox.Store()
    default, named = test.from_graphs
    for i, url in enumerate(test.data):
        store.extend(_quads(url, ox.DefaultGraph(), f"d{i}"))
    for i, url in enumerate(dict.fromkeys((*test.graph_data, *default, *named))):
        store.extend(_quads(url, ox.NamedNode(url), f"n{i}"))
    return store


# --- answers -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    """No answer: an error of the engine, or an HTTP error status of kgraph."""

    message: str

    def __str__(self) -> str:
        return self.message


def engine_answer(test: EvaluationTest, dead_endpoint: str) -> Answer | Failure:
    try:
        result = engine_store(test).query(query_text(test, dead_endpoint))
        return from_pyoxigraph(result)
    except (SyntaxError, OSError, ValueError, RuntimeError) as exc:
        return Failure(f"pyoxigraph: {type(exc).__name__}: {exc}")


def kgraph_answer(base: str, test: EvaluationTest, form: type, dead_endpoint: str) -> Answer | Failure:
    """The answer of ``POST {base}/sparql`` (an HTML form's encoding) to the test's query."""
    params = [("query", query_text(test, dead_endpoint))]
    params += [(name, value) for name, values in protocol_dataset(test).items() for value in values]
    status, headers, body = fetch(base + "/sparql", data=urlencode(params).encode(), timeout=60, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT[form]})
    if status != 200:
        return Failure(f"HTTP {status}: {error_message(body)}")
    media_type = headers.get("Content-Type", "").split(";")[0].strip()
    try:
        if media_type == "application/sparql-results+json":
            return from_pyoxigraph(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
        if media_type == "application/n-triples":
            return Triples(frozenset(q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
    except (SyntaxError, ValueError) as exc:
        return Failure(f"unreadable {media_type} answer: {exc}")
    return Failure(f"answer of type {media_type!r}, asked {ACCEPT[form]}")


def error_message(body: bytes) -> str:
    """The message of kgraph's JSON error body (else the body's text), on one line."""
    text = body.decode("utf-8", "replace")
    try:
        text = json.loads(text)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        pass
    return " ".join(text.split())[:400]


def answer_form(*answers) -> type:
    """The query form (its answer's class) from the first real answer: engine's, then expected."""
    for answer in answers:
        if not isinstance(answer, Failure):
            return type(answer)
    return Solutions


# --- servers -------------------------------------------------------------------------------------

@contextmanager
def kgraph_servers(tests: list, stores=STORES, *, write=None, engine: list | None = None) -> Iterator[dict[str, str]]:
    """``{store: base URL}`` of real ``kgraph serve`` servers holding the dataset of ``tests``
    (``write(tests, path)`` writes it as N-Quads; default :func:`write_dataset`): ``embedded``
    serves the file; ``oxigraph`` serves an Oxigraph server (``--store``) that holds the same
    file. ``engine``, a list, receives that Oxigraph server's own root URL."""
    with tempfile.TemporaryDirectory(prefix="kgraph-w3c-") as folder, ExitStack() as stack:
        folder = Path(folder)
        dataset = (write or write_dataset)(tests, folder / "w3c-dataset.nq")
        home = folder / "home"
        home.mkdir()
        cli_args = ("--home", str(home), "--build-dir", str(folder / "build"))
        # No SERVICE endpoint allowed: the suite's only SERVICE test left (service7) names a port
        # of 127.0.0.1 where nothing listens, and no other address may be called from here.
        env = {"KGRAPH_RESULT_CACHE_MB": "0", "KGRAPH_FEDERATION_ALLOW": ""}
        bases = {}
        if "embedded" in stores:
            bases["embedded"], _ = stack.enter_context(kgraph_serve(
                "--workers", "1", str(dataset), cli_args=cli_args, env=env))
        if "oxigraph" in stores:
            oxigraph = stack.enter_context(OxigraphServer(folder / "oxigraph"))
            oxigraph.load_dataset(dataset, "application/n-quads")
            if engine is not None:
                engine.append(oxigraph.url)
            bases["oxigraph"], _ = stack.enter_context(kgraph_serve(
                "--workers", "1", "--store", oxigraph.url, cli_args=cli_args, env=env))
        yield bases


def dead_endpoint() -> str:
    """A SPARQL endpoint URL on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/sparql"


# --- the three comparisons, each answer computed once ----------------------------------------------

KNOWN_FAILURES = HERE / "known_failures.toml"


def known_failures() -> dict[str, str]:
    """``{test IRI: reason}``: the engine's own failures (known_failures.toml)."""
    import tomllib

    return tomllib.loads(KNOWN_FAILURES.read_text(encoding="utf-8"))["engine"]


def kgraph_deviations() -> dict[tuple[str, str], str]:
    """``{(store, test IRI): reason}``: where kgraph differs from its engine on purpose."""
    import tomllib

    table = tomllib.loads(KNOWN_FAILURES.read_text(encoding="utf-8")).get("kgraph", {})
    return {tuple(key.split(" ", 1)): reason for key, reason in table.items()}


class Runner:
    """The answers of one run (engine, expected, kgraph per store), each computed once."""

    def __init__(self, bases: dict[str, str], dead: str):
        self.bases = bases
        self.dead = dead
        self._engine: dict[str, Answer | Failure] = {}
        self._expected: dict[str, Answer] = {}
        self._kgraph: dict[tuple[str, str], Answer | Failure] = {}

    def engine(self, test: EvaluationTest) -> Answer | Failure:
        if test.id not in self._engine:
            self._engine[test.id] = engine_answer(test, self.dead)
        return self._engine[test.id]

    def expected(self, test: EvaluationTest) -> Answer:
        if test.id not in self._expected:
            self._expected[test.id] = expected_answer(test)
        return self._expected[test.id]

    def kgraph(self, store: str, test: EvaluationTest) -> Answer | Failure:
        key = (store, test.id)
        if key not in self._kgraph:
            form = answer_form(self.engine(test), self.expected(test))
            self._kgraph[key] = kgraph_answer(self.bases[store], test, form, self.dead)
        return self._kgraph[key]

    def prefetch(self, tests: list[EvaluationTest]) -> None:
        """Every answer of ``tests``, the stores asked side by side (one thread each)."""
        from concurrent.futures import ThreadPoolExecutor

        for test in tests:
            self.engine(test), self.expected(test)
        with ThreadPoolExecutor(max_workers=len(self.bases)) as pool:
            for done in [pool.submit(lambda s=store: [self.kgraph(s, t) for t in tests]) for store in self.bases]:
                done.result()

    def versus_w3c(self, test: EvaluationTest, answer: Answer | Failure) -> str | None:
        """How ``answer`` differs from the W3C result (literals compared in canonical form, as
        Oxigraph's suite does), or None."""
        if isinstance(answer, Failure):
            return str(answer)
        return compare(normalised(self.expected(test)), normalised(answer), ordered=is_ordered(test))

    def engine_versus_w3c(self, test: EvaluationTest) -> str | None:
        return self.versus_w3c(test, self.engine(test))

    def kgraph_versus_w3c(self, store: str, test: EvaluationTest) -> str | None:
        return self.versus_w3c(test, self.kgraph(store, test))

    def kgraph_versus_engine(self, store: str, test: EvaluationTest) -> str | None:
        """How kgraph's answer differs from the engine's, term for term, or None. Both refusing
        the query (the engine a syntax error, kgraph a 400) is the same answer."""
        engine, answer = self.engine(test), self.kgraph(store, test)
        if isinstance(engine, Failure) or isinstance(answer, Failure):
            if isinstance(engine, Failure) and isinstance(answer, Failure) and "SyntaxError" in engine.message \
                    and answer.message.startswith("HTTP 400"):
                return None
            return f"kgraph: {_short(answer)}; engine: {_short(engine)}"
        difference = compare(engine, answer, ordered=is_ordered(test))
        if difference is None:
            return None
        return f"kgraph: {_short(answer)}; engine: {_short(engine)} ({difference}, the engine's answer as expected)"


def _short(answer) -> str:
    if isinstance(answer, Failure):
        return answer.message[:240]
    if isinstance(answer, Solutions):
        return f"{len(answer.rows)} rows"
    if isinstance(answer, Triples):
        return f"{len(answer.triples)} triples"
    return str(answer)


# --- the counts of a pytest session ----------------------------------------------------------------

COUNTS_FILE = Path("/tmp/kgraph-w3c/counts.json")
#: ``{(suite, comparison, store): {"passed": n, "failed": n}}`` of this session.
OUTCOMES: dict[tuple[str, str, str], dict[str, int]] = {}


def record(suite: str, comparison: str, store: str, difference: str | None, *, known: bool = False) -> None:
    """One outcome; ``known``: the test is one of the engine's known failures (counted apart when it fails)."""
    counter = OUTCOMES.setdefault((suite, comparison, store), {"passed": 0, "failed": 0, "known engine failures": 0})
    counter["passed" if difference is None else "known engine failures" if known else "failed"] += 1


def write_counts() -> None:
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"suite": s, "comparison": c, "store": st, **n} for (s, c, st), n in sorted(OUTCOMES.items())]
    COUNTS_FILE.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
