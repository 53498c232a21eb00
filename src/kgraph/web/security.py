"""Security headers on every response: a Content-Security-Policy and the usual companions.

The policy allows only this server's own scripts, styles, images and fetches: every page's
scripts are files under /static (YASGUI and Cytoscape.js are served from node_modules by
the app, no CDN), and the data a page hands its script sits in a
``<script type="application/json">`` block, which a CSP does not treat as script. What
YASGUI needs beyond ``'self'`` was read off Chromium's console under the policy
(``tests/browser/test_csp.py`` keeps it so):

- ``style-src 'unsafe-inline'``: yasgui.min.js and cytoscape.min.js add ``<style>``
  elements at run time, and pyLODE's /ontology page has its stylesheet and ``style=""``
  attributes inline. Styles cannot run code, so this is the usual relaxation; scripts
  stay strictly ``'self'`` (no inline script, no ``eval``).
- ``img-src data:``: the /ontology page (pyLODE) shows its figures as data: URIs.

Hand-written rather than flask-talisman (last release 2023): talisman's defaults force
HTTPS redirects and strict-transport-security, wrong for a server that is often run on
127.0.0.1 over plain HTTP, and what is wanted here is one ``after_request`` hook of a few
lines whose every header is visible in this file.
"""

from __future__ import annotations

from flask import Flask, Response

#: One directive per line so a change reads as one line of diff.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",  # nobody may frame the UI (clickjacking); X-Frame-Options for old browsers
)
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)

HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",  # a Turtle answer is never sniffed into HTML
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",  # no query text in Referer to other sites
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # a view that set its own keeps it
    _one_vary(response)
    return response


def _one_vary(response: Response) -> None:
    """One ``Vary`` header, each name once: flask-cors adds ``Vary: Origin`` as a header of
    its own, and a client or cache that reads only the first would miss it."""
    values = response.headers.getlist("Vary")
    if len(values) > 1:
        names = dict.fromkeys(name.strip() for value in values for name in value.split(",") if name.strip())
        response.headers["Vary"] = ", ".join(names)


def register(app: Flask) -> None:
    """Send :data:`HEADERS` with every response of ``app``, error responses included."""
    app.after_request(_add_headers)
