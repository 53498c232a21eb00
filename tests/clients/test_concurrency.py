"""Issue "Answers that are whole": an ordinary threaded client is answered in full — eight
SPARQLWrapper threads of one client, two queries each, all answered (a query over the
client's limit waits a moment for a slot instead of meeting a 429 at once)."""

from __future__ import annotations

import threading

from SPARQLWrapper import JSON, SPARQLWrapper

# An ordinary query, a new one each time (no answer from the cache).
QUERY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?s a ?c FILTER(STRLEN(STR(?s)) >= {i}) }}"


def test_eight_threads_of_one_client_get_every_answer(sparql_url, store):
    answers: list[int] = []
    failures: list[str] = []

    def ask(thread: int) -> None:
        for round_ in range(2):
            client = SPARQLWrapper(sparql_url)
            client.setQuery(QUERY.format(i=thread * 2 + round_))
            client.setReturnFormat(JSON)
            try:
                result = client.query().convert()
                answers.append(int(result["results"]["bindings"][0]["n"]["value"]))
            except Exception as exc:  # noqa: BLE001 — any failure is counted, not raised in a thread
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and len(answers) == 16
    expected = {int(next(iter(store.query(QUERY.format(i=i)).raw))["n"].value) for i in range(16)}
    assert set(answers) <= expected
