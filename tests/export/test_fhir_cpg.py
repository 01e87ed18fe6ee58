"""The FHIR R4 CPG export: a Bundle the fhir.resources R4B models accept, whose references all resolve inside it,
with expectations computed from the graph (statements, steps, codes, grades) rather than written down."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import PROV, SKOS

from kg.export import ExportError, ExportSource, export
from kg.export.fhir_cpg import (
    DIRECTION_EXTENSION,
    HL7_CODE_SYSTEMS,
    QUALITY_EXTENSION,
    STRENGTH_EXTENSION,
    fhir_cpg_bundle,
    fhir_id,
    validate_bundle,
)
from kg.export.fhir_terminology import local_id, terminology_from_graph
from kg.model.namespaces import CG, CODE_SYSTEMS, MAPPING_PREFIXES
from kg.model.population.fhirpath import NotComputable, compile_rule
from kg.model.population.grammar import parse
from tests.package_namespaces import FERRITIN, RLS


@pytest.fixture(scope="module")
def exported(build_source: ExportSource, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = export(build_source, "fhir-cpg", tmp_path_factory.mktemp("fhir") / "kg-fhir-cpg.json")
    return json.loads(path.read_text(encoding="utf-8"))


def resources(bundle: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == resource_type}


def walk(value: Any, key: str) -> list[Any]:
    """Every value stored under *key* anywhere in a JSON document."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == key] + [x for v in value.values() for x in walk(v, key)]
    if isinstance(value, list):
        return [x for v in value for x in walk(v, key)]
    return []


def statements(graph: Graph) -> list[URIRef]:
    kinds = set(graph.subjects(RDFS.subClassOf * "*", CG.GuidelineStatement))  # type: ignore[operator]
    return sorted({s for k in kinds for s in graph.subjects(RDF.type, k)})


