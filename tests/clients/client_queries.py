"""The queries the real-client tests send, the resource they are about, and how the
engine's triples are put beside a client's."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

KZ = "https://w3id.org/kgraph/id/kazakhstan"
PROLOGUE = ("PREFIX kg: <https://w3id.org/kgraph/ontology#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
#: The states and their Russian names: Cyrillic text through every format, and a language
#: tag whose case cannot differ (``ru``), so the rows do not depend on how tags are cased.
STATES_PATTERN = '?state a kg:State ; rdfs:label ?label FILTER(langMatches(lang(?label), "ru"))'
QUERIES = {
    "select": PROLOGUE + f"SELECT ?state ?label WHERE {{ {STATES_PATTERN} }}",
    "ask-true": PROLOGUE + f"ASK {{ <{KZ}> a kg:State }}",
    "ask-false": PROLOGUE + f"ASK {{ <{KZ}> a kg:Treaty }}",
    "construct": PROLOGUE + f"CONSTRUCT {{ ?state rdfs:label ?label }} WHERE {{ {STATES_PATTERN} }}",
    "describe": f"DESCRIBE <{KZ}>",
}


def as_rdflib(triples) -> Graph:
    """pyoxigraph triples as an rdflib graph (through N-Triples), to compare with a client's."""
    return Graph().parse(data=ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
