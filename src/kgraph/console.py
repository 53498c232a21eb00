"""The ``kgraph`` console script's entry point, kept free of imports on purpose.

The query processes of ``kgraph serve`` are *spawned* (see :mod:`kgraph.execution`), and a
spawned child first re-imports the parent's main script — here, the console script, which
imports this module. Importing :mod:`kgraph.cli` there would load click, rdflib, owlrl and
pyshacl into every query process (≈0.3 s and ≈35 MB each) for nothing.
"""


def main() -> None:
    from .cli import main as cli_main

    cli_main()
