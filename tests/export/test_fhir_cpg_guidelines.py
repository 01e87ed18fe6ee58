"""One PlanDefinition per guideline in the FHIR CPG export (ADR 0026): on the combined build one per guideline package
of the build set's manifest, each referencing exactly its own statements (and algorithm), every statement under
exactly one guideline, and nothing of the shared or crosswalk packages put under a guideline. Expectations come from
the build set's manifest (kg/built/builds.json), the package manifests and the graph, not from the exporter."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS

from kg.base.paths import PACKAGED_BUILD_DIR
from kg.export import ExportError, ExportSource, source_from_build
from kg.export.fhir_cpg import PLAN_TYPE_SYSTEM, fhir_cpg_bundle, fhir_id, validate_bundle
from kg.model.namespaces import CG
from kg.model.packages import discover, package_node
from tests.export.conftest import edited

SET = json.loads((PACKAGED_BUILD_DIR / "builds.json").read_text(encoding="utf-8"))["builds"]
COMBINED = "insomnia-aasm-2017+rls-aasm-2024"
COMPUTABLE_PLAN = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computableplandefinition"


@pytest.fixture(scope="module")
def rls_only() -> ExportSource:
    return source_from_build(guidelines=["rls-aasm-2024"])


def plans(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "PlanDefinition"}


def statements_of(graph: Graph, package_id: str) -> set[str]:
    kinds = set(graph.subjects(RDFS.subClassOf * "*", CG.GuidelineStatement))  # type: ignore[operator]
    return {fhir_id(s) for k in kinds for s in graph.subjects(RDF.type, k)
            if (s, DCTERMS.isPartOf, package_node(package_id)) in graph}


def referenced(plan: dict[str, Any]) -> list[str]:
    return [a["definitionCanonical"] for a in plan["action"]]


def check_guidelines(source: ExportSource, build: str) -> dict[str, Any]:
    bundle = fhir_cpg_bundle(source)
    validate_bundle(bundle)
    by_id, installed = plans(bundle), discover()
    urls = {e["fullUrl"] for e in bundle["entry"]}
    guidelines = SET[build]["guidelines"]
    assert guidelines
    for package_id, record in guidelines.items():
        plan = by_id[package_id]
        assert plan["title"] == installed[package_id].title and plan["version"] == record["version"]
        assert plan["type"]["coding"] == [{"system": PLAN_TYPE_SYSTEM, "code": "clinical-protocol"}]
        assert plan["meta"]["profile"] == [COMPUTABLE_PLAN]
        assert plan["identifier"] == [{"system": "urn:ietf:rfc:3986",
                                       "value": f"{package_node(package_id)}/{record['version']}"}]
        assert set(referenced(plan)) <= urls  # every canonical resolves inside the Bundle
        own = statements_of(source.graph, package_id)
        assert own and {u for u in referenced(plan) if by_id[u.rsplit("/", 1)[-1]]["type"]["coding"][0]["code"]
                        == "eca-rule"} == {by_id[s]["url"] for s in own}
        assert len(referenced(plan)) == len(set(referenced(plan)))
    # no PlanDefinition for a package that is not a guideline (shared, crosswalk)
    others = set(SET[build]["packages"]) - set(guidelines)
    assert others and not others & set(by_id)
    return bundle


def test_the_combined_build_has_one_plan_definition_per_guideline_each_with_only_its_own_statements(
        build_source: ExportSource) -> None:
    bundle = check_guidelines(build_source, COMBINED)
    by_id = plans(bundle)
    guideline_plans = [by_id[g] for g in SET[COMBINED]["guidelines"]]
    assert len(guideline_plans) == 2
    counts = Counter(u for plan in guideline_plans for u in referenced(plan))
    # each statement's PlanDefinition is under exactly one guideline; so is the algorithm (its steps' package)
    targets = [p for p in by_id.values() if p["type"]["coding"][0]["code"] == "eca-rule"]
    assert targets and all(counts[p["url"]] == 1 for p in targets)
    assert by_id["treatment-algorithm"]["url"] in referenced(by_id["rls-aasm-2024"])
    assert set(counts) == {p["url"] for p in targets} | {by_id["treatment-algorithm"]["url"]}
    assert not set(referenced(by_id["insomnia-aasm-2017"])) & set(referenced(by_id["rls-aasm-2024"]))


def test_the_rls_only_build_has_one_guideline_plan_definition(rls_only: ExportSource) -> None:
    bundle = check_guidelines(rls_only, "rls-aasm-2024")
    clinical = [p["id"] for p in plans(bundle).values() if p["type"]["coding"][0]["code"] == "clinical-protocol"]
    assert sorted(clinical) == ["rls-aasm-2024", "treatment-algorithm"]


def test_documents_that_issued_a_guideline_s_statements_are_its_documentation(build_source: ExportSource) -> None:
    graph = build_source.graph
    by_id = plans(fhir_cpg_bundle(build_source))
    for package_id in SET[COMBINED]["guidelines"]:
        issuers = {str(graph.value(i, DCTERMS.identifier)) for s, i in graph.subject_objects(CG.issuedBy)
                   if (s, DCTERMS.isPartOf, package_node(package_id)) in graph}
        artifacts = by_id[package_id]["relatedArtifact"]
        assert {a["label"] for a in artifacts} == issuers and {a["type"] for a in artifacts} == {"documentation"}


def test_a_guideline_record_without_title_is_an_export_error(build_source: ExportSource) -> None:
    version = SET[COMBINED]["guidelines"]["insomnia-aasm-2017"]["version"]
    record = URIRef(f"{package_node('insomnia-aasm-2017')}/{version}")
    broken = edited(build_source, remove=[(record, DCTERMS.title, None)])
    with pytest.raises(ExportError, match=f"guideline record {record}: no dcterms:title"):
        fhir_cpg_bundle(broken)
