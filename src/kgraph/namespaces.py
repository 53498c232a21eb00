"""IRIs of kgraph: the ontology's terms, the resource and graph namespaces, the prefixes.

The ontology's terms are a :class:`rdflib.namespace.DefinedNamespace` with ``_fail = True``,
so a misspelt term (``KG.Ambasador``) raises instead of minting a new IRI; a test keeps
this list equal to the terms declared in ``ontology/kgraph.ttl``.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

#: The one base every kgraph IRI lives under. Served elsewhere, the app maps it (see the
#: ``base_url`` setting) rather than rewriting the data.
BASE = "https://w3id.org/kgraph/"

#: Resources of the data: states, people, facts, sources, concepts.
KGR = Namespace(BASE + "id/")
#: The SHACL shapes.
KGSH = Namespace(BASE + "shapes#")
#: The ontology document itself.
ONTOLOGY_IRI = URIRef(BASE + "ontology")

SCHEMA = Namespace("https://schema.org/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
ISO639 = Namespace("http://id.loc.gov/vocabulary/iso639-1/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
SH = Namespace("http://www.w3.org/ns/shacl#")


class KG(DefinedNamespace):
    """The kgraph ontology (``kg:``)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # Classes
    Ambassador: URIRef  # ambassador
    AmbassadorPost: URIRef  # ambassador's post
    ArticleSection: URIRef  # article section
    BilateralRelationship: URIRef  # bilateral relationship
    Border: URIRef  # state border
    BorderCrossing: URIRef  # border crossing
    Closure: URIRef  # closure
    Commissioning: URIRef  # commissioning
    ConstructionWork: URIRef  # construction work
    CulturalEvent: URIRef  # cultural event
    Dissolution: URIRef  # dissolution
    DistributionCentre: URIRef  # distribution centre
    EstablishmentOfDiplomaticRelations: URIRef  # establishment of diplomatic relations
    Event: URIRef  # event
    Facility: URIRef  # facility
    Fact: URIRef  # sourced fact
    HeadOfState: URIRef  # head of state
    HeadOfStatePost: URIRef  # head-of-state post
    IndependenceEvent: URIRef  # independence
    InfrastructureProject: URIRef  # infrastructure project
    IntergovernmentalOrganisation: URIRef  # intergovernmental organisation
    Measure: URIRef  # measure
    MediaOrganisation: URIRef  # media organisation
    Opening: URIRef  # opening
    ProjectMeasure: URIRef  # project measure
    RailwayLine: URIRef  # railway line
    Region: URIRef  # region
    Reopening: URIRef  # reopening
    Settlement: URIRef  # settlement
    Source: URIRef  # source
    SourceDiscrepancy: URIRef  # source discrepancy
    State: URIRef  # state
    TermOfOffice: URIRef  # term of office
    TradeTarget: URIRef  # trade target
    TradeVolume: URIRef  # trade volume
    Treaty: URIRef  # treaty
    VisitTally: URIRef  # visit tally
    WikidataLink: URIRef  # Wikidata link

    # Properties
    accreditedTo: URIRef  # accredited to
    characterisedAs: URIRef  # characterised as
    comparedWith: URIRef  # compared with
    concernsBorder: URIRef  # concerns border
    connectsRegion: URIRef  # connects region
    cooperatesWithin: URIRef  # cooperates within
    cooperationArea: URIRef  # area of cooperation
    covers: URIRef  # covers
    date: URIRef  # date
    dateEarliest: URIRef  # earliest day
    dateLatest: URIRef  # latest day
    drivenBy: URIRef  # driven by
    duringTerm: URIRef  # during term
    emergedFrom: URIRef  # emerged from
    endDate: URIRef  # end
    endEarliest: URIRef  # earliest end day
    endLatest: URIRef  # latest end day
    eventOf: URIRef  # event of
    evidence: URIRef  # evidence
    exclusiveMinimum: URIRef  # more than
    hasBorder: URIRef  # has border
    hasCrossing: URIRef  # has crossing
    hasDiplomaticRelationsWith: URIRef  # has diplomatic relations with
    hasTerm: URIRef  # has term
    heldTerm: URIRef  # held term
    holdsPost: URIRef  # holds post
    inSection: URIRef  # in section
    intendedEntity: URIRef  # intended entity
    involves: URIRef  # involves
    isApproximate: URIRef  # is approximate
    isEstimate: URIRef  # is estimate
    keyword: URIRef  # keyword
    linkMethod: URIRef  # method
    linkSubject: URIRef  # linked entity
    linkTarget: URIRef  # linked item
    listPosition: URIRef  # position in list
    literallyDenotes: URIRef  # literally denotes
    locatedIn: URIRef  # located in
    market: URIRef  # market
    measureOf: URIRef  # measure of
    officeHolder: URIRef  # office holder
    onBorder: URIRef  # on border
    ordinal: URIRef  # ordinal
    partOf: URIRef  # part of
    party: URIRef  # party
    purpose: URIRef  # purpose
    quantityKind: URIRef  # kind of quantity
    reason: URIRef  # reason
    relievesCrossing: URIRef  # relieves crossing
    result: URIRef  # result
    section: URIRef  # section
    sectionKind: URIRef  # kind of section
    sectionOf: URIRef  # section of
    separates: URIRef  # separates
    servesProductsOf: URIRef  # serves products of
    sharesBorderWith: URIRef  # shares border with
    startDate: URIRef  # start
    startEarliest: URIRef  # earliest start day
    startLatest: URIRef  # latest start day
    status: URIRef  # status
    targetHorizon: URIRef  # target horizon
    termOf: URIRef  # term of
    terminus: URIRef  # terminus
    towards: URIRef  # runs towards
    tradeBetween: URIRef  # trade between
    transitTo: URIRef  # speeds transit to
    unit: URIRef  # unit
    visitCount: URIRef  # number of visits
    visitedState: URIRef  # visited state
    visitor: URIRef  # visitor
    wikidataItem: URIRef  # Wikidata item
    writtenForm: URIRef  # written form


class Graphs:
    """The named graphs of a built dataset."""

    ONTOLOGY = URIRef(BASE + "graph/ontology")
    ASSERTED = URIRef(BASE + "graph/asserted")
    INFERRED = URIRef(BASE + "graph/inferred")
    SHAPES = URIRef(BASE + "graph/shapes")
    #: Statements pulled from Wikidata by ``kgraph enrich``, kept apart from the article's.
    WIKIDATA = URIRef(BASE + "graph/wikidata")

    #: Short names as users type them (``--graph asserted``), in a stable order.
    BY_NAME: dict[str, URIRef] = {
        "ontology": ONTOLOGY,
        "asserted": ASSERTED,
        "inferred": INFERRED,
        "shapes": SHAPES,
    }


#: Prefixes bound in every serialisation and preloaded in queries.
PREFIXES: dict[str, str] = {
    "kg": str(KG._NS),
    "kgr": str(KGR),
    "kgsh": str(KGSH),
    "kgg": BASE + "graph/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "org": str(ORG),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "sh": str(SH),
    "unit": str(UNIT),
    "iso639": str(ISO639),
    "wd": str(WD),
    "wdt": str(WDT),
}


def prefixed(iri: str) -> str | None:
    """``kg:State`` when a project prefix covers ``iri`` (the longest namespace wins), else None."""
    best = ""
    for namespace in PREFIXES.values():
        if iri.startswith(namespace) and len(iri) > len(namespace) and len(namespace) > len(best):
            best = namespace
    if not best:
        return None
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def sparql_prologue() -> str:
    """The PREFIX lines for :data:`PREFIXES`, to put before a query."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
