"""The population grammar: parsing, errors, and compilation to OWL class expressions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import OWL, RDF, XSD, Graph, Literal
from rdflib.collection import Collection

from kg.namespaces import CG, RLS
from kg.population_rules import And, Or, Reference, RuleError, Threshold, define_population, parse, references


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
        ("hemoglobin < 10", "unknown term"),
        ("condition", "needs an identifier"),
        ("( condition copd", "missing"),
        ("condition copd copd", "unexpected"),
    ],
)
def test_bad_rules_say_why(rule: str, message: str):
    with pytest.raises(RuleError, match=message):
        parse(rule)


def test_references_list_every_identifier_with_its_kind():
    expr = parse("condition copd or takes methadone or takes-class opioids or failed-class opioids or population x")
    assert references(expr) == [
        ("condition", "copd"), ("intervention", "methadone"), ("drug_class", "opioids"),
        ("drug_class", "opioids"), ("population", "x"),
    ]
    assert isinstance(parse("population x"), Reference)


def test_threshold_compiles_to_a_datatype_facet_restriction():
    graph = Graph()
    define_population(graph, RLS["p"], parse("ferritin <= 75"))
    (definition,) = graph.objects(RLS["p"], OWL.equivalentClass)
    members = list(Collection(graph, graph.value(definition, OWL.intersectionOf)))
    assert members[0] == CG.Patient
    restriction = members[1]
    assert graph.value(restriction, OWL.onProperty) == CG.ferritinNgPerMl
    datatype = graph.value(restriction, OWL.someValuesFrom)
    assert graph.value(datatype, OWL.onDatatype) == XSD.decimal
    (facet,) = Collection(graph, graph.value(datatype, OWL.withRestrictions))
    assert graph.value(facet, XSD.maxInclusive) == Literal("75.0", datatype=XSD.decimal)


def test_takes_class_compiles_to_has_value_on_the_property_chain():
    graph = Graph()
    define_population(graph, RLS["p"], parse("takes-class opioids"))
    restrictions = list(graph.subjects(RDF.type, OWL.Restriction))
    assert len(restrictions) == 1
    assert graph.value(restrictions[0], OWL.onProperty) == CG.takesDrugOfClass
    assert graph.value(restrictions[0], OWL.hasValue) == RLS["opioids"]
