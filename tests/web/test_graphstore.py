"""/rdf-graphs: the Graph Store HTTP Protocol, read side, on the W3C fixture and on kgraph."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF

from kgraph.formats import RDF_FORMATS
from kgraph.namespaces import Graphs

DATA = "http://kasei.us/2009/09/sparql/data/"
EX = "http://example.org/protocol-test/"
RDFLIB_NAMES = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml",
                "trig": "trig", "nquads": "nquads"}


def parse(response, fmt: str = "turtle") -> set:
    assert response.status_code == 200, response.get_data(as_text=True)
    return set(Graph().parse(data=response.get_data(as_text=True), format=RDFLIB_NAMES[fmt]))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_named_graph(w3c_client, n):
    iri = f"{DATA}data{n}.rdf"
    response = w3c_client.get("/rdf-graphs", query_string={"graph": iri})
    assert parse(response) == {(URIRef(iri), RDF.type, FOAF.Document)}
    assert response.content_type == "text/turtle; charset=utf-8"


def test_the_default_graph_is_what_queries_see(w3c_client):
    triples = parse(w3c_client.get("/rdf-graphs?default"))
    assert len(triples) == 6
    assert (URIRef(EX + "default-s"), URIRef(EX + "label"), Literal("café", lang="fr")) in triples


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_content_negotiation(w3c_client, fmt):
    by_accept = w3c_client.get(f"/rdf-graphs?graph={DATA}data1.rdf", headers={"Accept": fmt.media_type})
    assert by_accept.content_type == f"{fmt.media_type}; charset=utf-8"
    assert by_accept.headers["Vary"] == "Accept"
    by_name = w3c_client.get(f"/rdf-graphs?graph={DATA}data1.rdf&format={fmt.name}")
    assert parse(by_accept, fmt.name) == parse(by_name, fmt.name) == {
        (URIRef(f"{DATA}data1.rdf"), RDF.type, FOAF.Document)}


def test_head(w3c_client):
    response = w3c_client.head(f"/rdf-graphs?graph={DATA}data2.rdf")
    assert response.status_code == 200 and response.data == b""
    assert response.content_type == "text/turtle; charset=utf-8"
    assert w3c_client.head(f"/rdf-graphs?graph={DATA}data9.rdf").status_code == 404


ERRORS = [
    # (method, query string, status, words of the message)
    ("GET", f"graph={DATA}data9.rdf", 404, ["no graph named", "data9.rdf"]),
    ("GET", "graph=data1.rdf", 400, ["absolute IRI"]),
    ("GET", "graph=", 400, ["absolute IRI"]),
    ("GET", f"graph={DATA}data1.rdf&default", 400, ["not both"]),
    ("GET", "", 400, ["?graph=IRI", "?default"]),
    ("GET", f"graph={DATA}data1.rdf&graph={DATA}data2.rdf", 400, ["more than once"]),
    ("GET", "default&format=csv", 406, ["csv"]),
    ("PUT", f"graph={DATA}data1.rdf", 405, ["PUT", "read-only"]),
    ("POST", "default", 405, ["POST"]),
    ("DELETE", f"graph={DATA}data1.rdf", 405, ["DELETE"]),
    ("PATCH", "default", 405, ["PATCH"]),
]


@pytest.mark.parametrize(("method", "query", "status", "words"), ERRORS)
def test_errors(w3c_client, method, query, status, words):
    response = w3c_client.open(f"/rdf-graphs?{query}", method=method, data=b"<a:b> <a:c> <a:d> .",
                               headers={"Content-Type": "text/turtle"})
    assert response.status_code == status
    message = response.get_json()["error"]["message"]
    for word in words:
        assert word in message
    if status == 405:
        assert response.headers["Allow"].replace(" ", "").split(",").count("GET") == 1
        assert "PUT" not in response.headers["Allow"]


def test_writes_change_nothing(w3c_client):
    before = parse(w3c_client.get("/rdf-graphs?default"))
    w3c_client.put(f"/rdf-graphs?graph={DATA}data1.rdf", data=b"", content_type="text/turtle")
    w3c_client.delete(f"/rdf-graphs?graph={DATA}data1.rdf")
    assert parse(w3c_client.get("/rdf-graphs?default")) == before


@pytest.mark.parametrize("name", ["ontology", "asserted", "inferred"])
def test_kgraph_graphs(client, built, name):
    response = client.get("/rdf-graphs", query_string={"graph": str(Graphs.BY_NAME[name]), "format": "nt"})
    assert len(parse(response, "ntriples")) == built.manifest["triples"][name]


@pytest.mark.parametrize("name", ["asserted", "inferred", "ontology", "shapes"])
def test_each_named_graph_iri_resolves_to_its_content(client, name):
    response = client.get(f"/graph/{name}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    followed = client.get(response.headers["Location"], headers={"Accept": "text/turtle"})
    assert followed.status_code == 200
    assert followed.content_type.startswith("text/turtle")
    assert len(followed.data) > 100


def test_an_unknown_named_graph_iri_is_404(client):
    assert client.get("/graph/nope").status_code == 404
