"""Small file-system helpers shared by the build and the exports."""

from __future__ import annotations

import os


def current_umask() -> int:
    """The process's umask (os has no getter: set it and put it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def public_mode(directory: bool = False) -> int:
    """The mode a plainly created file or folder gets: 0666/0777 less the umask.

    tempfile.mkstemp/mkdtemp create private (0600/0700) entries; what kgraph writes
    through them is meant to be read by others, like any output file.
    """
    return (0o777 if directory else 0o666) & ~current_umask()
