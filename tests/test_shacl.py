"""SHACL: the real and fixture graphs conform; a statement missing required facts does not."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef

from kg.model.namespaces import CG
from kg.model.shacl import validate_graph
from tests.package_namespaces import RLS


def test_real_graph_conforms(real_graph: Graph):
    result = validate_graph(real_graph)
    assert result.conforms, result.text


def test_fixture_graph_conforms(fixture_graph: Graph):
    assert validate_graph(fixture_graph).conforms


def test_recommendation_without_strength_and_source_does_not_conform(fixture_graph: Graph):
    graph = Graph() + fixture_graph
    rec = RLS["aasm2024-gabapentin"]
    graph.remove((rec, CG.strength, None))
    graph.remove((rec, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), None))
    result = validate_graph(graph)
    assert not result.conforms
    assert "strength" in result.text and "wasDerivedFrom" in result.text


def test_dosing_value_must_be_a_decimal(fixture_graph: Graph):
    graph = Graph() + fixture_graph
    regimen = next(graph.subjects(RDF.type, CG.DosingRegimen))
    graph.set((regimen, CG.maxDaily, Literal("a lot")))
    graph.add((regimen, RDFS.comment, Literal("broken on purpose")))
    assert not validate_graph(graph).conforms


def test_threshold_criterion_needs_one_comparator_and_a_decimal_value(fixture_graph: Graph):
    graph = Graph() + fixture_graph
    criterion = next(graph.subjects(RDF.type, CG.ThresholdCriterion))
    graph.add((criterion, CG.comparator, Literal("=<")))
    graph.set((criterion, CG.thresholdValue, Literal("seventy-five")))
    result = validate_graph(graph)
    assert not result.conforms
    assert "comparator" in result.text and "xsd:decimal" in result.text


def test_doi_iri_must_resolve_at_doi_org(fixture_graph: Graph):
    graph = Graph() + fixture_graph
    source = next(graph.subjects(CG.doiIri, None))
    graph.set((source, CG.doiIri, URIRef("http://example.org/10.1000/x")))
    assert not validate_graph(graph).conforms
