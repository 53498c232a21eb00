"""The data's own terms on every path (docs/modelling.md, "Terms as the store keeps them").

The served store (Oxigraph) keeps a literal's value, not always its lexical form: it would
answer ``"15.0"^^xsd:decimal`` as ``"15"``, ``xsd:positiveInteger`` as ``xsd:integer`` and
``@uz-Cyrl`` as ``@uz-cyrl``. The data is therefore written in the forms the store keeps,
and these tests hold every path to that:

* the on-disk store ``kgraph build`` writes (the one ``kgraph serve`` answers from), dumped
  with pyoxigraph, all named graphs, equals ``dataset.nq`` term for term: the very same
  N-Quads lines for quads without blank nodes, the same canonical (RDFC-1.0) quads for all;
* ``/sparql`` answers ``datatype(?o)`` and ``lang(?l)`` exactly as ``dataset.nq`` has them, and
  the same filters give the same rows at the endpoint and on the ``kgraph.ttl`` download
  read by another engine (rdflib).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kgraph.pipeline import DATASET_FILE, STORE_DIR
from kgraph.store import DEFAULT_GRAPHS
from kgraph.web import create_app
from kgraph.web.dataset import open_built

ROOT = Path(__file__).resolve().parents[1]
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: A language tag at the end of an N-Quads literal (``"…"@uz-cyrl <graph> .``).
_TAG = re.compile(r'(?<!\\)"@([A-Za-z0-9-]+)\s')
#: A language tag in Turtle source (``"…"@uz-cyrl``).
_SOURCE_TAG = re.compile(r'"@([A-Za-z][A-Za-z0-9-]*)')


def _has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _canonical(quads) -> set[str]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


@pytest.fixture(scope="module")
def dataset_lines(built) -> list[str]:
    """dataset.nq as written, line by line (not re-read by a parser that might re-case)."""
    text = (built.path / DATASET_FILE).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


#: Dumps an on-disk store as N-Quads lines, in its own process (RocksDB must not run in
#: this one, which forks: see kgraph.ondisk).
_DUMP = ("import sys, pyoxigraph as ox; store = ox.Store.read_only(sys.argv[1]); "
         "sys.stdout.buffer.write(''.join(f'{q} .\\n' for q in store).encode('utf-8'))")


@pytest.fixture(scope="module")
def served_quads(built) -> list[ox.Quad]:
    """Every quad of the served store, as pyoxigraph reads them out of it."""
    done = subprocess.run([sys.executable, "-c", _DUMP, str(built.path / STORE_DIR)],
                          capture_output=True, check=True)
    return list(ox.parse(done.stdout, format=ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def dump(served_quads) -> list[ox.Quad]:
    """The served store's named graphs: what dataset.nq holds."""
    return [q for q in served_quads if isinstance(q.graph_name, ox.NamedNode)]


