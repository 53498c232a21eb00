"""The project's one JSON-LD context, and compaction with it that never goes to the network.

The context (``kgraph/context.jsonld``, shipped in the package, published by the server at
``/context.jsonld``) is made of:

- every prefix of :data:`kgraph.namespaces.PREFIXES`;
- a short term for each ``kg:`` class and property (``"State"``, ``"startDate"``), with
  ``"@type": "@id"`` for object properties and the range's datatype for datatype properties;
- ``@language`` maps for labels (``"label": {"en": "Uzbekistan", "uz": "Oʻzbekiston"}``) and
  short terms for the common ``rdfs:``/``skos:`` properties;
- ``"@type": "@id"`` for the common properties of the reused vocabularies, kept under their
  prefixed names (``"org:member"``, ``"prov:wasDerivedFrom"``).

The file is generated from the ontology (``python -m kgraph.jsonld_context ontology/kgraph.ttl``)
and a test keeps it equal to what the ontology gives. Compaction is JSON-LD 1.1 (PyLD) and
lossless: a value a term's coercion does not fit stays in expanded form.

Other modules call :func:`compact_graph` (an rdflib graph or dataset) or :func:`compact`
(N-Quads text or expanded JSON-LD) to write JSON-LD with this context.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from importlib import resources
from typing import Any

from pyld import jsonld
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .namespaces import BASE, PREFIXES

#: Where the context is published; documents may name it instead of embedding it.
CONTEXT_IRI = BASE + "context.jsonld"
#: The media type of the context document (and of JSON-LD).
MEDIA_TYPE = "application/ld+json"

_CONTEXT_FILE = "context.jsonld"

#: The most triples the server compacts into JSON-LD for one request (a page's description,
#: a graph of /rdf-graphs): PyLD's compaction grows faster than the triples (measured here:
#: 1000 triples in 0.25 s, 4000 in 2.3 s), so a larger answer is refused (422) and offered
#: in Turtle or N-Triples instead. 5000 keeps every graph of the project's build (the
#: asserted graph: 2012 triples; the default graph: 2601) and stays within the query timeout.
#: The dumps under /download/ are written once, unbounded.
MAX_TRIPLES = 5000

#: Short terms for the common properties of rdfs:, skos:, owl:.
_COMMON_TERMS: dict[str, dict[str, str]] = {
    "label": {"@id": "rdfs:label", "@container": "@language"},
    "comment": {"@id": "rdfs:comment", "@container": "@language"},
    "seeAlso": {"@id": "rdfs:seeAlso", "@type": "@id"},
    "subClassOf": {"@id": "rdfs:subClassOf", "@type": "@id"},
    "subPropertyOf": {"@id": "rdfs:subPropertyOf", "@type": "@id"},
    "domain": {"@id": "rdfs:domain", "@type": "@id"},
    "range": {"@id": "rdfs:range", "@type": "@id"},
    "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
    "altLabel": {"@id": "skos:altLabel", "@container": "@language"},
    "definition": {"@id": "skos:definition", "@container": "@language"},
    "scopeNote": {"@id": "skos:scopeNote", "@container": "@language"},
    "inScheme": {"@id": "skos:inScheme", "@type": "@id"},
    "topConceptOf": {"@id": "skos:topConceptOf", "@type": "@id"},
    "hasTopConcept": {"@id": "skos:hasTopConcept", "@type": "@id"},
    "broader": {"@id": "skos:broader", "@type": "@id"},
    "narrower": {"@id": "skos:narrower", "@type": "@id"},
    "sameAs": {"@id": "owl:sameAs", "@type": "@id"},
}

#: Properties of the reused vocabularies kept under their prefixed names, with a coercion.
_PREFIXED_TERMS: dict[str, dict[str, str]] = {
    "prov:wasDerivedFrom": {"@type": "@id"},
    "prov:generatedAtTime": {"@type": "xsd:dateTime"},
    "dcterms:date": {"@type": "xsd:date"},
    "dcterms:issued": {"@type": "xsd:date"},
    "dcterms:language": {"@type": "@id"},
    "dcterms:publisher": {"@type": "@id"},
    "dcterms:subject": {"@type": "@id"},
    "dcterms:spatial": {"@type": "@id"},
    "dcterms:temporal": {"@type": "@id"},
    "dcterms:references": {"@type": "@id"},
    "dcterms:isPartOf": {"@type": "@id"},
    "dcterms:license": {"@type": "@id"},
    "dcterms:source": {"@type": "@id"},
    "dcterms:title": {"@container": "@language"},
    "schema:about": {"@type": "@id"},
    "schema:sameAs": {"@type": "@id"},
    "schema:url": {"@type": "xsd:anyURI"},
    "owl:inverseOf": {"@type": "@id"},
    "owl:equivalentClass": {"@type": "@id"},
    "owl:disjointWith": {"@type": "@id"},
    "owl:members": {"@type": "@id", "@container": "@list"},
    "sh:path": {"@type": "@id"},
    "sh:targetClass": {"@type": "@id"},
    "sh:class": {"@type": "@id"},
    "sh:datatype": {"@type": "@id"},
    "sh:node": {"@type": "@id"},
    "sh:property": {"@type": "@id"},
}


def _curie(iri: str) -> str | None:
    """``kg:State`` for the ontology's IRI, by the longest matching prefix; None when none fits."""
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else None


