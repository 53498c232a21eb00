"""Errors tell the client what was wrong, never the server's internals.

No traceback, file path or version in any error: werkzeug's own error pages are replaced
by the project's shape (JSON, HTML or text per Accept), a server fault is a bare 500 (the
traceback goes to the log), and requests naming local files get a refusal, not the file.
"""

from __future__ import annotations

import json
import logging

import pytest
from fuzzing import assert_no_leak

from kgraph.web import create_app

ACCEPTS = {"application/json": "application/json", "text/html": "text/html", "text/plain": "text/plain",
           "*/*": "application/json", "image/png": "application/json"}


def assert_error_shape(response, status: int, accept: str) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == ACCEPTS[accept]
    if response.mimetype == "application/json":
        assert json.loads(text)["error"]["status"] == status
    elif response.mimetype == "text/html":
        assert f"<h1>{status} " in text and "<pre>" in text
    else:
        assert text.startswith(f"{status} ")
    assert_no_leak(text)
    return text


@pytest.fixture(scope="module")
def app(hostile_app):
    return hostile_app


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("method, path, body, status", [
    ("GET", "/no/such/page", None, 404),
    ("PUT", "/sparql", b"x", 405),
    ("DELETE", "/rdf-graphs", None, 405),
    ("POST", "/sparql", b"query=" + b"x" * (1024 * 1024 + 1), 413),
    ("GET", "/static/../../pyproject.toml", None, 404),
    ("GET", "/download/..%2f..%2fpyproject.toml", None, 404),
])
def test_werkzeug_errors_come_in_the_projects_shape(app, accept, method, path, body, status):
    headers = {"Accept": accept}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    text = assert_error_shape(app.test_client().open(path, method=method, data=body, headers=headers), status, accept)
    assert "Werkzeug" not in text and "werkzeug" not in text


@pytest.mark.parametrize("path", ["/static/vendor/../../../../etc/passwd", "/static/vendor/..%2f..%2fpackage.json",
                                  "/static/%2e%2e/%2e%2e/pyproject.toml", "/id/..%2f..%2fetc%2fpasswd"])
def test_paths_climbing_out_of_a_folder_find_nothing(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "root:" not in text and "[project]" not in text and '"dependencies"' not in text
    assert_no_leak(text)


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_server_fault_is_a_bare_500_and_the_traceback_is_logged(hostile_store, accept, caplog):
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False}, store=hostile_store)

    def broken():
        raise RuntimeError(f"internal detail at {__file__}")

    app.add_url_rule("/broken", view_func=broken)
    with caplog.at_level(logging.ERROR):
        text = assert_error_shape(app.test_client().get("/broken", headers={"Accept": accept}), 500, accept)
    assert "internal detail" not in text and "RuntimeError" not in text
    assert "internal detail" in caplog.text  # for the operator, in the log


@pytest.mark.parametrize("query, status", [
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 200),  # an empty graph, never a file read
    ("SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", 403),
    ("SELECT * WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } }", 200),  # a name, never a file read
    ("DESCRIBE <file:///etc/passwd>", 200),
    ("SELECT * WHERE { BIND(IRI('file:///etc/passwd') AS ?x) }", 200),
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?", 400),  # a syntax error: the parser's message only
    ("SELECT (<file:///etc/passwd>(1) AS ?x) WHERE {}", 422),  # valid, but no such function here
])
@pytest.mark.parametrize("served_as", ["hostile_app", "hostile_files_app"])  # a build's store; user files
def test_a_query_naming_a_local_file_never_reads_it(request, served_as, query, status):
    app = request.getfixturevalue(served_as)
    response = app.test_client().get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert "root:" not in text  # the first field of /etc/passwd
    assert_no_leak(text)


def test_the_graph_store_does_not_read_a_local_file(app):
    response = app.test_client().get("/rdf-graphs", query_string={"graph": "file:///etc/passwd"},
                                     headers={"Accept": "text/turtle, application/json;q=0.5"})
    assert response.status_code in (400, 403, 404)
    assert "root:" not in response.get_data(as_text=True)
