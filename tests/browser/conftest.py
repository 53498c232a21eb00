"""A real server and a real Chromium for the browser tests.

The server is the app over the built graph in a werkzeug server thread on a free port of
127.0.0.1; the browser is Debian's Chromium (``apt-get install chromium``) driven by
Playwright's Python API (Playwright's own browser download is not used). Without
/usr/bin/chromium the tests are skipped, saying so.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("KGRAPH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def live_server(store):
    """The base URL of the app over the built graph, served by a werkzeug thread."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from kgraph.web import create_app

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # keep the test output readable
            pass

    # A row cap of 10,000 (not the default 100,000): the notice test's cut answer stays quick
    # to compute and to show on two busy cores.
    app = create_app({"TESTING": True, "max_result_rows": 10000}, store=store)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) "
                    "to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser page (its own storage) that records requests leaving the server."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.outside_requests = []
    page.page_errors = []
    page.on("request", lambda r: None if r.url.startswith((live_server, "data:", "blob:"))
            else page.outside_requests.append(r.url))
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: $KGRAPH_SCREENSHOTS, else the test's temporary folder."""
    folder = Path(os.environ.get("KGRAPH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
