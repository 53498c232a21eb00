"""The HTTP client for Wikidata: its Action API (wbsearchentities) and its SPARQL endpoint.

One :class:`WikidataClient` is made from the settings (:func:`client_from_settings`) and
passed to whatever needs Wikidata (linking, enrichment), so tests hand in one pointed at a
local stand-in server instead: nothing in kgraph reaches for the network on its own.

- Timeouts on every request (``wikidata_timeout``); retries with exponential back-off on
  connection failures, 429 and 5xx, honouring ``Retry-After`` (urllib3's ``Retry``).
- A User-Agent naming the project and a contact URL, as Wikimedia's policy asks.
- An on-disk cache (``wikidata_cache_dir``, ``wikidata_cache_days``) with
  **requests-cache**: chosen over hishel because it is long-lived and steadily maintained
  (1.x, stable API, SQLite backend with expiry), sits on the same ``requests.Session``
  whose adapter carries urllib3's ``Retry``, and caches POST requests keyed on their body,
  which SPARQL queries sent by POST need; hishel (for httpx) changed its API wholesale in
  its 1.0 release.
- Failures become :class:`WikidataUnreachable` (no answer: offline, refused, timed out)
  or :class:`WikidataError` (an answer that is not what was asked for), each naming the
  URL and the setting to change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from ..errors import KgraphError
from ..settings import SETTINGS_BY_NAME

#: Identifies kgraph to Wikimedia's servers (https://meta.wikimedia.org/wiki/User-Agent_policy).
USER_AGENT = (f"kgraph/{__version__} (+https://w3id.org/kgraph/; knowledge graph of "
              f"Uzbekistan-Kazakhstan relations) python-requests/{requests.__version__}")
SPARQL_RESULTS = "application/sparql-results+json"


class WikidataUnreachable(KgraphError):
    """Wikidata did not answer: the network is down, the address refused, or it timed out."""

    def __init__(self, url: str, reason: str, setting: str):
        self.url = url
        self.reason = reason
        super().__init__(f"could not reach Wikidata at {url}: {reason}; check the network or set "
                         f"{SETTINGS_BY_NAME[setting].env}")


class WikidataError(KgraphError):
    """Wikidata answered, but not with what was asked for."""


def _reason(exc: BaseException) -> str:
    """The short cause of a requests failure (``Connection refused``, ``timed out after 30 s``)."""
    if isinstance(exc, requests.Timeout):
        return "no answer in time (timed out)"
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if match:
        return match.group(1).strip()
    if "Max retries exceeded" in text or isinstance(exc, requests.exceptions.RetryError):
        match = re.search(r"too many (\d+) error responses", text)
        return f"it kept answering {match.group(1)}" if match else "it kept failing after retries"
    return text.splitlines()[0][:200] if text else type(exc).__name__


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kgraph" / "wikidata"


class WikidataClient:
    """Wikidata's API and SPARQL endpoint, over one retrying (and, given a folder, caching) session."""

    def __init__(
        self,
        *,
        api_url: str = SETTINGS_BY_NAME["wikidata_api_url"].default,
        sparql_url: str = SETTINGS_BY_NAME["wikidata_sparql_url"].default,
        entity_base: str = SETTINGS_BY_NAME["wikidata_entity_base"].default,
        timeout: float = SETTINGS_BY_NAME["wikidata_timeout"].default,
        retries: int = SETTINGS_BY_NAME["wikidata_retries"].default,
        backoff: float = 1.0,
        cache_dir: str | Path | None = None,
        cache_days: int = SETTINGS_BY_NAME["wikidata_cache_days"].default,
        session: requests.Session | None = None,
    ):
        self.api_url = api_url
        self.sparql_url = sparql_url
        self.entity_base = entity_base
        self.timeout = timeout
        self.session = session or _session(retries, backoff, cache_dir, cache_days)
        self.session.headers["User-Agent"] = USER_AGENT

    # -- the two services ----------------------------------------------------------------

    def search(self, text: str, language: str, *, limit: int = 7) -> list[dict[str, Any]]:
        """``wbsearchentities``: items whose label or alias matches ``text`` in ``language``.

        Returns the answer's ``search`` list as Wikidata gives it (``id``, ``label``,
        ``description``, ``match`` …), best first.
        """
        params = {"action": "wbsearchentities", "search": text, "language": language,
                  "uselang": language, "type": "item", "limit": str(limit), "format": "json"}
        data = self._json("GET", self.api_url, "wikidata_api_url", params=params)
        if "error" in data:
            error = data["error"]
            raise WikidataError(f"Wikidata's API at {self.api_url} refused the search for {text!r} "
                                f"({language}): {error.get('code')}: {error.get('info')}")
        return list(data.get("search", []))

    def search_url(self, text: str, language: str) -> str:
        """The public URL of a search, as evidence to quote."""
        request = requests.Request("GET", self.api_url, params={
            "action": "wbsearchentities", "search": text, "language": language, "type": "item"})
        return request.prepare().url or self.api_url

    def sparql(self, query: str) -> list[dict[str, dict[str, str]]]:
        """A SELECT query on the SPARQL endpoint; its bindings, in SPARQL JSON results form."""
        data = self._json("POST", self.sparql_url, "wikidata_sparql_url", data={"query": query},
                          headers={"Accept": SPARQL_RESULTS})
        try:
            return list(data["results"]["bindings"])
        except (KeyError, TypeError):
            raise WikidataError(f"the SPARQL endpoint at {self.sparql_url} did not answer with "
                                "SPARQL JSON results") from None

    def qid(self, iri: str) -> str:
        """``Q265`` from ``http://www.wikidata.org/entity/Q265``."""
        return iri[len(self.entity_base):] if iri.startswith(self.entity_base) else iri.rsplit("/", 1)[-1]

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _json(self, method: str, url: str, setting: str, **kwargs) -> dict[str, Any]:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise WikidataUnreachable(url, _reason(exc), setting) from None
        if response.status_code >= 400:
            detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
            raise WikidataError(f"Wikidata at {url} answered {response.status_code} {response.reason}"
                                f"{': ' + detail if detail else ''}; if this persists, check "
                                f"{SETTINGS_BY_NAME[setting].env}")
        try:
            return response.json()
        except ValueError:
            raise WikidataError(f"Wikidata at {url} answered with something that is not JSON "
                                f"({response.headers.get('Content-Type', 'no type')}); check "
                                f"{SETTINGS_BY_NAME[setting].env}") from None


