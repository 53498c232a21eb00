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
from .pipeline import build as run_build, compile_graphs, ensure_built, read_manifest
from .errors import KgraphError, NotConformant, QueryError
from .formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format, results_format
from .layout import Layout
from .query import open_build, run as run_query, table
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
@click.option("--reasoner", type=click.Choice(["reasonable", "owlrl"]), envvar="KGRAPH_REASONER",
              help="OWL 2 RL reasoner: reasonable (fast) or owlrl (the reference); both give the "
                   "same closure [env KGRAPH_REASONER; default reasonable].")
@click.pass_obj
@_library_errors
def build(layout: Layout, quiet: bool, reasoner: str | None) -> None:
    """Load the ontology and data, reason (OWL 2 RL), validate (SHACL), write the dataset.

    Writes BUILD_DIR/<version>/dataset.nq, manifest.json and store/ (an on-disk Oxigraph
    store of the dataset) and points BUILD_DIR/current at it. On any failure the previous
    build stays current. Exit 0 on success, 1 when the data does not conform to the
    shapes (the report names file, node, shape, message), 2 on other errors (e.g.
    malformed Turtle, with file and line).

    Reasoning and validation are skipped when their inputs have not changed since a
    previous build (their results are kept in BUILD_DIR/cache/).

    \b
    Examples:
      kgraph build
      kgraph build --reasoner owlrl
    """
    progress = _Progress(quiet)
    if not quiet:
        click.echo("Building the graph:", err=True)
    try:
        result = run_build(layout, progress, reasoner=reasoner)
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
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8-sig"),
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
    try:
        text = sparql if sparql else query_file.read()
    except UnicodeDecodeError as exc:  # a query saved as UTF-16 or latin-1: say so, not a traceback
        raise click.BadParameter(f"{query_file.name} is not UTF-8 text (byte {exc.start}); save the query "
                                 "as UTF-8.", param_hint="'-f' / '--file'") from None
    store = open_build(ensure_built(layout))
    result = run_query(store, text)
    chosen = None
    if fmt != "table":
        chosen = rdf_format(fmt) if result.kind == "graph" else results_format(fmt)
    try:  # answers are computed while they are read: a failing SERVICE call surfaces here
        output = table(result).encode() + b"\n" if chosen is None else result.serialize(chosen)
    except (OSError, RuntimeError) as exc:
        raise QueryError(f"the query failed while running: {exc}") from None
    sys.stdout.buffer.write(output)
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


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", help="Address to listen on [setting host; default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [setting port; default 8000].")
@click.option("--workers", type=int, help="Worker processes [setting workers; default 2].")
@click.option("--store-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the store on disk in this folder [setting store_dir; default: in memory].")
@click.option("--store", "store_url", metavar="URL",
              help="Serve a remote SPARQL 1.1 store (its query URL, or an Oxigraph server's root) "
                   "filled by `kgraph push` [setting store_url; see docs/remote-stores.md].")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A TOML file of settings (the names of docs/settings.md).")
@click.pass_obj
@_library_errors
def serve(layout: Layout, files: tuple[Path, ...], host: str | None, port: int | None,
          workers: int | None, store_dir: Path | None, store_url: str | None, config_file: Path | None) -> None:
    """Serve the graph over HTTP: SPARQL endpoint, pages, VoID (granian; see docs/serving.md).

    With no FILE, serves the built graph (building it first if the sources changed). With
    FILEs (Turtle, TriG, N-Quads, JSON-LD, N-Triples, RDF/XML; the format from the suffix;
    named graphs kept), serves those instead; a query's default graph is then the union of
    every graph of the files. Settings: defaults < --config file < KGRAPH_* environment <
    these options (see docs/settings.md).

    \b
    Examples:
      kgraph serve --port 8080
      kgraph serve my-data.trig more.ttl
      kgraph serve --store http://127.0.0.1:7878
      curl -H 'Accept: text/csv' 'http://127.0.0.1:8000/sparql?query=SELECT+*+{?s+?p+?o}+LIMIT+5'
    """
    from . import settings as kg_settings
    from .server import serve as run_server

    try:
        values = kg_settings.resolve(config_file, {"host": host, "port": port, "workers": workers,
                                                   "store_dir": str(store_dir) if store_dir else None,
                                                   "store_url": store_url})
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    if files and values["store_url"]:
        raise click.UsageError("give FILEs or a remote store (--store / store_url), not both: "
                               "push files to the store first with its own loader.")
    if values["store_url"]:
        from .remote import endpoints, redacted

        values["store_url"] = endpoints(values["store_url"]).query  # a bad URL stops here, not in a worker
    what = ", ".join(str(f) for f in files) if files else (
        f"the store at {redacted(values['store_url'])}" if values["store_url"] else "the built graph")
    click.echo(f"Serving {what} at http://{values['host']}:{values['port']}/sparql "
               f"({values['workers']} workers x {values['threads']} threads); Ctrl-C stops.", err=True)
    run_server(values, files, layout)


@cli.command("push")
@click.argument("url")
@click.option("--replace/--merge", default=True, show_default=True,
              help="Replace each graph pushed (HTTP PUT), or add to what the store holds (POST). "
                   "Graphs not pushed are left alone either way.")
@click.option("--graph", "graphs", multiple=True, metavar="NAME",
              help="Only this graph: ontology, asserted, inferred, shapes, wikidata or a graph IRI "
                   "(repeatable). Default: every named graph of the build.")
@click.option("--query-url", metavar="URL", help="The store's SPARQL query URL, where the counts are "
              "checked [default: Oxigraph's /query, Fuseki's /ds/query, beside URL].")
@click.option("--graph-store-url", metavar="URL", help="The store's Graph Store Protocol URL "
              "[default: URL, or URL/store for a server's root (Oxigraph)].")
@click.option("--chunk-size", type=click.IntRange(min=1), default=50_000, show_default=True,
              help="Triples per request; a larger graph is sent in several.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Seconds to wait for the store to answer one request.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_obj
@_library_errors
def push_command(layout: Layout, url: str, replace: bool, graphs: tuple[str, ...], query_url: str | None,
                 graph_store_url: str | None, chunk_size: int, timeout: float, quiet: bool) -> None:
    """Load the built graph into a SPARQL 1.1 Graph Store (building it first if needed).

    Each named graph goes with the Graph Store HTTP Protocol (?graph=IRI), in chunks of
    --chunk-size triples; then the triples of each graph are counted at the store's query
    URL. Exit 0 when every count matches, 2 when a count differs or the store cannot be
    reached or refuses (the message says which). Serve it with `kgraph serve --store URL`;
    docs/remote-stores.md has the URLs of Oxigraph, Fuseki, QLever, Virtuoso and GraphDB.

    \b
    Examples:
      kgraph push http://127.0.0.1:7878                      # Oxigraph server
      kgraph push http://127.0.0.1:3030/ds/data --merge      # Fuseki
      kgraph push http://127.0.0.1:7878 --graph asserted --graph inferred
    """
    from .push import build_graphs, push
    from .remote import endpoints, redacted

    where = endpoints(url, query_url=query_url, graph_store_url=graph_store_url, other="graph_store")
    if not where.query:
        raise click.UsageError(f"cannot tell the query URL of {url}: give --query-url.")
    selected = build_graphs(ensure_built(layout), graphs)
    if not quiet:
        click.echo(f"{'Replacing' if replace else 'Adding to'} {len(selected)} graph(s) at "
                   f"{redacted(where.graph_store)}:", err=True)

    def show(step) -> None:
        if not quiet:
            click.echo(f"  {step.graph}  {step.chunk}/{step.chunks}  {step.triples} triples  "
                       f"{step.seconds:.2f} s", err=True)

    result = push(where, selected, replace=replace, chunk_size=chunk_size, timeout=timeout, progress=show)
    for graph in result.graphs:
        click.echo(f"{graph.found:>8} triples at the store, {graph.sent:>8} pushed  {graph.graph}")
    if result.mismatched:
        wrong = ", ".join(f"<{g.graph}> ({g.found} at the store, {g.sent} pushed)" for g in result.mismatched)
        raise KgraphError(f"the store's counts do not match what was pushed: {wrong}. Another writer, "
                          "or a store that drops or merges triples; push again with --replace.")


# --- Exports and Wikidata: thin commands over kgraph.export and kgraph.wikidata ---------------

from .export import GRAPH_CHOICES as _EXPORT_GRAPHS  # noqa: E402


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice([f.name for f in RDF_FORMATS]), default="turtle",
              show_default=True, help="The RDF format to write.")
@click.option("--graph", type=click.Choice(_EXPORT_GRAPHS),
              help="Which graph: facts (asserted + inferred), asserted, inferred, ontology, shapes, "
                   "wikidata (from `kgraph enrich`) or all. Default: all for trig/nquads (named graphs "
                   "kept), facts for the triple formats (merged).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write, atomically (a name ending in .gz is gzip-compressed); "
                   "default: standard output.")
@click.pass_obj
@_library_errors
def export_command(layout: Layout, fmt: str, graph: str | None, output: Path | None) -> None:
    """Write the built graph in an RDF format (building it first if needed).

    The same graph gives byte-for-byte the same file (canonical blank-node labels, sorted
    output, the project's prefixes; JSON-LD compacted with the project's context), so
    exports diff cleanly. A file given with -o is written whole or not at all.

    \b
    Examples:
      kgraph export --format turtle -o kgraph.ttl
      kgraph export --format nquads --graph all -o kgraph.nq.gz
      kgraph export --format jsonld --graph asserted
    """
    from .export import export, write_export

    path = ensure_built(layout)
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(export(path, fmt, graph=graph))
        sys.stdout.flush()
        return
    write_export(path, fmt, output, graph=graph)
    click.echo(f"Wrote {output}", err=True)


def _wikidata_client():
    from .wikidata.client import client_from_settings

    return client_from_settings()


@cli.command("link")
@click.option("--accept", "accepts", multiple=True, metavar="ENTITY=QID",
              help="Write this link into data/wikidata.ttl (repeatable), if it scores at least the threshold.")
@click.option("--review", is_flag=True, help="Ask, candidate by candidate, which to accept; then write them.")
@click.option("--entity", "entities", multiple=True, metavar="ENTITY",
              help="Only this entity (kgr:aktau, aktau or its IRI; repeatable).")
@click.option("--threshold", type=click.FloatRange(0, 1),
              help="Score needed to accept without review [setting wikidata_link_threshold; default 0.75].")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.3, show_default=True,
              help="Do not show candidates scoring lower.")
