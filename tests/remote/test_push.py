"""`kgraph push URL`: the build into a real Oxigraph server over the Graph Store Protocol."""

from __future__ import annotations

import re

import pytest
import requests
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kgraph.namespaces import Graphs
from kgraph.remote import Endpoints, RemoteStore, endpoints

NAMES = ("ontology", "asserted", "inferred", "shapes")


def counts(server) -> dict[str, int]:
    store = RemoteStore(server.url)
    return {name: store.count(str(Graphs.BY_NAME[name])) for name in NAMES}


def test_push_loads_every_graph_and_checks_the_counts(kgraph, oxigraph, built):
    result = kgraph("push", oxigraph.url)
    assert result.exit_code == 0, result.output
    assert counts(oxigraph) == built.manifest["triples"]
    for name in NAMES:  # the check's report: found at the store, pushed, the graph
        n = built.manifest["triples"][name]
        assert re.search(rf"\b{n} triples at the store, +{n} pushed +{Graphs.BY_NAME[name]}", result.stdout)


def test_progress_is_shown_per_request(kgraph, oxigraph, built):
    result = kgraph("push", oxigraph.url, "--chunk-size", "500", "--graph", "asserted")
    assert result.exit_code == 0, result.output
    chunks = -(-built.manifest["triples"]["asserted"] // 500)
    lines = [line for line in result.stderr.splitlines() if str(Graphs.ASSERTED) in line]
    assert len(lines) >= chunks  # blank-node groups may add one
    assert lines[0].split()[1] == f"1/{len(lines)}" and lines[-1].split()[1] == f"{len(lines)}/{len(lines)}"
    assert kgraph("push", oxigraph.url, "--quiet", "--graph", "asserted").stderr == ""


def test_chunks_keep_blank_nodes_whole(kgraph, oxigraph, built):
    """The shapes graph is full of blank nodes (sh:in lists, sh:or …); sent in small
    chunks, it must arrive as the same graph, not with each node split in two."""
    assert kgraph("push", oxigraph.url, "--chunk-size", "50", "--graph", "shapes", "-q").exit_code == 0
    remote = requests.get(f"{oxigraph.url}/store", params={"graph": str(Graphs.SHAPES)},
                          headers={"Accept": "application/n-triples"}, timeout=10)
    local = Dataset().parse(built.path / "dataset.nq", format="nquads").graph(Graphs.SHAPES)
    assert isomorphic(Graph().parse(data=remote.text, format="nt"), local)


def test_replace_and_merge(kgraph, oxigraph, built):
    asserted = built.manifest["triples"]["asserted"]
    assert kgraph("push", oxigraph.url, "-q", "--graph", "asserted").exit_code == 0
    extra = b"<https://example.org/a> <https://example.org/b> <https://example.org/c> ."
    requests.post(f"{oxigraph.url}/store", params={"graph": str(Graphs.ASSERTED)}, data=extra,
                  headers={"Content-Type": "application/n-triples"}, timeout=10).raise_for_status()

    merged = kgraph("push", oxigraph.url, "--merge", "--graph", "asserted")
    assert merged.exit_code == 0, merged.output  # more than was pushed is right for a merge
    assert counts(oxigraph)["asserted"] == asserted + 1

    replaced = kgraph("push", oxigraph.url, "--replace", "--graph", "asserted")
    assert replaced.exit_code == 0, replaced.output
    assert counts(oxigraph) == {"ontology": 0, "asserted": asserted, "inferred": 0, "shapes": 0}


def test_a_count_that_differs_is_an_error(kgraph, oxigraph, tmp_path):
    """The counts are read at the query URL: pointed at another (empty) store, they cannot match."""
    from oxigraph_process import OxigraphServer

    with OxigraphServer(tmp_path / "other") as other:
        result = kgraph("push", oxigraph.url, "--graph", "inferred", "--query-url", f"{other.url}/query")
    assert result.exit_code == 2
    assert "do not match" in result.stderr and "0 at the store" in result.stderr


@pytest.mark.parametrize(("url", "words"), [
    ("{closed}", ["cannot be reached", "Connection refused", "/store"]),
    ("{server}/no/such/store", ["refused PUT", "404", "--graph-store-url"]),
    ("ftp://127.0.0.1/store", ["not an http(s) URL"]),
])
def test_store_errors_exit_2_with_the_cause(kgraph, oxigraph, closed_url, url, words):
    result = kgraph("push", url.format(closed=closed_url, server=oxigraph.url), "--query-url", f"{oxigraph.url}/query")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr


def test_option_errors(kgraph, oxigraph):
    unknown = kgraph("push", oxigraph.url, "--graph", "nope")
    assert unknown.exit_code == 2 and "no graph nope" in unknown.stderr and "asserted" in unknown.stderr
    unguessable = kgraph("push", f"{oxigraph.url}/somewhere")
    assert unguessable.exit_code == 2 and "--query-url" in unguessable.stderr
    assert counts(oxigraph) == dict.fromkeys(NAMES, 0)  # nothing was written


@pytest.mark.parametrize(("url", "query", "graph_store"), [
    ("http://h:7878", "http://h:7878/query", "http://h:7878/store"),  # Oxigraph server's root
    ("http://h:7878/", "http://h:7878/query", "http://h:7878/store"),
    ("http://h:7878/store", "http://h:7878/query", "http://h:7878/store"),
    ("http://h:3030/ds/data", "http://h:3030/ds/query", "http://h:3030/ds/data"),  # Fuseki
    ("http://h:8890/sparql", "http://h:8890/sparql", None),  # a query URL (Virtuoso …)
])
def test_endpoints_from_one_url(url, query, graph_store):
    assert endpoints(url) == Endpoints(query, graph_store)
