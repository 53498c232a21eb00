"""The W3C SPARQL test manifests: which query-evaluation tests there are, and their files.

The suite's files live under a root folder (``suite/`` beside this module, or the shared
checkout for :mod:`vendor`) laid out as upstream, and are named by the IRIs upstream gives
them, under :data:`BASE_URL` (as Oxigraph's test suite names them): a query's relative IRIs,
its ``FROM <data.ttl>``, and the data's relative IRIs all resolve against these, never a path
on this machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

HERE = Path(__file__).resolve().parent
#: The vendored copy of the suite (see README.md).
SUITE = HERE / "suite"
#: Where upstream publishes the suite; the files are named by IRIs under it.
BASE_URL = "https://w3c.github.io/rdf-tests/sparql/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

#: The manifests run here, by suite name: SPARQL 1.0 (data-r2) and 1.1 query evaluation,
#: and the 1.1 federation tests (SERVICE).
MANIFESTS = {
    "sparql10": "sparql10/manifest-evaluation.ttl",
    "sparql11": "sparql11/manifest-sparql11-query.ttl",
    "sparql11-fed": "sparql11/manifest-sparql11-fed.ttl",
}

_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?<([^>]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class EvaluationTest:
    """One ``mf:QueryEvaluationTest``: IRIs of its files (``url``s), as the manifest gives them."""

    id: str
    suite: str
    name: str
    query: str
    result: str
    data: tuple[str, ...] = ()
    graph_data: tuple[str, ...] = ()
    #: ``(endpoint IRI, data IRI)`` of each ``qt:serviceData``.
    service_data: tuple[tuple[str, str], ...] = ()
    comment: str = ""
    query_text: str = field(default="", compare=False, repr=False)

    @property
    def short(self) -> str:
        """``folder/name``: what test ids and reports show (``dataset/dawg-dataset-01``)."""
        folder = self.query.removeprefix(BASE_URL).split("/")[-2]
        return f"{folder}/{self.id.rsplit('#', 1)[-1]}"

    @property
    def from_graphs(self) -> tuple[list[str], list[str]]:
        """The query's own dataset: ``FROM`` IRIs and ``FROM NAMED`` IRIs, resolved."""
        default, named = [], []
        for match in _FROM.finditer(_without_comments(self.query_text)):
            (named if match.group(1) else default).append(urljoin(self.query, match.group(2)))
        return default, named

    @property
    def has_dataset_clause(self) -> bool:
        default, named = self.from_graphs
        return bool(default or named)


def path_of(url: str, root: Path = SUITE) -> Path:
    """The file of the suite named ``url`` (an IRI under :data:`BASE_URL`)."""
    if not url.startswith(BASE_URL):
        raise ValueError(f"{url} is not a file of the W3C suite")
    return root / url.removeprefix(BASE_URL)


def url_of(path: Path, root: Path = SUITE) -> str:
    return BASE_URL + path.relative_to(root).as_posix()


def _without_comments(query: str) -> str:
    # Whole-line comments: enough for the suite's queries (none has FROM after code on a line).
    return "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))


def _manifest_urls(manifest_url: str, root: Path) -> list[tuple[str, Graph]]:
    """The manifest and every manifest it includes (depth first), parsed."""
    graph = Graph()
    graph.parse(path_of(manifest_url, root), format="turtle", publicID=manifest_url)
    found = [(manifest_url, graph)]
    node = URIRef(manifest_url)
    for head in graph.objects(node, MF.include):
        for included in Collection(graph, head):
            found.extend(_manifest_urls(str(included), root))
    return found


def load_tests(suite: str, root: Path = SUITE) -> list[EvaluationTest]:
    """The query-evaluation tests of ``suite`` (a key of :data:`MANIFESTS`), rejected ones left out."""
    tests = []
    for manifest_url, graph in _manifest_urls(BASE_URL + MANIFESTS[suite], root):
        entries = [e for head in graph.objects(URIRef(manifest_url), MF.entries) for e in Collection(graph, head)]
        for entry in entries:
            if (entry, RDF.type, MF.QueryEvaluationTest) not in graph:
                continue
            if (entry, DAWGT.approval, DAWGT.Rejected) in graph:
                continue
            action = graph.value(entry, MF.action)
            if not isinstance(action, BNode):
                raise ValueError(f"{entry}: an evaluation test's action is a node with qt:query")
            query = str(graph.value(action, QT.query))
            service = []
            for node in graph.objects(action, QT.serviceData):
                service.append((str(graph.value(node, QT.endpoint)), str(graph.value(node, QT.data))))
            test = EvaluationTest(
                id=str(entry), suite=suite, name=str(graph.value(entry, MF.name) or entry),
                query=query, result=str(graph.value(entry, MF.result)),
                data=tuple(sorted(str(d) for d in graph.objects(action, QT.data))),
                graph_data=tuple(sorted(str(g) for g in graph.objects(action, QT.graphData))),
                service_data=tuple(sorted(service)), comment=str(graph.value(entry, RDFS_COMMENT) or ""),
                query_text=path_of(query, root).read_text(encoding="utf-8") if path_of(query, root).is_file() else "",
            )
            tests.append(test)
    return tests


RDFS_COMMENT = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")


def files_of(test: EvaluationTest) -> set[str]:
    """Every file the test reads: query, data, named graphs, the query's FROM graphs, result."""
    default, named = test.from_graphs
    urls = {test.query, test.result, *test.data, *test.graph_data, *default, *named}
    urls.update(data for _, data in test.service_data)
    return {u for u in urls if u.startswith(BASE_URL)}


#: The syntax tests run here (SPARQL 1.1 federation syntax left out: its queries call SERVICE).
SYNTAX_MANIFESTS = {
    "sparql10": "sparql10/manifest-syntax.ttl",
    "sparql11": "sparql11/manifest-sparql11-query.ttl",
}
_SYNTAX_KINDS = {"PositiveSyntaxTest": True, "PositiveSyntaxTest11": True,
                 "NegativeSyntaxTest": False, "NegativeSyntaxTest11": False}


@dataclass(frozen=True)
class SyntaxTest:
    """A ``mf:PositiveSyntaxTest(11)`` (the query parses) or ``mf:NegativeSyntaxTest(11)`` (it must not)."""

    id: str
    suite: str
    name: str
    query: str
    positive: bool
    query_text: str = field(default="", compare=False, repr=False)

    @property
    def short(self) -> str:
        folder = self.query.removeprefix(BASE_URL).split("/")[-2]
        return f"{folder}/{self.id.rsplit('#', 1)[-1]}"


def load_syntax_tests(suite: str, root: Path = SUITE) -> list[SyntaxTest]:
    tests = []
    for manifest_url, graph in _manifest_urls(BASE_URL + SYNTAX_MANIFESTS[suite], root):
        for head in graph.objects(URIRef(manifest_url), MF.entries):
            for entry in Collection(graph, head):
                kinds = [str(k).removeprefix(str(MF)) for k in graph.objects(entry, RDF.type)]
                positive = [_SYNTAX_KINDS[k] for k in kinds if k in _SYNTAX_KINDS]
                if not positive or (entry, DAWGT.approval, DAWGT.Rejected) in graph:
                    continue
                query = str(graph.value(entry, MF.action))
                path = path_of(query, root)
                tests.append(SyntaxTest(str(entry), suite, str(graph.value(entry, MF.name) or entry), query,
                                        positive[0], path.read_text(encoding="utf-8") if path.is_file() else ""))
    return tests
