"""What describes a dataset served from a remote store: version, VoID, downloads; and the store object."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kgraph.remote import RemoteStore, redacted
from kgraph.store import DEFAULT_GRAPHS
from kgraph.web import create_app


def by_graph(dataset: Dataset) -> dict[str, Graph]:
    """Each non-empty named graph of ``dataset`` as a graph of its own (rdflib compares graphs only)."""
    graphs = {}
    for context in dataset.graphs():
        if len(context):
            graph = graphs.setdefault(str(context.identifier), Graph())
            for triple in context:
                graph.add(triple)
    return graphs


@pytest.fixture
def pushed(kgraph, oxigraph):
    assert kgraph("push", oxigraph.url, "-q").exit_code == 0
    return oxigraph


def test_the_local_build_describes_a_store_pushed_from_it(pushed, project_layout, built):
    app = create_app({"TESTING": True, "store_url": pushed.url}, layout=project_layout)
    dataset = app.extensions["kgraph"]
    assert dataset.manifest["version"] == built.manifest["version"] and dataset.build_path == built.path
    response = app.test_client().get("/download/kgraph.nt")
    assert response.status_code == 200 and built.manifest["version"] in response.headers["ETag"]


def test_without_a_local_build_the_store_describes_itself(pushed, project_layout, built, store, tmp_path):
    elsewhere = replace(project_layout, build_dir=tmp_path / "no-build")
    app = create_app({"TESTING": True, "store_url": pushed.url}, layout=elsewhere)
    dataset = app.extensions["kgraph"]
    assert dataset.build_path is None and dataset.manifest["version"].startswith("remote-")
    # The dump is read from the store: the same graphs as the embedded store's own dump.
    # (Not byte-equal to dataset.nq: Oxigraph, embedded or server, stores some literals in
    # a canonical form — "15.0"^^xsd:decimal as "15", xsd:positiveInteger as xsd:integer.)
    response = app.test_client().get("/download/kgraph.nq")
    assert response.status_code == 200
    embedded = create_app({"TESTING": True}, store=store).test_client().get("/download/kgraph.nq")
    served = by_graph(Dataset().parse(data=response.data, format="nquads"))
    expected = by_graph(Dataset().parse(data=embedded.data, format="nquads"))
    assert served.keys() == expected.keys() == {str(g) for g in built.manifest["graphs"].values()}
    assert all(isomorphic(served[name], expected[name]) for name in expected)
    void = app.test_client().get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert void.status_code == 200 and str(built.manifest["triples"]["asserted"]) in void.text


def test_a_store_that_changed_since_the_build_is_not_described_by_it(kgraph, oxigraph, project_layout, built):
    assert kgraph("push", oxigraph.url, "-q", "--graph", "asserted").exit_code == 0  # a partial push
    dataset = create_app({"TESTING": True, "store_url": oxigraph.url}, layout=project_layout).extensions["kgraph"]
    assert dataset.build_path is None and dataset.manifest["version"].startswith("remote-")


def test_a_remote_store_travels_to_another_process(pushed):
    """Query processes get the store pickled: it must reopen its connections there."""
    store = RemoteStore(pushed.url, timeout=10, default_graphs=DEFAULT_GRAPHS)
    assert store.query("ASK { ?s ?p ?o }").raw
    copy = pickle.loads(pickle.dumps(store))
    assert bool(copy.query("ASK { ?s ?p ?o }").raw) and copy.named_graphs() == store.named_graphs()


def test_passwords_stay_out_of_messages(closed_url):
    url = closed_url.replace("http://", "http://kg:s3cret@") + "/query"
    assert redacted(url) == url.replace("s3cret", "***")
    with pytest.raises(Exception) as raised:
        RemoteStore(url, timeout=2).query("ASK {}")
    assert "s3cret" not in str(raised.value) and "kg:***@" in str(raised.value)
