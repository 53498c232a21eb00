"""Validators that name the representation, and conditional requests as RFC 9110 says (issue 16).

- an ETag is a digest of the data's version, the media type, a page's languages and the
  body: byte-identical Turtle and TriG (N-Triples and N-Quads) answers have two ETags, and a
  Turtle ETag sent with ``Accept: application/trig`` is a 200, never a 304 (§8.8.1);
- /rdf-graphs and /id/… answers carry ETag and Last-Modified, and GET and HEAD revalidate;
- a POST whose If-None-Match matches is a 412, never a 304 (§13.1.2);
- a query body that starts with a byte-order mark is read without it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from werkzeug.http import http_date, parse_date

from kgraph.web.cache import etag

QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
TURTLE, TRIG = "text/turtle", "application/trig"
NTRIPLES, NQUADS = "application/n-triples", "application/n-quads"
DIRECT = {"Content-Type": "application/sparql-query"}


# --- the function -------------------------------------------------------------------------

def test_etag_names_version_format_language_and_body():
    base = etag("v1", b"body", TURTLE)
    assert base.startswith('"') and base.endswith('"') and not base.startswith('W/')
    assert etag("v1", b"body", TURTLE) == base
    assert etag("v1", b"body", "text/turtle; charset=utf-8") == base  # parameters are not the format
    assert len({base, etag("v2", b"body", TURTLE), etag("v1", b"other", TURTLE), etag("v1", b"body", TRIG),
                etag("v1", b"body", TURTLE, "uz,en"), etag("v1", b"body", TURTLE, "en")}) == 6


# --- /sparql --------------------------------------------------------------------------------

@pytest.mark.parametrize("first, second", [(TURTLE, TRIG), (NTRIPLES, NQUADS)])
def test_two_formats_of_one_answer_have_two_etags(w3c_client, first, second):
    one = w3c_client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": first})
    other = w3c_client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": second})
    assert one.status_code == other.status_code == 200
    assert one.mimetype == first and other.mimetype == second
    assert one.headers["ETag"] != other.headers["ETag"]
    # The first's validator with the second's Accept: the second's answer, whole.
    crossed = w3c_client.get("/sparql", query_string={"query": QUERY},
                             headers={"Accept": second, "If-None-Match": one.headers["ETag"]})
    assert crossed.status_code == 200 and crossed.mimetype == second and crossed.data == other.data
    same = w3c_client.get("/sparql", query_string={"query": QUERY},
                          headers={"Accept": first, "If-None-Match": one.headers["ETag"]})
    assert same.status_code == 304


def test_byte_identical_turtle_and_trig_still_differ(make_app, tmp_path):
    """The case of the issue: the same bytes in two formats (a graph with no prefixes)."""
    data = tmp_path / "one.nt"
    data.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    client = make_app(files=[data]).test_client()
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    nt = client.get("/sparql", query_string={"query": query}, headers={"Accept": NTRIPLES})
    nq = client.get("/sparql", query_string={"query": query}, headers={"Accept": NQUADS})
    assert nt.data == nq.data  # byte-identical bodies
    assert nt.headers["ETag"] != nq.headers["ETag"]
    again = client.get("/sparql", query_string={"query": query},
                       headers={"Accept": NQUADS, "If-None-Match": nt.headers["ETag"]})
    assert again.status_code == 200 and again.mimetype == NQUADS


def test_post_with_a_matching_if_none_match_is_412_not_304(w3c_client):
    first = w3c_client.post("/sparql", data=QUERY, headers=DIRECT)
    assert first.status_code == 200 and first.headers["ETag"]
    for tag in (first.headers["ETag"], "*", f'"other", {first.headers["ETag"]}'):
        again = w3c_client.post("/sparql", data=QUERY, headers={**DIRECT, "If-None-Match": tag})
        assert again.status_code == 412, tag
        assert again.get_json()["error"]["status"] == 412
        assert "GET" in again.get_json()["error"]["message"]
    other = w3c_client.post("/sparql", data=QUERY, headers={**DIRECT, "If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.data == first.data


def test_post_form_with_a_matching_if_none_match_is_412(w3c_client):
    first = w3c_client.post("/sparql", data={"query": QUERY})
    again = w3c_client.post("/sparql", data={"query": QUERY}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 412


def test_preconditions_are_ignored_on_errors(w3c_client):
    """RFC 9110 §13.2.1: an answer that would not be a 2xx is not made a 412."""
    response = w3c_client.post("/sparql", data="SELECT nonsense", headers={**DIRECT, "If-None-Match": "*"})
    assert response.status_code == 400


def test_if_match_naming_no_current_representation_is_412(w3c_client):
    first = w3c_client.get("/sparql", query_string={"query": QUERY})
    assert w3c_client.get("/sparql", query_string={"query": QUERY},
                          headers={"If-Match": '"stale"'}).status_code == 412
    assert w3c_client.get("/sparql", query_string={"query": QUERY},
                          headers={"If-Match": first.headers["ETag"]}).status_code == 200


# --- a byte-order mark ----------------------------------------------------------------------

@pytest.mark.parametrize("how", ["direct", "form", "get"])
def test_a_leading_byte_order_mark_is_not_part_of_the_query(w3c_client, how):
    query = "\ufeffASK { ?s ?p ?o }"
    if how == "direct":
        response = w3c_client.post("/sparql", data=query.encode("utf-8"),
                                   headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    elif how == "form":
        response = w3c_client.post("/sparql", data={"query": query})
    else:
        response = w3c_client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["boolean"] is True


def test_a_byte_order_mark_alone_is_an_empty_query(w3c_client):
    response = w3c_client.post("/sparql", data="\ufeff".encode(), headers=DIRECT)
    assert response.status_code == 400 and "empty" in response.get_json()["error"]["message"]


# --- /rdf-graphs ------------------------------------------------------------------------------

GRAPH = {"default": ""}


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_graph_store_answers_revalidate(w3c_client, method):
    first = w3c_client.open("/rdf-graphs", method=method, query_string=GRAPH, headers={"Accept": TURTLE})
    assert first.status_code == 200
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert parse_date(modified) is not None
    again = w3c_client.open("/rdf-graphs", method=method, query_string=GRAPH,
                            headers={"Accept": TURTLE, "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    since = w3c_client.open("/rdf-graphs", method=method, query_string=GRAPH,
                            headers={"Accept": TURTLE, "If-Modified-Since": modified})
    assert since.status_code == 304
    older = w3c_client.open("/rdf-graphs", method=method, query_string=GRAPH,
                            headers={"Accept": TURTLE, "If-Modified-Since": http_date(0)})
    assert older.status_code == 200


def test_graph_store_etag_is_per_format(w3c_client):
    turtle = w3c_client.get("/rdf-graphs", query_string=GRAPH, headers={"Accept": TURTLE})
    trig = w3c_client.get("/rdf-graphs", query_string=GRAPH,
                          headers={"Accept": TRIG, "If-None-Match": turtle.headers["ETag"]})
    assert trig.status_code == 200 and trig.mimetype == TRIG
    assert trig.headers["ETag"] != turtle.headers["ETag"]


def test_graph_store_errors_have_no_validators(w3c_client):
    missing = w3c_client.get("/rdf-graphs", query_string={"graph": "http://example.org/no-such-graph"})
    assert missing.status_code == 404 and "ETag" not in missing.headers


# --- /id/… ------------------------------------------------------------------------------------

@pytest.fixture
def small(make_app, small_store):
    return make_app(store=small_store).test_client()


@pytest.mark.parametrize("accept", ["text/html", TURTLE, "application/ld+json"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_resource_answers_revalidate(small, accept, method):
    first = small.open("/id/kazakhstan", method=method, headers={"Accept": accept})
    assert first.status_code == 200 and first.headers["ETag"]
    again = small.open("/id/kazakhstan", method=method, headers={"Accept": accept,
                                                                 "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
    assert "Accept" in again.headers["Vary"]


def test_a_store_given_as_an_object_has_no_last_modified(small):
    """Nothing says when such a store last changed: an ETag only, no invented date."""
    assert "Last-Modified" not in small.get("/id/kazakhstan", headers={"Accept": TURTLE}).headers


def test_resource_last_modified_is_the_builds_time(make_app, project_layout, built):
    client = make_app(layout=project_layout).test_client()
    path = "/id/kazakhstan"
    response = client.get(path, headers={"Accept": TURTLE})
    assert response.status_code == 200
    assert parse_date(response.headers["Last-Modified"]) == datetime.fromisoformat(built.manifest["built"])
    since = client.get(path, headers={"Accept": TURTLE, "If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304


def test_resource_etags_name_the_format(small):
    turtle = small.get("/id/kazakhstan", headers={"Accept": TURTLE})
    trig = small.get("/id/kazakhstan", headers={"Accept": TRIG, "If-None-Match": turtle.headers["ETag"]})
    assert trig.status_code == 200 and trig.mimetype == TRIG and trig.headers["ETag"] != turtle.headers["ETag"]


def test_page_etags_name_the_language(small):
    english = small.get("/id/ruritania", headers={"Accept": "text/html", "Accept-Language": "en"})
    uzbek = small.get("/id/ruritania", headers={"Accept": "text/html", "Accept-Language": "uz-Cyrl",
                                                "If-None-Match": english.headers["ETag"]})
    assert uzbek.status_code == 200 and "Руритания" in uzbek.get_data(as_text=True)
    assert uzbek.headers["ETag"] != english.headers["ETag"]
    by_param = small.get("/id/ruritania?lang=uz-Cyrl", headers={"Accept": "text/html",
                                                                 "If-None-Match": english.headers["ETag"]})
    assert by_param.status_code == 200


def test_a_missing_resource_has_no_validators(small):
    for accept in ("text/html", TURTLE):
        response = small.get("/id/no-such-thing", headers={"Accept": accept})
        assert response.status_code == 404 and "ETag" not in response.headers
