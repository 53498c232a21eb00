"""Every response carries the security headers: pages, data, files, errors and refusals."""

from __future__ import annotations

import pytest

from kgraph.web.security import HEADERS


@pytest.mark.parametrize("method, path, accept", [
    ("GET", "/", "text/html"),
    ("GET", "/id/mischief", "text/html"),
    ("GET", "/id/mischief", "text/turtle"),
    ("GET", "/sparql?query=ASK{}", "application/json"),
    ("GET", "/sparql?query=ASK{", "text/html"),  # a 400
    ("GET", "/sparql?update=CLEAR%20ALL", "application/json"),  # a 403
    ("GET", "/no/such/page", "text/html"),  # a 404
    ("PUT", "/sparql", "*/*"),  # a 405
    ("GET", "/static/kgraph.css", "text/css"),
    ("GET", "/ontology", "text/html"),
    ("GET", "/.well-known/void", "text/turtle"),
])
def test_every_response_carries_the_security_headers(hostile_app, method, path, accept):
    response = hostile_app.test_client().open(path, method=method, headers={"Accept": accept})
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


def test_the_policy_allows_no_inline_or_foreign_script():
    policy = dict(directive.split(" ", 1) for directive in HEADERS["Content-Security-Policy"].split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'"
    assert policy["connect-src"] == "'self'"  # the UI queries this server only
