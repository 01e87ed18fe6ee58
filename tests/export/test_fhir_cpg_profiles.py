"""The profiles the FHIR CPG export claims: every claim is checked against the rules of kg/export/fhir-cpg-profiles.tsv
(one place, read by the exporter and by these tests), a resource missing a required element fails the check, and a
resource that does not meet a profile does not claim it."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, Graph

from kg.export import ExportError, ExportSource, export
from kg.export.fhir_cpg import PLAN_TYPE_SYSTEM, fhir_cpg_bundle, validate_bundle
from kg.export.fhir_profiles import (
    claim_violations,
    packaged_profiles,
    read_profiles,
    resource_type,
)
from kg.model.namespaces import CG
from tests.package_namespaces import RLS

CPG = "http://hl7.org/fhir/uv/cpg/StructureDefinition/"
CORE = "http://hl7.org/fhir/StructureDefinition/"
RECOMMENDATION, COMPUTABLE_PLAN = CPG + "cpg-recommendationdefinition", CPG + "cpg-computableplandefinition"
COMPUTABLE_ACTIVITY, SHAREABLE_ACTIVITY = CPG + "cpg-computableactivity", CORE + "shareableactivitydefinition"
SHAREABLE_PLAN = CORE + "shareableplandefinition"
RULES = Path(__file__).resolve().parents[2] / "kg" / "export" / "fhir-cpg-profiles.tsv"


@pytest.fixture(scope="module")
def exported(build_source: ExportSource, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = export(build_source, "fhir-cpg", tmp_path_factory.mktemp("fhir") / "kg-fhir-cpg.json")
    return json.loads(path.read_text(encoding="utf-8"))


def claims(resource: dict[str, Any]) -> set[str]:
    return set(resource.get("meta", {}).get("profile", []))


def by_id(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}


def test_every_claim_meets_the_rules_of_its_profile(exported: dict[str, Any]) -> None:
    profiles = packaged_profiles()
    assert claim_violations(exported) == []
    for entry in exported["entry"]:
        resource = entry["resource"]
        assert claims(resource) & {RECOMMENDATION, COMPUTABLE_PLAN, COMPUTABLE_ACTIVITY}, resource["id"]
        assert all(resource_type(profiles, url) == resource["resourceType"] for url in claims(resource))
        assert resource["publisher"] == "cgkg developers"


def test_statements_are_recommendation_definitions_and_the_algorithm_a_computable_plan(
        exported: dict[str, Any]) -> None:
    plans = {i: r for i, r in by_id(exported).items() if r["resourceType"] == "PlanDefinition"}
    algorithm = plans.pop("treatment-algorithm")
    for guideline in ("rls-aasm-2024", "insomnia-aasm-2017"):  # tests/export/test_fhir_cpg_guidelines.py
        assert claims(plans.pop(guideline)) == {COMPUTABLE_PLAN}
    assert claims(algorithm) == {COMPUTABLE_PLAN}  # no description: not the R4 shareable profile
    assert algorithm["type"]["coding"] == [{"system": PLAN_TYPE_SYSTEM, "code": "clinical-protocol"}]
    assert any("relatedAction" in a for a in algorithm["action"])  # why it is not a CPG pathway (0..0 there)
    for plan in plans.values():
        assert claims(plan) == {RECOMMENDATION, SHAREABLE_PLAN}, plan["id"]
        assert plan["type"]["coding"] == [{"system": PLAN_TYPE_SYSTEM, "code": "eca-rule"}]


def test_activities_claim_what_their_elements_allow(exported: dict[str, Any]) -> None:
    activities = [r for r in by_id(exported).values() if r["resourceType"] == "ActivityDefinition"]
    assert {"description" in a for a in activities} == {True, False}  # both cases are exported
    for activity in activities:
        assert (COMPUTABLE_ACTIVITY in claims(activity)) == ("kind" in activity), activity["id"]
        assert (SHAREABLE_ACTIVITY in claims(activity)) == ("description" in activity), activity["id"]


# --- the check can fail: resources missing what a profile requires ---

def small_bundle(exported: dict[str, Any], *ids: str) -> dict[str, Any]:
    resources = by_id(exported)
    return {**exported, "entry": [{"fullUrl": resources[i]["url"], "resource": copy.deepcopy(resources[i])}
                                  for i in ids]}


def test_a_recommendation_without_type_or_with_two_strengths_fails_the_check(exported: dict[str, Any]) -> None:
    bundle = small_bundle(exported, "aasm2024-ferrous-sulfate", "ferrous-sulfate")
    assert claim_violations(bundle) == []
    no_type = copy.deepcopy(bundle)
    del no_type["entry"][0]["resource"]["type"]
    (problem, *_) = claim_violations(no_type)
    assert problem.startswith("PlanDefinition/aasm2024-ferrous-sulfate claims " + RECOMMENDATION)
    assert "type has 0 value(s), at least 1 allowed" in problem and "cpg-computable-plandefinition.fsh" in problem
    with pytest.raises(ExportError, match="claimed profiles not met"):
        validate_bundle(no_type)
    other_type = copy.deepcopy(bundle)
    other_type["entry"][0]["resource"]["type"]["coding"][0]["code"] = "order-set"
    assert any("type[0] has no coding " + PLAN_TYPE_SYSTEM + "#eca-rule" in p for p in claim_violations(other_type))
    two = copy.deepcopy(bundle)
    action = two["entry"][0]["resource"]["action"][0]
    action["extension"].append(copy.deepcopy(action["extension"][0]))
    assert any("action[0].extension[" + CORE + "cqf-strengthOfRecommendation] has 2 value(s), at most 1" in p
               for p in claim_violations(two))


def test_a_recommendation_of_an_activity_without_kind_fails_the_check(exported: dict[str, Any]) -> None:
    bundle = small_bundle(exported, "aasm2024-ferrous-sulfate", "ferrous-sulfate")
    del bundle["entry"][1]["resource"]["kind"]
    found = claim_violations(bundle)
    assert any(p.startswith("ActivityDefinition/ferrous-sulfate claims " + COMPUTABLE_ACTIVITY)
               and "kind has 0 value(s)" in p for p in found)
    assert any(p.startswith("PlanDefinition/aasm2024-ferrous-sulfate") and "action[0].definitionCanonical" in p
               and "names no resource that meets" in p for p in found)


def test_an_activity_without_description_cannot_claim_the_shareable_profile(exported: dict[str, Any]) -> None:
    bundle = small_bundle(exported, "ferrous-sulfate")
    activity = bundle["entry"][0]["resource"]
    assert "description" not in activity
    activity["meta"]["profile"].append(SHAREABLE_ACTIVITY)
    assert any("description has 0 value(s), at least 1" in p for p in claim_violations(bundle))
    activity["meta"]["profile"] = [CPG + "cpg-pathwaydefinition"]  # a profile the table has no rules for
    assert any("has no rules in the table" in p for p in claim_violations(bundle))


# --- the exporter claims only what a resource meets ---

@contextmanager
def added(graph: Graph, triple: tuple[Any, Any, Any]) -> Iterator[None]:
    assert triple not in graph
    graph.add(triple)
    try:
        yield
    finally:
        graph.remove(triple)


def test_an_intervention_with_two_request_kinds_is_not_claimed_computable(build_source: ExportSource) -> None:
    """gabapentin typed also as a device: no single kind, so its ActivityDefinition has none and is no CPG computable
    activity, and the statements about it fall back from recommendation definition to computable plan definition."""
    with added(build_source.graph, (RLS["gabapentin"], RDF.type, CG.Device)):
        bundle = fhir_cpg_bundle(build_source)
    validate_bundle(bundle)
    resources = by_id(bundle)
    assert "kind" not in resources["gabapentin"] and not claims(resources["gabapentin"]) & {COMPUTABLE_ACTIVITY}
    about = [r for r in resources.values() if r["resourceType"] == "PlanDefinition" and r["id"] != "treatment-algorithm"
             and r["action"][0].get("definitionCanonical") == resources["gabapentin"]["url"]]
    assert about
    for plan in about:
        assert COMPUTABLE_PLAN in claims(plan) and RECOMMENDATION not in claims(plan), plan["id"]


# --- the rules table itself ---

def test_the_rules_table_names_a_source_for_every_rule_and_its_profiles_chain_to_a_resource() -> None:
    profiles = read_profiles(RULES)
    assert {RECOMMENDATION, COMPUTABLE_PLAN, COMPUTABLE_ACTIVITY, SHAREABLE_PLAN, SHAREABLE_ACTIVITY} <= set(profiles)
    assert profiles[RECOMMENDATION].base == COMPUTABLE_PLAN
    assert all(resource_type(profiles, url) in ("PlanDefinition", "ActivityDefinition") for url in profiles)
    assert all(rule.source for p in profiles.values() for rule in p.rules)


@pytest.mark.parametrize(("line", "error"), [
    (f"{CPG}x\t.\tbase\tPlanDefinition\t\n", "source are all required"),
    (f"{CPG}x\t.\tbase\tPlanDefinition\ts\n{CPG}x\ttype\tmust\t1\ts\n", "rule 'must' not one of"),
    (f"{CPG}x\t.\tbase\t{CPG}missing\ts\n", "its parent " + CPG + "missing is not in the table"),
    (f"{CPG}x\ttype\tmin\t1\ts\n", "0 base rows"),
    (f"{CPG}x\t.\tbase\tPlanDefinition\ts\n{CPG}x\ttype\tmin\tone\ts\n", "'one' is not a number"),
])
def test_a_broken_rules_table_is_refused(tmp_path: Path, line: str, error: str) -> None:
    path = tmp_path / "rules.tsv"
    path.write_text("profile\telement\trule\tvalue\tsource\n" + line, encoding="utf-8")
    with pytest.raises(ExportError, match=error.replace("[", r"\[").replace(".", r"\.")):
        read_profiles(path)
