"""Entity search (kgraph.search and /search): any language, either script, any apostrophe."""

from __future__ import annotations


import pytest

from kgraph.search import SearchIndex, match_keys, normalize

KGR = "https://w3id.org/kgraph/id/"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def index(small_store) -> SearchIndex:
    return SearchIndex.from_store(small_store)


@pytest.mark.parametrize("apostrophe", ["ʻ", "'", "‘", "’", "`", "„", "‟", "ʼ", ""])
def test_every_apostrophe_is_the_same(apostrophe):
    assert match_keys(f"Qozog{apostrophe}iston") == match_keys("Qozogʻiston")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("QOZOGʻISTON", "qozogiston"),  # case
        ("Café Zürich", "cafe zurich"),  # diacritics
        ("Uzbekistan–Kazakhstan relations", "uzbekistan kazakhstan relations"),  # punctuation
        ("Актау", "aktau"),  # Russian → Latin
        ("Қозоғистон", "qozogiston"),  # Uzbek Cyrillic → Uzbek Latin
        ("Казахстан", "kazakhstan"),  # Russian → the English spelling
        ("Ақтау", "aqtau"),  # Kazakh
    ],
)
def test_match_keys(text, key):
    assert key in match_keys(text)


def test_cyrillic_keeps_its_own_key():
    assert normalize("Актау") in match_keys("Актау")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Qozogʻiston", "kazakhstan"),
        ("qozog'iston", "kazakhstan"),
        ("Qozog‘iston", "kazakhstan"),
        ("QOZOGISTON", "kazakhstan"),
        ("Қозоғистон", "kazakhstan"),  # Cyrillic finds Cyrillic
        ("казахстан", "kazakhstan"),
        ("Kazakh", "kazakhstan"),  # a prefix
        ("republic", "kazakhstan"),  # an altLabel word
        ("Актау", "aktau"),  # Cyrillic finds the Latin-labelled entity too
        ("aktau", "aktau"),
        ("Oqtov", "aktau"),
        ("Ақтау", "aktau"),
        ("Ruritaniya", "ruritania"),  # Latin finds a Cyrillic label by transliteration
        ("Atlantis", None),
        ("friendship", "treaty-of-friendship"),
        ("дружбе", "treaty-of-friendship"),
    ],
)
def test_index_finds(index, query, found):
    hits = index.search(query)
    if found is None:
        assert hits == []
    else:
        assert hits and hits[0].iri == KGR + found


def test_exact_match_ranks_first(index):
    hits = index.search("Kazakhstan")
    assert hits[0].iri == KGR + "kazakhstan"
    assert hits[0].score >= 100


def test_one_hit_per_entity(index):
    iris = [h.iri for h in index.search("a")]
    assert len(iris) == len(set(iris))


def test_empty_query(index):
    assert index.search("") == []
    assert index.search(" ' ʻ ") == []


def test_search_json(make_app, small_store):
    client = make_app(store=small_store).test_client()
    response = client.get("/search", query_string={"q": "Актау"}, headers=JSON)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["query"] == "Актау"
    first = data["results"][0]
    assert first["iri"] == KGR + "aktau"
    assert first["href"] == "/id/aktau"
    assert first["label"] == "Aktau"  # in the reader's language (none asked: English)
    assert first["matched"] == "Актау" and first["matchedLang"] == "ru"
    assert first["types"] == ["settlement"]
    assert "Accept" in response.headers["Vary"]


def test_search_json_in_the_readers_language(make_app, small_store):
    client = make_app(store=small_store).test_client()
    data = client.get("/search?q=aktau&lang=kk&format=json").get_json()
    assert data["results"][0]["label"] == "Ақтау"
    assert data["results"][0]["lang"] == "kk"
    assert data["results"][0]["href"] == "/id/aktau?lang=kk"


def test_search_html(make_app, small_store):
    client = make_app(store=small_store).test_client()
    response = client.get("/search?q=Qozog%CA%BBiston", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<a href="/id/kazakhstan"' in html
    assert 'value="Qozogʻiston"' in html  # the box keeps the query


def test_search_results_are_escaped(make_app, small_store):
    client = make_app(store=small_store).test_client()
    html = client.get("/search?q=script", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; Co" in html
    html = client.get("/search?q=<b>bold", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<b>bold</b>" not in html


def test_search_nothing_found_and_empty(make_app, small_store):
    client = make_app(store=small_store).test_client()
    assert client.get("/search?q=zzzz", headers=JSON).get_json()["results"] == []
    assert client.get("/search", headers=JSON).get_json()["results"] == []
    assert "Nothing found" in client.get("/search?q=zzzz").get_data(as_text=True)


def test_search_bad_limit(make_app, small_store):
    client = make_app(store=small_store).test_client()
    response = client.get("/search?q=a&limit=many", headers=JSON)
    assert response.status_code == 400
    assert "limit" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Актау", "aktau"),
        ("Qozogʻiston", "kazakhstan"),
        ("Qozog'iston", "kazakhstan"),
        ("Қазақстан", "kazakhstan"),
        ("Oʻzbekiston", "uzbekistan"),
        ("Ўзбекистон", "uzbekistan"),
        ("Nazarbayev", "nursultan-nazarbayev"),
        ("Назарбаев", "nursultan-nazarbayev"),
        ("Qoplonbek", "navoiy-qoplonbek"),
    ],
)
def test_real_graph_search(client, query, found):
    results = client.get("/search", query_string={"q": query}, headers=JSON).get_json()["results"]
    assert KGR + found in [r["iri"] for r in results[:3]], results[:3]