def build_context(ontology: Graph) -> dict[str, Any]:
    """The context document (``{"@context": …}``) for ``ontology``, in a stable order."""
    kg_ns = PREFIXES["kg"]
    terms: dict[str, Any] = {"@version": 1.1}
    terms.update(PREFIXES)
    terms.update(_COMMON_TERMS)
    kg_terms: dict[str, Any] = {}
    other_terms: dict[str, Any] = dict(_PREFIXED_TERMS)
    for cls in set(ontology.subjects(RDF.type, OWL.Class)):
        if isinstance(cls, URIRef) and str(cls).startswith(kg_ns):
            kg_terms[str(cls)[len(kg_ns):]] = f"kg:{str(cls)[len(kg_ns):]}"
    for kind, coercion in ((OWL.ObjectProperty, "@id"), (OWL.DatatypeProperty, None)):
        for prop in set(ontology.subjects(RDF.type, kind)):
            iri = str(prop)
            definition: dict[str, str] = {}
            if coercion:
                definition["@type"] = coercion
            else:
                ranges = sorted(str(r) for r in ontology.objects(prop, RDFS.range))
                if len(ranges) == 1 and _curie(ranges[0]):
                    definition["@type"] = _curie(ranges[0])
            if iri.startswith(kg_ns):
                name = iri[len(kg_ns):]
                kg_terms[name] = {"@id": f"kg:{name}", **definition} if definition else f"kg:{name}"
            elif _curie(iri) and definition:
                other_terms.setdefault(_curie(iri), definition)
    # A kg: name that is already a prefix or a common term (kg:unit vs the unit: prefix)
    # keeps its prefixed name.
    for name in sorted(set(kg_terms) & set(terms)):
        definition = kg_terms.pop(name)
        if isinstance(definition, dict):
            other_terms[f"kg:{name}"] = {k: v for k, v in definition.items() if k != "@id"}
    for name in sorted(kg_terms, key=lambda n: (n[0].islower(), n)):  # classes first, then properties
        terms[name] = kg_terms[name]
    for name in sorted(other_terms):
        terms[name] = other_terms[name]
    return {"@context": terms}


@lru_cache(maxsize=1)
def _context_text() -> str:
    return (resources.files("kgraph") / _CONTEXT_FILE).read_text(encoding="utf-8")


def context_document() -> dict[str, Any]:
    """The shipped context document, ``{"@context": {…}}`` (a fresh copy each call)."""
    return json.loads(_context_text())


