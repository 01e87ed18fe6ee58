"""Transforms in memory: validated rows -> the expected triples (no files)."""

from __future__ import annotations

from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, BNode, Literal, URIRef

from kg.core.build.tables import Row
from kg.core.build.transform import add_mapping, add_row, new_graph
from kg.model.identifiers import IdSpace
from kg.model.namespaces import CG, PROV
from kg.model.table_specs import TABLES_BY_NAME
from tests.package_namespaces import RLS


def _row(table: str, **cells: str) -> Row:
    spec = TABLES_BY_NAME[table]
    return Row(table, 2, {c.name: cells.get(c.name, "") for c in spec.columns})


KINDS = {"gabapentin": "intervention", "adult-rls": "population", "seed-ref-1": "source", "seed": "source",
         "alpha-2-delta-ligands": "drug_class", "copd": "condition"}
IDS = IdSpace({id_: str(RLS) for id_ in [*KINDS, "r1", "severe-copd", "d1"]})


def test_recommendation_row_becomes_a_typed_statement_with_provenance():
    graph = new_graph()
    row = _row(
        "recommendations", rec_id="r1", guideline_id="seed", statement_type="recommendation",
        statement="Gabapentin first.", intervention_id="gabapentin", population_id="adult-rls",
        direction="for", strength="conditional", certainty="very-low", line_of_therapy="first-line",
        basis="AI", certainty_basis="AI", source_ids="seed-ref-1", section="First-Line", curation_ref="seed",
    )
    node = add_row(graph, TABLES_BY_NAME["recommendations"], row, KINDS, IDS)
    assert node == RLS["r1"]
    expected = {
        (node, RDF.type, OWL.NamedIndividual),
        (node, RDF.type, CG.GradedRecommendation),
        (node, RDFS.label, Literal("r1")),
        (node, DCTERMS.identifier, Literal("r1")),
        (node, CG.sourceTable, Literal("recommendations")),
        (node, CG.issuedBy, RLS["seed"]),
        (node, CG.statementText, Literal("Gabapentin first.")),
        (node, CG.aboutAgent, RLS["gabapentin"]),
        (node, CG.appliesToPopulation, RLS["adult-rls"]),  # a class: annotation, not object property
        (node, CG.direction, CG.DirectionFor),
        (node, CG.strength, CG.StrengthConditional),
        (node, CG.certainty, CG.CertaintyVeryLow),
        (node, CG.lineOfTherapy, CG.LineFirst),
        (node, CG.evidenceBasis, CG.BasisAISecondary),
        (node, CG.certaintyBasis, CG.BasisAISecondary),
        (node, PROV.wasDerivedFrom, RLS["seed-ref-1"]),
        (node, CG.section, Literal("First-Line")),
        (node, CG.curationRef, Literal("seed")),
    }
    assert set(graph) == expected


def test_intervention_kind_sets_the_class_and_synonyms_become_alt_labels():
    graph = new_graph()
    row = _row(
        "interventions", intervention_id="gabapentin", label="gabapentin", kind="drug", route="oral",
        drug_classes="alpha-2-delta-ligands", synonyms="Neurontin|Gralise", source_ids="seed-ref-1", section="s",
    )
    node = add_row(graph, TABLES_BY_NAME["interventions"], row, KINDS, IDS)
    assert (node, RDF.type, CG.Drug) in graph
    assert (node, CG.route, CG.RouteOral) in graph
    assert (node, CG.memberOfDrugClass, RLS["alpha-2-delta-ligands"]) in graph
    assert set(graph.objects(node, SKOS.altLabel)) == {Literal("Neurontin"), Literal("Gralise")}


def test_condition_rows_become_classes_under_their_parent_or_condition():
    graph = new_graph()
    spec = TABLES_BY_NAME["conditions"]
    add_row(graph, spec, _row("conditions", condition_id="copd", label="COPD", definition="d",
                              source_ids="seed-ref-1", section="s"), KINDS, IDS)
    add_row(graph, spec, _row("conditions", condition_id="severe-copd", label="severe", parent_id="copd",
                              definition="d", source_ids="seed-ref-1", section="s"), KINDS, IDS)
    assert (RLS["copd"], RDF.type, OWL.Class) in graph
    assert (RLS["copd"], RDFS.subClassOf, CG.Condition) in graph
    assert (RLS["severe-copd"], RDFS.subClassOf, RLS["copd"]) in graph
    assert (RLS["severe-copd"], RDFS.subClassOf, CG.Condition) not in graph
    assert (RLS["copd"], URIRef("http://purl.org/dc/terms/source"), RLS["seed-ref-1"]) in graph


def test_dose_numbers_are_typed_decimals():
    graph = new_graph()
    row = _row("dosing", regimen_id="d1", intervention_id="gabapentin", unit="mg", start_dose="300",
               target_daily_min="1800", target_daily_max="2400", doses_per_day="3", basis="AI",
               source_ids="seed-ref-1", section="s")
    node = add_row(graph, TABLES_BY_NAME["dosing"], row, KINDS, IDS)
    assert graph.value(node, CG.startDose) == Literal("300.0", datatype=XSD.decimal)
    assert graph.value(node, CG.targetDailyMax) == Literal("2400.0", datatype=XSD.decimal)
    assert graph.value(node, CG.doseUnit) == CG.UnitMg


def test_mapping_row_adds_the_match_and_an_annotated_axiom_with_its_source():
    graph = new_graph()
    add_mapping(graph, _row("mappings", subject_id="gabapentin", predicate="skos:exactMatch",
                            object_id="RXNORM:25480", source_ids="seed-ref-1"), IDS)
    code = URIRef("http://purl.bioontology.org/ontology/RXNORM/25480")
    assert (RLS["gabapentin"], SKOS.exactMatch, code) in graph
    (axiom,) = graph.subjects(RDF.type, OWL.Axiom)
    assert isinstance(axiom, BNode)
    assert graph.value(axiom, OWL.annotatedTarget) == code
    assert graph.value(axiom, URIRef("http://purl.org/dc/terms/source")) == RLS["seed-ref-1"]
