"""The column dictionary as code: every table, column, rule and RDF predicate, declared once.

``kg/tables/README.md`` documents the same columns for curators; ``tests/test_table_specs.py``
checks the two agree. Allowed values of enumerated columns are *not* listed here: they are the
``skos:notation`` values of the ontology's vocabularies (``vocabulary=``), read at load time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, URIRef

from kg.model.namespaces import CG, DOI_IRI_BASE, PROV, PUBMED_IRI_BASE

# What an id column declares, and so what a reference may point to.
SOURCE = "source"
INTERVENTION = "intervention"
DRUG_CLASS = "drug_class"
CONDITION = "condition"
POPULATION = "population"
RECOMMENDATION = "recommendation"
CAUTION = "caution"
EXACERBATING = "exacerbating_factor"
DOSING = "dosing_regimen"
INTERACTION = "interaction"
ALGORITHM_STEP = "algorithm_step"
DISAGREEMENT = "disagreement"
SEED_CLAIM = "seed_claim"
SAFETY_COMMUNICATION = "safety_communication"
PROFILE_IMPLICATION = "profile_implication"
PROFILE_FHIR_MAPPING = "profile_fhir_mapping"
CONFLICT = "cross_guideline_conflict"
SCOPE_LIMIT = "scope_limitation"

AGENTS = (INTERVENTION, DRUG_CLASS)
STATEMENTS = (RECOMMENDATION, CAUTION, EXACERBATING, DOSING, INTERACTION, ALGORITHM_STEP, SAFETY_COMMUNICATION)
CLASS_KINDS = frozenset({CONDITION, POPULATION})  # ids of these kinds become OWL classes


@dataclass(frozen=True)
class Column:
    """One column: its name, whether it is required, how it is parsed and what it becomes."""

    name: str
    kind: str = "text"  # id|text|texts|ref|refs|enum|enums|number|integer|year|expr|curie|mapping_predicate
    required: bool = False
    predicate: URIRef | None = None
    targets: tuple[str, ...] = ()  # for ref/refs: the id kinds it may point to
    vocabulary: URIRef | None = None  # for enum: the ontology class whose notations are allowed
    # for ref/refs pointing at classes (conditions, populations): annotation property to use
    class_predicate: URIRef | None = None
    datatype: URIRef | None = None  # for text/texts: literal datatype (default xsd:string)
    # for text: also emit the value as an IRI (iri_base + value) with this predicate (ADR 0010)
    iri_predicate: URIRef | None = None
    iri_base: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One curated table."""

    name: str  # file stem in kg/tables/
    id_kind: str | None  # kind of the ids this table declares (None: no id column)
    columns: tuple[Column, ...]
    rdf_type: URIRef | None = None  # type of every row node (None: set by an enum column)
    is_class: bool = False  # rows become OWL classes rather than individuals
    label_column: str | None = None  # else the id is the label
    extras: tuple[str, ...] = field(default=())  # named table-specific rules (see kg/core/build/tables.py)
    # False: validated with the others but not part of the build graph (the profile declarations,
    # read by kg/profile/fields.py)
    in_graph: bool = True

    @property
    def id_column(self) -> Column | None:
        return next((c for c in self.columns if c.kind == "id"), None)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _sources(predicate: URIRef = PROV.wasDerivedFrom) -> Column:
    return Column("source_ids", "refs", True, predicate, (SOURCE,))


def _conflict_side(side: str) -> tuple[Column, ...]:
    """The columns of one side (``a`` or ``b``) of a cross-guideline link (conflicts.tsv)."""
    upper = side.upper()
    return (
        Column(f"guideline_{side}", "ref", True, CG[f"side{upper}Guideline"], (SOURCE,)),
        Column(f"agent_ids_{side}", "refs", True, CG[f"side{upper}Agent"], (*AGENTS, CONDITION),
               class_predicate=CG[f"side{upper}Condition"]),
        Column(f"statement_ids_{side}", "refs", False, CG[f"side{upper}Statement"], STATEMENTS),
        Column(f"basis_{side}", "enums", True, CG[f"side{upper}Basis"], vocabulary=CG.EvidenceBasis),
        Column(f"source_ids_{side}", "refs", side == "a", CG[f"side{upper}Source"], (SOURCE,)),
    )


