"""Make a whole HTML document made by another tool (pyLODE's /ontology page) safe to serve.

pyLODE escapes some values and not others: it writes ``dcterms:title`` into a ``<dd>`` as
is, renders ``rdfs:comment`` as Markdown (which passes raw HTML through), and embeds the
ontology as JSON-LD in a ``<script>`` where a ``</script>`` inside a literal ends the block.
A label ``<script>alert(1)</script>`` in the ontology would run on the page
(tests/hardening/test_escaping.py). Rather than patching pyLODE's templates, its output
is cleaned here:

- the body goes through nh3 (bindings of Ammonia, the Rust sanitizer), keeping the tags
  and attributes pyLODE uses and dropping everything that can run (``<script>``, ``on…``
  attributes, ``javascript:`` URLs);
- in the head, JSON-LD blocks get ``</`` written as ``<\\/`` (the same JSON, no way out).
"""

from __future__ import annotations

import re

import nh3

#: The elements pyLODE 3.3's page uses in its body (measured on the kgraph ontology).
BODY_TAGS = {
    "a", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "li", "nav", "ol",
    "p", "pre", "span", "strong", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
BODY_ATTRIBUTES = {"*": {"class", "id", "title"}, "a": {"href", "style"}, "nav": {"style"}}

_BODY = re.compile(r"(<body[^>]*>)(.*)(</body>)", re.DOTALL | re.IGNORECASE)
_JSON_LD = re.compile(r'(<script[^>]*type="application/ld\+json"[^>]*>)(.*?)(</script>)',
                      re.DOTALL | re.IGNORECASE)


def _clean_body(match: re.Match) -> str:
    body = nh3.clean(match.group(2), tags=BODY_TAGS, attributes=BODY_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel=None)
    return match.group(1) + body + match.group(3)


def _inert_json(match: re.Match) -> str:
    return match.group(1) + match.group(2).replace("</", "<\\/") + match.group(3)


def clean_document(html: str) -> str:
    """``html`` with nothing in its body that can run, and JSON-LD that cannot end its block."""
    start = html.lower().find("<body")
    if start < 0:  # not a document: clean it all as a fragment
        return nh3.clean(html, tags=BODY_TAGS, attributes=BODY_ATTRIBUTES,
                         url_schemes={"http", "https", "mailto"}, link_rel=None)
    head, rest = html[:start], html[start:]
    return _JSON_LD.sub(_inert_json, head) + _BODY.sub(_clean_body, rest, count=1)
