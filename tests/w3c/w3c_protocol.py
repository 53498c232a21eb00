"""The W3C SPARQL 1.1 Protocol tests (``mf:ProtocolTest`` of sparql11/protocol/manifest.ttl).

Each test is one or more HTTP requests (``ht:Request``: method, path, headers, body) and what
each answer must be (``mf:expectedStatus``, ``mf:expectedFormat``, ``mf:expectedBoolean``).
Paths start with ``/sparql/``: here, kgraph's ``/sparql``. The dataset the tests query is
their ``ut:graphData``: data1.nt … data3.nt as the named graphs ``http://kasei.us/…/dataN.rdf``.

kgraph's ``/sparql`` is read-only: a test that needs an update to succeed is left out with
that reason (the tests that expect an update to be refused, 4xx, run).
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from w3c_manifest import BASE_URL, MF, path_of

HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
MANIFEST = BASE_URL + "sparql11/protocol/manifest.ttl"
_STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
#: The media types of each expected format (the test's own list: "expect one of …").
FORMATS = {
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml", "text/html"},
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: tuple[str, ...]
    format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    id: str
    name: str
    requests: tuple[Request, ...]
    graph_data: tuple[tuple[str, str], ...]  # (graph IRI, file IRI)

    @property
    def short(self) -> str:
        return self.id.rsplit("#", 1)[-1]

    @property
    def needs_update(self) -> bool:
        """An update must succeed (2xx) for the test to pass: kgraph's endpoint refuses updates."""
        for request in self.requests:
            content_type = dict(request.headers).get("content-type", "")
            is_update = content_type.startswith("application/sparql-update") or (
                request.body or b"").startswith(b"update=")
            if is_update and any(s.startswith("StatusCode2") for s in request.statuses):
                return True
        return False


def _request(graph: Graph, node) -> Request:
    headers = tuple((str(graph.value(h, HT.fieldName)).lower(), str(graph.value(h, HT.fieldValue)))
                    for head in graph.objects(node, HT.headers) for h in Collection(graph, head))
    body = graph.value(node, HT.body)
    data = None
    if body is not None:
        encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
        data = str(graph.value(body, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return Request(
        method=str(graph.value(node, HT.methodName)), path=str(graph.value(node, HT.absolutePath)),
        headers=headers, body=data,
        statuses=tuple(sorted(str(s).removeprefix(HTS) for s in graph.objects(response, MF.expectedStatus))),
        format=str(fmt) if fmt is not None else None,
        boolean=None if boolean is None else boolean.toPython() in (True, "true"))


def load_protocol_tests() -> list[ProtocolTest]:
    graph = Graph().parse(path_of(MANIFEST), format="turtle", publicID=MANIFEST)
    tests = []
    for head in graph.objects(URIRef(MANIFEST), MF.entries):
        for entry in Collection(graph, head):
            if (entry, RDF.type, MF.ProtocolTest) not in graph:
                continue
            action = graph.value(entry, MF.action)
            requests = tuple(_request(graph, r) for r in Collection(graph, graph.value(action, HT.requests)))
            data = tuple(sorted((str(graph.value(g, RDFS.label)), str(graph.value(g, UT.graph)))
                                for g in graph.objects(entry, UT.graphData)))
            tests.append(ProtocolTest(str(entry), str(graph.value(entry, MF.name)), requests, data))
    return tests


def write_protocol_dataset(tests: list[ProtocolTest], target: Path) -> Path:
    """The tests' named graphs (each ``ut:graphData`` file as its label's graph) in one N-Quads file."""
    graphs = dict(pair for test in tests for pair in test.graph_data)
    quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(name))
             for name, url in sorted(graphs.items())
             for q in ox.parse(path=path_of(url), format=ox.RdfFormat.N_TRIPLES, base_iri=url)]
    ox.serialize(quads, str(target), format=ox.RdfFormat.N_QUADS)
    return target


def send(base: str, method: str, path: str, headers: dict, body: bytes | None):
    """``(status, headers, body)``: the request exactly as given (http.client adds no
    Content-Type of its own, as urllib does to a POST), to ``base`` (http://127.0.0.1:PORT)."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _status_ok(status: int, expected: tuple[str, ...]) -> bool:
    for name in expected:
        if name.startswith("StatusCode") and str(status).startswith(name[len("StatusCode")]):
            return True
        if _STATUS.get(name) == status:
            return True
    return False


def _boolean(media_type: str, body: bytes) -> bool | None:
    formats = {"application/sparql-results+xml": ox.QueryResultsFormat.XML,
               "application/sparql-results+json": ox.QueryResultsFormat.JSON}
    try:
        result = ox.parse_query_results(body, format=formats[media_type])
    except (KeyError, SyntaxError, ValueError):
        return None
    return bool(result) if isinstance(result, ox.QueryBoolean) else None


def run_protocol_test(test: ProtocolTest, base: str, endpoint: str = "/sparql") -> str | None:
    """Each request of ``test`` sent to ``base`` (``/sparql/`` → ``endpoint``): None if every
    answer is as the test expects, else what differs."""
    for i, request in enumerate(test.requests, 1):
        path = endpoint + request.path.removeprefix("/sparql/")
        status, headers, body = send(base, request.method, path, dict(request.headers), request.body)
        where = f"request {i} ({request.method} {request.path[:80]})"
        if not _status_ok(status, request.statuses):
            text = " ".join(body.decode("utf-8", "replace").split())[:240]
            return f"{where}: status {status}, expected {'/'.join(request.statuses)}: {text}"
        media_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if request.format and media_type not in FORMATS[request.format]:
            return f"{where}: {media_type or 'no Content-Type'}, expected {request.format} ({', '.join(sorted(FORMATS[request.format]))})"
        if request.boolean is not None and _boolean(media_type, body) is not request.boolean:
            return f"{where}: answer {body[:160]!r}, expected the boolean {str(request.boolean).lower()}"
    return None
