"""SHACL validation, and a report people can act on.

Two validators give the same report: pyshacl-turbo (the default: pySHACL's engine
rewritten in Rust, with pySHACL's API and report graph; about 200× faster on our
shapes, whose SHACL-SPARQL constraints pySHACL re-parses for every focus node) and
pySHACL, the reference (``KGRAPH_VALIDATOR=pyshacl``).
``tests/test_validation_fast.py`` proves the two reports equal on every shapes fixture
and on synthetic data.

Each violation names the node, the shape, the message and the file(s) the node was
written in, so a broken fact can be found and fixed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import pyshacl
import pyshacl_turbo
from rdflib import Graph
from rdflib.term import BNode, Node, URIRef

from .errors import KgraphError
from .namespaces import SH, prefixed

VALIDATORS = {"pyshacl-turbo": pyshacl_turbo.validate, "pyshacl": pyshacl.validate}
DEFAULT_VALIDATOR = "pyshacl-turbo"


def choose_validator(name: str | None = None) -> str:
    """``name``, else ``$KGRAPH_VALIDATOR``, else pyshacl-turbo; an unknown name is an error."""
    chosen = (name or os.environ.get("KGRAPH_VALIDATOR") or DEFAULT_VALIDATOR).strip().lower()
    if chosen not in VALIDATORS:
        raise KgraphError(f"unknown validator {chosen!r}: choose one of {', '.join(VALIDATORS)} "
                          "(KGRAPH_VALIDATOR)")
    return chosen


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result."""

    focus: str
    shape: str
    message: str
    severity: str
    path: str | None = None
    value: str | None = None
    files: tuple[str, ...] = ()

    def text(self) -> str:
        where = ", ".join(self.files) or "(no source file)"
        parts = [f"{where}: {self.focus}", f"shape {self.shape}"]
        if self.path:
            parts.append(f"path {self.path}")
        if self.value:
            parts.append(f"value {self.value}")
        return f"[{self.severity}] " + " | ".join(parts) + f"\n    {self.message}"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation]

    def text(self) -> str:
        if self.conforms and not self.violations:
            return "The data conforms to the shapes."
        head = (
            f"The data does not conform to the shapes: {len(self.violations)} result(s)."
            if not self.conforms
            else f"The data conforms, with {len(self.violations)} warning(s)."
        )
        return "\n".join([head, *(v.text() for v in self.violations)])

    def messages(self) -> list[str]:
        return [v.message for v in self.violations]


def short(node: Node | None) -> str | None:
    """A node as a prefixed name where a project prefix fits, else in N-Triples form."""
    if node is None:
        return None
    return (prefixed(str(node)) if isinstance(node, URIRef) else None) or node.n3()


def _shape_name(shapes: Graph, shape: Node) -> str:
    # Property shapes are usually blank nodes: name them by the node shape that owns them.
    if isinstance(shape, BNode):
        owner = shapes.value(predicate=SH.property, object=shape)
        path = shapes.value(shape, SH.path)
        if owner is not None:
            return f"{short(owner)} / {short(path) if path is not None else 'property'}"
    return short(shape) or "?"


def validate(
    data: Graph,
    shapes: Graph,
    origins: Mapping[Node, set[Path]] | None = None,
    validator: str | None = None,
) -> ValidationReport:
    """Validate ``data`` (already reasoned over) against ``shapes``."""
    conforms, results, _ = VALIDATORS[choose_validator(validator)](
        data,
        shacl_graph=shapes,
        inference="none",  # the build has already added the OWL-RL closure to ``data``
        advanced=True,  # SPARQL-based constraints
        allow_warnings=False,
    )
    violations = []
    for result in results.subjects(predicate=SH.resultSeverity):
        focus = results.value(result, SH.focusNode)
        files = tuple(sorted(str(p) for p in (origins or {}).get(focus, ())))
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        violations.append(
            Violation(
                focus=short(focus) or "?",
                shape=_shape_name(shapes, results.value(result, SH.sourceShape)),
                message="; ".join(messages) or "(the shape gives no message)",
                severity=short(results.value(result, SH.resultSeverity)).removeprefix("sh:"),
                path=short(results.value(result, SH.resultPath)),
                value=short(results.value(result, SH.value)),
                files=files,
            )
        )
    violations.sort(key=lambda v: (v.files, v.focus, v.shape, v.message))
    return ValidationReport(conforms=bool(conforms), violations=violations)


def report_to_json(report: ValidationReport) -> str:
    return json.dumps({"conforms": report.conforms, "violations": [asdict(v) for v in report.violations]})


def report_from_json(text: str) -> ValidationReport:
    data = json.loads(text)
    return ValidationReport(
        conforms=data["conforms"],
        violations=[Violation(**{**v, "files": tuple(v["files"])}) for v in data["violations"]],
    )
