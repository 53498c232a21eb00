"""Links on pages only for http(s) IRIs (issue 17).

An IRI in the data may have any scheme: ``javascript:alert(1)`` and
``data:text/html,<script>…`` are valid IRIs. A page used to make every IRI outside the
graph's base a live link to itself, so one click ran the script (only the CSP stopped it).
Now an IRI of another scheme is shown as text (its label, the IRI as the title), on
resource pages, the search and timeline pages, as a source's URL and in the diagram data.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
from htmlcheck import scan

from kgraph.store import OxigraphStore
from kgraph.web import create_app
from kgraph.web.ui import linkable

HTML = {"Accept": "text/html"}
UNSAFE_IRIS = [
    "javascript:alert(1)",
    "JavaScript:alert(2)",
    "data:text/html,<script>alert(3)</script>",
    "vbscript:msgbox(4)",
    "file:///etc/passwd",
]

DATA = """
@prefix kg:     <https://w3id.org/kgraph/ontology#> .
@prefix kgr:    <https://w3id.org/kgraph/id/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .

<https://w3id.org/kgraph/graph/ontology> {
    kg:State rdfs:label "state"@en .
    kg:relatedTo rdfs:label "related to"@en .
}
<https://w3id.org/kgraph/graph/asserted> {
    kgr:trap a kg:State ;
        rdfs:label "trap"@en ;
        kg:relatedTo <javascript:alert(1)>, <JavaScript:alert(2)>, <data:text/html;base64,PHNjcmlwdD5hbGVydCgzKTwvc2NyaXB0Pg==>,
                     <vbscript:msgbox(4)>, <file:///etc/passwd>,
                     <http://example.org/plain>, <https://example.org/secure> ;
        prov:wasDerivedFrom kgr:bad-source .
    kgr:bad-source rdfs:label "a source"@en ;
        schema:url "javascript:alert(5)"^^xsd:anyURI .
    <javascript:alert(1)> a kg:Fact ; rdfs:label "trapdoor one"@en ;
        kg:date "2020"^^xsd:gYear ; kg:dateEarliest "2020-01-01"^^xsd:date ;
        kg:dateLatest "2020-12-31"^^xsd:date .
    <data:text/html;base64,PHNjcmlwdD5hbGVydCgzKTwvc2NyaXB0Pg==> rdfs:label "trapdoor three"@en .
}
"""


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction") and value is not None:
                self.hrefs.append(value)


def hrefs(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def assert_no_unsafe_link(html: str) -> None:
    for href in hrefs(html):
        scheme = re.match(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):", href)
        assert scheme is None or scheme.group(1).lower() in ("http", "https"), href
    assert scan(html).problems == []


@pytest.fixture(scope="module")
def trap_client(tmp_path_factory):
    path = tmp_path_factory.mktemp("links") / "trap.trig"
    path.write_text(DATA, encoding="utf-8")
    store = OxigraphStore()
    store.load(path, fmt=ox.RdfFormat.TRIG)
    return create_app({"TESTING": True}, store=store).test_client()


@pytest.mark.parametrize("iri", UNSAFE_IRIS)
def test_other_schemes_are_not_linkable(iri):
    assert linkable(iri) is None


@pytest.mark.parametrize("href", ["https://example.org/x", "http://example.org/", "HTTPS://EXAMPLE.ORG/",
                                  "/id/x", "/id/x?lang=uz-Cyrl", "?format=turtle", "#fragment"])
def test_http_and_relative_links_are_linkable(href):
    assert linkable(href) == href


@pytest.mark.parametrize("href", ["java\tscript:alert(1)", " javascript:alert(1)", "java\nscript:x",
                                  "\x00javascript:x", "/\\evil.example", ""])
def test_what_browsers_read_through_is_not_linkable(href):
    assert linkable(href) is None


def test_resource_page_links_only_http_iris(trap_client):
    response = trap_client.get("/id/trap", headers=HTML)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_unsafe_link(html)
    links = hrefs(html)
    assert "http://example.org/plain" in links and "https://example.org/secure" in links
    assert "trapdoor one" in html  # shown, as text
    assert 'title="javascript:alert(1)"' in html  # the IRI is still there to read
    assert "javascript:alert(5)" in html  # the source's URL, as text


def test_search_and_timeline_link_only_http_iris(trap_client):
    search = trap_client.get("/search?q=trapdoor", headers=HTML).get_data(as_text=True)
    assert "trapdoor one" in search and "trapdoor three" in search
    assert_no_unsafe_link(search)
    timeline = trap_client.get("/timeline", headers=HTML).get_data(as_text=True)
    assert "trapdoor one" in timeline
    assert_no_unsafe_link(timeline)


def test_diagram_data_on_the_page_has_no_unsafe_href(trap_client):
    html = trap_client.get("/id/trap", headers=HTML).get_data(as_text=True)
    for block in re.findall(r'<script type="application/json" id="[^"]*-data">(.*?)</script>', html, re.S):
        for node in json.loads(block).get("elements", {}).get("nodes", []):
            assert node["data"].get("href") is None or linkable(node["data"]["href"]), node
