"""JSON-LD answers are compacted with the project's own context (as /context.jsonld and the
exports are), embedded so no client has to fetch it, and say the same as the Turtle answer."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kgraph.jsonld_context import context_document

CONSTRUCT = ("CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/kgraph/id/aktau> AS ?s) ?s ?p ?o }")


@pytest.mark.parametrize("path, params", [
    ("/id/aktau", {}),
    ("/sparql", {"query": CONSTRUCT}),
    ("/void", {}),
])
def test_json_ld_answers_use_the_project_context(client, path, params):
    jsonld = client.get(path, query_string={**params, "format": "jsonld"})
    turtle = client.get(path, query_string={**params, "format": "turtle"})
    assert jsonld.status_code == turtle.status_code == 200
    document = json.loads(jsonld.data)
    assert document["@context"] == context_document()["@context"]
    as_jsonld = Graph().parse(data=jsonld.data, format="json-ld")
    as_turtle = Graph().parse(data=turtle.data, format="turtle")
    assert len(as_jsonld) > 0
    assert isomorphic(as_jsonld, as_turtle)