def context_bytes() -> bytes:
    """The context document as the server publishes it."""
    return _context_text().encode("utf-8")


def offline_loader(url: str, options: dict | None = None) -> dict[str, Any]:
    """PyLD's document loader: the project's context from memory, and nothing from the network.

    Any other remote document (a context a user's JSON-LD names) is refused with a
    JSON-LD error rather than fetched: kgraph works offline and never makes a request
    on behalf of a document it reads.
    """
    if url == CONTEXT_IRI:
        return {"contentType": MEDIA_TYPE, "contextUrl": None, "documentUrl": url,
                "document": context_document()}
    raise jsonld.JsonLdError(
        f"kgraph does not fetch remote JSON-LD documents ({url}); embed the context instead.",
        "jsonld.LoadDocumentError", {"url": url}, code="loading document failed")


_OPTIONS = {"documentLoader": offline_loader}


def compact(data: str | list | dict, *, context_iri: str | None = None,
            languages: dict[str, str] | None = None) -> dict[str, Any]:
    """``data`` (N-Quads text, or expanded JSON-LD) compacted with the project's context.

    The context is embedded, so the result is usable offline; with ``context_iri`` (where
    the server publishes the same context, e.g. ``https://host/context.jsonld``) the result
    names it instead of embedding it. Named graphs come out as ``@graph`` objects with
    their ``@id``. PyLD writes language tags in lower case; ``languages`` (lower case →
    as the sources write it, e.g. ``{"uz-cyrl": "uz-Cyrl"}``) gives them their case back.
    """
    if isinstance(data, str):
        data = jsonld.from_rdf(data, {"format": "application/n-quads", "useNativeTypes": False,
                                      "rdfDirection": None})
    context = context_document()
    result = jsonld.compact(data, context, dict(_OPTIONS))
    if languages:
        maps = {name for name, d in context["@context"].items()
                if isinstance(d, dict) and d.get("@container") == "@language"}
        result = _recase(result, languages, maps)
    if context_iri:
        result["@context"] = context_iri
    return result


def _recase(node: Any, languages: dict[str, str], maps: set[str], in_map: bool = False) -> Any:
    """Language tags (``@language`` values, language-map keys) in the case the sources use."""
    if isinstance(node, list):
        return [_recase(item, languages, maps) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = value
        elif in_map:
            out[languages.get(key, key)] = value
        elif key == "@language" and isinstance(value, str):
            out[key] = languages.get(value, value)
        else:
            out[key] = _recase(value, languages, maps, in_map=key in maps and isinstance(value, dict))
    return out


def compact_graph(graph: Graph, *, context_iri: str | None = None) -> dict[str, Any]:
    """An rdflib graph (or dataset, named graphs kept) compacted with the project's context."""
    fmt = "nquads" if hasattr(graph, "contexts") and graph.context_aware else "nt"
    languages = {o.language.lower(): o.language for o in graph.objects()
                 if getattr(o, "language", None) and o.language != o.language.lower()}
    return compact(graph.serialize(format=fmt), context_iri=context_iri, languages=languages)


def compact_rdf(ntriples: bytes, *, context_iri: str | None = None) -> bytes:
    """N-Triples or N-Quads bytes as compacted JSON-LD bytes (the one JSON-LD writer of every
    query answer, page and description the project serves)."""
    return dumps(compact(ntriples.decode("utf-8"), context_iri=context_iri)).encode("utf-8")


def dumps(document: dict[str, Any]) -> str:
    """JSON text of a compacted document: keys sorted (``@context`` first), UTF-8, indented."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Print the context generated from the ontology file(s) given (to refresh context.jsonld)."""
    args = sys.argv[1:] if argv is None else argv
    ontology = Graph()
    for path in args:
        ontology.parse(path, format="turtle")
    sys.stdout.write(json.dumps(build_context(ontology), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
