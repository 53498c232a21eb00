"""Slow and idle clients cannot hold the server (issue 15): the default ``kgraph serve``
under 400 connections that trickle their request one byte a second — 200 from 127.0.0.1,
one each from 127.0.0.2 … 127.0.0.201 — still answers a normal client's query within a
second, all along; the server closes the slow connections at its limits (header_timeout,
body_timeout) and its memory stays put.

Each variant runs a fixed time (a little past the limits, so the server's closing is seen)
and each slot reconnects at most once, so the test is bounded in connections and in time
(about 15 s a variant) and stops by itself. Loopback addresses only.
"""

from __future__ import annotations

import asyncio
import threading
import time
from urllib.parse import urlencode, urlsplit

import psutil
import pytest

from serving import fetch, kgraph_serve

pytestmark = pytest.mark.server

SLOTS_PER_SIDE = 200  # from 127.0.0.1, and from as many other loopback addresses
ATTACK_SECONDS = 13.0  # past the default header_timeout and body_timeout (10 s)
PROBE_EVERY = 0.2
ANSWER_WITHIN = 1.0
MEMORY_GROWTH_MIB = 100

HEADERS_HEAD = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: slow.example\r\n"
BODY_HEAD = (b"POST /sparql HTTP/1.1\r\nHost: slow.example\r\nContent-Type: application/sparql-query\r\n"
             b"Content-Length: 4096\r\n\r\n")
CHUNKED_HEAD = (b"POST /sparql HTTP/1.1\r\nHost: slow.example\r\nContent-Type: application/sparql-query\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")

#: variant → what slot n sends at once, and then a piece a second
VARIANTS = {
    "header bytes": lambda n: (HEADERS_HEAD, [b"X-Slow: "[i:i + 1] for i in range(8)] + [b"a"] * 60),
    "header lines": lambda n: (b"GET / HTTP/1.1\r\n", [b"X-Line-%d: a\r\n" % i for i in range(60)]),
    "body bytes": lambda n: (BODY_HEAD, [b"#"] * 60) if n % 2 else (CHUNKED_HEAD, [b"1\r\n#\r\n"] * 60),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The default ``kgraph serve`` (2 workers × 4 threads, default limits) over a small file."""
    fixture = tmp_path_factory.mktemp("data") / "small.nt"
    fixture.write_text("".join(f"<http://example.org/s{n}> <http://example.org/p> \"{n}\" .\n"
                               for n in range(50)), encoding="utf-8")
    with kgraph_serve(str(fixture), ready="/sparql?" + urlencode({"query": "ASK {}"}),
                      env={"KGRAPH_BUILD_DIR": str(tmp_path_factory.mktemp("build"))}) as (base, process):
        master = psutil.Process(process.pid)
        _settled(master)
        yield base, master


def _settled(master: psutil.Process, seconds: float = 60) -> None:
    """Until every worker runs all its query processes (started one after the other) and they
    have loaded the data, so the memory measured before an attack is the server's steady state."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        workers = master.children()
        running = [sum("spawn_main" in " ".join(child.cmdline()) for child in worker.children())
                   for worker in workers]
        if len(workers) == 2 and all(count >= 4 for count in running):
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the query processes did not all start within {seconds} s")
    # … and each has loaded what it loads (its memory no longer grows).
    last = _memory_mib(master)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = _memory_mib(master)
        if abs(now - last) < 4:
            return
        last = now
    raise AssertionError(f"the server's memory did not settle within {seconds} s")


def _memory_mib(master: psutil.Process) -> float:
    total = 0
    for process in [master, *master.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass  # a query process replaced meanwhile
    return total / 2**20


async def _slot(port: int, address: str, n: int, variant: str, stop_at: float, record: dict) -> None:
    """One slow client: its request a piece a second; when the server ends the connection
    (an answer or a close), it reconnects once and starts again."""
    for _ in range(2):
        if time.monotonic() >= stop_at:
            return
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
        except OSError:
            record["refused"] += 1
            return
        record["opened"] += 1
        opened = time.monotonic()
        head, pieces = VARIANTS[variant](n)
        ended = asyncio.ensure_future(reader.read(65536))  # an answer, or b"" at a close
        try:
            writer.write(head)
            for piece in pieces:
                await asyncio.wait([ended], timeout=1.0)
                if ended.done() or time.monotonic() >= stop_at:
                    break
                writer.write(piece)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        if not ended.done():
            await asyncio.wait([ended], timeout=0.05)
        by_the_server = ended.done()
        if by_the_server:
            record["ended by the server"].append(time.monotonic() - opened)
        else:
            ended.cancel()
        writer.close()
        if not by_the_server:
            return


def _attack(port: int, variant: str, record: dict) -> threading.Thread:
    stop_at = time.monotonic() + ATTACK_SECONDS

    async def everyone() -> None:
        slots = [_slot(port, "127.0.0.1", n, variant, stop_at, record) for n in range(SLOTS_PER_SIDE)]
        slots += [_slot(port, f"127.0.0.{2 + n}", n, variant, stop_at, record) for n in range(SLOTS_PER_SIDE)]
        await asyncio.gather(*slots)

    thread = threading.Thread(target=asyncio.run, args=(everyone(),), name=f"slow clients: {variant}")
    thread.start()
    return thread


@pytest.mark.parametrize("variant", VARIANTS)
def test_slow_clients_do_not_stop_a_normal_clients_queries(server, variant):
    base, master = server
    port = urlsplit(base).port
    before = _memory_mib(master)
    record = {"opened": 0, "refused": 0, "ended by the server": []}
    attack = _attack(port, variant, record)
    probes, peak, n = [], before, 0
    time.sleep(0.5)  # the slow connections are open
    while attack.is_alive():
        n += 1
        # A different query each time, so the query processes answer it, not the cache.
        query = f"SELECT ?o WHERE {{ <http://example.org/s{n % 50}> ?p ?o }} # {variant} {n}"
        url = f"{base}/sparql?" + urlencode({"query": query + "\nVALUES ?probe { " + str(n) + " }"})
        started = time.monotonic()
        try:
            status = fetch(url, timeout=5)[0]
        except OSError as exc:
            status = type(exc).__name__
        probes.append((status, time.monotonic() - started))
        peak = max(peak, _memory_mib(master))
        time.sleep(max(0.0, PROBE_EVERY - (time.monotonic() - started)))
    attack.join(10)
    assert not attack.is_alive()
    answered = [seconds for status, seconds in probes if status == 200]
    print(f"{variant}: {len(answered)}/{len(probes)} probes answered, slowest "
          f"{max(answered, default=0) * 1000:.0f} ms; {record['opened']} slow connections, "
          f"{len(record['ended by the server'])} ended by the server; memory {before:.0f} -> peak {peak:.0f} MiB")

    assert record["opened"] >= 2 * SLOTS_PER_SIDE and not record["refused"], record
    late = [(status, round(seconds, 2)) for status, seconds in probes if status != 200 or seconds > ANSWER_WITHIN]
    assert len(probes) >= ATTACK_SECONDS / (PROBE_EVERY + ANSWER_WITHIN) and not late, (len(probes), late)
    # The server ended the slow connections at its limits (10 s), not the clients at the end.
    ended = record["ended by the server"]
    assert len(ended) >= 1.5 * SLOTS_PER_SIDE and max(ended) < 12, (len(ended), max(ended, default=None))
    assert peak - before < MEMORY_GROWTH_MIB, (before, peak)
    assert master.is_running() and fetch(f"{base}/sparql?query=ASK%7B%7D", timeout=5)[0] == 200
