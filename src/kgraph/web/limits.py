"""Limits on what one request, and one client, may ask of the endpoint.

- :func:`check_length`: a query longer than ``max_query_length`` characters is a 413.
- :class:`ClientSlots`: at most ``client_concurrency`` queries of one client (IP address)
  running at once, counted across every worker; and a share of the server's query slots
  kept for clients that have none running, so two or three busy clients cannot take every
  slot. A request over either bound waits briefly for a slot (an ordinary threaded client
  then gets through), and past that wait is a 429 with ``Retry-After``.

The counters live in shared memory made before the server forks its workers
(the app, and this table, are created in the main process), so every worker
sees the same counts. flask-limiter was considered: it limits *rates* (n per period),
not how many requests are *in flight*, and its shared backends are servers (Redis,
memcached); a table of counters in ``multiprocessing`` shared memory is all this needs.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import WebError

#: Entries of the shared table: queries running at once on the whole server, far above what
#: its workers' threads can run.
TABLE_SIZE = 512


def check_length(query: str, limit: int, *, in_url: bool) -> None:
    """Refuse (413) a query longer than ``limit`` characters."""
    if limit and len(query) > limit:
        advice = ("Shorten it (VALUES lists and long FILTERs are the usual cause), or split it "
                  "into several queries.")
        if in_url:
            advice += " Long queries travel better in a POST body than in the URL."
        raise WebError(413, f"The query is {len(query)} characters long; this endpoint accepts at most "
                            f"{limit} (the max_query_length setting). {advice}")


#: Seconds between two looks at the table while a request waits for a slot.
_POLL = 0.01


class ClientSlots:
    """The queries running on the server, by client, in memory shared by every worker process.

    ``limit``: queries one client may run at once (0: no limit). ``capacity``: queries the
    whole server runs at once (its query processes); a client that already has one running
    may take another only while ``reserved`` of them stay free for clients that have none.
    ``wait``: seconds a request may wait for a slot before its 429.

    Each running query is an entry of a table: the client's key and the process that holds
    it. A worker that dies mid-query (killed at its timeout, or by the OOM killer) cannot
    release its entries; they are dropped when the table is next read, so a client is never
    refused for queries nobody runs any more.
    """

    def __init__(self, limit: int, retry_after: int, *, capacity: int = 0, wait: float = 0.0):
        self.limit = limit
        self.retry_after = max(1, retry_after)
        self.capacity = capacity
        self.reserved = max(1, capacity // 4) if capacity > 1 else 0
        self.wait = wait
        # One lock for the table: the critical section is a scan of a small table.
        self._lock = multiprocessing.Lock()
        self._keys = multiprocessing.RawArray(ctypes.c_uint64, TABLE_SIZE)
        self._pids = multiprocessing.RawArray(ctypes.c_int32, TABLE_SIZE)  # 0: a free entry

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """Count one query of ``client`` while the block runs; a 429 when it may not run one more."""
        if not self.limit:
            yield
            return
        entry = self._acquire(_key(client))
        try:
            yield
        finally:  # always: a timeout, a crash of the query process, a client gone away
            with self._lock:
                self._pids[entry] = 0

    def running(self, client: str) -> int:
        with self._lock:
            return self._scan(_key(client))[0]

    def _acquire(self, key: int) -> int:
        deadline = time.monotonic() + self.wait
        while True:
            with self._lock:
                held, running, free = self._scan(key)
                refusal = self._refusal(held, running, free)
                if refusal is None:
                    self._keys[free], self._pids[free] = key, os.getpid()
                    return free
            if time.monotonic() >= deadline:
                raise WebError(429, refusal, {"Retry-After": str(self.retry_after)})
            time.sleep(_POLL)

    def _scan(self, key: int) -> tuple[int, int, int | None]:
        """``(held, running, free)``: queries of ``key`` running, queries running in all, and a
        free entry (None: the table is full). Entries of processes gone are freed on the way."""
        held = running = 0
        free = None
        alive: dict[int, bool] = {}
        for entry in range(TABLE_SIZE):
            pid = self._pids[entry]
            if pid == 0:
                if free is None:
                    free = entry
                continue
            if pid not in alive:
                alive[pid] = _alive(pid)
            if not alive[pid]:
                self._pids[entry] = 0
                if free is None:
                    free = entry
                continue
            running += 1
            held += self._keys[entry] == key
        return held, running, free

    def _refusal(self, held: int, running: int, free: int | None) -> str | None:
        """Why a client with ``held`` queries running may not start one more now (None: it may)."""
        if held >= self.limit:
            return (f"This client already has {held} queries running, the most this endpoint runs at once "
                    "for one client (the client_concurrency setting). Wait for one to finish, then retry.")
        if held and self.capacity and running >= self.capacity - self.reserved:
            return (f"This client has {held} queries running and the server's query slots are nearly all "
                    f"taken; the last {self.reserved} are kept for clients with none running. Wait for one "
                    "of yours to finish, then retry.")
        if free is None:
            return f"The server runs {running} queries at once, the most it counts; retry in a moment."
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process now has the number: not ours, gone
        return False
    return True


def _key(client: str) -> int:
    """A non-zero 64-bit key for a client address (0 marks a never-used slot)."""
    return int.from_bytes(hashlib.blake2b(client.encode(), digest_size=8).digest(), "big") or 1


def retry_after(query_timeout: float) -> int:
    """Seconds to suggest before retrying: a running query ends within the query timeout."""
    return max(1, math.ceil(query_timeout))


class CrashGuard:
    """What a query that killed its query process leaves behind, in this worker.

    The lexical bounds and the query processes' large stack keep every input found so far
    from crashing the engine; should one still do, its digest is remembered so a repeat is
    refused without running, and a client whose queries keep killing processes is turned
    away (429) for a while before it can use up the pool's respawns.
    """

    def __init__(self, *, strikes: int = 3, window: float = 60.0, remembered: int = 4096):
        self.strikes = strikes
        self.window = window
        self.remembered = remembered
        self._lock = threading.Lock()
        self._fatal: dict[str, None] = {}  # digests, oldest first
        self._crashes: dict[str, list[float]] = {}
        self._timeouts: dict[str, float] = {}  # client → when a query of its was last stopped

    def record_timeout(self, client: str) -> None:
        """A query of ``client`` ran to the timeout and was killed."""
        with self._lock:
            self._timeouts[client] = time.monotonic()
            if len(self._timeouts) > self.remembered:
                del self._timeouts[next(iter(self._timeouts))]

    def ran_out_lately(self, client: str) -> bool:
        """True when a query of ``client`` was stopped at the timeout within the window: it is
        no newcomer to the last free query process (kgraph.execution.QueryExecutor._take),
        even while none of its queries runs — every kill costs a respawn, and a runaway's
        next query would take the process a newcomer needs while the others restart."""
        with self._lock:
            when = self._timeouts.get(client)
            return when is not None and time.monotonic() - when < self.window

    @staticmethod
    def digest(query: str) -> str:
        return hashlib.sha256(query.encode("utf-8")).hexdigest()

    def check(self, query: str, client: str) -> None:
        """Refuse a query that killed a process before, or a client with too many such queries."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._crashes.get(client, ()) if now - t < self.window]
            if recent:
                self._crashes[client] = recent
            else:
                self._crashes.pop(client, None)
            fatal = self.digest(query) in self._fatal
        if fatal:
            raise WebError(400, TOO_COMPLEX + " This exact query did so before, so it is not run again.")
        if len(recent) >= self.strikes:
            raise WebError(429, f"Queries from this client stopped the query engine {len(recent)} times in the "
                                f"last {self.window:g} s; wait before sending more, and simplify them.",
                           {"Retry-After": str(math.ceil(self.window))})

    def record(self, query: str, client: str) -> None:
        with self._lock:
            self._fatal[self.digest(query)] = None
            while len(self._fatal) > self.remembered:
                del self._fatal[next(iter(self._fatal))]
            self._crashes.setdefault(client, []).append(time.monotonic())


TOO_COMPLEX = ("The query was too complex for the query engine: its process stopped while running it (the "
               "process was replaced). Nest fewer groups, use VALUES or IN (…) for long lists of "
               "alternatives, or split the query.")
