"""Pages for people and linked data: /id/… (HTML and RDF by conneg), /timeline, /ontology,
/shapes, the diagrams' JSON, the query UI at "/" and its front-end assets.

Most tests use a small fixture graph (tests/data/pages-fixture.trig) for exact answers;
the last ones check the real built graph.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kgraph.examples import example_queries
from kgraph.namespaces import KG, PREFIXES, SCHEMA
from kgraph.web.ui import VENDOR_FILES, with_prologue

KGR = "https://w3id.org/kgraph/id/"
HTML = {"Accept": "text/html"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"}

#: Each RDF format a resource is offered in: (format name, media type, parser format).
RDF_FORMATS = [
    ("turtle", "text/turtle", ox.RdfFormat.TURTLE),
    ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
]


def parse(body: bytes, fmt: ox.RdfFormat) -> Graph:
    """An RDF answer as an rdflib graph (parsed by pyoxigraph, re-read as N-Triples)."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
    return Graph().parse(data=text, format="nt")


@pytest.fixture
def small(make_app, small_store):
    """A client of the app over the fixture graph."""
    return make_app(store=small_store).test_client()


def page(client, path: str, **headers) -> str:
    response = client.get(path, headers={**HTML, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


# --- Resource pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "query", "title"),
    [
        ({}, "", "Kazakhstan"),
        ({"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}, "", "Казахстан"),
        ({"Accept-Language": "kk"}, "", "Қазақстан"),
        ({"Accept-Language": "ru"}, "?lang=uz-Cyrl", "Қозоғистон"),  # ?lang= wins
        ({}, "?lang=uz", "Qozogʻiston"),
        ({}, "?lang=fr", "Kazakhstan"),
    ],
)
def test_label_in_the_readers_language(small, headers, query, title):
    assert h1(page(small, "/id/kazakhstan" + query, **headers)) == title


def test_fallback_chain_reaches_russian_before_english(small):
    # Ruritania has en and ru labels only: an Uzbek (Cyrillic) reader gets the Russian one.
    assert h1(page(small, "/id/ruritania?lang=uz-Cyrl")) == "Руритания"


def test_entity_page_shows_types_links_and_wikidata(small):
    html = page(small, "/id/kazakhstan")
    assert '<a href="/ontology#State"' in html and ">state</a>" in html  # type by label
    assert "inferred" in html  # schema:Country is inferred
    assert 'href="http://www.wikidata.org/entity/Q232"' in html
    assert "Not linked to Wikidata" not in html
    # Incoming: the treaty names Kazakhstan as a party, shown by label with a link.
    assert '<a href="/id/treaty-of-friendship"' in html
    assert ">Treaty of Friendship</a>" in html
    # Every name, and the other spellings.
    assert "Қозоғистон" in html and "uz-Cyrl" in html and "Republic of Kazakhstan" in html


def test_unlinked_entity_says_so(small):
    assert "Not linked to Wikidata" in page(small, "/id/ruritania")


def test_fact_page_shows_sources_and_dates(small):
    html = page(small, "/id/treaty-of-friendship")
    assert "sourced fact" in html
    assert 'href="https://example.org/a?x=1&amp;y=2"' in html  # the source's address
    assert ">SA<" in html and ">Source A</a>" in html
    assert '<time datetime="2022">2022</time>' in html
    # Parties by label, never by raw IRI as link text.
    assert ">Kazakhstan</a>" in html
    assert f">{KGR}kazakhstan</a>" not in html


def test_dates_keep_their_precision(small):
    html = page(small, "/id/term-one")
    assert '<time datetime="2008-12">December 2008</time>' in html
    assert '<time datetime="2011-03-05">5 March 2011</time>' in html
    assert "1 December 2008</time>" not in html  # no day made up


def test_event_without_a_date_shows_its_bounds(small):
    html = page(small, "/id/reopening")
    assert "between 1 November 2022 and 27 January 2025" in html


def test_links_keep_the_readers_language(small):
    html = page(small, "/id/treaty-of-friendship?lang=ru")
    assert '<a href="/id/kazakhstan?lang=ru" lang="ru"' in html
    assert "Договор о дружбе" in h1(html)


def test_labels_are_escaped(small):
    html = page(small, "/id/mischief")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; Co" in html
    assert "<b>bold</b>" not in html
    # Also where it is a link's text on another page, and in the diagram's data.
    html = page(small, "/id/treaty-of-friendship")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_unknown_iri_is_a_404_page(small):
    response = small.get("/id/no-such-thing", headers=BROWSER)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "no-such-thing" in html and "/search?q=no+such+thing" in html


def test_unknown_iri_as_rdf_is_a_404(small):
    response = small.get("/id/no-such-thing", headers={"Accept": "text/turtle"})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/id/a%3E%20%3Fp%20%3Fo%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo",
                                  "/id/with%20space", "/id/quote%22"])
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_iris_that_cannot_be_in_the_graph_are_404_not_sparql(small, path, accept):
    assert small.get(path, headers={"Accept": accept}).status_code == 404
    iri = KGR + "a> ?p ?o } UNION { ?s ?p ?o"
    assert small.get("/diagram.json", query_string={"iri": iri}).status_code == 404


def test_a_browser_gets_html(small):
    response = small.get("/id/kazakhstan", headers=BROWSER)
    assert response.mimetype == "text/html"
    assert small.get("/id/kazakhstan").mimetype == "text/html"  # no Accept at all


# --- RDF by content negotiation ----------------------------------------------------------


@pytest.mark.parametrize(("name", "media_type", "parser"), RDF_FORMATS)
def test_resource_as_rdf(small, name, media_type, parser):
    response = small.get("/id/kazakhstan", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    graph = parse(response.get_data(), parser)
    kz = URIRef(KGR + "kazakhstan")
    assert (kz, RDF.type, URIRef(str(KG.State))) in graph  # asserted, outgoing
    assert (kz, RDF.type, URIRef(str(SCHEMA.Country))) in graph  # inferred
    assert (URIRef(KGR + "treaty-of-friendship"), URIRef(str(KG.party)), kz) in graph  # incoming
    assert (kz, RDFS.label, Literal("Қазақстан", lang="kk")) in graph
    # The same through ?format=.
    again = small.get(f"/id/kazakhstan?format={name}")
    assert again.mimetype == media_type


def test_link_headers_name_the_alternates(small):
    response = small.get("/id/kazakhstan", headers=HTML)
    link = response.headers["Link"]
    for name, media_type, _ in RDF_FORMATS:
        assert f'</id/kazakhstan?format={name}>; rel="alternate"; type="{media_type}"' in link
    assert "Accept" in response.headers["Vary"]


def test_unacceptable_is_406(small):
    response = small.get("/id/kazakhstan", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_base_url_maps_links_to_the_served_host(make_app, small_store):
    client = make_app(store=small_store, base_url="https://kg.example.org/").test_client()
    html = page(client, "/id/treaty-of-friendship")
    assert 'href="https://kg.example.org/id/kazakhstan"' in html
    link = client.get("/id/kazakhstan", headers={"Accept": "text/turtle"}).headers["Link"]
    assert "<https://kg.example.org/id/kazakhstan?format=turtle>" in link
    # The data keeps its own IRIs.
    body = client.get("/id/kazakhstan", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    assert f"<{KGR}kazakhstan>" in body


# --- Diagrams -----------------------------------------------------------------------------


def test_neighbourhood_json(small):
    response = small.get("/diagram.json", query_string={"iri": KGR + "treaty-of-friendship"})
    assert response.status_code == 200
    elements = response.get_json()["elements"]
    nodes = {n["data"]["id"]: n["data"] for n in elements["nodes"]}
    assert nodes[KGR + "treaty-of-friendship"]["kind"] == "focus"
    assert nodes[KGR + "kazakhstan"]["label"] == "Kazakhstan"
    assert nodes[KGR + "kazakhstan"]["href"] == "/id/kazakhstan"
    edges = {(e["data"]["source"], e["data"]["label"], e["data"]["target"]) for e in elements["edges"]}
    assert (KGR + "treaty-of-friendship", "party", KGR + "kazakhstan") in edges
    assert (KGR + "treaty-of-friendship", "prov:wasDerivedFrom", KGR + "source-a") in edges


def test_neighbourhood_json_errors(small):
    assert small.get("/diagram.json").status_code == 400
    assert small.get("/diagram.json", query_string={"iri": KGR + "nothing"}).status_code == 404


def test_entity_page_carries_its_diagram_safely(small):
    html = page(small, "/id/treaty-of-friendship")
    match = re.search(r'<script type="application/json" id="neighbourhood-data">(.*?)</script>', html, re.S)
    data = json.loads(match.group(1))
    labels = {n["data"]["label"] for n in data["elements"]["nodes"]}
    assert "<script>alert('pwned')</script> & Co" in labels  # the data is intact …
    assert "<script>alert" not in match.group(1)  # … and cannot close the script element
    assert "cytoscape.min.js" in html


def test_ontology_diagram_json(small):
    elements = small.get("/ontology/diagram.json").get_json()["elements"]
    nodes = {n["data"]["id"]: n["data"] for n in elements["nodes"]}
    assert nodes[str(KG.State)]["kind"] == "class"
    assert nodes[str(KG.State)]["href"] == "/ontology#State"
    assert nodes["http://www.w3.org/2001/XMLSchema#date"]["kind"] == "datatype"
    edges = {(e["data"]["source"], e["data"]["predicate"], e["data"]["target"]) for e in elements["edges"]}
    assert (str(KG.Event), "http://www.w3.org/2000/01/rdf-schema#subClassOf", str(KG.Fact)) in edges
    assert (str(KG.Treaty), str(KG.party), str(KG.State)) in edges
    # A union domain gives an edge from each member.
    assert (str(KG.Settlement), str(KG.locatedIn), str(KG.State)) in edges
    assert (str(KG.State), str(KG.locatedIn), str(KG.State)) in edges


def test_ontology_diagram_page(small):
    html = page(small, "/ontology/diagram")
    assert 'id="ontology-data"' in html and "cytoscape.min.js" in html


# --- Timeline ----------------------------------------------------------------------------


def test_timeline_page(small):
    html = page(small, "/timeline")
    order = [html.index(name) for name in
             ("Independence", "First term", "Treaty of Friendship", "Reopening of the post")]
    assert order == sorted(order)
    assert '<time datetime="1991-01-01">1991</time>' in html
    assert ">December 2008</time>" in html
    assert '<a href="/id/treaty-of-friendship" lang="en">Treaty of Friendship</a>' in html


def test_timeline_json(small):
    entries = small.get("/timeline", headers={"Accept": "application/json"}).get_json()["entries"]
    assert [(e["iri"].removeprefix(KGR), e["role"], e["when"]) for e in entries][:3] == [
        ("independence", "date", "1991"),
        ("term-one", "start", "December 2008"),
        ("term-one", "end", "5 March 2011"),
    ]


# --- Ontology and shapes ------------------------------------------------------------------


def test_ontology_html_is_pylode_with_local_name_anchors(small):
    html = page(small, "/ontology")
    assert "kgraph test ontology" in html
    assert 'id="State"' in html and 'id="party"' in html
    assert 'href="/shapes"' in html


def test_ontology_is_made_once_per_app(make_app, small_store):
    app = make_app(store=small_store)
    client = app.test_client()
    first = client.get("/ontology", headers=HTML).get_data()
    assert app.extensions["kgraph"].cache["pages"]["ontology_html"]
    assert client.get("/ontology", headers=HTML).get_data() == first


@pytest.mark.parametrize(("name", "media_type", "parser"), RDF_FORMATS)
def test_ontology_as_rdf(small, name, media_type, parser):
    response = small.get("/ontology", headers={"Accept": media_type})
    assert response.mimetype == media_type
    graph = parse(response.get_data(), parser)
    assert (URIRef("https://w3id.org/kgraph/ontology"), RDF.type, OWL.Ontology) in graph


def test_shapes_page(small):
    html = page(small, "/shapes")
    assert "states" in html and "state label" in html
    assert "sh:targetClass kg:State" in html
    assert "sh:minCount 1" in html
    assert "( &#34;en&#34; &#34;ru&#34; )" in html or '( "en" "ru" )' in html
    assert "A state needs an rdfs:label; add one." in html


def test_shapes_as_turtle(small):
    response = small.get("/shapes", headers={"Accept": "text/turtle"})
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert len(graph) > 5


# --- The query UI and its assets -------------------------------------------------------


def _config(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="yasgui-config">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_index_offers_the_example_queries_as_tabs(small):
    html = page(small, "/")
    config = _config(html)
    examples = example_queries()
    assert [t["name"] for t in config["tabs"]] == [q.title for q in examples]
    assert config["endpoint"] == "/sparql"  # relative: never from the request's Host header
    assert config["prefixes"] == PREFIXES
    assert all(f"PREFIX {p}: <{iri}>" in config["newTab"] for p, iri in PREFIXES.items())
    assert "yasgui.min.js" in html and "yasgui.min.css" in html
    assert 'action="/search"' in html


def test_example_tabs_declare_the_prefixes_they_use():
    sparql = "# title: t\n# description: d\nSELECT * WHERE { ?s a kg:State ; rdfs:label ?l }\n"
    text = with_prologue(sparql)
    assert text.startswith("# title: t\n# description: d\nPREFIX kg: <")
    assert f"PREFIX rdfs: <{PREFIXES['rdfs']}>" in text
    assert "PREFIX owl:" not in text
    # Prefixes the query declares itself are left alone.
    assert with_prologue("PREFIX kg: <x#>\nASK { ?s a kg:X }").count("PREFIX kg:") == 1


def test_every_example_parses_with_its_prologue(small_store):
    for example in example_queries():
        small_store.query(with_prologue(example.sparql))  # raises on a syntax error


def test_vendor_assets_are_served(make_app, small_store, tmp_path):
    for relative in VENDOR_FILES.values():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("/* asset */")
    client = make_app(store=small_store, NODE_MODULES=str(tmp_path)).test_client()
    response = client.get("/static/vendor/yasgui/yasgui.min.js")
    assert response.status_code == 200 and response.get_data(as_text=True) == "/* asset */"
    assert client.get("/static/vendor/cytoscape/cytoscape.min.js").status_code == 200
    assert "npm ci" not in page(client, "/")


def test_only_known_assets_are_served(make_app, small_store, tmp_path):
    (tmp_path / "secret.js").write_text("no")
    client = make_app(store=small_store, NODE_MODULES=str(tmp_path)).test_client()
    assert client.get("/static/vendor/secret.js").status_code == 404
    assert client.get("/static/vendor/../package.json").status_code == 404


def test_missing_assets_say_to_run_npm_ci(make_app, small_store, tmp_path):
    client = make_app(store=small_store, NODE_MODULES=str(tmp_path)).test_client()
    response = client.get("/static/vendor/yasgui/yasgui.min.js")
    assert response.status_code == 503
    assert "npm ci" in response.get_data(as_text=True)
    assert "npm ci" in page(client, "/")


def test_installed_assets_are_found():
    """The project's own set-up (npm ci) installed what the app serves."""
    root = Path(__file__).resolve().parents[2]
    for relative in VENDOR_FILES.values():
        if not relative.endswith(".map"):
            assert (root / "node_modules" / relative).is_file(), f"run `npm ci`: {relative} is missing"


# --- The real graph ------------------------------------------------------------------------


def test_real_entity_page(client):
    html = page(client, "/id/uzbekistan", **{"Accept-Language": "ru"})
    assert h1(html) == "Узбекистан"
    assert 'href="http://www.wikidata.org/entity/Q265"' in html


def test_real_term_of_office(client):
    html = page(client, "/id/term-ambassador-uz-kz-3")
    assert ">December 2008</time>" in html
    assert "S2" in html and "wikipedia.org" in html  # its source, with the address


def test_every_resource_of_the_graph_resolves(store, client):
    sparql = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{KGR}')) }}"
    iris = sorted(row["s"].value for row in store.query(sparql).raw)
    assert len(iris) > 50
    for iri in iris:
        response = client.get("/id/" + iri.removeprefix(KGR), headers=HTML)
        assert response.status_code == 200, iri
        html = response.get_data(as_text=True)
        assert "Not linked to Wikidata" in html or "wikidata.org/entity/Q" in html, iri


def test_real_ontology_and_shapes(client):
    html = page(client, "/ontology")
    for term in ("State", "TermOfOffice", "wikidataItem", "Fact"):
        assert f'id="{term}"' in html
    assert "kgsh:" in page(client, "/shapes") or "sh:targetClass" in page(client, "/shapes")
