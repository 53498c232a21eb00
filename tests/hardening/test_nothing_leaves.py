"""No request can make the server fetch a URL it was not told it may call.

"Nothing leaves" is proved with a real listener on 127.0.0.1 and on 127.0.0.2
(conftest.ConnectionRecorder) that records every connection: each hostile query names it,
the app (over the real built graph, whose store executes SERVICE itself) answers — a 4xx
for a SERVICE it refuses, a 502 for one it did not make, a 200 over an empty graph for a
FROM it does not hold, one empty solution for a SERVICE SILENT — and the listener saw
nothing. Both ways of running a query are tried: inline (a store object given to the app:
only the reading of the query stands between a SERVICE and the network) and in the query
processes of a served build (which cannot open a socket at all). The positive controls
show that the bare engine does call the listener for each such query, and the app does
once the endpoint is allowed, so an empty record means something.
"""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from kgraph.web import create_app

JSON = {"Accept": "application/json"}

# Each query names the listener as {url} (its endpoint) or {base} (its folder, with a slash).
# These the bare engine does send to the listener (test_the_bare_engine_calls_the_listener):
ENGINE_CALLS = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{\n\tSERVICE\n\n<{url}>\t{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE#comment\n<{url}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <{base}> SELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
    "BASE <{base}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "BASE <{base}x/> SELECT * WHERE {{ SERVICE <../sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",  # \u escapes in the IRI
    "SELECT * WHERE {{ SERVICE <{escaped_long}> {{ ?s ?p ?o }} }}",  # \U escapes
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ OPTIONAL {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # Where the old reading of the text differed from the engine's (the issue "Critical:
    # the checks and the cache read a query differently from the engine"):
    "SELECT ?x {{ #x\rSERVICE <{url}> {{ ?x ?b ?c }}\n}}",  # a comment ends at CR as well as LF
    "SELECT * WHERE {{ #\rSERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICESILENT<{url}>{{ ?s ?p ?o }} }}",  # keywords need no space around them
    "SELECT * WHERE {{ SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ <urn:s> <urn:p> true SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ <urn:s> <urn:p> trueSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ <urn:s> <urn:p> 1SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <http://ex/> SELECT * WHERE {{ ?s ex:a\\#b ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    'SELECT * WHERE {{ BIND("a#" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}',
    "SELECT * WHERE {{ BIND('''x\r#''' AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?s!=?o||1<2)SERVICE<{url}>{{ ?s ?p ?o }} }}",
]
# … and these it does not (not SPARQL to it, or no SERVICE): they must not reach it either.
HOSTILE_QUERIES = ENGINE_CALLS + [
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",  # Oxigraph: "unbound"
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",  # Oxigraph 0.5 decodes no \u in code
    "SELECT * WHERE {{ SERVIC\\U00000045 <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE \\u003C{url}\\u003E {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <https://query.wikidata.org/sparql> {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o }} # SERVICE <{url}> {{ }}",
    "SELECT * WHERE {{ ?s ?p ?o }} #\u2028SERVICE <{url}> {{ }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "SELECT * WHERE {{ SERVICE <file:///etc/passwd> {{ ?s ?p ?o }} }}",
    "LOAD <{url}>",
    "LOAD <file:///etc/passwd> INTO GRAPH <https://w3id.org/kgraph/graph/x>",
    "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }}",
    "CLEAR ALL",
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} LIMIT",  # broken syntax around a SERVICE
]
ALLOW = {"federation_allow": ["https://query.wikidata.org/sparql"]}


def _escape(text: str, width: int) -> str:
    # Escape the letters of the path only: a numeric-character escape of each.
    head, _, path = text.rpartition("/")
    mark = "\\u" if width == 4 else "\\U"
    return head + "/" + "".join(f"{mark}{ord(c):0{width}X}" for c in path)


def _fill(template: str, recorder) -> str:
    return template.format(url=recorder.url, base=recorder.url.rsplit("/", 1)[0] + "/",
                           escaped=_escape(recorder.url, 4), escaped_long=_escape(recorder.url, 8))


def _settled(recorder) -> list[bytes]:
    time.sleep(0.01)  # the store calls synchronously; this only lets the listener thread record it
    return recorder.connections


def _served_app(layout, config: dict):
    """The app serving the build as ``kgraph serve`` does: queries run in query processes."""
    return create_app({"TESTING": True, **config}, layout=layout)


@pytest.fixture
def client(store):
    """The app over the real built graph, its queries run inline (a store object given)."""
    return create_app({"TESTING": True, **ALLOW}, store=store).test_client()


@pytest.fixture(scope="module")
def served_client(project_layout, built):
    return _served_app(project_layout, ALLOW).test_client()


def _ask(client, query: str, how: str = "form"):
    if how == "get":
        return client.get("/sparql", query_string={"query": query}, headers=JSON)
    if how == "form":
        return client.post("/sparql", data={"query": query}, headers=JSON)
    return client.post("/sparql", data=query.encode(), headers={**JSON, "Content-Type": "application/sparql-query"})


def _nothing_left(response, recorder, query: str) -> None:
    """A refusal (4xx), a SERVICE not made (502), or an answer (a FROM the store does not hold
    is an empty graph, a SILENT call an empty solution, a SERVICE in a comment no SERVICE);
    and no connection."""
    assert response.status_code in (200, 400, 403, 502), response.get_data(as_text=True)[:500]
    if response.status_code != 200:
        assert set(response.get_json()["error"]) == {"status", "title", "message"}
    assert _settled(recorder) == []


@pytest.mark.parametrize("template", HOSTILE_QUERIES)
@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_a_hostile_query_run_inline_reaches_nothing(client, recorder, template, how):
    query = _fill(template, recorder)
    _nothing_left(_ask(client, query, how), recorder, query)


@pytest.mark.parametrize("template", HOSTILE_QUERIES)
def test_a_hostile_query_run_in_a_query_process_reaches_nothing(served_client, recorder, template):
    query = _fill(template, recorder)
    _nothing_left(_ask(served_client, query), recorder, query)


def test_a_silent_service_outside_the_list_is_an_empty_solution(served_client, recorder):
    """SPARQL 1.1 Federated Query §4: SILENT makes a failed call one empty solution (service7)."""
    query = f"SELECT ?x WHERE {{ SERVICE SILENT <{recorder.url}> {{ ?x ?b ?c }} }}"
    response = _ask(served_client, query)
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == [{}]
    assert _settled(recorder) == []


def test_a_call_not_made_is_the_same_502_whatever_the_target(served_client, recorder):
    """No scanning of ports by status: a SERVICE not made says the same of every target."""
    answers = set()
    for target in (recorder.url, "http://127.0.0.1:1/sparql", "file:///etc/passwd", "http://example.invalid/"):
        # A relative endpoint: the reading leaves it unresolved, so it runs without the network.
        query = f"BASE <{target}> SELECT * WHERE {{ SERVICE <> {{ ?s ?p ?o }} }}"
        response = _ask(served_client, query)
        answers.add((response.status_code, response.get_json()["error"]["message"]))
    assert len(answers) == 1 and next(iter(answers))[0] == 502
    assert _settled(recorder) == []


@pytest.mark.parametrize("template", ENGINE_CALLS)
def test_the_bare_engine_calls_the_listener(recorder, template):
    """Each hostile query above does reach the listener when nothing stands in the way (a
    typo would make the tests above vacuous)."""
    query = _fill(template, recorder)
    store = ox.Store()  # a match for the patterns before each SERVICE: else it is never called
    subject, predicate = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    for triple in ((predicate, ox.NamedNode(recorder.url)), (predicate, ox.Literal(True)), (predicate, ox.Literal(1)),
                   (ox.NamedNode("http://ex/a#b"), ox.NamedNode("urn:o"))):
        store.add(ox.Quad(subject, *triple))
    try:
        result = store.query(query)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except OSError:
        pass  # the listener's answer is not what the query wanted: the call was made
    assert _settled(recorder), query


@pytest.mark.parametrize("how", ["update-param", "update-form", "update-body"])
def test_updates_are_refused_as_read_only_and_nothing_leaves(client, recorder, how):
    update = f"LOAD <{recorder.url}>"
    if how == "update-param":
        response = client.get("/sparql", query_string={"update": update}, headers=JSON)
    elif how == "update-form":
        response = client.post("/sparql", data={"update": update}, headers=JSON)
    else:
        response = client.post("/sparql", data=update, headers={**JSON, "Content-Type": "application/sparql-update"})
    assert response.status_code == 403
    assert "read-only" in response.get_json()["error"]["message"]
    assert _settled(recorder) == []


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("graph", ["{url}", "file:///etc/passwd", "{base}graph"])
def test_dataset_parameters_naming_graphs_elsewhere_are_empty_graphs(client, recorder, param, graph):
    """A graph the store does not hold is an empty graph (SPARQL 1.1 Protocol §2.1.4), never fetched."""
    iri = _fill(graph, recorder)
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", param: iri},
                          headers=JSON)
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == []
    assert _settled(recorder) == []


@pytest.mark.parametrize("path, params", [
    ("/rdf-graphs", {"graph": "{url}"}),
    ("/rdf-graphs", {"graph": "file:///etc/passwd"}),
    ("/id/x", {"format": "{url}"}),
    ("/search", {"q": "{url}"}),
])
def test_other_endpoints_given_a_url_fetch_nothing(client, recorder, path, params):
    response = client.get(path, query_string={k: _fill(v, recorder) for k, v in params.items()}, headers=JSON)
    assert response.status_code < 500
    assert _settled(recorder) == []


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "query-process"])
def test_the_listener_does_see_an_allowed_service(store, project_layout, built, recorder, inline):
    """The positive control: allowed, the same SERVICE reaches the listener — inline, and
    from the query processes kept for federated queries."""
    config = {"federation_allow": [recorder.url]}
    app = create_app({"TESTING": True, **config}, store=store) if inline else _served_app(project_layout, config)
    query = f"SELECT * WHERE {{ SERVICE <{recorder.url}> {{ ?s ?p ?o }} }}"
    response = app.test_client().get("/sparql", query_string={"query": query}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    [request] = _settled(recorder)
    assert request.startswith(b"POST /sparql ")
