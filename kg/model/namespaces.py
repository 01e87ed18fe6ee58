"""IRIs of this project. ``CG`` is generated from ontology/cgkg.ttl; a typo fails at import.

Regenerate ``CG`` with ``python -m kg.model.namespaces`` after adding a term to the ontology
(tests/test_ontology.py checks that the two agree).
"""

from __future__ import annotations

from rdflib import DCTERMS, OWL, RDF, SKOS, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = URIRef("https://w3id.org/cgkg/ontology")
# rdflib's terms read in per-triple loops, read once (each read through rdflib's namespace class is a lookup)
RDF_TYPE, NAMED_INDIVIDUAL = RDF.type, OWL.NamedIndividual
SKOS_NOTATION, DCTERMS_IDENTIFIER = SKOS.notation, DCTERMS.identifier
PROV = Namespace("http://www.w3.org/ns/prov#")
EXPORT = Namespace("https://w3id.org/cgkg/export/")  # exports and their provenance nodes (kg.export.provenance)

# CURIE prefixes of the terminology mappings (kg/tables/mappings.tsv) -> IRI bases
# (conventions from shared/reference/terminology.md §7.1).
MAPPING_PREFIXES: dict[str, str] = {
    "RXNORM": "http://purl.bioontology.org/ontology/RXNORM/",
    "ATC": "http://purl.bioontology.org/ontology/ATC/",
    "SNOMEDCT": "http://snomed.info/id/",
    "ICD10CM": "http://purl.bioontology.org/ontology/ICD10CM/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "LOINC": "http://loinc.org/rdf#",
    "WIKIDATA": "http://www.wikidata.org/entity/",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
}

# CURIE prefixes of the HL7 code systems the ontology's own value sets are matched to (skos:closeMatch of
# cg:Strength and cg:Certainty values, terminology.md §6); used where a mapping must be written as a CURIE (SSSOM).
CODE_SYSTEM_PREFIXES: dict[str, str] = {
    "HL7_RECOMMENDATION_STRENGTH": "http://terminology.hl7.org/CodeSystem/recommendation-strength#",
    "HL7_EVIDENCE_QUALITY": "http://terminology.hl7.org/CodeSystem/evidence-quality#",
    # the CPG IG's own code system (CPG 2.0.0: input/fsh/terminology/codesystem-cpg-recommendation-direction.fsh)
    "CPG_RECOMMENDATION_DIRECTION": "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-recommendation-direction-cs#",
}

# The code systems' canonical URIs (FHIR Coding.system), from shared/reference/terminology.md §7.1: every mapping
# target of these prefixes also carries cg:codeSystem <system> and cg:code "<code>" (ADR 0010). MeSH, Wikidata and
# ChEBI have none there (Wikidata's entity IRIs are already its canonical form).
CODE_SYSTEMS: dict[str, str] = {
    "RXNORM": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "ATC": "http://www.whocc.no/atc",
    "SNOMEDCT": "http://snomed.info/sct",
    "ICD10CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "LOINC": "http://loinc.org",
}

# Resolvable IRIs of bibliographic identifiers (sources.tsv doi, pmid), beside the plain strings.
DOI_IRI_BASE = "https://doi.org/"
PUBMED_IRI_BASE = "https://pubmed.ncbi.nlm.nih.gov/"
FHIR_BASE = "https://w3id.org/cgkg/fhir/"  # canonical URLs and fullUrls of the FHIR export (kg export fhir-cpg)

def installed_package_prefixes() -> dict[str, str]:
    """The CURIE prefix and namespace of every installed guideline package (its manifest, ADR 0019), so that the
    content IRIs of every package have CURIEs in query results, exports and mappings; none where no package is
    installed."""
    from kg.base.errors import UserError
    from kg.model.packages import GUIDELINES_DIR, discover

    try:
        return {p.prefix: p.namespace for p in discover().values()} if GUIDELINES_DIR.is_dir() else {}
    except UserError:  # a broken manifest is reported by the command that reads the packages, not at import
        return {}