def test_the_file_parses_with_the_r4b_models(exported: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    bundle = Bundle.model_validate(exported)
    assert bundle.type == "collection" and len(bundle.entry) == len(exported["entry"])


def test_one_plan_definition_per_statement_and_per_algorithm(exported: dict[str, Any],
                                                              build_source: ExportSource) -> None:
    graph = build_source.graph
    plans = resources(exported, "PlanDefinition")
    expected = {fhir_id(s) for s in statements(graph)}
    assert expected and expected <= set(plans)
    # the steps carry no cg:partOfAlgorithm; one PlanDefinition per guideline (tests/export/test_fhir_cpg_guidelines.py)
    assert set(plans) - expected == {"treatment-algorithm", "rls-aasm-2024", "insomnia-aasm-2017"}


def test_every_reference_resolves_inside_the_bundle(exported: dict[str, Any]) -> None:
    full_urls = [e["fullUrl"] for e in exported["entry"]]
    assert len(full_urls) == len(set(full_urls))
    assert all(e["fullUrl"] == e["resource"]["url"] for e in exported["entry"])
    canonicals = walk(exported, "definitionCanonical")
    assert canonicals and set(canonicals) <= set(full_urls)
    for plan in resources(exported, "PlanDefinition").values():
        action_ids = set(walk(plan["action"], "id"))
        assert set(walk(walk(plan, "relatedAction"), "actionId")) <= action_ids


def test_activity_definitions_are_exactly_the_referenced_interventions(exported: dict[str, Any],
                                                                       build_source: ExportSource) -> None:
    graph = build_source.graph
    agents = {graph.value(s, CG.aboutAgent) for s in statements(graph)} | set(graph.objects(None, CG.usesAgent))
    activities = resources(exported, "ActivityDefinition")
    assert set(activities) == {fhir_id(a) for a in agents if a is not None}
    rxnorm, atc = CODE_SYSTEMS["RXNORM"], CODE_SYSTEMS["ATC"]
    for agent in agents - {None}:
        resource = activities[fhir_id(agent)]
        assert resource["title"] == str(graph.value(agent, RDFS.label))
        concept = resource.get("productCodeableConcept") or resource["code"]
        system = atc if (agent, RDF.type, CG.DrugClass) in graph else rxnorm
        base = MAPPING_PREFIXES["ATC" if system == atc else "RXNORM"]
        want = {str(o)[len(base):] for p in (SKOS.exactMatch, SKOS.closeMatch) for o in graph.objects(agent, p)
                if str(o).startswith(base)}
        assert {c["code"] for c in concept.get("coding", []) if c["system"] == system} == want, local_id(graph, agent)
    assert {"system": rxnorm, "code": "25480"} in activities["gabapentin"]["productCodeableConcept"]["coding"]


CPG_DIRECTIONS = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-recommendation-direction-cs"


def test_grades_direction_and_citations_follow_the_graph(exported: dict[str, Any], build_source: ExportSource) -> None:
    graph = build_source.graph
    plans = resources(exported, "PlanDefinition")
    checked = 0
    for statement in statements(graph):
        action = plans[fhir_id(statement)]["action"][0]
        values = {e["url"]: e["valueCodeableConcept"]["coding"] for e in action["extension"]}
        for prop, url in ((CG.strength, STRENGTH_EXTENSION), (CG.certainty, QUALITY_EXTENSION),
                          (CG.direction, DIRECTION_EXTENSION)):
            value = graph.value(statement, prop)
            hl7 = sorted(str(m) for m in graph.objects(value, SKOS.closeMatch)
                         if str(m).startswith(HL7_CODE_SYSTEMS))
            got = [f"{c['system']}#{c['code']}" for c in values[url]]
            assert got == [*hl7, f"https://w3id.org/cgkg/ontology#{graph.value(value, SKOS.notation)}"]
            checked += bool(hl7)
            if prop == CG.direction:  # the CPG extension's required binding: a code of cpg-recommendation-direction-cs
                assert [c for c in got if c.startswith(CPG_DIRECTIONS)] == [
                    f"{CPG_DIRECTIONS}#{'for' if value == CG.DirectionFor else 'against'}"]
        cited = {a["label"] for a in plans[fhir_id(statement)]["relatedArtifact"] if a["type"] == "citation"}
        assert cited == {local_id(graph, d) for d in graph.objects(statement, PROV.wasDerivedFrom)}
    assert checked  # some statement is graded with an HL7 strength or quality code
    for artifact in walk(exported, "relatedArtifact"):
        for item in artifact:
            document = RLS[item["label"]]
            doi, pmid = graph.value(document, CG.doi), graph.value(document, CG.pmid)
            if doi:
                assert item["url"] == f"https://doi.org/{doi}" and f"doi:{doi}" in item["citation"]
            if pmid:
                assert f"PMID: {pmid}" in item["citation"]


def test_applicability_is_the_compiled_population(exported: dict[str, Any], build_source: ExportSource) -> None:
    graph = build_source.graph
    terminology = terminology_from_graph(graph)
    rules = {local_id(graph, p): str(r) for p, r in graph.subject_objects(CG.populationRule)}
    plans = resources(exported, "PlanDefinition")
    outcomes = set()
    for statement in statements(graph):
        population = graph.value(statement, CG.appliesToPopulation)
        (condition,) = plans[fhir_id(statement)]["action"][0]["condition"]
        expression = condition["expression"]
        assert condition["kind"] == "applicability" and expression["language"] == "text/fhirpath"
        try:
            want = compile_rule(parse(rules[local_id(graph, population)]), terminology, lambda p: parse(rules[p]))
        except NotComputable as error:
            want = "false"
            assert expression["description"].startswith("NOT COMPUTABLE") and str(error) in expression["description"]
        assert expression["expression"] == want
        outcomes.add(want == "false")
    assert outcomes == {True, False}


def test_the_algorithm_is_its_steps_in_order(exported: dict[str, Any], build_source: ExportSource) -> None:
    graph = build_source.graph
    steps = sorted(graph.subjects(RDF.type, CG.AlgorithmStep), key=lambda s: int(graph.value(s, CG.stepNumber)))
    actions = resources(exported, "PlanDefinition")["treatment-algorithm"]["action"]
    assert [a["title"] for a in actions] == [str(graph.value(s, RDFS.label)) for s in steps]
    assert [a["prefix"] for a in actions] == [f"Step {graph.value(s, CG.stepNumber)}" for s in steps]
    for before, after in zip(actions, actions[1:], strict=False):
        assert after["relatedAction"] == [{"actionId": before["id"], "relationship": "after-end"}]
    for step, action in zip(steps, actions, strict=True):
        used = sorted(fhir_id(a) for a in graph.objects(step, CG.usesAgent))
        assert [a["definitionCanonical"].rsplit("/", 1)[-1] for a in action["action"]] == used


def test_provenance_is_the_graph_hash_and_the_ontology_version(exported: dict[str, Any],
                                                               build_source: ExportSource) -> None:
    prov = build_source.provenance
    assert exported["identifier"]["value"] == prov.graph_sha256
    assert exported["meta"]["source"] in prov.version_iris
    assert exported["meta"]["tag"][0]["display"] == prov.generated_by
    assert "timestamp" not in exported


# --- broken inputs: a documented omission or a clear error, never an invalid Bundle ---

@contextmanager
def without(graph: Graph, pattern: tuple[Any, Any, Any]) -> Iterator[None]:
    """The graph with the triples matching *pattern* removed, restored afterwards (copying the build takes seconds)."""
    removed = list(graph.triples(pattern))
    assert removed, f"nothing matches {pattern}"
    for triple in removed:
        graph.remove(triple)
    try:
        yield
    finally:
        for triple in removed:
            graph.add(triple)


def test_a_lab_without_loinc_makes_its_populations_not_computable(build_source: ExportSource) -> None:
    with without(build_source.graph, (FERRITIN, SKOS.closeMatch, None)):
        bundle = fhir_cpg_bundle(build_source)
    validate_bundle(bundle)
    plans = resources(bundle, "PlanDefinition")
    expression = plans["aasm2024-gps-iron-oral-or-iv"]["action"][0]["condition"][0]["expression"]
    assert expression["expression"] == "false"
    assert "NOT COMPUTABLE" in expression["description"] and "'ferritin' has no LOINC code" in expression["description"]


def test_an_intervention_without_label_is_an_export_error_and_nothing_is_written(build_source: ExportSource,
                                                                                tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    with without(build_source.graph, (RLS["gabapentin"], RDFS.label, None)), \
            pytest.raises(ExportError, match="intervention gabapentin: no rdfs:label"):
        export(build_source, "fhir-cpg", target)
    assert list(tmp_path.iterdir()) == []


def test_the_validator_rejects_a_hand_broken_bundle(exported: dict[str, Any]) -> None:
    plan_entry = next(e for e in exported["entry"] if e["resource"]["resourceType"] == "PlanDefinition")
    small = {**exported, "entry": [copy.deepcopy(plan_entry)]}  # one entry: fast, and a real Bundle of the export
    small["entry"][0]["resource"]["action"][0].pop("definitionCanonical", None)
    validate_bundle(small)
    wrong_type = copy.deepcopy(small)
    wrong_type["entry"][0]["resource"]["action"] = "not a list of actions"
    with pytest.raises(ExportError, match="invalid under the R4B models"):
        validate_bundle(wrong_type)
    unknown_field = copy.deepcopy(small)
    unknown_field["entry"][0]["resource"]["strength"] = "strong"
    with pytest.raises(ExportError, match="invalid under the R4B models"):
        validate_bundle(unknown_field)
    dangling = copy.deepcopy(small)
    dangling["entry"][0]["resource"]["action"][0]["definitionCanonical"] = (
        "https://w3id.org/cgkg/fhir/ActivityDefinition/no-such-drug")
    with pytest.raises(ExportError, match="resolve to no resource"):
        validate_bundle(dangling)
