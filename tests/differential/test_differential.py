"""The compiled decision path is identical to the DL reasoner (HermiT) path.

Hypothesis draws batches of valid profiles at the rules' edges (tests/differential/profiles.py: every
threshold and dose from the data, one step either side; unknown vs given for every field; every drug;
past trials; pregnancy, lactation, ESRD, dialysis, OSA, COPD...). Each batch is decided on both paths
(HermiT classifies the whole batch in one run) and every difference fails the test, printing the
(shrunk) profile and what differs. CI runs CI_PROFILES profiles; ``make differential`` runs the
long campaign (tests/differential/campaign.py).
"""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph

from kg.core.build.knowledge import default_knowledge, knowledge_from_graph
from kg.core.decide.classify import classifier_named
from kg.core.decide.decision import PatientGraph, prepare
from kg.model.namespaces import RLS
from tests.differential.compare import EntailmentCheckedHermit, report
from tests.differential.profiles import boundary_grid, generated
from tests.differential.runner import run, shrink

pytestmark = pytest.mark.reasoner

CI_PROFILES = 200


def test_compiled_path_equals_hermit_on_generated_profiles(java):
    """CI_PROFILES generated profiles (each lab and dose drawn from the boundary values of the data), in batches of 30
    in two processes; a failing profile is shrunk and printed. The campaign adds the full boundary grids."""
    drawn = generated(CI_PROFILES)
    assert len(drawn) >= CI_PROFILES
    mismatches, _ = run(drawn)
    if mismatches:
        first = next((p for p, _ in mismatches if "sex" in p), None)
        smallest = shrink({k: v for k, v in first.items() if k != "patient_id"}) if first else None
        raise AssertionError(f"shrunk profile: {smallest}\n\n{report(mismatches)}")


def test_a_type_hermits_realization_omits_is_decided_by_its_entailment(java):
    """The harness's reference is HermiT's entailment, not only its realization: a type is entailed when
    adding its negation makes the patient inconsistent (and not otherwise)."""
    knowledge = default_knowledge()
    loaded, triples = prepare({"patient_id": "entailment", "sex": "female", "age_years": 40, "esrd": "no",
                               "labs": {"ferritin": {"value": 50, "unit": "ng/mL"}}}, knowledge)
    graph = PatientGraph(knowledge, loaded.patient, triples)
    with graph.in_store():
        graph.run_rules("derive")
    check = EntailmentCheckedHermit._entailed
    assert check(knowledge, graph.graph, loaded.patient, RLS["ferritin-75-or-below"])
    assert not check(knowledge, graph.graph, loaded.patient, RLS["iv-iron-only-ferritin-band"])


def _types(graph: Graph, vocabulary) -> set:  # type: ignore[no-untyped-def]
    return {(s, o) for s, o in graph.subject_objects(RDF.type) if o in vocabulary}


def test_classification_on_the_module_equals_classification_on_the_full_graph(java):
    """The reasoner path classifies on the classification module (5x fewer triples): same types as on
    the whole build, for patients at the edges."""
    knowledge = default_knowledge()
    full = knowledge_from_graph(knowledge.graph)
    full.__dict__["module"] = knowledge.graph  # the whole build in place of the module
    grid = boundary_grid()
    hermit = classifier_named("hermit")
    patients = []
    for index, profile in enumerate(grid[:: max(1, len(grid) // 8)]):
        loaded, triples = prepare({**profile, "patient_id": f"module-{index}"}, knowledge)
        graph = PatientGraph(knowledge, loaded.patient, triples)
        with graph.in_store():
            graph.run_rules("derive")
        patients.append((graph.patient, graph.graph))
    vocabulary = knowledge.compiled.vocabulary
    on_module = [_types(g, vocabulary) for g in hermit.classify(knowledge, patients)]
    on_full = [_types(g, vocabulary) for g in hermit.classify(full, patients)]
    assert on_module == on_full
    assert any(on_module)  # the patients were classified into something
