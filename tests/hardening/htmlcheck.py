"""Does an HTML page run anything it was not meant to? Read with the standard library's parser.

A page is safe here when every ``<script>`` is a file (``src``) or inert data
(``type="application/json"``), no element carries an event-handler attribute (``on…``),
and no link or source is a ``javascript:`` URL. Markup that a value of the graph tried to
inject, once escaped, is text: it shows up in :attr:`PageScan.text`, not as elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_INERT_SCRIPT_TYPES = {"application/json", "application/ld+json"}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


@dataclass
class PageScan:
    text: str = ""
    problems: list[str] = field(default_factory=list)


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self._text: list[str] = []
        self._raw = 0  # inside <script> or <style>: data there is not shown text

    def handle_starttag(self, tag, attrs):
        self._raw += tag in ("script", "style")
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") not in _INERT_SCRIPT_TYPES:
            self.scan.problems.append(f"inline <script {attrs}>")
        if tag in ("iframe", "object", "embed", "base"):
            self.scan.problems.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.scan.problems.append(f"<{tag}> has the event handler {name}={value!r}")
            if name in _URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.scan.problems.append(f"<{tag}> has {name}={value!r}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._raw -= tag in ("script", "style")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data):
        if not self._raw:
            self._text.append(data)


def scan(html: str) -> PageScan:
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    scanner.scan.text = "".join(scanner._text)
    return scanner.scan