def _session(retries: int, backoff: float, cache_dir: str | Path | None, cache_days: int) -> requests.Session:
    if cache_dir is not None and cache_days > 0:
        import requests_cache

        folder = Path(cache_dir)
        folder.mkdir(parents=True, exist_ok=True)
        session: requests.Session = requests_cache.CachedSession(
            str(folder / "http-cache"),
            backend="sqlite",
            expire_after=timedelta(days=cache_days),
            allowable_methods=("GET", "POST"),
            allowable_codes=(200,),
            stale_if_error=False,
        )
    else:
        session = requests.Session()
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def client_from_settings(values: Mapping[str, Any] | None = None, **overrides) -> WikidataClient:
    """A client configured by the settings (defaults < ``KGRAPH_*`` environment < ``values``)."""
    from ..settings import resolve

    settings = resolve(overrides=dict(values or {}))
    cache_dir = settings["wikidata_cache_dir"] or default_cache_dir()
    kwargs: dict[str, Any] = {
        "api_url": settings["wikidata_api_url"],
        "sparql_url": settings["wikidata_sparql_url"],
        "entity_base": settings["wikidata_entity_base"],
        "timeout": float(settings["wikidata_timeout"]),
        "retries": int(settings["wikidata_retries"]),
        "cache_dir": cache_dir,
        "cache_days": int(settings["wikidata_cache_days"]),
    }
    kwargs.update(overrides)
    return WikidataClient(**kwargs)
