"""Every setting of the server, declared once as data: name, default, help.

Values come, later ones winning, from the defaults here, a config file (``--config``,
TOML), ``KGRAPH_*`` environment variables and the command line. A test keeps the README's
settings table equal to this list.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SettingError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "KGRAPH_" + self.name.upper()

    def parse(self, text: str) -> Any:
        """A value from its text form (environment variable), typed like the default."""
        if isinstance(self.default, bool):
            lowered = text.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise SettingError(f"{self.env}={text!r}: expected true or false")
            return lowered in ("1", "true", "yes", "on")
        if isinstance(self.default, int):
            try:
                return int(text)
            except ValueError:
                raise SettingError(f"{self.env}={text!r}: expected a whole number") from None
        if isinstance(self.default, float):
            try:
                return float(text)
            except ValueError:
                raise SettingError(f"{self.env}={text!r}: expected a number") from None
        if isinstance(self.default, (list, tuple)):
            return [part.strip() for part in text.split(",") if part.strip()]
        return text


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", "Address the server listens on."),
    Setting("port", 8000, "Port the server listens on."),
    Setting("workers", 2, "Worker processes (granian) serving requests."),
    Setting("threads", 4, "Query processes per worker (killed at query_timeout); the worker runs the app "
            "on complete requests in twice as many threads, so requests waiting for a slot hold back no other."),
    Setting("header_timeout", 10.0, "Seconds a connection may take to deliver a request's line and "
            "headers, counted from when it opens or its last answer was sent: so also how long an idle "
            "keep-alive connection stays open. Then it is closed. Read by granian, not by a thread."),
    Setting("body_timeout", 10.0, "Seconds a client may take to send a request's body once its headers "
            "are in; then a 408. Read by the worker's event loop, not by a thread."),
    Setting("keep_alive", True, "Keep connections open for further requests (for at most header_timeout "
            "between them); false: one request per connection."),
    Setting("max_connections", 1024, "Connections each worker holds open at once; more wait in the "
            "listen queue until one closes."),
    Setting("base_url", "", "Public URL the app is served under, when it differs from the IRIs' base "
            "(https://w3id.org/kgraph/); resource IRIs are mapped onto it. Empty: the request's own host."),
    Setting("store_dir", "", "Folder of an on-disk Oxigraph store for served files (or a build without "
            "its own store); empty: the build's own store, or in memory."),
    Setting("default_lang", "en", "Language of labels on pages when the reader asks for none."),
    Setting("cors_origins", ["*"], "Origins allowed to call /sparql and /rdf-graphs from a browser."),
    Setting("store_url", "", "A remote SPARQL 1.1 query endpoint to serve instead of the embedded store "
            "(fill it first with `kgraph push`); empty: the embedded store."),
    Setting("timeout", 60, "Seconds the app may spend on one request before its worker is restarted "
            "(a last resort; query_timeout stops queries first)."),
    Setting("query_timeout", 5.0, "Seconds a SPARQL query may run; then its process is killed (the work "
            "stops) and the client gets a 503 naming the limit."),
    Setting("query_memory_total_mb", 0, "Memory (MiB) all query processes of the server may take together "
            "beyond their data; each gets its share, at most query_memory_mb. 0: half the machine's memory."),
    Setting("query_memory_mb", 2048, "Memory (MiB) one query may take beyond the data its query process "
            "holds; a query that needs more is stopped with a 503. 0: no limit."),
    Setting("max_query_length", 65536, "Longest SPARQL query accepted, in characters; a longer one is a 413."),
    Setting("max_query_nesting", 256, "Deepest nesting of brackets a query may have (read as the engine reads "
            "it); a deeper one is a 400. At most 256: deeper queries can crash the engine's parser."),
    Setting("max_query_operators", 4096, "Most operators, UNIONs and path steps one query may have; more is a "
            "400. At most 4096: longer chains can crash the engine."),
    Setting("max_result_rows", 100000, "Most rows (solutions, or triples of a CONSTRUCT/DESCRIBE) in one "
            "answer; a longer answer is a 422 (never cut silently), or, for a request with truncate=yes (the "
            "query UI's), cut there and marked Kgraph-Result-Truncated. The whole graph stays downloadable "
            "under /download/."),
    Setting("client_concurrency", 4, "Queries one client (IP address) may have running at once; more are "
            "refused with 429 and Retry-After."),
    Setting("result_cache_mb", 64, "Memory (MiB, per worker) for cached query answers; 0: no cache."),
    Setting("cache_max_age", 60, "Seconds clients and proxies may reuse an answer (Cache-Control max-age)."),
    Setting("access_log", True, "Log every request (granian's access log, on standard error)."),
    Setting("federation_allow", ["https://query.wikidata.org/sparql"],
            "SPARQL endpoints a query's SERVICE may call (comma-separated); any other SERVICE, and FROM / "
            "FROM NAMED outside the graph, is refused before a request leaves the server."),
    Setting("wikidata_api_url", "https://www.wikidata.org/w/api.php",
            "Wikidata's Action API (wbsearchentities), used by `kgraph link`."),
    Setting("wikidata_sparql_url", "https://query.wikidata.org/sparql",
            "Wikidata's SPARQL endpoint, used by `kgraph link` and `kgraph enrich`."),
    Setting("wikidata_entity_base", "http://www.wikidata.org/entity/",
            "The IRI prefix of Wikidata items (wd:), as the endpoint returns them."),
    Setting("wikidata_timeout", 30.0, "Seconds to wait for one answer from Wikidata."),
    Setting("wikidata_retries", 3, "Retries (with exponential back-off) of a failed or throttled Wikidata request."),
    Setting("wikidata_cache_dir", "", "Folder of the on-disk cache of Wikidata answers; empty: "
            "~/.cache/kgraph/wikidata (XDG_CACHE_HOME)."),
    Setting("wikidata_cache_days", 7, "Days a cached Wikidata answer is reused; 0: no cache."),
    Setting("wikidata_link_threshold", 0.75, "Score (0–1) a Wikidata candidate needs before `kgraph link "
            "--accept` writes it without an interactive review."),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def from_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Settings from a TOML file (keys as in SETTINGS); unknown keys are an error."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingError(f"{path}: cannot read the settings file: {exc}") from None
    unknown = sorted(set(data) - SETTINGS_BY_NAME.keys())
    if unknown:
        raise SettingError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(SETTINGS_BY_NAME)}")
    return data


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    return {s.name: s.parse(environ[s.env]) for s in SETTINGS if s.env in environ}


def resolve(config_file: str | Path | None = None, overrides: dict[str, Any] | None = None,
            environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults < config file < environment < explicit overrides (None values ignored)."""
    values = defaults()
    if config_file:
        values.update(from_config_file(config_file))
    values.update(from_environment(environ))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return values
