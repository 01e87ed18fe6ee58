"""The DL reasoner (HermiT via owlready2): the real graph is consistent, populations classify
patients correctly at their boundaries, and an inconsistency is detected."""

from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import RDF, Graph, URIRef

from kg.base.errors import UserError
from kg.core.build.knowledge import default_knowledge
from kg.model.namespaces import CG
from kg.model.reasoning import check_consistency, types_entailed
from tests.conftest import FIXTURES
from tests.package_namespaces import RLS

pytestmark = pytest.mark.reasoner
PT = "https://w3id.org/cgkg/test/patient/"


@pytest.fixture(scope="module")
def reasoned(java: str):  # type: ignore[no-untyped-def]
    """One HermiT run on the classification module of the packaged RLS build (what a DL-reasoner decision reads;
    tests/test_packaged_build.py: the build of the current tables) plus the boundary patients
    (tests/fixtures/patients.ttl). The whole graph passes HermiT when it is built (``kg build`` fails otherwise), and
    the module is compared with the whole build in ``make campaign``."""
    graph = Graph() + default_knowledge(("rls-aasm-2024",)).module
    graph.parse(FIXTURES / "patients.ttl")
    return graph, check_consistency(graph)


@pytest.fixture(scope="module")
def classified(reasoned) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    graph, result = reasoned
    assert result.ok, result.describe()
    # the populations from the build (the module leaves the annotations out)
    populations = set(default_knowledge(("rls-aasm-2024",)).graph.subjects(CG.populationRule, None))
    members: dict[str, set[str]] = defaultdict(set)
    for patient, _, cls in result.inferred.triples((None, RDF.type, None)):
        if cls in populations and str(patient).startswith(PT):
            members[str(patient)[len(PT):]].add(str(cls)[len(str(RLS)):])
    return members


def test_real_graph_is_consistent_with_no_unsatisfiable_classes(reasoned):
    """The build's module with patients in it is consistent (so the module alone is) and no class is unsatisfiable (a
    TBox property: patients cannot make a class unsatisfiable without making the whole graph inconsistent)."""
    _, result = reasoned
    assert result.consistent and result.unsatisfiable == [], result.describe()
    assert result.ok


def test_ferritin_75_is_inside_the_iron_rule_and_76_is_in_the_iv_only_band(classified):
    assert {"iron-supplementation-candidate", "adult-rls", "ferritin-75-or-below"} <= classified["ferritin-75"]
    assert "iv-iron-only-ferritin-band" not in classified["ferritin-75"]
    assert "iv-iron-only-ferritin-band" in classified["ferritin-76"]
    assert "iron-supplementation-candidate" not in classified["ferritin-76"]  # TSAT exactly 20 is not < 20


def test_not_condition_needs_the_absence_stated_and_runs_down_the_hierarchy(classified):
    # ESRD omitted: "adult without ESRD" is not entailed (open world), so no adult iron rule applies
    assert "adult-without-esrd" not in classified["esrd-unknown"]
    assert "iron-supplementation-candidate" not in classified["esrd-unknown"]
    # not on dialysis does not mean no ESRD: the absence of a narrower condition says nothing of the broader one
    assert {"esrd-or-dialysis", "esrd-not-on-dialysis"} <= classified["no-dialysis"]


def test_tsat_below_20_alone_makes_a_supplementation_candidate(classified):
    assert "iron-supplementation-candidate" in classified["tsat-19"]


def test_missing_labs_classify_into_no_lab_population(classified):
    assert classified["no-labs"] == set()  # open world: no ferritin, no TSAT, no RLS recorded -> nothing


def test_dialysis_is_esrd_and_the_esrd_iron_rule_applies(classified):
    assert {"esrd-iron-candidate", "esrd-or-dialysis", "on-dialysis"} <= classified["esrd"]


def test_untreated_osa_with_an_opioid_is_opioid_respiratory_risk(classified):
    assert {"opioid-respiratory-risk", "current-opioid-user", "untreated-osa"} <= classified["opioid-risk"]


def test_drug_class_membership_is_inferred_through_the_property_chain(classified):
    assert {"current-dopamine-agonist-user", "dopamine-agonist-augmentation"} <= classified["on-pramipexole"]
    # sertraline -> ssris -> serotonergic antidepressants (a broader class): two chain steps
    assert "takes-exacerbating-medication" in classified["sertraline"]


def test_failed_trials_need_an_adequate_trial_or_intolerance(classified):
    assert {"failed-alpha-2-delta-trial", "all-pharmacological-options-failed"} <= classified["failed-a2d"]
    assert "failed-alpha-2-delta-trial" not in classified["inadequate-trial"]  # inadequate dose: not a failure


def test_an_inconsistent_graph_is_reported(fixture_graph: Graph, java: str):
    graph = Graph() + fixture_graph
    # a drug that is also a device: Drug and Device are disjoint
    graph.add((RLS["gabapentin"], RDF.type, CG.Device))
    result = check_consistency(graph)
    assert not result.consistent and not result.ok
    assert "INCONSISTENT" in result.describe()


def test_an_unsatisfiable_class_is_reported(fixture_graph: Graph, java: str):
    graph = Graph() + fixture_graph
    broken = URIRef("https://w3id.org/cgkg/test/DrugDevice")
    graph.add((broken, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")))
    graph.add((broken, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), CG.Drug))
    graph.add((broken, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), CG.Device))
    result = check_consistency(graph)
    assert result.consistent
    assert result.unsatisfiable == [str(broken)]


def test_an_entailment_question_on_an_inconsistent_graph_is_an_error_not_an_answer(fixture_graph: Graph, java: str):
    """``types_entailed`` (the differential harness's entailment test) answers by a probe class's satisfiability: on
    a graph that is inconsistent by itself every class is unsatisfiable, which must not read as "entailed"."""
    graph = Graph() + fixture_graph
    graph.add((RLS["gabapentin"], RDF.type, CG.Device))  # Drug and Device are disjoint
    consistent_question = (Graph(), RLS["gabapentin"], CG.Drug)
    assert types_entailed(fixture_graph, [consistent_question]) == [True]
    with pytest.raises(UserError, match="HermiT could not check 1 entailments"):
        types_entailed(graph, [consistent_question])
