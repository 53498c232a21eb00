"""The result cache of /sparql: answers kept in memory, and validators for HTTP caches.

An answer is kept under its :class:`CacheKey`: the query's exact text (no normalising: two
texts one normaliser thinks alike may be two queries to the engine, and an attacker's
answer would be stored under a popular query's key), the dataset the request names, the
format, the row cap and the served data's version — a rebuilt graph has a new version, so no answer of
the old one is ever served for it. The memory is bounded (``result_cache_mb`` per worker,
least recently used first out: cachetools' ``LRUCache`` sized by the bodies' bytes).

Every cacheable answer carries a strong ``ETag`` that names the representation
(:func:`etag`): a digest of the data's version, the media type, the language of a page,
and the body's bytes. Two byte-identical answers in two formats (Turtle and TriG,
N-Triples and N-Quads) have two ETags, so a validator of one is never a 304 for the other
under ``Vary: Accept`` (RFC 9110 §8.8.1). It is computed from the body, never assumed from
the key, because two query processes may write the same answer with other blank-node
labels; a ``If-None-Match`` whose entry was evicted is answered by running the query again
and comparing.

Not cached (and no ``ETag``): queries whose answer is not a function of the data —
SERVICE, NOW(), RAND(), UUID(), STRUUID(), BNODE(), as :func:`kgraph.sparql_text.read` finds them.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from ..execution import Answer


@dataclass(frozen=True)
class CacheKey:
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    format_name: str
    max_rows: int
    truncate: bool
    version: str


def etag(version: str, body: bytes, media_type: str, language: str | None = None) -> str:
    """The strong entity tag (quoted) of the representation ``body`` in ``media_type`` (and,
    for a page, ``language``: the reader's languages it was written for) of the data of ``version``.

    Every part that tells two representations apart is in the digest, so two answers share
    a tag only when their bytes, format, language and data are all the same.
    """
    kind = media_type.split(";", 1)[0].strip().lower()
    digest = hashlib.blake2b(digest_size=16, person=b"kgraph-etag")
    for part in (version, kind, language or ""):  # each ends at a NUL, which none of them holds
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(body)
    return f'"{digest.hexdigest()}"'


class ResultCache:
    """Answers by key, at most ``megabytes`` of bodies; safe to share between threads."""

    def __init__(self, megabytes: float):
        self.capacity = int(megabytes * 1024 * 1024)
        self._entries: LRUCache = LRUCache(maxsize=max(1, self.capacity), getsizeof=lambda a: len(a.body) + 256)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe
        self.hits = 0

    def get(self, key: CacheKey) -> Answer | None:
        if not self.capacity:
            return None
        with self._lock:
            answer = self._entries.get(key)
            self.hits += answer is not None
            return answer

    def put(self, key: CacheKey, answer: Answer) -> None:
        if not self.capacity or len(answer.body) + 256 > self.capacity:
            return  # larger than the whole cache: LRUCache would refuse it anyway
        with self._lock:
            self._entries[key] = answer

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held (bodies plus a fixed allowance per entry)."""
        return int(self._entries.currsize)
