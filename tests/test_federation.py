"""Federated queries: SERVICE only to allow-listed endpoints, decided on the engine's reading
of the query before anything runs; everything else runs where no socket opens."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rdflib.plugins.sparql.parser import parseQuery

from kgraph.errors import QueryError
from kgraph.examples import example_queries
from kgraph.federation import FederationRefused, check_query
from kgraph.namespaces import PREFIXES, sparql_prologue
from kgraph.settings import SETTINGS_BY_NAME
from kgraph.store import OxigraphStore
from kgraph.web import create_app

WIKIDATA = "https://query.wikidata.org/sparql"
ALLOW = [WIKIDATA]
EVIL = "http://127.0.0.1:9/steal"


def _standin_module():
    path = Path(__file__).resolve().parent / "wikidata" / "standin.py"
    spec = importlib.util.spec_from_file_location("kgraph_tests_standin", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# (query, expected): the allowed endpoints when the query may run with the network ([]: it
# runs where no socket opens), or a word of the 403's message.
TABLE = [
    ("SELECT * WHERE { ?s ?p ?o }", []),
    (f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}", [WIKIDATA]),
    (f"SELECT * WHERE {{ SERVICE SILENT <{WIKIDATA}> {{ ?s ?p ?o }} }}", [WIKIDATA]),
    (f"SELECT * WHERE {{ SERVICESILENT<{WIKIDATA}>{{ ?s ?p ?o }} }}", [WIKIDATA]),
    ("PREFIX q: <https://query.wikidata.org/> SELECT * WHERE { SERVICE q:sparql { ?s ?p ?o } }", [WIKIDATA]),
    ('SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/steal> { ?s ?p ?o }" }', []),
    ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/steal> { }", []),
    ("SELECT * WHERE { ?s prov:wasDerivedFrom ?o }", []),
    ("SELECT * FROM kgg:asserted FROM NAMED kgg:inferred WHERE { ?s ?p ?o }", []),
    ("SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }", []),  # a name, never fetched
    (f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", "SERVICE <http://127.0.0.1:9/steal> is refused"),
    (f"SELECT * WHERE {{ #x\rSERVICE <{EVIL}> {{ ?s ?p ?o }}\n}}", "SERVICE <http://127.0.0.1:9/steal> is refused"),
    (f"SELECT * WHERE {{ SERVICE<{EVIL}>{{ ?s ?p ?o }} }}", "is refused"),
    ("PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:steal { ?s ?p ?o } }", "SERVICE <http://127.0.0.1:9/steal>"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/\\u0073teal> { ?s ?p ?o } }", "SERVICE <http://127.0.0.1:9/steal>"),
    (f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }}", "is refused"),
    (f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }} }}", "is refused"),
    (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", "is refused"),
    (f"ASK {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", "is refused"),
    (f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }}", "is refused"),
    # Run, but without the network: SILENT outside the list (an empty solution), endpoints the
    # reading cannot resolve (a variable, a relative IRI, glued keywords it does not untangle).
    (f"SELECT * WHERE {{ SERVICE SILENT <{EVIL}> {{ ?s ?p ?o }} }}", []),
    (f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ }} SERVICE SILENT <{EVIL}> {{ ?s ?p ?o }} }}", []),
    ("SELECT * WHERE { ?x ?y ?endpoint . SERVICE ?endpoint { ?s ?p ?o } }", "SERVICE ?endpoint is refused"),
    ("SELECT * WHERE { ?x ?y ?endpoint . SERVICE SILENT ?endpoint { ?s ?p ?o } }", []),
    ("BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <steal> { ?s ?p ?o } }", []),
    (f"SELECT * WHERE {{ <urn:s> <urn:p> trueSERVICE <{EVIL}> {{ ?s ?p ?o }} }}", []),
    (f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ }} ?s schema:serviceType ?o }}", []),
]


@pytest.mark.parametrize("query, expected", TABLE)
def test_the_allow_deny_table(query, expected):
    if isinstance(expected, list):
        assert check_query(query, ALLOW, prefixes=PREFIXES) == expected
    else:
        with pytest.raises(FederationRefused, match=expected.replace("?", r"\?")):
            check_query(query, ALLOW, prefixes=PREFIXES)


def test_nothing_is_allowed_with_an_empty_allow_list():
    with pytest.raises(FederationRefused, match="none"):
        check_query(f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}", [])


def test_the_refusal_is_a_query_error_with_status_403():
    assert issubclass(FederationRefused, QueryError)
    assert FederationRefused.status == 403


def test_the_default_allow_list_is_wikidata():
    assert SETTINGS_BY_NAME["federation_allow"].default == [WIKIDATA]


# --- What pyoxigraph does with SERVICE (why the check must come first) ---------------------------


@pytest.fixture(scope="module")
def standin():
    with _standin_module().StandIn() as server:
        yield server


def test_pyoxigraph_executes_service_itself(standin):
    """Measured: the embedded store POSTs the SERVICE block to the endpoint, as written."""
    standin.requests.clear()
    store = OxigraphStore()
    result = store.query(f"SELECT ?label WHERE {{ SERVICE <{standin.sparql_url}> {{ "
                         "<http://www.wikidata.org/entity/Q265> <http://www.w3.org/2000/01/rdf-schema#label> ?label } }",
                         default_graphs=())
    assert sorted(row["label"].value for row in result.raw) == ["Oʻzbekiston", "Uzbekistan"]
    [request] = standin.requests
    assert request["method"] == "POST" and request["user_agent"].startswith("Oxigraph/")
    assert "SERVICE" not in request["params"]["query"]  # the inner block only, no outer bindings


# --- Through /sparql -------------------------------------------------------------------------------


@pytest.fixture
def app_with(store, standin):
    def make(allow):
        standin.requests.clear()
        return create_app({"TESTING": True, "federation_allow": allow}, store=store).test_client()
    return make


def test_an_allowed_service_works_from_sparql(app_with, standin):
    client = app_with([standin.sparql_url])
    query = (f"SELECT ?label WHERE {{ SERVICE <{standin.sparql_url}> {{ "
             "<http://www.wikidata.org/entity/Q265> <http://www.w3.org/2000/01/rdf-schema#label> ?label } }")
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    labels = sorted(b["label"]["value"] for b in response.get_json()["results"]["bindings"])
    assert labels == ["Oʻzbekiston", "Uzbekistan"]
    assert len(standin.requests) == 1


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "PREFIX e: <{base}/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . FILTER EXISTS { SERVICE <{url}> { ?a ?b ?c } } }",
])
def test_a_service_not_allowed_is_refused_before_any_request(app_with, standin, query):
    client = app_with([WIKIDATA])  # the stand-in is not on the list
    text = query.replace("{url}", standin.sparql_url).replace("{base}", standin.base)
    response = client.get("/sparql", query_string={"query": text}, headers={"Accept": "application/json"})
    assert 400 <= response.status_code < 500
    assert "refused" in response.get_json()["error"]["message"]
    assert standin.requests == []


def test_a_service_in_a_string_is_no_service(app_with, standin):
    client = app_with([WIKIDATA])
    text = f'SELECT ?x WHERE {{ BIND ("SERVICE <{standin.sparql_url}> {{ }}" AS ?x) }}'
    response = client.get("/sparql", query_string={"query": text}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert standin.requests == []


# --- The federated example queries -------------------------------------------------------------------


FEDERATED = [q for q in example_queries() if q.name.startswith("federated-")]


def test_there_are_federated_examples():
    assert len(FEDERATED) >= 3


@pytest.mark.parametrize("example", FEDERATED, ids=lambda q: q.name)
def test_federated_examples_are_marked_parsed_and_allowed(example):
    assert example.network == "wikidata"
    assert "# network: wikidata" in example.sparql
    assert example.title and example.description
    parseQuery(sparql_prologue() + example.sparql)  # SPARQL to rdflib too, not only to Oxigraph
    assert check_query(example.sparql, ALLOW, prefixes=PREFIXES) == [WIKIDATA]
