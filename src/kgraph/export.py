"""``kgraph export``: the built graph in any RDF format, byte for byte the same every time.

Which graphs (``graph=``):

=============  ====================================================================
``facts``      asserted + inferred facts, merged (the default for triple formats,
               and the default graph of queries)
``asserted``   what ``data/`` says          ``inferred``  what OWL-RL added
``ontology``   the OWL ontology            ``shapes``    the SHACL shapes
``wikidata``   statements pulled by ``kgraph enrich`` (when it has run)
``all``        every graph (the default for TriG and N-Quads, which keep the names;
               a triple format merges them)
=============  ====================================================================

Determinism, so exports diff cleanly in git: blank nodes get their RDFC-1.0 canonical
labels (pyoxigraph's ``Dataset.canonicalize``), N-Triples/N-Quads lines are sorted, and the
other writers get their triples in that order with sorted prefixes (rdflib's Turtle and
TriG writers sort subjects, predicates and objects; RDF/XML is written by pyoxigraph from
the sorted triples, one ``rdf:Description`` per subject). JSON-LD is compacted with the
project's context (:mod:`kgraph.jsonld_context`), keys sorted.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from .pipeline import ENRICHMENT_FILE, dataset_files, enrichment_path, read_manifest
from .fileutil import public_mode
from .formats import Format, rdf_format
from .namespaces import Graphs
from .writers import ExportError, serialize

__all__ = ["DATASET_FORMATS", "ENRICHMENT_FILE", "GRAPH_CHOICES", "WIKIDATA_GRAPH", "ExportError",
           "atomic_write", "dataset_files", "download_file", "enrichment_path", "export", "gzip_bytes",
           "select", "serialize", "write_export"]

#: The named graph of statements pulled from Wikidata (``kgraph enrich``).
WIKIDATA_GRAPH = str(Graphs.WIKIDATA)

#: ``graph=`` choices, in the order ``--help`` shows them.
GRAPH_CHOICES: tuple[str, ...] = ("facts", "asserted", "inferred", "ontology", "shapes", "wikidata", "all")
_FACTS = (str(Graphs.ASSERTED), str(Graphs.INFERRED))
#: Formats whose files keep named graphs.
DATASET_FORMATS = ("trig", "nquads")


def graph_iris(name: str, available: Iterable[str] = ()) -> tuple[str, ...]:
    """The named-graph IRIs a ``graph=`` choice stands for."""
    if name == "facts":
        return _FACTS
    if name == "wikidata":
        return (WIKIDATA_GRAPH,)
    if name == "all":
        return tuple(sorted(available))
    if name in Graphs.BY_NAME:
        return (str(Graphs.BY_NAME[name]),)
    raise ExportError(f"unknown graph {name!r}: choose one of {', '.join(GRAPH_CHOICES)}.")


def read_quads(files: Sequence[Path]) -> list[ox.Quad]:
    """Every quad of the N-Quads files, blank nodes shared across files only by label."""
    quads: list[ox.Quad] = []
    for path in files:
        try:
            quads.extend(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
        except (SyntaxError, OSError) as exc:
            raise ExportError(f"{path}: cannot be read: {exc}. Run `kgraph build` again.") from None
    return quads


def select(quads: Iterable[ox.Quad], graph: str, *, keep_names: bool) -> list[ox.Quad]:
    """The quads of the chosen graph(s), canonical (RDFC-1.0 blank nodes) and sorted.

    With ``keep_names`` false, the triples of every chosen graph are merged into the
    default graph.
    """
    quads = list(quads)
    available = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    wanted = set(graph_iris(graph, available))
    if graph == "wikidata" and WIKIDATA_GRAPH not in available:
        raise ExportError("there is no Wikidata graph yet: run `kgraph enrich` first.")
    dataset = ox.Dataset()
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in wanted:
            name = quad.graph_name if keep_names else ox.DefaultGraph()
            dataset.add(ox.Quad(quad.subject, quad.predicate, quad.object, name))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=_nquad_line)


def _nquad_line(quad: ox.Quad) -> str:
    return str(quad)


def export(build_path: Path, fmt: str | Format, *, graph: str | None = None,
           files: Sequence[Path] | None = None) -> bytes:
    """The build's graph(s) as bytes in ``fmt`` (a name, alias or media type of the format table).

    ``graph`` defaults to ``all`` for TriG/N-Quads and to ``facts`` for triple formats.
    ``files`` overrides the dataset's files (default: :func:`dataset_files`).
    """
    chosen = fmt if isinstance(fmt, Format) else rdf_format(fmt)
    keep_names = chosen.name in DATASET_FORMATS
    graph = graph or ("all" if keep_names else "facts")
    files = list(files or dataset_files(build_path))
    quads = select(read_quads(files), graph, keep_names=keep_names)
    return serialize(quads, chosen)


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Readers see the old file or the new one, never a part; on any error the temporary
    file is removed and ``path`` is untouched. The file gets the usual permissions
    (0666 less the umask), not mkstemp's private 0600.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; choose a writable folder.") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, public_mode())
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}; nothing was written.") from None
        raise
    return path


def write_export(build_path: Path, fmt: str | Format, path: Path, *, graph: str | None = None,
                 compress: bool | None = None) -> Path:
    """:func:`export` into a file, atomically; gzip-compressed when ``path`` ends in ``.gz``."""
    data = export(build_path, fmt, graph=graph)
    if compress or (compress is None and str(path).endswith(".gz")):
        data = gzip_bytes(data)
    return atomic_write(path, data)


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no time stamp or file name in the header, so the same input gives the same bytes."""
    return gzip.compress(data, compresslevel=9, mtime=0)


# --- Downloads: one file per format and build, generated once and kept ------------------------

#: The folder, inside a versioned build, that holds the generated download files.
DOWNLOADS_DIR = "downloads"
#: The name downloads are offered under (``kgraph.ttl``, ``kgraph.nq.gz`` …).
DOWNLOAD_STEM = "kgraph"


def download_graph(fmt: Format) -> str:
    """What a download holds: every named graph for TriG/N-Quads, the facts for the others."""
    return "all" if fmt.name in DATASET_FORMATS else "facts"


def downloads_key(build_path: Path) -> str:
    """The version of what downloads are made of: the build, plus the Wikidata graph if any.

    Used as the cache folder's name and in ETags: it changes exactly when the files would.
    """
    version = read_manifest(Path(build_path)).get("version") or Path(build_path).name
    extra = enrichment_path(Path(build_path).parent)
    if extra.is_file():
        version += "-wd" + hashlib.sha256(extra.read_bytes()).hexdigest()[:8]
    return version


def download_file(build_path: Path, fmt: str | Format, *, compressed: bool = False) -> Path:
    """The file of a download, generated on first use into ``<build>/downloads/<key>/``.

    Generation is atomic (temporary file + rename), so concurrent first requests at worst
    both write the same bytes; later requests read the file as it is.
    """
    chosen = fmt if isinstance(fmt, Format) else rdf_format(fmt)
    folder = Path(build_path) / DOWNLOADS_DIR / downloads_key(build_path)
    plain = folder / f"{DOWNLOAD_STEM}.{chosen.suffix}"
    if not plain.is_file():
        atomic_write(plain, export(build_path, chosen, graph=download_graph(chosen)))
    if not compressed:
        return plain
    packed = plain.with_name(plain.name + ".gz")
    if not packed.is_file():
        atomic_write(packed, gzip_bytes(plain.read_bytes()))
    return packed
