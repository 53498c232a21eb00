"""The UI in a real browser: run an example query, search, open and follow entity pages."""

from __future__ import annotations

from kgraph.examples import example_queries


def test_run_an_example_query(page, live_server, screenshots):
    page.goto(live_server + "/")
    page.wait_for_selector(".yasgui .tabsList .tab.active")
    active = page.inner_text(".yasgui .tabsList .tab.active")
    assert active.strip().startswith(example_queries()[0].title[:10])
    page.click(".yasgui .yasqe_queryButton >> visible=true")
    page.wait_for_selector(".yasr table.dataTable tbody tr td", state="visible")
    rows = page.locator(".yasr table.dataTable tbody tr")
    assert rows.count() >= 1
    assert "results in" in page.inner_text(".yasr")
    assert page.locator(".yasr .yasr_downloadIcon").count() >= 1  # results can be downloaded
    page.screenshot(path=str(screenshots / "index.png"))

    # Another example, chosen by its tab.
    page.get_by_role("tab", name=example_queries()[1].title).click()
    page.click(".yasgui .yasqe_queryButton >> visible=true")
    page.wait_for_function("() => [...document.querySelectorAll('.yasr')]"
                           ".some(e => e.offsetParent && e.querySelector('tbody tr td'))")
    assert page.outside_requests == []  # nothing fetched from elsewhere: works offline
    assert page.page_errors == []


def test_search_then_follow_links(page, live_server, screenshots):
    page.goto(live_server + "/timeline")
    page.fill("header form.search input[name=q]", "Актау")
    suggestion = page.locator("header form.search .suggestions a", has_text="Aktau").first
    suggestion.wait_for(state="visible")
    suggestion.click()
    page.wait_for_url("**/id/aktau")
    assert page.inner_text("h1") == "Aktau"
    page.wait_for_selector("#neighbourhood canvas")  # the diagram is drawn
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / "entity.png"))

    # Follow a link to another entity, by its label.
    page.click("table.statements.outgoing a[href='/id/kazakhstan']")
    page.wait_for_url("**/id/kazakhstan")
    assert page.inner_text("h1") == "Kazakhstan"

    # The search box's form, in Uzbek with another apostrophe, finds it again.
    page.fill("header form.search input[name=q]", "Qozog'iston")
    page.press("header form.search input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    page.click("ol.results a[href='/id/kazakhstan']")
    assert page.inner_text("h1") == "Kazakhstan"
    assert page.outside_requests == []
    assert page.page_errors == []
