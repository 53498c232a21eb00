"""Fixtures of the hardening tests: a hostile dataset and a listener that records connections.

(The bounds of the property-based tests are in fuzzing.py.)
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph.store import OxigraphStore
from kgraph.web import create_app

HOSTILE_FIXTURE = Path(__file__).resolve().parent / "data" / "hostile.trig"


@pytest.fixture(scope="session")
def hostile_store() -> OxigraphStore:
    store = OxigraphStore()
    store.load(HOSTILE_FIXTURE, fmt=ox.RdfFormat.TRIG)
    return store


@pytest.fixture(scope="session")
def hostile_app(hostile_store):
    """The app serving the hostile dataset as a kgraph build (ontology and shapes pages too)."""
    return create_app({"TESTING": True}, store=hostile_store)


@pytest.fixture(scope="session")
def hostile_files_app():
    """The same dataset served as a user's file (``kgraph serve hostile.trig``)."""
    return create_app({"TESTING": True}, files=[HOSTILE_FIXTURE])


class ConnectionRecorder:
    """A TCP listener on 127.0.0.1 (or another loopback address) recording every connection to it.

    It answers any request with an empty SPARQL result, so a caller that does reach it
    (the positive control) gets a well-formed answer.
    """

    def __init__(self, host: str = "127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}/sparql"
        self.connections: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(65536)
                except OSError:
                    data = b""
                self.connections.append(data)
                body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                 + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


@pytest.fixture(params=["127.0.0.1", "127.0.0.2"])
def recorder(request):
    listener = ConnectionRecorder(request.param)
    yield listener
    listener.close()