@click.option("--json", "as_json", is_flag=True, help="Print the proposals as JSON.")
@click.pass_obj
@_library_errors
def link_command(layout: Layout, accepts: tuple[str, ...], review: bool, entities: tuple[str, ...],
                 threshold: float | None, min_score: float, as_json: bool) -> None:
    """Propose Wikidata items for entities that have none, and write the ones accepted.

    Candidates come from Wikidata's search (labels and alternative labels in en, uz, ru,
    kk) and are checked on its SPARQL endpoint (type, country, posts, memberships); each
    gets a score from 0 to 1 with the evidence for it. Nothing is written without
    --accept or --review, and nothing below the threshold without --review (which asks
    again). Accepted links go into data/wikidata.ttl with a kg:WikidataLink record; run
    `kgraph build` afterwards. Exit 2 when Wikidata cannot be reached (nothing written).

    \b
    Examples:
      kgraph link
      kgraph link --entity kgr:aktau --json
      kgraph link --accept kgr:aktau=Q198989
      kgraph link --review
    """
    from .settings import resolve
    from .wikidata import linking

    if accepts and review:
        raise click.UsageError("give --accept or --review, not both.")
    threshold = threshold if threshold is not None else float(resolve()["wikidata_link_threshold"])
    store = open_build(ensure_built(layout))
    with _wikidata_client() as client:
        if accepts:
            pairs = [linking.parse_pair(a) for a in accepts]
            for link in linking.accept(store, client, pairs, layout.data_dir, threshold=threshold):
                click.echo(f"Linked {linking.short(link.entity)} = {link.qid}")
            click.echo(f"Wrote {layout.data_dir / linking.WIKIDATA_FILE}; run `kgraph build` to use it.", err=True)
            return
        only = {linking.entity_iri(e) for e in entities} or None
        proposals = linking.find_proposals(store, client, only=only, min_score=min_score)
        if review:
            decisions = _review(proposals, threshold)
            written = linking.write_reviewed(decisions, client, layout.data_dir, threshold=threshold)
            click.echo(f"{len(written)} link(s) written to {layout.data_dir / linking.WIKIDATA_FILE}"
                       + ("; run `kgraph build` to use them." if written else "."), err=True)
            return
    if as_json:
        click.echo(json.dumps({"threshold": threshold,
                               "proposals": linking.proposals_as_dict(proposals, threshold)},
                              indent=2, ensure_ascii=False))
        return
    _print_proposals(proposals, threshold)


