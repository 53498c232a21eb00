"""Parse the graph's Turtle sources, remembering which file said what.

The file of each subject is kept so that a validation report can name the file a
violating node comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from .errors import SourceSyntaxError
from .namespaces import PREFIXES


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    return graph


def parse_turtle(path: Path) -> Graph:
    """One Turtle file as a graph; a syntax error names the file and line."""
    graph = new_graph()
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as exc:
        raise SourceSyntaxError(path, exc.lines + 1, exc._why) from None
    except (ValueError, SyntaxError) as exc:  # bad literals, bad IRIs, undeclared prefixes
        raise SourceSyntaxError(path, None, str(exc)) from None
    return graph


@dataclass
class LoadedGraph:
    """Triples merged from several files, and where each subject was written."""

    graph: Graph = field(default_factory=new_graph)
    origins: dict[Node, set[Path]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def add_file(self, path: Path) -> None:
        part = parse_turtle(path)
        self.graph += part
        self.files.append(path)
        for subject in set(part.subjects()):
            self.origins.setdefault(subject, set()).add(path)



def load_files(paths: Iterable[Path]) -> LoadedGraph:
    loaded = LoadedGraph()
    for path in paths:
        loaded.add_file(path)
    return loaded
