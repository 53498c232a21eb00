"""The Service Description (GET /sparql) and the VoID description (/.well-known/void, /void)."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF, RDF, VOID, XSD

from kgraph.formats import RDF_FORMATS, RESULTS_FORMATS
from kgraph.namespaces import KG, KGR, Graphs
from kgraph.settings import SETTINGS

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATA = "http://kasei.us/2009/09/sparql/data/"
EX = "http://example.org/protocol-test/"
#: Where the app says it is with no base_url: the host and port it listens on (the defaults
#: of those settings), never the request's Host header (tests/hardening/test_host_header.py).
DEFAULTS = {s.name: s.default for s in SETTINGS}
ORIGIN = f"http://{DEFAULTS['host']}:{DEFAULTS['port']}"
ENDPOINT = URIRef(f"{ORIGIN}/sparql")
RDFLIB_NAMES = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml",
                "trig": "trig", "nquads": "nquads"}


def graph_of(response, fmt: str = "turtle") -> Graph:
    assert response.status_code == 200, response.get_data(as_text=True)
    return Graph().parse(data=response.get_data(as_text=True), format=RDFLIB_NAMES[fmt])


def integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


# --- service description ------------------------------------------------------------------

def test_service_description(w3c_client):
    g = graph_of(w3c_client.get("/sparql"))
    assert (ENDPOINT, RDF.type, SD.Service) in g
    assert (ENDPOINT, SD.endpoint, ENDPOINT) in g
    assert (ENDPOINT, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert set(g.objects(ENDPOINT, SD.resultFormat)) == {URIRef(f.iri) for f in (*RESULTS_FORMATS, *RDF_FORMATS)}
    assert (ENDPOINT, SD.feature, SD.UnionDefaultGraph) in g
    assert (ENDPOINT, SD.feature, SD.BasicFederatedQuery) in g  # SERVICE to Wikidata, by default
    dataset = g.value(ENDPOINT, SD.defaultDataset)
    default = g.value(dataset, SD.defaultGraph)
    assert g.value(default, VOID.triples) == integer(6)
    named = {g.value(n, SD.name): g.value(g.value(n, SD.graph), VOID.triples) for n in g.objects(dataset, SD.namedGraph)}
    assert named == {URIRef(f"{DATA}data{n}.rdf"): integer(1) for n in (1, 2, 3)}


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_service_description_formats(w3c_client, fmt):
    response = w3c_client.get("/sparql", headers={"Accept": fmt.media_type})
    assert response.content_type == f"{fmt.media_type}; charset=utf-8"
    assert (ENDPOINT, RDF.type, SD.Service) in graph_of(response, fmt.name)


@pytest.mark.parametrize(("accept", "status"), [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 303),
    ("text/html", 303),
    ("text/turtle, text/html;q=0.5", 200),
    ("*/*", 200),
    ("application/sparql-results+json", 406),
])
def test_service_description_or_the_ui(w3c_client, accept, status):
    response = w3c_client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == status
    assert "Accept" in response.headers["Vary"]
    if status == 303:
        assert response.headers["Location"] == "/"


def test_no_federation_is_described(make_app, w3c_fixture):
    client = make_app(files=[w3c_fixture], federation_allow=[]).test_client()
    assert (ENDPOINT, SD.feature, SD.BasicFederatedQuery) not in graph_of(client.get("/sparql"))


def test_base_url_setting(make_app, w3c_fixture):
    client = make_app(files=[w3c_fixture], base_url="https://kg.example.org/").test_client()
    endpoint = URIRef("https://kg.example.org/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph_of(client.get("/sparql"))


# --- VoID ---------------------------------------------------------------------------------

DOC = URIRef(f"{ORIGIN}/void")
DATASET = URIRef(f"{ORIGIN}/void#dataset")


def partitions(g: Graph, kind, key, count) -> dict:
    return {g.value(p, key): g.value(p, count).toPython() for p in g.objects(DATASET, kind)}


def test_void_of_files(w3c_client):
    g = graph_of(w3c_client.get("/.well-known/void"))
    assert (DOC, FOAF.primaryTopic, DATASET) in g
    assert (DATASET, RDF.type, VOID.Dataset) in g
    assert (DATASET, VOID.sparqlEndpoint, ENDPOINT) in g
    expected = {VOID.triples: 6, VOID.distinctSubjects: 4, VOID.distinctObjects: 4,
                VOID.properties: 4, VOID.classes: 1}
    assert {p: g.value(DATASET, p).toPython() for p in expected} == expected
    assert partitions(g, VOID.classPartition, VOID["class"], VOID.entities) == {FOAF.Document: 3}
    assert partitions(g, VOID.propertyPartition, VOID.property, VOID.triples) == {
        RDF.type: 3, URIRef(EX + "p"): 1, URIRef(EX + "q"): 1, URIRef(EX + "label"): 1}
    subsets = {g.value(s, SD.name): g.value(s, VOID.triples).toPython() for s in g.objects(DATASET, VOID.subset)}
    assert subsets == {URIRef(f"{DATA}data{n}.rdf"): 1 for n in (1, 2, 3)}
    assert set(g.objects(DATASET, VOID.vocabulary)) == {URIRef(EX), URIRef(str(RDF)), URIRef(str(FOAF))}
    assert set(g.objects(DATASET, VOID.exampleResource)) == {URIRef(f"{DATA}data{n}.rdf") for n in (1, 2, 3)}
    assert not list(g.subjects(RDF.type, VOID.Linkset))  # no Wikidata links in these files


def test_void_at_both_addresses_and_in_every_format(w3c_client):
    assert isomorphic(graph_of(w3c_client.get("/void")), graph_of(w3c_client.get("/.well-known/void")))
    for fmt in RDF_FORMATS:
        response = w3c_client.get("/void", headers={"Accept": fmt.media_type})
        assert response.content_type == f"{fmt.media_type}; charset=utf-8"
        assert (DATASET, RDF.type, VOID.Dataset) in graph_of(response, fmt.name)


def test_void_of_kgraph(client, built):
    g = graph_of(client.get("/void"))
    manifest = built.manifest
    assert (DATASET, VOID.uriSpace, Literal(str(KGR))) in g
    assert (DATASET, VOID.sparqlEndpoint, ENDPOINT) in g
    assert set(g.objects(DATASET, VOID.dataDump)) == {
        URIRef(f"{ORIGIN}/download/kgraph.{s}") for s in ("ttl", "jsonld", "nt", "rdf", "trig", "nq")}
    assert URIRef(str(KG._NS)) in set(g.objects(DATASET, VOID.vocabulary))
    examples = list(g.objects(DATASET, VOID.exampleResource))
    assert examples and all(str(e).startswith(str(KGR)) for e in examples)
    subsets = {g.value(s, SD.name): g.value(s, VOID.triples).toPython()
               for s in g.objects(DATASET, VOID.subset) if (s, RDF.type, VOID.Dataset) in g}
    assert subsets == {Graphs.BY_NAME[name]: count for name, count in manifest["triples"].items() if count}
    classes = partitions(g, VOID.classPartition, VOID["class"], VOID.entities)
    assert classes[KG.State] >= 2


def test_void_linkset_to_wikidata(client):
    g = graph_of(client.get("/void"))
    linkset = g.value(predicate=RDF.type, object=VOID.Linkset)
    assert (DATASET, VOID.subset, linkset) in g
    assert g.value(linkset, VOID.linkPredicate) == KG.wikidataItem
    assert g.value(linkset, VOID.subjectsTarget) == DATASET
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{KG.wikidataItem}> ?o }} }}"
    body = client.get("/sparql", query_string={"query": query}).get_json()
    links = int(body["results"]["bindings"][0]["n"]["value"])
    assert g.value(linkset, VOID.triples).toPython() == links > 0
