"""The benchmark suite's own guarantees: the peers answer from kgraph's default graph, the
uncached mode really varies the query, wrk's errors are all counted, and the load test
runs against a real ``kgraph serve`` and says PASS only with no error and flat memory."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_endpoint as endpoint
import load_test
import run



def _size(result) -> int:
    return len(list(result.raw))


def test_the_peers_data_answers_every_query_as_kgraph_does(built, store, tmp_path):
    peers_nq, facts_nt = endpoint.peer_files(built.path / "dataset.nq", tmp_path)
    oxigraph = ox.Store()  # as `oxigraph serve` without --union-default-graph sees it
    oxigraph.bulk_load(path=str(peers_nq), format=ox.RdfFormat.N_QUADS)
    rdflib_like = ox.Store()  # as rdflib-endpoint sees it: everything in one default graph
    rdflib_like.bulk_load(path=str(facts_nt), format=ox.RdfFormat.N_TRIPLES)
    for query in endpoint.queries_for(built.path / "dataset.nq"):
        ours = _size(store.query(query.sparql))
        assert ours > 0, query.name
        assert len(list(oxigraph.query(query.sparql))) == ours, query.name
        assert len(list(rdflib_like.query(query.sparql))) == ours, query.name
    # The ontology and the shapes stay apart, in their named graphs, out of the default graph.
    assert len(oxigraph) == len((built.path / "dataset.nq").read_text(encoding="utf-8").splitlines())
    assert len(rdflib_like) == built.manifest["triples"]["asserted"] + built.manifest["triples"]["inferred"]


@pytest.mark.parametrize("shape", [q.name for q in endpoint.TEMPLATES])
def test_uncached_requests_are_different_queries_with_the_same_answer(built, store, shape):
    query = next(q for q in endpoint.queries_for(built.path / "dataset.nq") if q.name == shape)
    url = f"http://127.0.0.1:1{endpoint.query_path('/sparql', query.sparql)}"
    requests = endpoint.vary(url)
    texts = [parse_qs(urlsplit(next(requests)[0]).query)["query"][0] for _ in range(3)]
    # kgraph's answer cache keys on the exact text: each must be a key of its own.
    assert len(set(texts)) == 3
    assert {_size(store.query(text)) for text in texts} == {_size(store.query(query.sparql))}


WRK_REPORT = """Running 5s test @ http://127.0.0.1:8000/sparql?query=x
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  310.00us   9.80ms   90.00%
  Latency Distribution
     50%    1.43ms
     75%    1.60ms
     90%    1.90ms
     99%    2.50s
  13041 requests in 5.00s, 9.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   2608.13
Transfer/sec:      1.82MB
"""


def test_wrk_report_counts_non_2xx_and_socket_errors():
    result = endpoint.parse_wrk(WRK_REPORT)
    assert result.requests == 13041
    assert result.requests_per_second == pytest.approx(2608.13)
    assert result.p50_ms == pytest.approx(1.43)
    assert result.p99_ms == pytest.approx(2500)
    assert result.errors == 7 + 2 + 3


def test_only_127_0_0_1_is_ever_loaded():
    with pytest.raises(ValueError, match="127.0.0.1"):
        endpoint.fetch("http://example.org/sparql?query=ASK{}", endpoint.SELECT_JSON)
    with pytest.raises(ValueError, match="127.0.0.1"):
        endpoint.run_wrk(endpoint.LoadSettings(wrk="wrk"), "http://localhost:1/", endpoint.SELECT_JSON)


def test_load_test_passes_against_a_real_server(project_layout, built, tmp_path, capsys):
    out = tmp_path / "load.json"
    loader = [] if shutil.which("wrk") else ["--python-load"]
    code = load_test.main(["--duration", "2", "--warmup", "1", "--home", str(ROOT), "--build-dir",
                           str(project_layout.build_dir), "--vary", "--json", str(out), *loader])
    printed = capsys.readouterr().out
    figures = json.loads(out.read_text())
    assert code == 0, printed
    assert "PASS" in printed
    verdict = figures["verdict"]
    assert verdict["requests"] > 0 and verdict["errors"] == 0
    assert figures["queries"] >= 30  # every offline competency question is in the mix
    first = figures["memory_samples"][0]
    assert first["master"]["rss_mib"] > 0 and len(first["workers"]) == 2  # gunicorn's master and 2 workers


def test_load_test_fails_on_any_error_or_memory_growth():
    ok = load_test.Verdict(100, 0, "", 50, 50, 1, 2, 100, 110, 110, 10, 16)
    assert ok.passed
    assert not load_test.Verdict(100, 1, "non-2xx 1", 50, 50, 1, 2, 100, 110, 110, 10, 16).passed
    assert not load_test.Verdict(100, 0, "", 50, 50, 1, 2, 100, 140, 140, 40, 16).passed
    assert not load_test.Verdict(100, 0, "", 50, 50, 1, 2, 100, 110, 110, 10, 16, warmup_errors=2).passed


def test_targets_compare_kgraph_with_each_peer():
    def row(server, rps, p99):
        return endpoint.Measurement(server, "lookup", "uncached", rps, 1.0, p99, 1000, 0, 5)

    results = [row("kgraph serve", 4000, 4.0), row("rdflib-endpoint", 1000, 20), row("oxigraph serve", 10000, 1)]
    kgraph = endpoint.ServerReport("kgraph serve", "", 2.5, 0, {}, {})
    found = {t["target"]: t for t in run.targets("article", [kgraph], results)}
    assert found["small SELECT (uncached) req/s vs rdflib-endpoint"]["met"]  # 4.0x >= 4x
    assert not found["small SELECT (uncached) req/s vs oxigraph serve"]["met"]  # 0.4x < 0.5x
    assert found["small SELECT (uncached) p99 ms"]["met"]
    assert not found["cold start s"]["met"]  # 2.5 s > 2 s


def test_unknown_size_is_refused_with_the_choices():
    with pytest.raises(SystemExit) as exit_info:
        run.main(["--sizes", "article,2m"])
    assert exit_info.value.code == 2
