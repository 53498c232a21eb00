"""The UI works under its Content-Security-Policy: Chromium reports no violation of it.

A violation is caught twice over: the page's ``securitypolicyviolation`` event (recorded by
a script installed before any page script runs) and Chromium's console message.
"""

from __future__ import annotations

import pytest

_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def csp_page(page):
    page.add_init_script(_RECORD_VIOLATIONS)
    page.csp_console = []
    page.on("console", lambda m: page.csp_console.append(m.text)
            if "Content Security Policy" in m.text else None)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.csp_console


def test_query_ui_runs_a_query_without_csp_violation(csp_page, live_server):
    response = csp_page.goto(live_server + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    csp_page.wait_for_selector(".yasgui .tabsList .tab.active")
    csp_page.click(".yasgui .yasqe_queryButton >> visible=true")
    csp_page.wait_for_selector(".yasr table.dataTable tbody tr td", state="visible")
    assert csp_page.locator(".yasr table.dataTable tbody tr").count() >= 1
    assert violations(csp_page) == []
    assert csp_page.page_errors == []


# The pages whose needs differ from the query UI's (measured: the others add nothing).
@pytest.mark.parametrize("path, ready", [
    ("/id/aktau", "#neighbourhood canvas"),  # Cytoscape.js adds <style> elements as it draws
    ("/ontology", "body"),  # pyLODE's page: inline styles and data: images
])
def test_pages_render_without_csp_violation(csp_page, live_server, path, ready):
    csp_page.goto(live_server + path)
    csp_page.wait_for_selector(ready)
    csp_page.wait_for_timeout(200)  # styles added by scripts after the first paint
    assert violations(csp_page) == []
    assert csp_page.page_errors == []
