"""Results of build steps kept by the content hash of their inputs (``build/cache/``).

A step's result depends only on the bytes of its input files, the step's settings and
this kgraph's version; so when the hash of those is unchanged, the result of last time is
the result of this time, and the step is skipped. Reasoning depends on ontology/ and
data/ (not shapes/), validation on all three: editing only the shapes re-validates without
re-reasoning. Entries are written to a temporary name and renamed, so a crash leaves none
half-written; old entries beyond the newest few are removed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import __version__

CACHE_DIR = "cache"
_KEEP_PER_STEP = 4
#: Bump when what a step stores changes shape, so old entries are not misread.
FORMAT = "1"


def key(step: str, files: Iterable[Path], *settings: str) -> str:
    """A hash of the step, its settings, kgraph's version and its input files' names and bytes."""
    digest = hashlib.sha256(f"{step}\0{FORMAT}\0{__version__}\0{chr(0).join(settings)}\0".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def entry(build_dir: Path, step: str, step_key: str, suffix: str) -> Path:
    return Path(build_dir) / CACHE_DIR / f"{step}-{step_key}{suffix}"


def write(path: Path, data: bytes) -> None:
    """Write ``path`` atomically and drop the oldest entries of the same step.

    The cache only saves time: where it cannot be written (a read-only build folder), the
    step's result is simply not kept.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    step = path.name.split("-", 1)[0]
    entries = sorted(path.parent.glob(f"{step}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[_KEEP_PER_STEP:]:
        old.unlink(missing_ok=True)
