"""The query UI says when an answer was cut at the endpoint's row limit (issue 6)."""

from __future__ import annotations

CUT = "SELECT ?s WHERE { ?s ?p ?o . ?a ?b ?c }"  # far more rows than max_result_rows (10000 here)
WHOLE = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"


def _run(page, query: str) -> None:
    page.evaluate("q => window.kgraphYasgui.getTab().getYasqe().setValue(q)", query)
    page.click(".yasgui .yasqe_queryButton >> visible=true")


def test_a_cut_answer_shows_a_notice_and_a_whole_one_none(page, live_server):
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_server + "/")
    page.wait_for_selector(".yasgui .tabsList .tab.active")
    assert page.locator("#result-notice").is_hidden()

    _run(page, CUT)
    page.wait_for_selector("#result-notice", state="visible")
    assert "first 10000 rows" in page.inner_text("#result-notice")

    _run(page, WHOLE)
    page.wait_for_selector("#result-notice", state="hidden")
    assert messages == [] and page.page_errors == []