def _print_candidate(number: int, candidate, threshold: float) -> None:
    mark = "" if candidate.score >= threshold else "  (below the threshold)"
    click.echo(f"  {number}. {candidate.qid}  {candidate.score:.2f}  {candidate.label}"
               f"{' — ' + candidate.description if candidate.description else ''}{mark}")
    for ev in candidate.evidence:
        click.echo(f"       {ev.weight:+.2f}  {ev.text}")


def _print_proposals(proposals, threshold: float) -> None:
    shown = 0
    for proposal in proposals:
        entity = proposal.entity
        if not proposal.candidates:
            continue
        shown += 1
        ambiguous = len(proposal.above(threshold)) > 1
        click.echo(f"{entity.short} ({entity.kind}) “{entity.name}”"
                   + ("  — more than one candidate above the threshold: review" if ambiguous else ""))
        for number, candidate in enumerate(proposal.candidates, start=1):
            _print_candidate(number, candidate, threshold)
    quiet = [p.entity.short for p in proposals if not p.candidates]
    if quiet:
        click.echo(f"No candidates for: {', '.join(quiet)}")
    click.echo(f"{shown} entit{'y' if shown == 1 else 'ies'} with candidates; threshold {threshold:.2f}. "
               "Accept with --accept ENTITY=QID, or --review.", err=True)