PREFIXES: dict[str, str] = {
    "cg": "https://w3id.org/cgkg/ontology#",
    "prov": str(PROV),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vann": "http://purl.org/vocab/vann/",  # the build header's package namespaces and prefixes
    **{k.lower(): v for k, v in MAPPING_PREFIXES.items()},
}
# a package prefix never redefines one above (kg/model/packages.py checks one namespace per prefix among packages)
PREFIXES.update({k: v for k, v in installed_package_prefixes().items() if k not in PREFIXES})


class CG(DefinedNamespace):
    """Terms of the cgkg ontology (generated)."""

    _NS = Namespace("https://w3id.org/cgkg/ontology#")
    _fail = True

    # --- generated terms: python -m kg.model.namespaces ---
    AgeUnknown: URIRef
    Agent: URIRef
    AlgorithmStep: URIRef
    AlgorithmStepState: URIRef
    AllOfCriterion: URIRef
    AnyOfCriterion: URIRef
    BasisAISecondary: URIRef
    BasisPrimary: URIRef
    BasisSecondary: URIRef
    BasisUnconfirmed: URIRef
    BasisVerbatim: URIRef
    Caution: URIRef
    Certainty: URIRef
    CertaintyHigh: URIRef
    CertaintyLow: URIRef
    CertaintyModerate: URIRef
    CertaintyNotGraded: URIRef
    CertaintyUnconfirmed: URIRef
    CertaintyVeryLow: URIRef
    CommunicationBoxedWarning: URIRef
    CommunicationDrugSafety: URIRef
    CommunicationKind: URIRef
    Condition: URIRef
    ConflictConcordant: URIRef
    ConflictGap: URIRef
    ConflictHarmInOtherCondition: URIRef
    ConflictInteraction: URIRef
    ConflictKind: URIRef
    ConflictListing: URIRef
    ConflictNoSignal: URIRef
    ConflictRecommendedAgainstByOther: URIRef
    ConflictWorsensOtherCondition: URIRef
    CrossGuidelineConflict: URIRef
    CuratedEntity: URIRef
    Decision: URIRef
    DecisionAllowedWithCaution: URIRef
    DecisionContraindicated: URIRef
    DecisionFailedBefore: URIRef
    DecisionNotIndicated: URIRef
    DecisionNotYetIndicated: URIRef
    DecisionReason: URIRef
    DecisionRecommended: URIRef
    DecisionRecommendedAgainst: URIRef
    DecisionStatus: URIRef
    DecisionUndetermined: URIRef
    Device: URIRef
    DiagnosticTest: URIRef
    Direction: URIRef
    DirectionAgainst: URIRef
    DirectionAgainstStandardUse: URIRef
    DirectionFor: URIRef
    DiscontinuationProcedure: URIRef
    DoseUnit: URIRef
    DosingRegimen: URIRef
    Drug: URIRef
    DrugClass: URIRef
    DrugInteraction: URIRef
    EffectLessLikely: URIRef
    EffectMayWorsen: URIRef
    EffectNotWorsening: URIRef
    EffectWorsens: URIRef
    EncodingStatus: URIRef
    EvidenceBasis: URIRef
    ExacerbatingFactor: URIRef
    ExacerbationEffect: URIRef
    FailedTrial: URIRef
    FindingAboveMaximum: URIRef
    FindingAboveUsualRange: URIRef
    FindingAddressExacerbatingFactor: URIRef
    FindingAlgorithmStep: URIRef
    FindingAsk: URIRef
    FindingBeforeStarting: URIRef
    FindingBelowAdequateTrial: URIRef
    FindingCaution: URIRef
    FindingCheckUnrecognisedMedication: URIRef
    FindingContraindication: URIRef
    FindingCurrentDose: URIRef
    FindingCurrentDrugAdvisedAgainst: URIRef
    FindingCurrentDrugContraindicated: URIRef
    FindingDuplicateTherapy: URIRef
    FindingInteraction: URIRef
    FindingKeep: URIRef
    FindingKind: URIRef
    FindingMeasure: URIRef
    FindingNextStep: URIRef
    FindingNotCovered: URIRef
    FindingSingleDailyDose: URIRef
    FindingSourcedDose: URIRef
    FindingUndeterminedOption: URIRef
    FindingWhenStopping: URIRef
    GoodPracticeStatement: URIRef
    GradedRecommendation: URIRef
    GuidelinePopulation: URIRef
    GuidelineStatement: URIRef
    InteractionBoxedWarning: URIRef
    InteractionCaution: URIRef
    InteractionSerious: URIRef
    InteractionSeverity: URIRef
    Intervention: URIRef
    LifestyleMeasure: URIRef
    LineFirst: URIRef
    LineLastResort: URIRef
    LineNotApplicable: URIRef
    LineOfTherapy: URIRef
    LinePrerequisite: URIRef
    LineSecond: URIRef
    ListedAsConcordance: URIRef
    ListedAsConflict: URIRef
    MedicationListUnknown: URIRef
    MedicationUse: URIRef
    NotCriterion: URIRef
    NotListed: URIRef
    OptionAssessment: URIRef
    OutcomeAugmentation: URIRef
    OutcomeInadequateResponse: URIRef
    OutcomeNotTolerated: URIRef
    OutcomeResponse: URIRef
    Patient: URIRef
    PopulationCriterion: URIRef
    PossiblyFailedTrial: URIRef
    PracticePoint: URIRef
    PrecedenceBoundaryConvention: URIRef
    PrecedenceGuidelineOverAI: URIRef
    PrecedenceKind: URIRef
    PrecedenceNewerGuideline: URIRef
    PrecedenceNone: URIRef
    PrecedenceSafetyFirst: URIRef
    PrecedenceSpecificPopulation: URIRef
    Procedure: URIRef
    PubAISummary: URIRef
    PubCaseSeries: URIRef
    PubCohort: URIRef
    PubConsensus: URIRef
    PubDrugLabel: URIRef
    PubGuideline: URIRef
    PubGuidelineAbstract: URIRef
    PubGuidelineSummary: URIRef
    PubNews: URIRef
    PubPressRelease: URIRef
    PubRCT: URIRef
    PubRegulatory: URIRef
    PubReview: URIRef
    PubSystematicReview: URIRef
    PubTerminology: URIRef
    PubUnknown: URIRef
    PublicationType: URIRef
    ReasonAgainst: URIRef
    ReasonCaution: URIRef
    ReasonContraindicates: URIRef
    ReasonEffect: URIRef
    ReasonFailedBefore: URIRef
    ReasonLaterLine: URIRef
    ReasonNotCovered: URIRef
    ReasonNote: URIRef
    ReasonSupports: URIRef
    ReasonUndeterminedRestriction: URIRef
    ReasonUndeterminedSupport: URIRef
    ReferenceCriterion: URIRef
    ReportGroup: URIRef
    ReportGroupAskFirst: URIRef
    ReportGroupAvoid: URIRef
    ReportGroupLater: URIRef
    ReportGroupNotCovered: URIRef
    ReportGroupOutsideSources: URIRef
    ReportGroupTriedBefore: URIRef
    ReportGroupUseNow: URIRef
    Route: URIRef
    RouteExternal: URIRef
    RouteIntravenous: URIRef
    RouteNotApplicable: URIRef
    RouteOral: URIRef
    RouteSublingual: URIRef
    RouteTransdermal: URIRef
    SafetyCommunication: URIRef
    ScopeLimitation: URIRef
    Severity: URIRef
    SeverityAvoid: URIRef
    SeverityCaution: URIRef
    SeverityContraindicated: URIRef
    SourceClaim: URIRef
    SourceDisagreement: URIRef
    SourceDocument: URIRef
    StatedAbsence: URIRef
    Statement: URIRef
    StatusEncoded: URIRef
    StatusNotEncoded: URIRef
    StatusPartlyEncoded: URIRef
    StepDone: URIRef
    StepDueNow: URIRef
    StepNotNeeded: URIRef
    StepPossiblyDue: URIRef
    Strength: URIRef
    StrengthConditional: URIRef
    StrengthNotGraded: URIRef
    StrengthStrong: URIRef
    StrengthUnconfirmed: URIRef
    Substance: URIRef
    SummaryAskOrMeasure: URIRef
    SummaryNow: URIRef
    SummarySafety: URIRef
    SummarySection: URIRef
    SummaryStopOrChange: URIRef
    ThresholdCriterion: URIRef
    TreatmentAlgorithm: URIRef
    TreatmentOption: URIRef
    TreatmentTrial: URIRef
    TrialHistoryUnknown: URIRef
    TrialOutcome: URIRef
    UnitMg: URIRef
    UnitMgPer24h: URIRef
    UnitMgPerKg: URIRef
    UnrecognisedMedication: URIRef
    Warning: URIRef
    aboutAgent: URIRef
    aboutCondition: URIRef
    absenceOf: URIRef
    activeIngredient: URIRef
    adequacyUndetermined: URIRef
    adequateDose: URIRef
    adequateTrial: URIRef
    adequateTrialDailyMin: URIRef
    ageYears: URIRef
    allowedAnswer: URIRef
    appliesToPopulation: URIRef
    assessedBy: URIRef
    assessedLine: URIRef
    assessedOption: URIRef
    basedOn: URIRef
    broaderDrugClass: URIRef
    certainty: URIRef
    certaintyBasis: URIRef
    citedIn: URIRef
    claimText: URIRef
    coMedication: URIRef
    code: URIRef
    codeSystem: URIRef
    communicationKind: URIRef
    comparator: URIRef
    completedByAdequateUseOf: URIRef
    conflictAction: URIRef
    conflictKind: URIRef
    conflictListing: URIRef
    criterion: URIRef
    criterionKeyword: URIRef
    criterionTarget: URIRef
    curationRef: URIRef
    currentDailyDose: URIRef
    currentDosesPerDay: URIRef
    decidesStatus: URIRef
    decisionPrecedence: URIRef
    decisionStatus: URIRef
    defaultValue: URIRef
    direction: URIRef
    doi: URIRef
    doiIri: URIRef
    doneAnswer: URIRef
    doseReachedDaily: URIRef
    doseUnit: URIRef
    doseValue: URIRef
    dosesPerDay: URIRef
    dueAnswer: URIRef
    effect: URIRef
    effectOnOption: URIRef
    effectText: URIRef
    encodedAs: URIRef
    encodingStatus: URIRef
    evidenceBasis: URIRef
    evidenceBasisOf: URIRef
    fallsUnder: URIRef
    findingKindIfAllowed: URIRef
    findingKindIfDecisive: URIRef
    findingKindIfNotTaken: URIRef
    findingKindIfTaken: URIRef
    forPatient: URIRef
    hadTrial: URIRef
    hadTrialOfUnrecognisedMedication: URIRef
    hasCondition: URIRef
    hasMedicationUse: URIRef
    hasReason: URIRef
    hiddenByDefault: URIRef
    inForce: URIRef
    instruction: URIRef
    interactant: URIRef
    interactionSeverity: URIRef
    involvesStatement: URIRef
    issuedBy: URIRef
    issuedYear: URIRef
    issuer: URIRef
    lacksCondition: URIRef
    laterLine: URIRef
    laterLineReachable: URIRef
    laterLineReached: URIRef
    lineOfTherapy: URIRef
    linkBasis: URIRef
    linkSource: URIRef
    linkStatement: URIRef
    management: URIRef
    maxDaily: URIRef
    measuresQuantity: URIRef
    mechanism: URIRef
    memberOfDrugClass: URIRef
    nameAsGiven: URIRef
    nextStep: URIRef
    nextStepPhrase: URIRef
    noMaximumReason: URIRef
    onQuantity: URIRef
    operand: URIRef
    operandIndex: URIRef
    optionInPlay: URIRef
    partOfAlgorithm: URIRef
    pmid: URIRef
    populationRule: URIRef
    possibleIntendedName: URIRef
    possibleMembershipOf: URIRef
    possiblyHasCondition: URIRef
    possiblyTakesAgent: URIRef
    precautionAction: URIRef
    precedenceKind: URIRef
    precedenceRule: URIRef
    prevailingStatement: URIRef
    profileField: URIRef
    publicationType: URIRef
    publicationYear: URIRef
    pubmedIri: URIRef
    rank: URIRef
    rationale: URIRef
    readInDocument: URIRef
    reasonApplies: URIRef
    reasonFor: URIRef
    reasonKind: URIRef
    recommendedAction: URIRef
    refinesStatus: URIRef
    reportGroup: URIRef
    reportGroupIfDecisive: URIRef
    requiresPopulation: URIRef
    route: URIRef
    ruleMentions: URIRef
    safetyRank: URIRef
    section: URIRef
    sequencedLine: URIRef
    severity: URIRef
    sideAAgent: URIRef
    sideABasis: URIRef
    sideACondition: URIRef
    sideAGuideline: URIRef
    sideASource: URIRef
    sideAStatement: URIRef
    sideBAgent: URIRef
    sideBBasis: URIRef
    sideBCondition: URIRef
    sideBGuideline: URIRef
    sideBSource: URIRef
    sideBStatement: URIRef
    sourceTable: URIRef
    startDose: URIRef
    startDosesPerDay: URIRef
    statementText: URIRef
    stepNumber: URIRef
    strength: URIRef
    summarySection: URIRef
    summaryShowsDose: URIRef
    supersededBy: URIRef
    takesAgent: URIRef
    takesDrugOfClass: URIRef
    takesUnrecognisedMedication: URIRef
    targetDailyMax: URIRef
    targetDailyMin: URIRef
    thresholdCriterion: URIRef
    thresholdValue: URIRef
    timing: URIRef
    titrationIntervalDaysMax: URIRef
    titrationIntervalDaysMin: URIRef
    titrationStep: URIRef
    topic: URIRef
    trialOf: URIRef
    trialOfDrugClass: URIRef
    trialOutcome: URIRef
    ucumUnit: URIRef
    unknownValueOf: URIRef
    unmappedReason: URIRef
    url: URIRef
    useOf: URIRef
    usesAgent: URIRef
    # --- end of generated terms ---


for _term in CG.__annotations__:  # each term a plain class attribute: read without the metaclass's lookup (hot loops
    setattr(CG, _term, CG._NS[_term])  # read thousands per decision); a term not listed still fails (_fail)


def ontology_terms(path: str | None = None) -> list[str]:
    """Local names of every cg: term used in the ontology file."""
    from rdflib import Graph

    from kg.base.paths import ONTOLOGY_FILE

    graph = Graph().parse(path or ONTOLOGY_FILE)
    base = str(CG._NS)
    return sorted(
        {str(t)[len(base):] for t in graph.all_nodes() if isinstance(t, URIRef) and str(t).startswith(base)}
    )


def regenerate(path: str = __file__) -> None:
    """Rewrite the generated block of this module from the ontology."""
    import re
    from pathlib import Path

    source = Path(path).read_text(encoding="utf-8")
    terms = "\n".join(f"    {t}: URIRef" for t in ontology_terms())
    source = re.sub(
        r"(# --- generated terms: python -m kg.model.namespaces ---\n).*?(\n    # --- end of generated terms ---)",
        lambda m: m.group(1) + terms + m.group(2),
        source,
        flags=re.S,
    )
    Path(path).write_text(source, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - developer tool
    regenerate()
