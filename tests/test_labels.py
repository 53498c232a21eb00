"""Labels in the reader's language: the fallback chain, the choice among literals, names
for unlabelled IRIs (kgraph.labels)."""

from __future__ import annotations


import pyoxigraph as ox
import pytest

from kgraph.labels import Labeller, best_literal, display_tag, language_chain, prefixed_name

KGR = "https://w3id.org/kgraph/id/"


@pytest.mark.parametrize(
    ("requested", "default", "chain"),
    [
        (["uz-Cyrl"], "en", ("uz-cyrl", "uz", "ru", "en")),
        (["uz"], "en", ("uz", "ru", "en")),
        (["kk-KZ"], "en", ("kk-kz", "kk", "ru", "en")),
        (["en-GB", "ru"], "en", ("en-gb", "en", "ru")),
        (["fr"], "en", ("fr", "en")),
        (["fr"], "ru", ("fr", "ru", "en")),
        ([], "en", ("en",)),
        (["*"], "en", ("en",)),
    ],
)
def test_language_chain(requested, default, chain):
    assert language_chain(requested, default) == chain


def _lit(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        (("uz-cyrl", "uz", "ru", "en"), "Ўзбекистон"),
        (("uz", "ru", "en"), "Oʻzbekiston"),
        (("kk", "ru", "en"), "Узбекистан"),  # no kk label: Russian next
        (("fr", "en"), "Uzbekistan"),
        (("de",), "plain"),  # nothing asked for: the plain literal, then any
    ],
)
def test_best_literal_follows_the_chain(chain, expected):
    literals = [_lit("Uzbekistan", "en"), _lit("Oʻzbekiston", "uz"), _lit("Ўзбекистон", "uz-cyrl"),
                _lit("Узбекистан", "ru"), _lit("plain")]
    assert best_literal(literals, chain).value == expected


def test_best_literal_falls_back_to_any_language():
    assert best_literal([_lit("Ақтау", "kk")], ("en",)).value == "Ақтау"
    assert best_literal([], ("en",)) is None


@pytest.mark.parametrize(
    ("tag", "shown"),
    [("uz-cyrl", "uz-Cyrl"), ("en-gb", "en-GB"), ("EN", "en"), (None, ""), ("zh-hant-tw", "zh-Hant-TW")],
)
def test_display_tag(tag, shown):
    assert display_tag(tag) == shown


def test_prefixed_name():
    assert prefixed_name("http://www.w3.org/ns/prov#wasDerivedFrom") == "prov:wasDerivedFrom"
    assert prefixed_name("https://w3id.org/kgraph/ontology#State") == "kg:State"
    assert prefixed_name("https://example.org/x") == "https://example.org/x"


@pytest.mark.parametrize(
    ("chain", "iri", "text", "lang"),
    [
        (("ru", "en"), KGR + "kazakhstan", "Казахстан", "ru"),
        (("uz-cyrl", "uz", "ru", "en"), KGR + "kazakhstan", "Қозоғистон", "uz-cyrl"),
        (("uz-cyrl", "uz", "ru", "en"), KGR + "ruritania", "Руритания", "ru"),
        (("kk", "ru", "en"), KGR + "aktau", "Ақтау", "kk"),
        (("en",), KGR + "aktau", "Aktau", "en"),
        # Ontology terms are labelled from the ontology graph.
        (("ru", "en"), "https://w3id.org/kgraph/ontology#party", "сторона", "ru"),
        # No label anywhere: the prefixed name, never a bare IRI.
        (("en",), "http://www.w3.org/ns/prov#wasDerivedFrom", "prov:wasDerivedFrom", None),
    ],
)
def test_labeller(small_store, chain, iri, text, lang):
    label = Labeller(small_store, chain).label(iri)
    assert (label.text, label.lang) == (text, lang)


def test_labeller_lists_every_language_once(small_store):
    names = Labeller(small_store, ("en",)).all_labels(KGR + "kazakhstan")
    assert [n.lang for n in names] == ["en", "kk", "ru", "uz", "uz-cyrl"]
