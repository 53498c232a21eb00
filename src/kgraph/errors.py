"""The library's own exceptions. The CLI and the web app translate them once, at their edge.

Every message says what failed, on which input, and what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class KgraphError(Exception):
    """Base class of every error kgraph raises on purpose."""


@dataclass
class SourceSyntaxError(KgraphError):
    """An RDF source file does not parse."""

    path: Path
    line: int | None
    detail: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: not valid Turtle: {self.detail}. Fix the file and run the command again."


class InconsistentGraph(KgraphError):
    """The OWL-RL closure is inconsistent (a member of owl:Nothing, a disjointness clash …)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "the OWL-RL closure of ontology + data is inconsistent:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nCorrect the data (or the axiom) named above and build again."
        )


class NotConformant(KgraphError):
    """The data does not conform to the SHACL shapes; ``report`` holds the violations."""

    def __init__(self, report):  # report: kgraph.validation.ValidationReport
        self.report = report
        super().__init__(report.text())


class NoBuild(KgraphError):
    """No built dataset where one was expected."""

    def __init__(self, build_dir: Path):
        self.build_dir = build_dir
        super().__init__(f"no built dataset in {build_dir}: run `kgraph build` first.")


class QueryError(KgraphError):
    """A SPARQL query is malformed or cannot be answered as asked."""


class UnknownFormat(KgraphError):
    """A format name that is not one of those offered."""

    def __init__(self, name: str, offered):
        self.name = name
        self.offered = list(offered)
        super().__init__(f"unknown format {name!r}: choose one of {', '.join(self.offered)}.")


class SettingError(KgraphError, ValueError):
    """A setting's value (environment, config file, option) cannot be used."""


class StoreUnavailable(KgraphError):
    """A remote store did not answer: refused, timed out, or failed on its side (5xx).

    Worth retrying: the web app answers 503 with ``Retry-After: retry_after`` and tries the
    store again on the next request. ``str()`` names the store's URL (for logs and the
    CLI); the web app shows clients a message without it.
    """

    def __init__(self, message: str, *, retry_after: int = 5, waited: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        #: Seconds waited for an answer, when the store was slow rather than down.
        self.waited = waited
