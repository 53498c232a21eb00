"""No request can make the server fetch a URL it was not told it may call.

"Nothing leaves" is proved with a real listener on 127.0.0.1 (conftest.ConnectionRecorder)
that records every connection: each hostile query names it, the app (over the real built
graph, whose store executes SERVICE itself) answers with a 4xx, and the listener saw
nothing. The positive control shows the listener does see the store's call once the
endpoint is allowed, so an empty record means something.
"""

from __future__ import annotations

import time

import pytest

from kgraph.web import create_app

JSON = {"Accept": "application/json"}

# Each query names the listener as {url} (its endpoint) or {base} (its folder, with a slash).
HOSTILE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{\n\tSERVICE\n\n<{url}>\t{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE#comment\n<{url}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <{base}> SELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
    "BASE <{base}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "BASE <{base}x/> SELECT * WHERE {{ SERVICE <../sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",  # \\u escapes in the IRI
    "SELECT * WHERE {{ SERVICE <{escaped_long}> {{ ?s ?p ?o }} }}",  # \\U escapes
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",  # SPARQL unescapes \\u before parsing
    "SELECT * WHERE {{ SERVIC\\U00000045 <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE \\u003C{url}\\u003E {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ OPTIONAL {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ SERVICE <https://query.wikidata.org/sparql> {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
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


@pytest.fixture
def client(store):
    """The app over the real built graph, with Wikidata (not the listener) allowed."""
    return create_app({"TESTING": True, "federation_allow": ["https://query.wikidata.org/sparql"]},
                      store=store).test_client()


@pytest.mark.parametrize("template", HOSTILE_QUERIES)
@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_a_hostile_query_is_refused_and_nothing_leaves(client, recorder, template, how):
    query = _fill(template, recorder)
    if how == "get":
        response = client.get("/sparql", query_string={"query": query}, headers=JSON)
    elif how == "form":
        response = client.post("/sparql", data={"query": query}, headers=JSON)
    else:
        response = client.post("/sparql", data=query.encode(), headers={**JSON, "Content-Type": "application/sparql-query"})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert set(response.get_json()["error"]) == {"status", "title", "message"}
    assert _settled(recorder) == []


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
def test_dataset_parameters_pointing_elsewhere_are_refused(client, recorder, param, graph):
    iri = _fill(graph, recorder)
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", param: iri},
                          headers=JSON)
    assert response.status_code == 403
    assert "not part of this dataset" in response.get_json()["error"]["message"]
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


def test_the_listener_does_see_an_allowed_service(store, recorder):
    """The positive control: allowed, the same SERVICE reaches the listener."""
    client = create_app({"TESTING": True, "federation_allow": [recorder.url]}, store=store).test_client()
    query = f"SELECT * WHERE {{ SERVICE <{recorder.url}> {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    [request] = _settled(recorder)
    assert request.startswith(b"POST /sparql ")


@pytest.mark.parametrize("template", [t for t in HOSTILE_QUERIES if "file:" not in t and "INSERT" not in t
                                      and "CLEAR" not in t and "LOAD" not in t])
def test_the_hostile_queries_do_name_the_listener(template, recorder):
    """Each hostile query really points at the listener (a typo would make its test vacuous)."""
    from kgraph.errors import QueryError
    from kgraph.federation import analyse

    query = _fill(template, recorder)
    try:
        found = analyse(query)
    except QueryError:
        return  # refused unparsed: the word-based refusal is what is tested above
    named = [*found.services, *(iri for _, iri in found.dataset)]
    assert recorder.url in named or found.variable_services
