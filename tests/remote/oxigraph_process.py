"""A real Oxigraph server (``oxigraph serve`` from PyPI's ``oxigraph``) for the tests, on 127.0.0.1.

It keeps its port across :meth:`OxigraphServer.stop` and :meth:`start`, so a test can take
the store down and bring it back under the same URL, as an operator restarting it would.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import requests

from serving import free_port

#: pip installs the server's binary next to the interpreter (the `test` extra has `oxigraph`).
BINARY = Path(sys.executable).parent / "oxigraph"


class OxigraphServer:
    """``oxigraph serve --location LOCATION --bind 127.0.0.1:PORT`` in a child process."""

    def __init__(self, location: Path, *, union_default_graph: bool = False):
        if not BINARY.is_file():
            raise RuntimeError(f"{BINARY} is missing: install the test extra (pip install -e '.[test]'), "
                               "which brings PyPI's oxigraph server.")
        self.location = location
        self.union_default_graph = union_default_graph
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's root: Oxigraph answers queries at /query and Graph Store requests at /store."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        command = [str(BINARY), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
        if self.union_default_graph:
            command.append("--union-default-graph")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"oxigraph serve did not listen on port {self.port} within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def load_dataset(self, path: Path, media_type: str) -> None:
        """A whole RDF dataset file (default graph and named graphs) in one POST to /store.

        Oxigraph's own extension of the Graph Store Protocol, used for test fixtures that
        have a default graph (``kgraph push`` sends only named graphs).
        """
        response = requests.post(f"{self.url}/store", data=path.read_bytes(),
                                 headers={"Content-Type": media_type}, timeout=30)
        response.raise_for_status()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
