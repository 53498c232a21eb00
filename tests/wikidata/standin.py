"""A local stand-in for Wikidata: its Action API (wbsearchentities) and its SPARQL endpoint.

An ``http.server`` in a thread on 127.0.0.1 and a free port, answering from the
recorded-shape fixtures in ``recorded/`` (see the README there): never the network.

- ``GET /w/api.php?action=wbsearchentities&search=…&language=…`` → the recorded answer for
  ``language|search`` (or an empty one), in the API's JSON shape;
- ``GET`` or ``POST /sparql`` (form ``query=``, or a body of type application/sparql-query)
  → ``recorded/sparql-<kind>.json`` for a query whose first line is ``# kgraph: <kind>``
  (``sparql-service.json`` for any other, as a federated SERVICE call sends), keeping only
  the rows whose variables fit the query's ``VALUES ?var { wd:Q… }`` lists.

``fail_with = 503`` makes every answer that status; ``requests`` logs what was asked.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, urlparse

RECORDED = Path(__file__).resolve().parent / "recorded"
WD = "http://www.wikidata.org/entity/"
_KIND = re.compile(r"^#\s*kgraph:\s*([\w-]+)")
_VALUES = re.compile(r"VALUES\s+\?(\w+)\s*\{([^}]*)\}", re.IGNORECASE)


def _key(language: str, text: str) -> str:
    return f"{language}|{' '.join(text.casefold().split())}"


class StandIn:
    """The stand-in server; ``with StandIn() as wd: …`` or ``start()`` / ``stop()``."""

    def __init__(self, recorded: Path = RECORDED):
        self.recorded = recorded
        searches = json.loads((recorded / "wbsearchentities.json").read_text(encoding="utf-8"))
        self.searches = {_key(*k.split("|", 1)): v for k, v in searches.items()}
        self.requests: list[dict] = []
        self.fail_with: int | None = None
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> StandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                standin._handle(self, parse_qs(urlparse(self.path).query))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                params = parse_qs(urlparse(self.path).query)
                if self.headers.get("Content-Type", "").startswith("application/sparql-query"):
                    params["query"] = [body]
                else:
                    params.update(parse_qs(body))
                standin._handle(self, params)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base + "/w/api.php"

    @property
    def sparql_url(self) -> str:
        return self.base + "/sparql"

    def kinds(self) -> list[str]:
        """The kinds of SPARQL query asked so far, in order."""
        return [r["kind"] for r in self.requests if r["path"] == "/sparql"]

    # -- answers -----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        path = urlparse(handler.path).path
        record = {"method": handler.command, "path": path, "user_agent": handler.headers.get("User-Agent"),
                  "kind": None, "params": {k: v[0] for k, v in params.items()}}
        self.requests.append(record)
        if self.fail_with:
            self._send(handler, self.fail_with, "text/plain", b"stand-in told to fail\n")
            return
        if path == "/w/api.php":
            self._send_json(handler, self._search(params))
        elif path == "/sparql":
            query = params.get("query", [""])[0]
            match = _KIND.match(query.strip())
            record["kind"] = match.group(1) if match else "service"
            self._send_json(handler, self._sparql(record["kind"], query), "application/sparql-results+json")
        else:
            self._send(handler, 404, "text/plain", b"not found\n")

    def _search(self, params: dict[str, list[str]]) -> dict:
        get = {k: v[0] for k, v in params.items()}
        if get.get("action") != "wbsearchentities":
            return {"error": {"code": "badvalue", "info": f"Unrecognized value for parameter \"action\": {get.get('action')}."}}
        found = self.searches.get(_key(get.get("language", ""), get.get("search", "")))
        return found or {"searchinfo": {"search": get.get("search", "")}, "search": [], "success": 1}

    def _sparql(self, kind: str, query: str) -> dict:
        path = self.recorded / f"sparql-{kind}.json"
        if not path.exists():
            return {"head": {"vars": []}, "results": {"bindings": []}}
        data = json.loads(path.read_text(encoding="utf-8"))
        filters = {}
        for var, body in _VALUES.findall(query):
            items = re.findall(r"wd:(Q\d+)", body)
            if items:
                filters[var] = {WD + q for q in items}
        rows = [row for row in data["results"]["bindings"]
                if all(var not in row or row[var]["value"] in allowed for var, allowed in filters.items())]
        return {"head": data["head"], "results": {"bindings": rows}}

    @staticmethod
    def _send_json(handler, data: dict, content_type: str = "application/json") -> None:
        StandIn._send(handler, 200, content_type + "; charset=utf-8", json.dumps(data, ensure_ascii=False).encode())

    @staticmethod
    def _send(handler, status: int, content_type: str, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens: requests to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
