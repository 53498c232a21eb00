"""Wikidata: the HTTP client, linking entities to items, enrichment, and the comparison.

- :mod:`.client` — :class:`WikidataClient` (timeouts, retries, cache; injectable);
- :mod:`.search` / :mod:`.reconcile` — unlinked entities, candidates, checks and scores;
- :mod:`.linking` / :mod:`.links` — proposals, and accepted links written to data/wikidata.ttl;
- :mod:`.enrich` — Wikidata statements in their own named graph;
- :mod:`.compare` — where Wikidata and the article agree or not.
"""

from .client import WikidataClient, WikidataError, WikidataUnreachable, client_from_settings

__all__ = ["WikidataClient", "WikidataError", "WikidataUnreachable", "client_from_settings"]
