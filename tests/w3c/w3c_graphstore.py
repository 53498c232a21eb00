"""The read side of the W3C Graph Store Protocol tests (sparql11/graph-store-protocol/manifest-indirect.ttl).

Every test there writes (PUT, POST, DELETE) and reads back (GET, HEAD). kgraph's
``/rdf-graphs`` is read-only (writes are a 405 by design), so the writes are not sent: they
are replayed here, on a model of the graph store, and each read is sent to a server that
already holds what the writes before it would have left. Each read gets its own copy of its
graphs: the graph IRI ``http://www.example/gsp/…`` of a read is sent, and served, as
``http://www.example/gsp/<test>-<n>/…`` (the rest of the IRI, and its percent-encoding in
the request, untouched), so one dataset serves every read of every test.

Left out, with the reason: a test that reads the default graph (it is shared by all) and the
test whose server must name a new graph (POST to the service, ``Location``).
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from w3c_manifest import BASE_URL, MF, path_of
from w3c_protocol import CNT, HT, _request, _status_ok, send
from w3c_results import Triples, compare

MANIFEST = BASE_URL + "sparql11/graph-store-protocol/manifest-indirect.ttl"
_ENCODED, _PLAIN = "http%3A%2F%2Fwww.example%2Fgsp%2F", "http://www.example/gsp/"
_RDF = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "application/rdf+xml": ox.RdfFormat.RDF_XML}


@dataclass(frozen=True)
class Read:
    """One GET or HEAD of a test, and the graph the server holds for it (None: no such graph)."""

    method: str
    path: str
    headers: tuple
    statuses: tuple
    graph: str
    triples: tuple | None
    expected_type: str | None
    expected_body: bytes | None


@dataclass(frozen=True)
class GraphStoreTest:
    id: str
    name: str
    reads: tuple[Read, ...] = ()
    skip: str | None = None
    graphs: dict = field(default_factory=dict, compare=False)

    @property
    def short(self) -> str:
        return self.id.rsplit("#", 1)[-1]


def _parse(body: bytes, content_type: str, base: str) -> list:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        return [t for part in message.iter_parts()
                for t in _parse(part.get_payload(decode=True), part.get_content_type(), base)]
    return [q.triple for q in ox.parse(body, format=_RDF[media_type], base_iri=base)]


def _expected(graph: Graph, response) -> tuple[str | None, bytes | None]:
    content_type = None
    for head in graph.objects(response, HT.headers):
        for h in Collection(graph, head):
            if str(graph.value(h, HT.fieldName)).lower() == "content-type":
                content_type = str(graph.value(h, HT.fieldValue))
    body = graph.value(response, HT.body)
    return content_type, (str(graph.value(body, CNT.chars)).encode() if body is not None else None)


def load_graph_store_tests() -> list[GraphStoreTest]:
    graph = Graph().parse(path_of(MANIFEST), format="turtle", publicID=MANIFEST)
    tests = []
    for head in graph.objects(URIRef(MANIFEST), MF.entries):
        for entry in Collection(graph, head):
            if (entry, RDF.type, MF.GraphStoreProtocolTest) not in graph:
                continue
            tests.append(_replay(graph, entry))
    return tests


def _replay(graph: Graph, entry) -> GraphStoreTest:
    """The test's reads, each with the state its writes leave (see the module's docstring)."""
    test_id, name = str(entry), str(graph.value(entry, MF.name))
    short = test_id.rsplit("#", 1)[-1]
    nodes = list(Collection(graph, graph.value(graph.value(entry, MF.action), HT.requests)))
    store: dict[str, list] = {}
    reads, graphs = [], {}
    for n, node in enumerate(nodes, 1):
        request = _request(graph, node)
        if "?default" in request.path or "$LOCATION$" in request.path or request.path == "/gsp":
            return GraphStoreTest(test_id, name, skip=(
                "reads or writes the default graph, which one dataset for every test cannot give each its own"
                if "?default" in request.path else "needs the server to create and name a new graph (POST, Location)"))
        iri = parse_qs(urlsplit(request.path).query)["graph"][0]
        if request.method == "PUT":
            store[iri] = _parse(request.body, dict(request.headers)["content-type"], iri)
        elif request.method == "POST":
            store.setdefault(iri, []).extend(_parse(request.body, dict(request.headers)["content-type"], iri))
        elif request.method == "DELETE":
            store.pop(iri, None)
        elif request.method in ("GET", "HEAD"):
            tag = f"{short}-{n}"
            path = request.path.replace(_ENCODED, f"{_ENCODED}{tag}%2F").replace(_PLAIN, f"{_PLAIN}{tag}/")
            served = parse_qs(urlsplit(path).query)["graph"][0]
            triples = tuple(store[iri]) if iri in store else None
            if triples is not None:
                graphs[served] = triples
            expected_type, expected_body = _expected(graph, graph.value(node, HT.resp))
            reads.append(Read(request.method, path.replace("/gsp", "/rdf-graphs", 1), request.headers,
                              request.statuses, served, triples, expected_type, expected_body))
    return GraphStoreTest(test_id, name, tuple(reads), graphs=graphs)


def write_graph_store_dataset(tests: list[GraphStoreTest], target: Path) -> Path:
    quads = []
    for i, (name, triples) in enumerate(sorted((n, t) for test in tests for n, t in test.graphs.items())):
        own = {}

        def rename(term, own=own, i=i):
            if isinstance(term, ox.BlankNode):
                return own.setdefault(term.value, ox.BlankNode(f"r{i}x{len(own)}"))
            return term

        quads.extend(ox.Quad(rename(t.subject), t.predicate, rename(t.object), ox.NamedNode(name)) for t in triples)
    ox.serialize(quads, str(target), format=ox.RdfFormat.N_QUADS)
    return target


def run_graph_store_test(test: GraphStoreTest, base: str) -> str | None:
    """Each read of ``test`` sent to ``base``: None if every answer is as the test expects."""
    for read in test.reads:
        status, headers, body = send(base, read.method, read.path, dict(read.headers), None)
        where = f"{read.method} {read.path[:90]}"
        if not _status_ok(status, read.statuses):
            text = " ".join(body.decode("utf-8", "replace").split())[:200]
            return f"{where}: status {status}, expected {'/'.join(read.statuses)}: {text}"
        media_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if read.expected_type and media_type != read.expected_type.split(";")[0].strip().lower():
            return f"{where}: Content-Type {headers.get('Content-Type')}, expected {read.expected_type}"
        if read.expected_body is not None and read.method == "GET":
            if media_type not in _RDF:
                return f"{where}: a body of {media_type or 'no type'}, not RDF"
            actual = Triples(frozenset(_parse(body, media_type, read.graph)))
            expected = Triples(frozenset(_parse(read.expected_body, read.expected_type or "text/turtle", read.graph)))
            difference = compare(expected, actual)
            if difference:
                return f"{where}: {difference}"
    return None