@pytest.fixture(scope="module")
def source_quads(dataset_lines) -> list[ox.Quad]:
    return list(ox.parse("\n".join(dataset_lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def client(built):
    dataset = open_built(built.path)  # the on-disk store, as `kgraph serve` opens it
    return create_app({"TESTING": True}, dataset=dataset).test_client()


#: /sparql is a standard endpoint: a query declares the prefixes it uses.
PROLOGUE = """PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX kg: <https://w3id.org/kgraph/ontology#>
PREFIX kgr: <https://w3id.org/kgraph/id/>
"""


def select(client, query: str) -> list[dict]:
    response = client.post("/sparql", data={"query": PROLOGUE + query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]["bindings"]


# --- The served store and dataset.nq ----------------------------------------------------------


def test_the_served_store_has_every_quad_of_dataset_nq_and_no_other(source_quads, dump):
    assert len(dump) == len(source_quads)
    assert {q.graph_name for q in dump} == {q.graph_name for q in source_quads}
    missing = _canonical(source_quads) - _canonical(dump)
    extra = _canonical(dump) - _canonical(source_quads)
    assert not missing and not extra, (
        "the store changed these terms (dataset.nq → store):\n"
        + "\n".join(f"- {line}" for line in sorted(missing)[:20])
        + "\n" + "\n".join(f"+ {line}" for line in sorted(extra)[:20]))


def test_without_blank_nodes_the_store_gives_back_the_very_lines_of_dataset_nq(dataset_lines, dump):
    """Byte for byte: lexical forms, datatypes and language tags as dataset.nq writes them."""
    written = set()
    for line in dataset_lines:
        quad = next(iter(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_QUADS)))
        if not _has_blank_node(quad):
            written.add(line)
    served = {f"{quad} ." for quad in dump if not _has_blank_node(quad)}
    assert written - served == set() and served - written == set(), (
        sorted(written - served)[:10], sorted(served - written)[:10])


def test_a_default_graph_held_by_the_store_is_the_merge_of_the_default_graphs_term_for_term(
        source_quads, served_quads):
    held = [q for q in served_quads if isinstance(q.graph_name, ox.DefaultGraph)]
    if not held:
        pytest.skip("this store keeps no default graph of its own (it is given with each query)")
    defaults = {ox.NamedNode(g) for g in DEFAULT_GRAPHS}
    merge = {ox.Quad(q.subject, q.predicate, q.object) for q in source_quads if q.graph_name in defaults}
    assert _canonical(held) == _canonical(merge)


def test_every_language_tag_is_lower_case_in_the_sources_and_the_dataset(dataset_lines):
    """The one documented form: what the store would make of any other case anyway."""
    tags = Counter(match.group(1) for line in dataset_lines for match in _TAG.finditer(line))
    assert tags["uz-cyrl"] > 0
    assert [tag for tag in tags if tag != tag.lower()] == []
    for folder in ("data", "ontology", "shapes"):
        for path in sorted((ROOT / folder).glob("*.ttl")):
            upper = {m.group(1) for m in _SOURCE_TAG.finditer(path.read_text(encoding="utf-8"))
                     if m.group(1) != m.group(1).lower()}
            assert not upper, f"{path.relative_to(ROOT)}: write the tags {sorted(upper)} in lower case"


def test_the_data_uses_only_datatypes_the_store_keeps(source_quads):
    datatypes = {q.object.datatype.value for q in source_quads
                 if isinstance(q.object, ox.Literal) and not q.object.language}
    assert not datatypes & {XSD + "positiveInteger", XSD + "nonNegativeInteger"}


# --- /sparql ----------------------------------------------------------------------------------


def _literal_key(graph: str, predicate: str, value: str, datatype: str, language: str):
    return graph, predicate, value, datatype, language


def test_sparql_answers_datatype_and_lang_as_dataset_nq_has_them(client, source_quads):
    rows = select(client, """
        SELECT ?g ?p ?o (datatype(?o) AS ?dt) (lang(?o) AS ?lang)
        WHERE { GRAPH ?g { ?s ?p ?o FILTER isLiteral(?o) } }""")
    answered = Counter()
    for row in rows:
        literal = row["o"]
        language = literal.get("xml:lang", "")
        datatype = literal.get("datatype", RDF_LANGSTRING if language else XSD + "string")
        # The functions answer what the literal itself says.
        assert row["dt"]["value"] == datatype, row
        assert row["lang"]["value"] == language, row
        answered[_literal_key(row["g"]["value"], row["p"]["value"], literal["value"], datatype, language)] += 1
    expected = Counter(
        _literal_key(q.graph_name.value, q.predicate.value, q.object.value, q.object.datatype.value,
                     q.object.language or "")
        for q in source_quads if isinstance(q.object, ox.Literal))
    assert sum(expected.values()) == len(rows) > 1000
    assert answered == expected


@pytest.fixture(scope="module")
def turtle_download(client) -> Graph:
    """The kgraph.ttl download (the facts), read by rdflib: another engine than the store's."""
    response = client.get("/download/kgraph.ttl")
    assert response.status_code == 200
    return Graph().parse(data=response.data, format="turtle")


def _count(rows, name="n") -> int:
    return int(rows[0][name]["value"])


@pytest.mark.parametrize("condition", [
    "datatype(?o) = xsd:integer",
    "datatype(?o) = xsd:decimal",
    "datatype(?o) = xsd:positiveInteger",
    "datatype(?o) = xsd:nonNegativeInteger",
    "datatype(?o) = xsd:decimal && str(?o) = \"15\"",
    "lang(?o) = \"uz-cyrl\"",
    "lang(?o) = \"uz-Cyrl\"",  # case matters to = (lower-case tags: no rows on either)
    "langMatches(lang(?o), \"uz-Cyrl\")",  # and not to langMatches
    "langMatches(lang(?o), \"uz\")",
])
def test_the_same_filter_gives_the_same_rows_at_the_endpoint_and_on_kgraph_ttl(
        client, turtle_download, condition):
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER ({condition}) }}"
    at_endpoint = _count(select(client, query))
    in_download = int(next(iter(turtle_download.query(PROLOGUE + query)))[0])
    assert at_endpoint == in_download


def test_the_modelled_figures_come_back_as_written(client):
    rows = select(client, """
        SELECT ?o (datatype(?o) AS ?dt) WHERE {
          { kgr:term-ambassador-uz-kz-3 kg:ordinal ?o } UNION
          { kgr:visits-karimov-to-kazakhstan kg:visitCount ?o } UNION
          { kgr:measure-darbaza-maqtaaral-earthworks-share schema:value ?o } }""")
    assert sorted((r["o"]["value"], r["dt"]["value"]) for r in rows) == [
        ("15", XSD + "decimal"), ("25", XSD + "integer"), ("3", XSD + "integer")]
    labels = select(client, """
        SELECT ?l (lang(?l) AS ?t) WHERE {
          kgr:uzbekistan rdfs:label ?l FILTER langMatches(lang(?l), "uz-Cyrl") }""")
    assert [(r["l"]["value"], r["t"]["value"]) for r in labels] == [("Ўзбекистон", "uz-cyrl")]
