"""Limits on what one request, and one client, may ask of the endpoint.

- :func:`check_length`: a query longer than ``max_query_length`` characters is a 413.
- :class:`ClientSlots`: at most ``client_concurrency`` queries of one client (IP address)
  running at once, counted across every gunicorn worker: a 429 with ``Retry-After``.

The counters live in shared memory made before gunicorn forks its workers
(``preload_app``: the app, and this table, are created in the master), so every worker
sees the same counts. flask-limiter was considered: it limits *rates* (n per period),
not how many requests are *in flight*, and its shared backends are servers (Redis,
memcached); a table of counters in ``multiprocessing`` shared memory is all this needs.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import WebError

#: Slots of the shared table; more distinct clients at once than this share slots (then a
#: busy client may count against another: the table errs towards refusing, never towards
#: letting a client run more than its share).
TABLE_SIZE = 4096


def check_length(query: str, limit: int, *, in_url: bool) -> None:
    """Refuse (413) a query longer than ``limit`` characters."""
    if limit and len(query) > limit:
        advice = ("Shorten it (VALUES lists and long FILTERs are the usual cause), or split it "
                  "into several queries.")
        if in_url:
            advice += " Long queries travel better in a POST body than in the URL."
        raise WebError(413, f"The query is {len(query)} characters long; this endpoint accepts at most "
                            f"{limit} (the max_query_length setting). {advice}")


class ClientSlots:
    """How many queries each client has running, in memory shared by every worker process."""

    def __init__(self, limit: int, retry_after: int):
        self.limit = limit
        self.retry_after = max(1, retry_after)
        # One lock for the table: the critical section is a few loads and stores.
        self._lock = multiprocessing.Lock()
        self._keys = multiprocessing.RawArray(ctypes.c_uint64, TABLE_SIZE)
        self._counts = multiprocessing.RawArray(ctypes.c_int32, TABLE_SIZE)

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """Count one query of ``client`` while the block runs; a 429 when it has ``limit`` already."""
        if not self.limit:
            yield
            return
        key = _key(client)
        slot = self._acquire(key)
        try:
            yield
        finally:  # always: a timeout, a crash of the query process, a client gone away
            with self._lock:
                self._counts[slot] -= 1

    def running(self, client: str) -> int:
        key = _key(client)
        with self._lock:
            slot = self._find(key, claim=False)
            return 0 if slot is None else self._counts[slot]

    def _acquire(self, key: int) -> int:
        with self._lock:
            slot = self._find(key, claim=True)
            if self._counts[slot] >= self.limit:
                raise WebError(429, f"This client already has {self._counts[slot]} queries running, the most "
                                    f"this endpoint runs at once for one client (the client_concurrency "
                                    f"setting). Wait for one to finish, then retry.",
                               {"Retry-After": str(self.retry_after)})
            self._counts[slot] += 1
            return slot

    def _find(self, key: int, *, claim: bool) -> int | None:
        """The slot of ``key`` (open addressing, linear probing); with ``claim``, a free one
        (count 0) when it has none; if the table is full of running clients, its home slot."""
        home = key % TABLE_SIZE
        free = None
        for step in range(TABLE_SIZE):
            slot = (home + step) % TABLE_SIZE
            if self._keys[slot] == key:
                return slot
            if self._counts[slot] == 0:
                if free is None:
                    free = slot
                if self._keys[slot] == 0:
                    break  # never used: the key is not further along
        if not claim:
            return None
        slot = home if free is None else free
        if self._counts[slot] == 0:
            self._keys[slot] = key
        return slot


def _key(client: str) -> int:
    """A non-zero 64-bit key for a client address (0 marks a never-used slot)."""
    return int.from_bytes(hashlib.blake2b(client.encode(), digest_size=8).digest(), "big") or 1


def retry_after(query_timeout: float) -> int:
    """Seconds to suggest before retrying: a running query ends within the query timeout."""
    return max(1, math.ceil(query_timeout))
