"""The ``kgraph`` command: thin verbs over the library.

Exit codes (as pySHACL's): 0 success / the data conforms, 1 the data does not conform,
2 any other error (bad input, bad query, missing build, unparsable file).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from functools import wraps
from pathlib import Path

import click

from . import __version__
from .build import build as run_build, compile_graphs, ensure_built, read_manifest
from .errors import KgraphError, NotConformant
from .formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format, results_format
from .layout import Layout
from .query import open_build, table, with_prefixes
from .stats import compute as compute_stats

EXIT_OK, EXIT_NOT_CONFORMANT, EXIT_ERROR = 0, 1, 2


def _library_errors(command):
    """Translate the library's errors into messages and documented exit codes, once."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except NotConformant as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_NOT_CONFORMANT)
        except KgraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


class _Progress:
    """Prints each step of a long operation with the time it took, on stderr."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.step: str | None = None
        self.started = 0.0

    def __call__(self, step: str) -> None:
        self._finish()
        self.step, self.started = step, time.perf_counter()
        if not self.quiet:
            click.echo(f"  {step} …", err=True, nl=False)

    def _finish(self) -> None:
        if self.step and not self.quiet:
            click.echo(f" {time.perf_counter() - self.started:.2f} s", err=True)
        self.step = None

    def done(self) -> None:
        self._finish()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kgraph")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="KGRAPH_HOME",
              help="Folder holding ontology/, data/ and shapes/ [env KGRAPH_HOME; default: this checkout].")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), envvar="KGRAPH_BUILD_DIR",
              help="Where builds are written [env KGRAPH_BUILD_DIR; default: HOME/build].")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, build_dir: Path | None) -> None:
    """kgraph: the knowledge graph of Uzbekistan–Kazakhstan relations since 1991.

    \b
    Start with:
      kgraph build          load, reason, validate and write the graph
      kgraph query 'SELECT ?s WHERE { ?s a kg:State }'
    """
    layout = Layout.at(home) if home else Layout.default()
    ctx.obj = replace(layout, build_dir=build_dir) if build_dir else layout


@cli.command()
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_obj
@_library_errors
def build(layout: Layout, quiet: bool) -> None:
    """Load the ontology and data, reason (OWL 2 RL), validate (SHACL), write the dataset.

    Writes BUILD_DIR/<version>/dataset.nq and manifest.json and points BUILD_DIR/current
    at it. On any failure the previous build stays current. Exit 0 on success, 1 when the
    data does not conform to the shapes (the report names file, node, shape, message),
    2 on other errors (e.g. malformed Turtle, with file and line).

    \b
    Example:
      kgraph build
    """
    progress = _Progress(quiet)
    if not quiet:
        click.echo("Building the graph:", err=True)
    try:
        result = run_build(layout, progress)
    finally:
        progress.done()
    if not quiet:
        _print_manifest(result.manifest, result.path)


def _print_manifest(manifest: dict, path: Path) -> None:
    click.echo(f"Built {path}")
    for name, count in manifest["triples"].items():
        click.echo(f"  {name:<9} {count:>7} triples")
    click.echo(f"  version   {manifest['version']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@_library_errors
def validate(layout: Layout, as_json: bool) -> None:
    """Reason and validate the sources without writing a build.

    Exit 0 when the data conforms, 1 when it does not, 2 on errors.

    \b
    Example:
      kgraph validate --json
    """
    try:
        graphs = compile_graphs(layout)
        report = graphs.report
    except NotConformant as exc:
        report = exc.report
    if as_json:
        click.echo(json.dumps({"conforms": report.conforms,
                               "results": [v.__dict__ for v in report.violations]}, indent=2))
    else:
        click.echo(report.text())
    sys.exit(EXIT_OK if report.conforms else EXIT_NOT_CONFORMANT)


_QUERY_FORMATS = ["table", *(f.name for f in RESULTS_FORMATS), *(f.name for f in RDF_FORMATS)]


@cli.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file ('-' for standard input).")
@click.option("--format", "fmt", type=click.Choice(_QUERY_FORMATS), default="table", show_default=True,
              help="table for people; json, xml, csv, tsv for SELECT/ASK; an RDF format for CONSTRUCT/DESCRIBE.")
@click.pass_obj
@_library_errors
def query(layout: Layout, sparql: str | None, query_file, fmt: str) -> None:
    """Run a SPARQL query against the built graph (building it first if needed).

    The project's prefixes (kg:, kgr:, org:, prov:, skos:, schema:, …) are predeclared.
    The default graph is the asserted and inferred facts together.

    \b
    Examples:
      kgraph query 'SELECT ?state WHERE { ?state a kg:State }'
      kgraph query -f question.rq --format csv
    """
    if bool(sparql) == bool(query_file):
        raise click.UsageError("give the query either as an argument or with --file, not both or neither.")
    text = sparql if sparql else query_file.read()
    store = open_build(ensure_built(layout))
    result = store.query(with_prefixes(text))
    if fmt == "table":
        click.echo(table(result))
        return
    chosen = rdf_format(fmt) if result.kind == "graph" else results_format(fmt)
    sys.stdout.buffer.write(result.serialize(chosen))
    sys.stdout.flush()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
@_library_errors
def stats(layout: Layout, as_json: bool) -> None:
    """Count triples per named graph, instances per class and facts per source.

    \b
    Example:
      kgraph stats --json
    """
    path = ensure_built(layout)
    counts = compute_stats(open_build(path))
    if as_json:
        click.echo(json.dumps({"version": read_manifest(path)["version"], **counts.as_dict()}, indent=2))
        return
    for title, pairs in (("Triples by named graph", counts.by_graph),
                         ("Instances by class", counts.by_class),
                         ("Facts by source", counts.by_source)):
        click.echo(title)
        for label, count in pairs:
            click.echo(f"  {count:>7}  {label}")


def main() -> None:
    cli(prog_name="kgraph")
