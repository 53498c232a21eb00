"""The competency questions: every shipped example query, run on the real build, with its
exact expected answer. Together they cover every fact F1–F28 of the fact inventory.

An answer here was checked by hand against ../shared/source/FACTS.md; when the data
changes on purpose, update the expectation in the same commit.
"""

from __future__ import annotations

import pytest

from kgraph.examples import example_queries
from kgraph.namespaces import PREFIXES
from kgraph.query import term_text

OFFLINE_EXAMPLES = [q for q in example_queries() if q.network is None]
ALL_FACTS = {f"F{n}" for n in range(1, 29)}

EXPECTED: dict[str, list[tuple[str, ...]]] = {
    '01-ambassador-on-a-day': [
        ('1995-06-01', 'kgr:nosir-yoqubov', 'Nosir Yoqubov@en'),
        ('2005-06-01', 'kgr:turdiqul-butayarov', 'Turdiqul Suvanovich Butayarov@en'),
        ('2010-06-01', 'kgr:farrux-tursunov', 'Farrux Islamdjanovich Tursunov@en'),
        ('2012-06-01', '', ''),
        ('2014-01-01', 'kgr:alisher-salahitdinov', 'Alisher Alahitdinovich Salahitdinov@en'),
        ('2017-01-01', 'kgr:ikrom-nazarov', 'Ikrom Oʻktamovich Nazarov@en'),
        ('2020-01-01', 'kgr:saidikram-niyazxodjaev', 'Saidikram Parhatovich Niyazxodjaev@en'),
    ],
    '02-ambassadors-in-order': [
        ('1', 'Nosir Yoqubov@en', '1993', '2000'),
        ('2', 'Turdiqul Suvanovich Butayarov@en', '2000-04-17', '2008'),
        ('3', 'Farrux Islamdjanovich Tursunov@en', '2008-12', '2011-12'),
        ('4', 'Alisher Alahitdinovich Salahitdinov@en', '2012-11', '2015-12'),
        ('5', 'Ikrom Oʻktamovich Nazarov@en', '2016-01-06', '2018-02-10'),
        ('6', 'Saidikram Parhatovich Niyazxodjaev@en', '2018-03-12', ''),
    ],
    '03-ambassador-in-post-now': [
        ('Saidikram Parhatovich Niyazxodjaev@en', '2018-03-12'),
    ],
    '04-trade-growth': [
        ('4000000000', '5000000000', 'USD', '25'),
    ],
    '05-trade-target': [
        ('10000000000', 'USD', 'long term@en'),
    ],
    '06-treaties-of-2022': [
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-cultural-and-humanitarian-ties', 'cultural and humanitarian ties@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-deeper-economic-cooperation', 'deeper economic cooperation@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-defence-and-security', 'defence and security@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-energy', 'energy@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-environment', 'environment@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-food-security', 'food security@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-foreign-policy', 'foreign policy@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-investment', 'investment@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-legal-basis-for-long-term-relations', 'legal basis for long-term closer relations@en'),
        ('kgr:treaty-on-allied-relations-2022', 'kgr:scope-transboundary-resources', 'rational use and protection of transboundary resources@en'),
        ('kgr:treaty-on-border-demarcation-2022', 'kgr:scope-border-demarcation', 'demarcation of the state border@en'),
    ],
    '07-treaty-sources': [
        ('S0', 'kgr:source-s0'),
        ('S1', 'kgr:source-s1'),
    ],
    '08-crossing-relieved-by-railway': [
        ('kgr:saryagash-tashkent', 'Saryagash – Tashkent border crossing point@en'),
    ],
    '09-facts-from-a-source': [
        ('kgr:commissioning-darbaza-maqtaaral-railway', 'kg:Commissioning'),
        ('kgr:construction-darbaza-maqtaaral-railway', 'kg:ConstructionWork'),
        ('kgr:darbaza-maqtaaral-railway', 'kg:RailwayLine'),
        ('kgr:measure-darbaza-maqtaaral-construction-jobs', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-earthworks-share', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-earthworks-volume', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-estimated-cost', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-permanent-jobs', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-specialists', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-track-panel-assembled', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-track-panel-assembled-share', 'kg:ProjectMeasure'),
        ('kgr:measure-darbaza-maqtaaral-track-panel-required', 'kg:ProjectMeasure'),
    ],
    '10-ots-in-russian': [
        ('Организация тюркских государств@ru', 'ОТГ@ru'),
    ],
    '11-persons-found-by-inference': [
        ('kgr:alisher-salahitdinov', 'kg:Ambassador'),
        ('kgr:farrux-tursunov', 'kg:Ambassador'),
        ('kgr:ikrom-nazarov', 'kg:Ambassador'),
        ('kgr:nosir-yoqubov', 'kg:Ambassador'),
        ('kgr:saidikram-niyazxodjaev', 'kg:Ambassador'),
        ('kgr:turdiqul-butayarov', 'kg:Ambassador'),
        ('kgr:askar-akayev', 'kg:HeadOfState'),
        ('kgr:islam-karimov', 'kg:HeadOfState'),
        ('kgr:nursultan-nazarbayev', 'kg:HeadOfState'),
    ],
    '12-borders-other-direction': [
        ('kgr:uzbekistan',),
    ],
    '13-diplomatic-relations': [
        ('1992-11-23', '2'),
    ],
    '14-shared-memberships': [
        ('kgr:cis',),
        ('kgr:ots',),
        ('kgr:sco',),
    ],
    '15-visits': [
        ('kgr:islam-karimov', 'kgr:kazakhstan', '25'),
        ('kgr:nursultan-nazarbayev', 'kgr:uzbekistan', '7'),
    ],
    '16-akayev': [
        ('kgr:president-of-kyrgyzstan', 'kgr:source-s0'),
    ],
    '17-after-the-soviet-union': [
        ('kgr:kazakhstan', '1991'),
        ('kgr:uzbekistan', '1991'),
    ],
    '18-areas-of-cooperation': [
        ('kgr:area-border-demarcation',),
        ('kgr:area-education',),
        ('kgr:area-energy',),
        ('kgr:area-environmental-protection',),
        ('kgr:area-foreign-policy-common-interests',),
        ('kgr:area-gas',),
        ('kgr:area-logistics',),
        ('kgr:area-oil',),
        ('kgr:area-railways',),
        ('kgr:area-regional-security',),
        ('kgr:area-roads',),
        ('kgr:area-trade-and-economy',),
        ('kgr:area-transport',),
    ],
    '19-character-of-relations': [
        ('character', 'kgr:character-alliance'),
        ('character', 'kgr:character-cultural-closeness'),
        ('character', 'kgr:character-economic-closeness'),
        ('character', 'kgr:character-fraternity'),
        ('character', 'kgr:character-friendship'),
        ('character', 'kgr:character-good-neighbourliness'),
        ('character', 'kgr:character-historical-closeness'),
        ('character', 'kgr:character-old-historical-ties'),
        ('character', 'kgr:character-strategic-partnership'),
        ('driver', 'kgr:driver-heads-of-state-meetings'),
        ('driver', 'kgr:driver-treaties-and-agreements'),
    ],
    '20-aktau-distribution-centre': [
        ('kgr:aktau', 'kgr:kazakhstan', 'kgr:purpose-export-of-farm-goods-and-food'),
        ('kgr:aktau', 'kgr:kazakhstan', 'kgr:purpose-temporary-storage-hub'),
    ],
    '21-navoiy-qoplonbek-events': [
        ('kg:Closure', '2022-11', '2022-11-01', '2022-11-30'),
        ('kg:ConstructionWork', '', '2022-11-01', '2025-01-27'),
        ('kg:Reopening', '', '2022-11-01', '2025-01-27'),
    ],
    '22-navoiy-qoplonbek-facilities': [
        ('kgr:car-park-navoiy-qoplonbek', 'kgr:status-completed'),
        ('kgr:electronic-queue-navoiy-qoplonbek', 'kgr:status-expected'),
    ],
    '23-railway-timeline': [
        ('kg:ConstructionWork', '2023-11', 'kgr:status-under-way'),
        ('kg:Commissioning', '2027', 'kgr:status-planned'),
    ],
    '24-railway-transit': [
        ('kgr:afghanistan', 'kgr:turkistan-region'),
        ('kgr:iran', 'kgr:turkistan-region'),
        ('kgr:tajikistan', 'kgr:turkistan-region'),
    ],
    '25-railway-cost': [
        ('286000000000', 'KZT', 'true'),
    ],
    '26-railway-progress': [
        ('kgr:quantity-earthworks-share-done', '15', '', 'unit:PERCENT', ''),
        ('kgr:quantity-earthworks-volume-done', '1400000', '', 'unit:M3', ''),
        ('kgr:quantity-specialists-at-work', '', '70', 'unit:NUM', ''),
        ('kgr:quantity-track-panel-assembled', '100', '', 'unit:KiloM', 'true'),
        ('kgr:quantity-track-panel-required', '203', '', 'unit:KiloM', ''),
    ],
    '27-railway-jobs': [
        ('kgr:quantity-construction-jobs', '3400', ''),
        ('kgr:quantity-permanent-jobs', '', '500'),
    ],
    '28-article-keywords': [
        ('kgr:aktau',),
        ('kgr:askar-akayev',),
        ('kgr:character-good-neighbourliness',),
        ('kgr:driver-heads-of-state-meetings',),
        ('kgr:independence-of-kazakhstan',),
        ('kgr:independence-of-uzbekistan',),
        ('kgr:islam-karimov',),
        ('kgr:kazakhstan',),
        ('kgr:kazinform',),
        ('kgr:navoiy-qoplonbek',),
        ('kgr:nursultan-nazarbayev',),
        ('kgr:uzbekistan',),
        ('kgr:uzbekistan-kazakhstan-relations',),
        ('kgr:year-of-uzbekistan',),
    ],
    '29-abstract-discrepancies': [
        ('kgr:source-s0-abstract-en', 'SCO@en', 'kgr:sco', 'kgr:ots'),
        ('kgr:source-s0-abstract-ru', 'ОЭСР@ru', 'kgr:oecd', 'kgr:ots'),
    ],
    '30-article-topic': [
        ('kgr:topic-cultural-relations',),
        ('kgr:topic-diplomatic-relations',),
        ('kgr:topic-economic-relations',),
        ('kgr:topic-political-relations',),
    ],
    '31-sources': [
        ('S0', '', '', ''),
        ('S1', 'https://egemen.kz/article/359828-qazaqstan-%E2%80%93-ozbekstan-qarym-qatynastynh-dganha-kezenhi', 'kgr:egemen-qazaqstan', ''),
        ('S2', 'https://uz.m.wikipedia.org/wiki/O%CA%BBzbekiston_%E2%80%94_Qozog%CA%BBiston_munosabatlari', 'kgr:uzbek-wikipedia', ''),
        ('S3', 'https://kun.uz/news/2025/03/26/ozbekiston-va-qozogiston-poytaxtida-ikki-mamlakat-savdo-markazlari-qurilishi-mumkin', 'kgr:kun-uz', '2025-03-26'),
        ('S4', 'https://www.gazeta.uz/oz/2025/01/27/zangiota/', 'kgr:gazeta-uz', '2025-01-27'),
        ('S5', 'https://www.spot.uz/oz/2025/01/06/kz-rail/', 'kgr:spot-uz', '2025-01-06'),
    ],
    '32-wikidata-links': [
        ('kgr:afghanistan', 'wd:Q889'),
        ('kgr:central-asia', 'wd:Q27275'),
        ('kgr:cis', 'wd:Q7779'),
        ('kgr:iran', 'wd:Q794'),
        ('kgr:kazakhstan', 'wd:Q232'),
        ('kgr:kyrgyzstan', 'wd:Q813'),
        ('kgr:oecd', 'wd:Q41550'),
        ('kgr:ots', 'wd:Q596850'),
        ('kgr:president-of-kazakhstan', 'wd:Q5256775'),
        ('kgr:president-of-kyrgyzstan', 'wd:Q853036'),
        ('kgr:president-of-uzbekistan', 'wd:Q7466263'),
        ('kgr:sco', 'wd:Q485207'),
        ('kgr:soviet-union', 'wd:Q15180'),
        ('kgr:tajikistan', 'wd:Q863'),
        ('kgr:turkistan-region', 'wd:Q815330'),
        ('kgr:uzbek-wikipedia', 'wd:Q2081526'),
        ('kgr:uzbekistan', 'wd:Q265'),
    ],
    '33-independence': [
        ('kgr:kazakhstan', '1991'),
        ('kgr:uzbekistan', '1991'),
    ],
}


def answer(store, sparql: str) -> list[tuple[str, ...]]:
    result = store.query(sparql, prefixes=PREFIXES)
    if result.kind == "boolean":
        return [(str(bool(result.raw)).lower(),)]
    return [tuple(term_text(row[v]) for v in result.variables) for row in result.raw]


@pytest.mark.slow
@pytest.mark.parametrize("example", OFFLINE_EXAMPLES, ids=lambda q: q.name)
def test_competency_question_has_its_exact_answer(store, example):
    assert example.name in EXPECTED, f"no expected answer recorded for {example.name}"
    assert answer(store, example.sparql) == EXPECTED[example.name], example.title


def test_there_are_at_least_thirty_competency_questions():
    assert len(OFFLINE_EXAMPLES) >= 30


def test_every_fact_of_the_inventory_is_asked_about():
    covered = {fact for q in OFFLINE_EXAMPLES for fact in q.facts}
    assert ALL_FACTS - covered == set()


def test_every_expectation_belongs_to_a_shipped_query():
    assert set(EXPECTED) - {q.name for q in OFFLINE_EXAMPLES} == set()


def test_every_example_has_a_title_and_a_one_line_description():
    for q in example_queries():
        assert q.title and q.description and "\n" not in q.description, q.name
