"""The result cache (issue 5): keyed by the normalised query, dataset, format and data
version; strong ETags, If-None-Match → 304, Cache-Control; never for volatile queries."""

from __future__ import annotations

import json

import pytest

from kgraph.execution import Answer
from kgraph.sparql_text import is_volatile, query_kind
from kgraph.store import OxigraphStore
from kgraph.web import create_app
from kgraph.web.cache import ResultCache
from kgraph.web.dataset import ServedDataset, open_built, open_files
from kgraph.web.sparql import executor

QUERY = "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s"


@pytest.fixture(scope="module")
def files_app(w3c_fixture):
    # SERVICE to a closed local port is allowed: refused at once, SILENT → no rows.
    app = create_app({"TESTING": True, "THREADS": 1, "FEDERATION_ALLOW": ["http://127.0.0.1:9/sparql"]},
                     files=[w3c_fixture])
    yield app
    executor(app).close()


@pytest.fixture
def app(files_app):
    """The app over the W3C fixture, its cache empty."""
    _cache(files_app).clear()
    return files_app


def _cache(app) -> ResultCache:
    return app.extensions["kgraph.result_cache"]


def test_an_answer_has_a_strong_etag_and_may_be_cached_by_clients(app):
    response = app.test_client().get("/sparql", query_string={"query": QUERY})
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept" in response.headers["Vary"]


def test_if_none_match_is_a_304_without_a_body(app):
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": QUERY})
    again = client.get("/sparql", query_string={"query": QUERY}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
    other = client.get("/sparql", query_string={"query": QUERY}, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_the_same_query_written_otherwise_has_an_entry_of_its_own_and_the_same_etag(app):
    """Keyed by the exact text (no normaliser decides two texts ask the same); the ETag names
    the answer, so the same answer has the same validator."""
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": QUERY})
    assert len(_cache(app)) == 1
    spaced = "SELECT ?s  WHERE {\n  ?s a ?c   # any class\n}\nORDER BY ?s"
    second = client.post("/sparql", data=spaced.encode(), content_type="application/sparql-query")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert len(_cache(app)) == 2 and _cache(app).hits == 0


def test_formats_and_datasets_are_kept_apart(app):
    client = app.test_client()
    json_answer = client.get("/sparql", query_string={"query": QUERY})
    csv_answer = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/csv"})
    assert csv_answer.content_type.startswith("text/csv") and csv_answer.headers["ETag"] != json_answer.headers["ETag"]
    named = client.get("/sparql", query_string={"query": QUERY,
                                                "default-graph-uri": "http://kasei.us/2009/09/sparql/data/data1.rdf"})
    assert named.data != json_answer.data
    assert len(_cache(app)) == 3


def test_a_304_still_comes_after_the_entry_was_evicted(make_app, w3c_fixture):
    client = make_app(files=[w3c_fixture], threads=1, result_cache_mb=0).test_client()  # nothing is kept
    first = client.get("/sparql", query_string={"query": QUERY})
    again = client.get("/sparql", query_string={"query": QUERY}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # the query ran again and gave the same bytes


@pytest.mark.parametrize("query", [
    'SELECT (NOW() AS ?t) WHERE {}',
    'SELECT (RAND() AS ?r) WHERE {}',
    'SELECT (UUID() AS ?u) WHERE {}',
    'SELECT (STRUUID() AS ?u) WHERE {}',
    'SELECT (BNODE() AS ?b) WHERE {}',
    'select ?x where { service silent <http://127.0.0.1:9/sparql> { ?x ?y ?z } }',
])
def test_an_answer_that_is_not_a_function_of_the_data_is_not_cached(app, query):
    response = app.test_client().get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert "ETag" not in response.headers and response.headers["Cache-Control"] == "no-store"
    assert len(_cache(app)) == 0


def test_a_new_version_of_the_data_has_new_etags(make_app, tmp_path):
    """As when the served dataset is rebuilt: the old ETag is not a 304 any more."""
    first_store, second_store = OxigraphStore(), OxigraphStore()
    for store, name in ((first_store, "first"), (second_store, "second")):
        path = tmp_path / f"{name}.nq"
        path.write_text(f'<http://ex/s> <http://ex/name> "{name}" <https://w3id.org/kgraph/graph/asserted> .\n')
        store.load(path)
    app = make_app(store=first_store)
    client = app.test_client()
    query = "SELECT ?n WHERE { ?s <http://ex/name> ?n }"
    old = client.get("/sparql", query_string={"query": query})
    assert b"first" in old.data

    app.extensions["kgraph"] = ServedDataset(second_store)  # what a reload serves after a rebuild
    new = client.get("/sparql", query_string={"query": query}, headers={"If-None-Match": old.headers["ETag"]})
    assert new.status_code == 200 and b"second" in new.data and new.headers["ETag"] != old.headers["ETag"]


def test_the_version_of_user_files_changes_with_their_content(tmp_path):
    path = tmp_path / "data.nt"
    path.write_text('<http://ex/s> <http://ex/p> "one" .\n')
    before = open_files([path]).version
    path.write_text('<http://ex/s> <http://ex/p> "two, longer" .\n')
    assert open_files([path]).version != before


def _build_folder(path, version: str):
    path.mkdir()
    (path / "dataset.nq").write_text('<http://ex/s> <http://ex/p> "o" <https://w3id.org/kgraph/graph/asserted> .\n')
    (path / "manifest.json").write_text(json.dumps({"version": version}))
    return path


def test_a_built_dataset_is_versioned_by_its_build(tmp_path):
    first = open_built(_build_folder(tmp_path / "a", "1111")).version
    assert open_built(tmp_path / "a").version == first
    assert open_built(_build_folder(tmp_path / "b", "2222")).version != first


def test_the_cache_is_bounded_by_its_size():
    cache = ResultCache(megabytes=2 / 1024)  # 2 KiB
    for i in range(10):
        cache.put(("key", i), Answer(b"x" * 700, "json", "solutions", 1, False))
        assert cache.size <= cache.capacity
    assert len(cache) == 2 and cache.get(("key", 9)) is not None and cache.get(("key", 0)) is None
    cache.put(("huge",), Answer(b"x" * 4096, "json", "solutions", 1, False))  # larger than the cache
    assert cache.get(("huge",)) is None and len(cache) == 2


# --- the text of queries ---------------------------------------------------------------------


def test_texts_that_differ_only_in_space_are_two_entries(app):
    """The key is the exact text: no normaliser decides that two texts ask the same."""
    client = app.test_client()
    for query in ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "SELECT  *  WHERE { ?s ?p ?o } LIMIT 1",
                  "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # a comment"):
        assert client.get("/sparql", query_string={"query": query}).status_code == 200
    assert len(_cache(app)) == 3


@pytest.mark.parametrize("query, kind", [
    ("SELECT * {}", "solutions"),
    ("  # a comment\nPREFIX ex: <http://ex/>\nBASE <http://b/>\nprefix : <http://e/> ask {}", "boolean"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "graph"),
    ("PREFIX kg: <https://w3id.org/kgraph/ontology#> describe kg:State", "graph"),
    ("SELEC * {}", None),
    ("INSERT DATA {}", None),
])
def test_the_form_of_a_query_is_read_from_its_text(query, kind):
    assert query_kind(query) == kind


def test_volatile_queries_are_recognised():
    for query in ("SELECT (now() AS ?t) {}", "SELECT * { SERVICE <http://x> {} }", "SELECT (BNODE ( ) AS ?b) {}"):
        assert is_volatile(query)
    assert not is_volatile("SELECT ?service ?random WHERE { ?service <http://ex/now> ?random }")
