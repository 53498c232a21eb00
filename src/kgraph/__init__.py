"""kgraph: a knowledge graph of Uzbekistan–Kazakhstan relations since 1991.

The public API: build the graph, open it as a store, query it.
"""

__version__ = "0.1.0"

from .pipeline import BuildResult, build, current_build, ensure_built  # noqa: E402
from .errors import (  # noqa: E402
    InconsistentGraph,
    KgraphError,
    NoBuild,
    NotConformant,
    QueryError,
    SourceSyntaxError,
    UnknownFormat,
)
from .examples import ExampleQuery, example_queries  # noqa: E402
from .layout import Layout  # noqa: E402
from .namespaces import KG, KGR, Graphs  # noqa: E402
from .store import OxigraphStore, QueryResult, Store  # noqa: E402
from .validation import ValidationReport, Violation, validate  # noqa: E402

__all__ = [
    "__version__",
    "KG",
    "KGR",
    "Graphs",
    "Layout",
    "BuildResult",
    "build",
    "current_build",
    "ensure_built",
    "ExampleQuery",
    "example_queries",
    "OxigraphStore",
    "Store",
    "QueryResult",
    "ValidationReport",
    "Violation",
    "validate",
    "KgraphError",
    "InconsistentGraph",
    "NoBuild",
    "NotConformant",
    "QueryError",
    "SourceSyntaxError",
    "UnknownFormat",
]