SECTION = Column("section", "text", True, CG.section)
CURATION_REF = Column("curation_ref", "text", False, CG.curationRef)
NOTE = Column("note", "text", False, SKOS.note)
BASIS = Column("basis", "enum", True, CG.evidenceBasis, vocabulary=CG.EvidenceBasis)
POPULATION_REF = Column(
    "population_id", "ref", True, None, (POPULATION,), class_predicate=CG.appliesToPopulation
)
AGENT_REF = Column("intervention_id", "ref", True, CG.aboutAgent, AGENTS)

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "sources",
        SOURCE,
        (
            Column("source_id", "id", True),
            Column("title", "text", True, DCTERMS.title),
            Column("issuer", "text", False, CG.issuer),
            Column("year", "year", False, CG.publicationYear),
            Column("publication_type", "enum", True, CG.publicationType, vocabulary=CG.PublicationType),
            Column("doi", "text", False, CG.doi, iri_predicate=CG.doiIri, iri_base=DOI_IRI_BASE),
            Column("pmid", "text", False, CG.pmid, iri_predicate=CG.pubmedIri, iri_base=PUBMED_IRI_BASE),
            Column("url", "texts", False, CG.url, datatype=XSD.anyURI),
            Column("superseded_by", "ref", False, CG.supersededBy, (SOURCE,)),
            Column("cited_in", "ref", False, CG.citedIn, (SOURCE,)),
            NOTE,
        ),
        rdf_type=CG.SourceDocument,
        label_column="title",
        extras=("pmid_digits",),
    ),
    TableSpec(
        "drug_classes",
        DRUG_CLASS,
        (
            Column("drug_class_id", "id", True),
            Column("label", "text", True, RDFS.label),
            Column("parent_id", "refs", False, CG.broaderDrugClass, (DRUG_CLASS,)),
            Column("definition", "text", True, SKOS.definition),
            Column("unmapped_reason", "text", False, CG.unmappedReason),
            _sources(),
            SECTION,
        ),
        rdf_type=CG.DrugClass,
        label_column="label",
        extras=("acyclic_parents",),
    ),
    TableSpec(
        "interventions",
        INTERVENTION,
        (
            Column("intervention_id", "id", True),
            Column("label", "text", True, RDFS.label),
            Column("kind", "enum", True, RDF.type, vocabulary=CG.Agent),
            Column("route", "enum", False, CG.route, vocabulary=CG.Route),
            Column("drug_classes", "refs", False, CG.memberOfDrugClass, (DRUG_CLASS,)),
            Column("measures", "enums", False, CG.measuresQuantity, vocabulary=OWL.DatatypeProperty),
            Column("synonyms", "texts", False, SKOS.altLabel),
            Column("unmapped_reason", "text", False, CG.unmappedReason),
            _sources(),
            SECTION,
            Column("active_ingredient", "ref", False, CG.activeIngredient, (INTERVENTION,)),
            Column("profile_field", "text", False, CG.profileField),
        ),
        label_column="label",
    ),
    TableSpec(
        "conditions",
        CONDITION,
        (
            Column("condition_id", "id", True),
            Column("label", "text", True, RDFS.label),
            Column("parent_id", "refs", False, None, (CONDITION,), class_predicate=RDFS.subClassOf),
            Column("assessed_by", "refs", False, CG.assessedBy, (INTERVENTION,)),
            Column("definition", "text", True, SKOS.definition),
            Column("unmapped_reason", "text", False, CG.unmappedReason),
            _sources(DCTERMS.source),
            SECTION,
        ),
        is_class=True,
        label_column="label",
        extras=("acyclic_parents",),
    ),
    TableSpec(
        "populations",
        POPULATION,
        (
            Column("population_id", "id", True),
            Column("label", "text", True, RDFS.label),
            Column("definition_expr", "expr", True, CG.populationRule),
            Column("description", "text", True, SKOS.definition),
            Column("basis", "enum", True, CG.evidenceBasisOf, vocabulary=CG.EvidenceBasis),
            _sources(DCTERMS.source),
            SECTION,
            CURATION_REF,
            NOTE,
        ),
        is_class=True,
        label_column="label",
        extras=("acyclic_population_references",),
    ),
    TableSpec(
        "recommendations",
        RECOMMENDATION,
        (
            Column("rec_id", "id", True),
            Column("guideline_id", "ref", True, CG.issuedBy, (SOURCE,)),
            Column("statement_type", "enum", True, RDF.type, vocabulary=CG.GuidelineStatement),
            Column("statement", "text", True, CG.statementText),
            AGENT_REF,
            POPULATION_REF,
            Column("direction", "enum", True, CG.direction, vocabulary=CG.Direction),
            Column("strength", "enum", True, CG.strength, vocabulary=CG.Strength),
            Column("certainty", "enum", True, CG.certainty, vocabulary=CG.Certainty),
            Column("line_of_therapy", "enum", True, CG.lineOfTherapy, vocabulary=CG.LineOfTherapy),
            BASIS,
            Column("certainty_basis", "enum", True, CG.certaintyBasis, vocabulary=CG.EvidenceBasis),
            _sources(),
            SECTION,
            Column("curation_ref", "text", True, CG.curationRef),
            NOTE,
        ),
        extras=("unconfirmed_certainty_basis",),
    ),
    TableSpec(
        "cautions",
        CAUTION,
        (
            Column("caution_id", "id", True),
            AGENT_REF,
            Column(
                "population_id", "ref", False, None, (POPULATION,),
                class_predicate=CG.appliesToPopulation,
            ),
            Column("co_medication_id", "ref", False, CG.coMedication, AGENTS),
            Column("severity", "enum", True, CG.severity, vocabulary=CG.Severity),
            Column("rationale", "text", True, CG.rationale),
            BASIS,
            _sources(),
            SECTION,
            CURATION_REF,
            NOTE,
            Column("action_id", "ref", False, CG.precautionAction, (INTERVENTION,)),
        ),
        rdf_type=CG.Caution,
        extras=("population_or_comedication",),
    ),
    TableSpec(
        "exacerbating_factors",
        EXACERBATING,
        (
            Column("factor_id", "id", True),
            Column(
                "agent_id", "ref", True, CG.aboutAgent, (*AGENTS, CONDITION),
                class_predicate=CG.aboutCondition,
            ),
            Column("effect", "enum", True, CG.effect, vocabulary=CG.ExacerbationEffect),
            Column("action", "text", True, CG.recommendedAction),
            BASIS,
            _sources(),
            SECTION,
            CURATION_REF,
            NOTE,
        ),
        rdf_type=CG.ExacerbatingFactor,
    ),
    TableSpec(
        "dosing",
        DOSING,
        (
            Column("regimen_id", "id", True),
            Column("intervention_id", "ref", True, CG.aboutAgent, (INTERVENTION,)),
            Column(
                "population_id", "ref", False, None, (POPULATION,),
                class_predicate=CG.appliesToPopulation,
            ),
            Column("unit", "enum", True, CG.doseUnit, vocabulary=CG.DoseUnit),
            Column("start_dose", "number", False, CG.startDose),
            Column("start_doses_per_day", "number", False, CG.startDosesPerDay),
            Column("titration_step", "number", False, CG.titrationStep),
            Column("titration_interval_days_min", "number", False, CG.titrationIntervalDaysMin),
            Column("titration_interval_days_max", "number", False, CG.titrationIntervalDaysMax),
            Column("target_daily_min", "number", False, CG.targetDailyMin),
            Column("target_daily_max", "number", False, CG.targetDailyMax),
            Column("max_daily", "number", False, CG.maxDaily),
            Column("adequate_trial_daily_min", "number", False, CG.adequateTrialDailyMin),
            Column("doses_per_day", "number", False, CG.dosesPerDay),
            Column("timing", "text", False, CG.timing),
            BASIS,
            _sources(),
            SECTION,
            CURATION_REF,
            NOTE,
            Column("no_max_reason", "text", False, CG.noMaximumReason),
        ),
        rdf_type=CG.DosingRegimen,
        extras=("ordered_ranges", "no_max_reason_without_maximum"),
    ),
    TableSpec(
        "interactions",
        INTERACTION,
        (
            Column("interaction_id", "id", True),
            Column("agent_a", "ref", True, CG.interactant, AGENTS),
            Column("agent_b", "ref", True, CG.interactant, AGENTS),
            Column(
                "population_id", "ref", False, None, (POPULATION,),
                class_predicate=CG.appliesToPopulation,
            ),
            Column("severity", "enum", True, CG.interactionSeverity, vocabulary=CG.InteractionSeverity),
            Column("effect", "text", True, CG.effectText),
            Column("management", "text", True, CG.management),
            BASIS,
            _sources(),
            SECTION,
            CURATION_REF,
        ),
        rdf_type=CG.DrugInteraction,
    ),
    TableSpec(
        "safety_communications",
        SAFETY_COMMUNICATION,
        (
            Column("communication_id", "id", True),
            Column("title", "text", True, RDFS.label),
            Column("kind", "enum", True, CG.communicationKind, vocabulary=CG.CommunicationKind),
            Column("issued_year", "year", False, CG.issuedYear),
            Column("applies_to", "refs", True, CG.aboutAgent, AGENTS),
            Column("statement", "text", True, CG.statementText),
            Column("management", "text", True, CG.management),
            BASIS,
            _sources(),
            SECTION,
            CURATION_REF,
        ),
        rdf_type=CG.SafetyCommunication,
        label_column="title",
    ),
    TableSpec(
        "scope_limits",
        SCOPE_LIMIT,
        (
            Column("scope_id", "id", True),
            Column("label", "text", True, RDFS.label),
            Column(
                "population_id", "ref", True, None, (POPULATION,),
                class_predicate=CG.appliesToPopulation,
            ),
            Column("statement", "text", True, CG.statementText),
            BASIS,
            _sources(),
            SECTION,
            CURATION_REF,
        ),
        rdf_type=CG.ScopeLimitation,
        label_column="label",
    ),
    TableSpec(
        "algorithm",
        ALGORITHM_STEP,
        (
            Column("step", "integer", True, CG.stepNumber),
            Column("step_id", "id", True),
            Column("label", "text", True, RDFS.label),
            Column("instruction", "text", True, CG.instruction),
            Column(
                "population_id", "ref", False, None, (POPULATION,),
                class_predicate=CG.appliesToPopulation,
            ),
            Column("intervention_ids", "refs", False, CG.usesAgent, AGENTS),
            BASIS,
            _sources(),
            SECTION,
            Column("completed_by", "refs", False, CG.completedByAdequateUseOf, AGENTS),
        ),
        rdf_type=CG.AlgorithmStep,
        label_column="label",
        extras=("consecutive_steps",),
    ),
    TableSpec(
        "disagreements",
        DISAGREEMENT,
        (
            Column("disagreement_id", "id", True),
            Column("topic", "text", True, CG.topic),
            Column("statement_ids", "refs", True, CG.involvesStatement, STATEMENTS),
            Column("summary", "text", True, RDFS.comment),
            Column("precedence", "enum", True, CG.precedenceKind, vocabulary=CG.PrecedenceKind),
            Column("precedence_rule", "text", True, CG.precedenceRule),
            Column("prevailing_id", "refs", False, CG.prevailingStatement, STATEMENTS),
            Column("curation_ref", "text", True, CG.curationRef),
        ),
        rdf_type=CG.SourceDisagreement,
        extras=("prevailing_is_involved",),
    ),
    # A crosswalk package's links between two guidelines (ADR 0022): sides A and B, each with its guideline, agents
    # (or condition), statements, evidence tags and sources; the rows that make the link; what to do.
    TableSpec(
        "conflicts",
        CONFLICT,
        (
            Column("conflict_id", "id", True),
            Column("kind", "enum", True, CG.conflictKind, vocabulary=CG.ConflictKind),
            *(column for side in ("a", "b") for column in _conflict_side(side)),
            Column("link_statement_ids", "refs", False, CG.linkStatement, STATEMENTS),
            Column("mechanism", "text", True, CG.mechanism),
            Column("action", "text", True, CG.conflictAction),
            Column("link_basis", "enums", False, CG.linkBasis, vocabulary=CG.EvidenceBasis),
            Column("link_source_ids", "refs", False, CG.linkSource, (SOURCE,)),
            Column("curation_ref", "text", True, CG.curationRef),
            NOTE,
        ),
        rdf_type=CG.CrossGuidelineConflict,
    ),
    TableSpec(
        "seed_claims",
        SEED_CLAIM,
        (
            Column("claim_id", "id", True),
            Column("seed_section", "text", True, CG.section),
            Column("claim", "text", True, CG.claimText),
            Column("seed_refs", "refs", True, PROV.wasDerivedFrom, (SOURCE,)),
            Column(
                "encoded_as", "refs", False, CG.encodedAs,
                (INTERVENTION, DRUG_CLASS, CONDITION, POPULATION, *STATEMENTS),
                class_predicate=CG.encodedAs,
            ),
            Column("status", "enum", True, CG.encodingStatus, vocabulary=CG.EncodingStatus),
            Column("reason", "text", False, SKOS.note),
        ),
        rdf_type=CG.SourceClaim,
        extras=("claim_status_consistent",),
    ),
    TableSpec(
        "mappings",
        None,
        (
            Column(
                "subject_id", "ref", True, None,
                (INTERVENTION, DRUG_CLASS, CONDITION, POPULATION),
            ),
            Column("predicate", "mapping_predicate", True),
            Column("object_id", "curie", True),
            Column("source_ids", "refs", True, DCTERMS.source, (SOURCE,)),
            NOTE,
        ),
    ),
)

