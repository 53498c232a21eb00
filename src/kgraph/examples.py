"""The example queries that ship with kgraph: the graph's competency questions.

Each is a ``.rq`` file in ``kgraph/queries/`` that begins with comment lines::

    # title: Who was Uzbekistan's ambassador to Kazakhstan on 2010-06-01?
    # description: One line on what the query shows and how.
    # facts: F13
    # network: wikidata        (only for queries that need a remote service)

The tests run every one against the built graph and assert its exact answer; the
endpoint's UI offers them as tabs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_HEADER = re.compile(r"^#\s*(title|description|facts|network):\s*(.+?)\s*$")


@dataclass(frozen=True)
class ExampleQuery:
    name: str
    title: str
    description: str
    facts: tuple[str, ...]
    sparql: str
    #: The remote service the query needs (e.g. ``wikidata`` for a federated query), if any;
    #: such queries cannot be answered offline and are left out of the competency tests.
    network: str | None = None


def parse_example(name: str, text: str) -> ExampleQuery:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            fields[match.group(1)] = match.group(2)
    missing = {"title", "description"} - fields.keys()
    if missing:
        raise ValueError(f"example query {name} lacks a header line for: {', '.join(sorted(missing))}")
    facts = tuple(f.strip() for f in fields.get("facts", "").split(",") if f.strip())
    return ExampleQuery(name, fields["title"], fields["description"], facts, text, fields.get("network"))


def example_queries() -> list[ExampleQuery]:
    """All shipped example queries, ordered by file name."""
    folder = resources.files("kgraph") / "queries"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)
    return [parse_example(f.name.removesuffix(".rq"), f.read_text(encoding="utf-8")) for f in files]