def _review(proposals, threshold: float):
    from .wikidata.linking import Decision

    decisions = []
    for proposal in proposals:
        if not proposal.candidates:
            continue
        click.echo(f"\n{proposal.entity.short} ({proposal.entity.kind}) “{proposal.entity.name}”")
        for number, candidate in enumerate(proposal.candidates, start=1):
            _print_candidate(number, candidate, threshold)
        answer = click.prompt("Accept which? number, s to skip, q to stop", default="s").strip().lower()
        if answer == "q":
            break
        if not answer.isdigit() or not 1 <= int(answer) <= len(proposal.candidates):
            continue
        candidate = proposal.candidates[int(answer) - 1]
        if candidate.score < threshold and not click.confirm(
                f"{candidate.qid} scores {candidate.score:.2f}, below the threshold {threshold:.2f}. "
                "Have you checked it yourself, and accept it?", default=False):
            continue
        decisions.append(Decision(proposal, candidate, "interactive review"))
    return decisions


@cli.command("enrich")
@click.option("--compare", "then_compare", is_flag=True, help="Then print the comparison report (kgraph compare).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON (with --compare).")
@click.pass_obj
@_library_errors
def enrich_command(layout: Layout, then_compare: bool, as_json: bool) -> None:
    """Pull Wikidata statements about the linked entities into a graph of their own.

    Coordinates, population, inception, heads of state, memberships, positions and
    diplomatic relations (with their start and end) go into the named graph
    https://w3id.org/kgraph/graph/wikidata, written to BUILD_DIR/wikidata.nq, each
    statement with prov:wasDerivedFrom its item and prov:generatedAtTime; the article's
    facts are untouched. Exit 2 when Wikidata cannot be reached (nothing written).

    \b
    Examples:
      kgraph enrich
      kgraph enrich --compare
    """
    from .wikidata.enrich import enrich

    path = ensure_built(layout)
    with _wikidata_client() as client:
        result = enrich(open_build(path), client, layout.build_dir)
    click.echo(f"Wrote {result.path}: {result.statements} statements and {result.labels} labels about "
               f"{result.items} items (retrieved {result.retrieved}).", err=True)
    if then_compare:
        _print_comparison(path, as_json)


@cli.command("compare")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_obj
@_library_errors
def compare_command(layout: Layout, as_json: bool) -> None:
    """Report where Wikidata (from `kgraph enrich`) and the article agree, and where not.

    Memberships, heads of state and their dates, names in en/uz/ru/kk, and the date
    diplomatic relations were established. Exit 0 whatever it finds.

    \b
    Example:
      kgraph compare --json
    """
    _print_comparison(ensure_built(layout), as_json)


def _print_comparison(path: Path, as_json: bool) -> None:
    from .wikidata import compare

    findings = compare.compare(path)
    if as_json:
        click.echo(json.dumps({"summary": compare.summary(findings), "findings": compare.as_dicts(findings)},
                              indent=2, ensure_ascii=False))
    else:
        click.echo(compare.report_text(findings))
