"""kgraph: a knowledge graph of Uzbekistan–Kazakhstan relations since 1991.

The public API: build the graph, open it as a store, query it.
"""

__version__ = "0.1.0"

# The names below are imported on first use (PEP 562), not with the package: a query
# process (kgraph.execution) imports kgraph.store and kgraph.formats only, and would
# otherwise pay for rdflib, owlrl and pyshacl (≈0.25 s and ≈35 MB per process).
_LAZY = {
    "BuildResult": "pipeline", "build": "pipeline", "current_build": "pipeline",
    "ensure_built": "pipeline",
    "InconsistentGraph": "errors", "KgraphError": "errors", "NoBuild": "errors",
    "NotConformant": "errors", "QueryError": "errors", "SourceSyntaxError": "errors",
    "UnknownFormat": "errors",
    "ExampleQuery": "examples", "example_queries": "examples",
    "Layout": "layout",
    "KG": "namespaces", "KGR": "namespaces", "Graphs": "namespaces",
    "OxigraphStore": "store", "QueryResult": "store", "Store": "store",
    "ValidationReport": "validation", "Violation": "validation", "validate": "validation",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
