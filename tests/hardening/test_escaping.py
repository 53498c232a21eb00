"""Every value shown on an HTML page is escaped: markup in the data stays text.

The hostile fixture (data/hostile.trig) puts ``<script>``, ``"><img onerror=…>``, event
handlers and ``javascript:`` URLs into labels, comments, the ontology's title, shape
names and messages, and an IRI. Each page that shows them is scanned (htmlcheck.py): no
inline script, no event handler, no javascript: link — and the payload is there as text,
so a page that simply left the value out cannot pass.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from htmlcheck import scan

HTML = {"Accept": "text/html"}

# (path, a payload that must be visible as text on that page)
PAGES = [
    ("/id/mischief", "<script>alert(1)</script>"),
    ("/id/mischief", '"><img src=x onerror=alert(2)>'),
    ("/id/other", "</script><script>alert(5)</script>"),
    ("/id/" + quote("quote'onfocus=alert(6)'", safe=""), 'scriptquote <a href="javascript:alert(7)">x</a>'),
    ("/id/event", "<script>alert(8)</script> happened"),
    ("/search?q=script", "<script>alert(1)</script>"),
    ("/search?q=" + quote("<script>alert(9)</script>"), "<script>alert(9)</script>"),  # the query, echoed
    ("/timeline", "<script>alert(8)</script> happened"),
    ("/shapes", "<script>alert('message')</script>"),
    ("/ontology", "<script>alert('title')</script>"),
    ("/ontology", "<svg onload=alert('class')>"),
    ("/ontology/diagram", "kgraph"),
    ("/", "Query the graph"),
    ("/id/" + quote("<script>alert(10)</script>", safe=""), ""),  # a 404 page naming the path
]


@pytest.mark.parametrize("path, payload", PAGES)
def test_hostile_values_stay_text(hostile_app, path, payload):
    response = hostile_app.test_client().get(path, headers=HTML)
    assert response.mimetype == "text/html"
    page = scan(response.get_data(as_text=True))
    assert page.problems == []
    assert payload in page.text


@pytest.mark.parametrize("path", ["/id/mischief", "/search?q=script", "/timeline"])
def test_hostile_values_stay_text_when_served_as_a_users_file(hostile_files_app, path):
    response = hostile_files_app.test_client().get(path, headers=HTML)
    assert response.status_code == 200
    page = scan(response.get_data(as_text=True))
    assert page.problems == []
    assert "<script>alert(" in page.text


@pytest.mark.parametrize("path, params", [
    ("/sparql", {"query": "SELECT * WHERE { <script>alert(11)</script> }"}),  # the parser's message quotes it
    ("/sparql", {"query": "SELECT * WHERE { ?s ?p ?o }", "format": "<script>alert(12)</script>"}),
    ("/rdf-graphs", {"graph": "https://w3id.org/kgraph/<script>alert(13)</script>"}),
    ("/search", {"q": "x", "lang": "\"><script>alert(14)</script>"}),
])
def test_error_and_echo_pages_escape_what_the_request_said(hostile_app, path, params):
    response = hostile_app.test_client().get(path, query_string=params, headers=HTML)
    assert response.status_code < 500
    page = scan(response.get_data(as_text=True))
    assert page.problems == []
    assert "<script>alert(1" not in response.get_data(as_text=True)  # not as markup, in any form