# The patient profile's declarations (kg/profile/fields.py interprets them; kg/profile/schema_gen.py
# generates kg/schemas/patient-profile.schema.json from them). Not in the build graph.
PROFILE_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "profile_fields",
        None,
        (
            Column("field", "text", True),
            Column("type", "text", True),
            Column("values", "texts", False),
            Column("unit", "texts", False),
            Column("minimum", "number", False),
            Column("maximum", "number", False),
            Column("required", "text", True),
            Column("if_omitted", "text", False),
            Column("if_unknown", "text", False),
            Column("condition", "refs", False, None, (CONDITION,)),
            Column("agent", "ref", False, None, (INTERVENTION,)),
            Column("quantity", "enum", False, vocabulary=OWL.DatatypeProperty),
            Column("date_property", "text", False),
            Column("description", "text", False),
        ),
        extras=("profile_declarations",),
        in_graph=False,
    ),
    TableSpec(
        "profile_implications",
        PROFILE_IMPLICATION,
        (
            Column("implication_id", "id", True),
            Column("if", "text", True),
            Column("then", "text", True),
            Column("target", "text", True),
            Column("kind", "text", True),
            Column("on_contradiction", "text", False),
            Column("problem", "text", False),
            Column("rationale", "text", True),
        ),
        in_graph=False,
    ),
    # How a FHIR R4 record fills a profile field (kg/profile/fhir/ interprets it; guidelines/TABLES.md).
    TableSpec(
        "profile_fhir",
        PROFILE_FHIR_MAPPING,
        (
            Column("mapping_id", "id", True),
            Column("field", "text", True),
            Column("resource", "texts", True),
            Column("element", "text", True),
            Column("codes", "texts", False),
            Column("status", "text", False),
            Column("where", "text", False),
            Column("value_element", "text", False),
            Column("value_codes", "texts", False),
            Column("reads", "text", True),
            Column("field_value", "text", False),
            Column("units", "texts", False),
            Column("lookback_days", "integer", False),
            BASIS,
            _sources(),
            SECTION,
            CURATION_REF,
            NOTE,
        ),
        extras=("profile_fhir_mappings",),
        in_graph=False,
    ),
)

TABLES = (*TABLES, *PROFILE_TABLES)

# Allowed predicates of mappings.tsv (SSSOM mapping predicates, as SKOS).
MAPPING_PREDICATES: dict[str, URIRef] = {
    "skos:exactMatch": SKOS.exactMatch,
    "skos:closeMatch": SKOS.closeMatch,
    "skos:broadMatch": SKOS.broadMatch,
    "skos:narrowMatch": SKOS.narrowMatch,
    "skos:relatedMatch": SKOS.relatedMatch,
}

TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}
OWL_TYPE_OF_KIND: dict[bool, URIRef] = {True: OWL.Class, False: OWL.NamedIndividual}
