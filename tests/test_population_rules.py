"""The population grammar: parsing, errors, and compilation to OWL class expressions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import OWL, RDF, XSD, Graph, Literal, Namespace
from rdflib.collection import Collection

from kg.base.paths import GUIDELINES_DIR
from kg.model.identifiers import IdSpace
from kg.model.namespaces import CG
from kg.model.ontology import quantities
from kg.model.packages import packages
from kg.model.population import (
    And,
    Or,
    Reference,
    RuleError,
    Threshold,
    define_population,
    parse,
    references,
    unknown_quantities,
)
from tests.package_namespaces import FERRITIN, FERRITIN_UNKNOWN

RLS = Namespace("https://w3id.org/cgkg/rls/")  # a package namespace of the tests' rules
RLS_POSSIBLE = Namespace(f"{RLS}possible/")
IDS = IdSpace({id_: str(RLS) for id_ in ("p", "opioids", "adult", "copd", "methadone", "x")})
# the quantities of the ontology the RLS package is built with: the core's (age) and its fragment's (ferritin, tsat)
QUANTITIES = quantities(tuple(packages(GUIDELINES_DIR, ["rls-aasm-2024"])))

def test_precedence_needs_parentheses():
    assert parse("ferritin < 75 or ( tsat < 20 and ferritin < 300 )") == Or(
        (
            Threshold("ferritin", "<", Decimal(75)),
            And((Threshold("tsat", "<", Decimal(20)), Threshold("ferritin", "<", Decimal(300)))),
        )
    )
    with pytest.raises(RuleError, match="mixed without parentheses"):
        parse("ferritin < 75 or tsat < 20 and ferritin < 300")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "empty rule"),
        ("ferritin => 75", "unknown operator"),
        ("ferritin <= lots", "not a number"),
        ("ferritin <= -1", "non-negative"),
        ("hemoglobin", "unknown term"),
        ("hemoglobin and age < 10", "unknown term"),
        ("condition", "needs an identifier"),
        ("( condition copd", "missing"),
        ("condition copd copd", "unexpected"),
    ],
)
def test_bad_rules_say_why(rule: str, message: str):
    with pytest.raises(RuleError, match=message):
        parse(rule)


def test_a_quantity_is_a_name_the_grammar_reads_and_the_ontology_knows():
    """The grammar reads any name before an operator as a quantity; whether the build's ontology declares it (the
    core's age, a package's lab values, ADR 0025) is a separate check, which the table validator runs."""
    expr = parse("hemoglobin < 10 or ferritin <= 75")
    assert unknown_quantities(expr, QUANTITIES) == ["hemoglobin"]
    assert unknown_quantities(expr, quantities()) == ["hemoglobin", "ferritin"]  # the core alone has no lab value
    with pytest.raises(KeyError, match="'hemoglobin' is not a patient quantity of the ontology .known: age, ferritin"):
        define_population(Graph(), "p", expr, IDS, QUANTITIES)


def test_references_list_every_identifier_with_its_kind():
    expr = parse("condition copd or takes methadone or takes-class opioids or failed-class opioids or population x")
    assert references(expr) == [
        ("condition", "copd"), ("intervention", "methadone"), ("drug_class", "opioids"),
        ("drug_class", "opioids"), ("population", "x"),
    ]
    assert isinstance(parse("population x"), Reference)


def test_threshold_compiles_to_a_datatype_facet_restriction():
    graph = Graph()
    define_population(graph, "p", parse("ferritin <= 75"), IDS, QUANTITIES)
    (definition,) = graph.objects(RLS["p"], OWL.equivalentClass)
    members = list(Collection(graph, graph.value(definition, OWL.intersectionOf)))
    assert members[0] == CG.Patient
    restriction = members[1]
    assert graph.value(restriction, OWL.onProperty) == FERRITIN
    datatype = graph.value(restriction, OWL.someValuesFrom)
    assert graph.value(datatype, OWL.onDatatype) == XSD.decimal
    (facet,) = Collection(graph, graph.value(datatype, OWL.withRestrictions))
    assert graph.value(facet, XSD.maxInclusive) == Literal("75.0", datatype=XSD.decimal)


def test_takes_class_compiles_to_has_value_on_the_property_chain():
    graph = Graph()
    define_population(graph, "p", parse("takes-class opioids"), IDS, QUANTITIES)
    restrictions = list(graph.subjects(RDF.type, OWL.Restriction))
    # takes the class, in the population class and in its "possible" class; the possible class also accepts
    # "possibly takes" it (an omitted medication list or an unrecognised drug, ADR 0015)
    assert sorted(str(graph.value(r, OWL.onProperty)) for r in restrictions) == sorted(
        map(str, [CG.takesDrugOfClass, CG.takesDrugOfClass, CG.possiblyTakesAgent]))
    for restriction in restrictions:
        assert graph.value(restriction, OWL.hasValue) == RLS["opioids"]


def test_possible_class_accepts_an_unknown_lab():
    """possible(ferritin <= 75) = (ferritin some decimal[<= 75]) or FerritinUnknown (ADR 0005)."""
    graph = Graph()
    possible = define_population(graph, "p", parse("ferritin <= 75"), IDS, QUANTITIES)
    assert possible == RLS_POSSIBLE["p"]
    assert (possible, CG.possibleMembershipOf, RLS["p"]) in graph
    (definition,) = graph.objects(possible, OWL.equivalentClass)
    _, rule = Collection(graph, graph.value(definition, OWL.intersectionOf))
    members = list(Collection(graph, graph.value(rule, OWL.unionOf)))
    assert FERRITIN_UNKNOWN in members


def test_population_references_are_inlined_when_a_resolver_is_given():
    graph = Graph()
    rules = {"adult": parse("age >= 18")}
    define_population(graph, "p", parse("population adult and ferritin < 50"), IDS, QUANTITIES, rules.__getitem__)
    assert (None, None, RLS["adult"]) not in graph  # no reference to the named class
    assert any(graph.value(r, OWL.onProperty) == CG.ageYears for r in graph.subjects(RDF.type, OWL.Restriction))


def test_not_applies_to_conditions_only_and_compiles_to_stated_absence():
    from kg.model.population import Not

    assert parse("population adult-rls and not condition end-stage-renal-disease") == And(
        (Reference("population", "adult-rls"), Not(Reference("condition", "end-stage-renal-disease")))
    )
    with pytest.raises(RuleError, match="'not' applies only to 'condition"):
        parse("not ferritin < 75")
    graph = Graph()
    define_population(graph, "p", parse("not condition copd"), IDS, QUANTITIES)
    (definition,) = graph.objects(RLS["p"], OWL.equivalentClass)
    restriction = list(Collection(graph, graph.value(definition, OWL.intersectionOf)))[1]
    # certain membership needs the profile to state the condition absent (closed world only there) ...
    assert graph.value(restriction, OWL.onProperty) == CG.lacksCondition
    # ... and a condition of unknown status leaves membership possible (three-valued)
    (possible_def,) = graph.objects(RLS_POSSIBLE["p"], OWL.equivalentClass)
    union = list(Collection(graph, graph.value(possible_def, OWL.intersectionOf)))[1]
    props = {graph.value(m, OWL.onProperty) for m in Collection(graph, graph.value(union, OWL.unionOf))}
    assert props == {CG.lacksCondition, CG.possiblyHasCondition}


def test_an_omitted_trial_history_makes_a_failed_trial_possible():
    graph = Graph()
    define_population(graph, "p", parse("failed-class opioids"), IDS, QUANTITIES)
    (possible_def,) = graph.objects(RLS_POSSIBLE["p"], OWL.equivalentClass)
    union = list(Collection(graph, graph.value(possible_def, OWL.intersectionOf)))[1]
    assert CG.TrialHistoryUnknown in set(Collection(graph, graph.value(union, OWL.unionOf)))
