"""The Wikidata client against the local stand-in: answers, identity, failures, cache."""

from __future__ import annotations

import pytest
from standin import closed_port_url

from kgraph.wikidata.client import (
    USER_AGENT,
    WikidataClient,
    WikidataError,
    WikidataUnreachable,
    client_from_settings,
)


def test_search_returns_the_api_hits(client):
    hits = client.search("Aktau", "en")
    assert [h["id"] for h in hits] == ["Q198989", "Q990000021"]
    assert hits[0]["match"] == {"type": "label", "language": "en", "text": "Aktau"}


def test_an_unknown_search_is_empty(client):
    assert client.search("Nowhere at all", "en") == []


def test_sparql_returns_bindings(client):
    rows = client.sparql("# kgraph: candidate-types\nSELECT * WHERE { VALUES ?item { wd:Q5 wd:Q198989 } }")
    assert {r["item"]["value"] for r in rows} == {"http://www.wikidata.org/entity/Q198989"}


def test_requests_name_the_project_and_a_contact_url(client, standin):
    client.search("Aktau", "en")
    client.sparql("# kgraph: labels\nSELECT * WHERE { VALUES ?item { wd:Q265 } }")
    agents = {r["user_agent"] for r in standin.requests}
    assert agents == {USER_AGENT}
    assert USER_AGENT.startswith("kgraph/") and "https://w3id.org/kgraph/" in USER_AGENT


def test_sparql_goes_by_post(client, standin):
    client.sparql("# kgraph: labels\nSELECT * WHERE { VALUES ?item { wd:Q265 } }")
    assert standin.requests[-1]["method"] == "POST"


@pytest.mark.parametrize("method, setting", [("search", "KGRAPH_WIKIDATA_API_URL"),
                                             ("sparql", "KGRAPH_WIKIDATA_SPARQL_URL")])
def test_offline_is_a_clear_error(method, setting):
    url = closed_port_url("/w/api.php" if method == "search" else "/sparql")
    client = WikidataClient(api_url=url, sparql_url=url, retries=0)
    with pytest.raises(WikidataUnreachable) as caught:
        client.search("Aktau", "en") if method == "search" else client.sparql("SELECT * {}")
    message = str(caught.value)
    assert message.startswith(f"could not reach Wikidata at {url}: ")
    assert "refused" in message.lower()
    assert message.endswith(f"check the network or set {setting}")


def test_a_failing_server_is_retried_then_reported(standin):
    standin.fail_with = 503
    client = WikidataClient(api_url=standin.api_url, sparql_url=standin.sparql_url, retries=2, backoff=0)
    with pytest.raises(WikidataError, match="503"):
        client.search("Aktau", "en")
    assert len(standin.requests) == 3  # the first try and two retries


def test_answers_are_cached_on_disk(standin, tmp_path):
    def make():
        return WikidataClient(api_url=standin.api_url, sparql_url=standin.sparql_url, retries=0,
                              cache_dir=tmp_path / "cache", cache_days=1)

    with make() as first:
        first.search("Aktau", "en")
        first.sparql("# kgraph: labels\nSELECT * WHERE { VALUES ?item { wd:Q265 } }")
    assert len(standin.requests) == 2
    with make() as second:  # a new process would see the same cache
        assert second.search("Aktau", "en")[0]["id"] == "Q198989"
        second.sparql("# kgraph: labels\nSELECT * WHERE { VALUES ?item { wd:Q265 } }")
    assert len(standin.requests) == 2
    assert list((tmp_path / "cache").iterdir())


def test_the_settings_make_the_client(monkeypatch, standin, tmp_path):
    monkeypatch.setenv("KGRAPH_WIKIDATA_API_URL", standin.api_url)
    monkeypatch.setenv("KGRAPH_WIKIDATA_TIMEOUT", "5")
    with client_from_settings() as client:
        assert client.api_url == standin.api_url
        assert client.timeout == 5.0
        assert client.search("Kazinform", "en")[0]["id"] == "Q990000031"
