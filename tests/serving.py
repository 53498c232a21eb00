"""A real ``kgraph serve`` (granian) for tests: a subprocess on a free port of 127.0.0.1.

    with kgraph_serve("--workers", "2", str(fixture), ready="/void") as (base, process):
        urllib.request.urlopen(base + "/sparql?query=ASK{}")

Its standard error goes to a temporary file, not a pipe: a pipe nobody reads fills up and
stalls the server once it has logged enough (worker restarts, tracebacks).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO
from pathlib import Path

KGRAPH = Path(sys.executable).with_name("kgraph")
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log(process: subprocess.Popen, log: IO[bytes] | None = None) -> str:
    """What the server wrote on standard error: the file ``log`` it was given (as
    :func:`kgraph_serve` does), else its ``stderr`` pipe, if it has one."""
    stream = log if log is not None else process.stderr
    if stream is None:
        return "(standard error was not captured)"
    try:
        stream.seek(0)
    except (OSError, ValueError):  # a pipe cannot seek: read what is there
        pass
    return stream.read().decode("utf-8", "replace")


def wait_until_ready(url: str, process: subprocess.Popen, seconds: float = STARTUP_SECONDS, *,
                     log: IO[bytes] | None = None) -> None:
    """Until ``url`` answers 200; fails at once, with the server's log (the file ``log``,
    else its stderr pipe), if it exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kgraph serve exited with {process.returncode}:\n{_log(process, log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"kgraph serve did not answer {url} within {seconds} s:\n{_log(process, log)}")


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 10):
    """``(status, headers, body)`` of a request to ``url``, errors (4xx, 5xx) included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@contextmanager
def kgraph_serve(*serve_args: str, cli_args: Sequence[str] = (), env: dict[str, str] | None = None,
                 ready: str = "/context.jsonld") -> Iterator[tuple[str, subprocess.Popen]]:
    """``kgraph [cli_args] serve --port P [serve_args]``, ready once ``ready`` answers 200;
    stopped with SIGTERM (then SIGKILL) afterwards. Yields the base URL and the process."""
    port = free_port()
    env = {**os.environ, "KGRAPH_ACCESS_LOG": "false", **(env or {})}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([str(KGRAPH), *cli_args, "serve", "--port", str(port), *serve_args],
                                   stdout=subprocess.DEVNULL, stderr=log, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base + ready, process, log=log)
            yield base, process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
