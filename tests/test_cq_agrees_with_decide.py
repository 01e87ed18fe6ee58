"""A competency query and a decision read the same definitions (cg:fallsUnder, ADR 0007):

* for every treatment option, the cautions `cq/cautions` lists are exactly the cautions a decision cites for a
  patient in whom every caution may apply (every fact unknown, taking a drug under every co-medication and
  every drug class a population rule asks about);
* for every agent of the graph, `cq/cautions` lists every caution a decision cites for it, as an option or as
  a current drug, for patients in the populations the cautions name (CONTEXTS), each taking every agent (in
  batches of what a profile may list, each batch with the co-medications the rules ask about)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from rdflib import URIRef

from kg.core.build.knowledge import default_knowledge
from kg.core.decide.decision import decide
from kg.core.query.library import load_query, run_query
from kg.model.packages import discover, treated_conditions
from kg.model.population.grammar import Reference, walk
from kg.profile.reader import SCHEMA_FILE

PICK_AGENTS = """
PREFIX cg: <https://w3id.org/cgkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?group (MIN(STR(?label)) AS ?name) WHERE {
  ?agent cg:fallsUnder ?group ; a/rdfs:subClassOf* cg:Agent ; rdfs:label ?label .
} GROUP BY ?group
"""
EVERY_AGENT = """
PREFIX cg: <https://w3id.org/cgkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?agent (MIN(STR(?label)) AS ?name) WHERE {
  ?agent a/rdfs:subClassOf* cg:Agent ; rdfs:label ?label .
} GROUP BY ?agent
"""
# Patients in the populations that cautions name (pregnancy by trimester, lactation, ESRD with and without
# dialysis, sleep apnea, COPD, heart valve disease, children under 12, adolescents), one profile per combination
# that can hold together; each also takes every agent. Every other fact stays unknown.
_CONDITIONS = {"sex": "female", "lactating": True, "esrd": True, "copd": True, "obstructive_sleep_apnea": "untreated",
               "central_sleep_apnea": True, "valvular_heart_disease": True}
CONTEXTS = (
    {"patient_id": "every-fact-unknown", "sex": "unknown"},
    {"patient_id": "adult-first-trimester-dialysis", "age_years": 30, "dialysis": True,
     "pregnancy": {"status": "pregnant", "trimester": 1}, **_CONDITIONS},
    {"patient_id": "adult-second-trimester-esrd", "age_years": 30, "dialysis": False,
     "pregnancy": {"status": "pregnant", "trimester": 2}, **_CONDITIONS},
    {"patient_id": "child-9", "age_years": 9, "sex": "male", "obstructive_sleep_apnea": "untreated", "copd": True},
    {"patient_id": "adolescent-15", "age_years": 15, "sex": "male", "obstructive_sleep_apnea": "untreated",
     "copd": True},
)


# a profile lists at most this many current medications (the profile schema): the agents go in batches
MAX_MEDICATIONS = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["properties"]["current_medications"]["maxItems"]


def _taking_everything() -> list[dict[str, str]]:
    knowledge = default_knowledge()
    name_of = {row["group"]: row["name"] for row in knowledge.store.query(PICK_AGENTS)}
    wanted = {row["co"] for row in knowledge.store.query(
        "SELECT DISTINCT ?co WHERE { ?c <https://w3id.org/cgkg/ontology#coMedication> ?co }")}
    for rule in knowledge.compiled.rules.values():
        for node in walk(rule):
            if isinstance(node, Reference) and node.keyword in ("takes", "takes-class"):
                wanted |= {group for group in name_of if group.value.endswith(f"/{node.target}")}
    return [{"drug": name_of[group].value} for group in sorted(wanted, key=lambda g: g.value)]


def test_cq_cautions_lists_what_a_decision_cites_for_every_option():
    knowledge = default_knowledge()
    # every condition the complete build's guidelines treat, so that each guideline's fields leave its facts unknown
    decision = decide({"patient_id": "every-caution", "sex": "unknown", "conditions": list(treated_conditions(
                       discover().values())), "current_medications": _taking_everything()}, knowledge=knowledge)
    cited: dict[str, set[str]] = defaultdict(set)
    for option, rows in decision.reasons.items():
        cited[str(option)] |= {str(r["statement"]) for r in rows if str(r["kind"]) == "caution"}
    query = load_query("cq/cautions")
    differences = {}
    for row in decision.options:
        option = row["option"]
        listed = {str(r["caution"]) for r in run_query(query, knowledge.store, {"agent": option})}
        if listed != cited[str(option)]:
            differences[str(option)] = {"only cq": listed - cited[str(option)],
                                        "only decision": cited[str(option)] - listed}
    assert len(decision.options) > 30 and any(cited.values())
    assert not differences, differences


@pytest.fixture(scope="module")
def cited_per_agent() -> dict[str, set[str]]:
    """Every caution the decisions cite, per agent: as an option's reason or as a caution on a current drug."""
    knowledge = default_knowledge()
    agents = {row["name"].value: row["agent"].value for row in knowledge.store.query(EVERY_AGENT)}
    cited: dict[str, set[str]] = defaultdict(set)
    as_current_drug: set[str] = set()
    always = _taking_everything()  # the co-medications and classes the rules ask about, in every batch
    size = MAX_MEDICATIONS - len(always)
    names = sorted(agents)
    batches = [always + [{"drug": name} for name in names[i:i + size]] for i in range(0, len(names), size)]
    for context, medications in ((c, b) for c in CONTEXTS for b in batches):
        profile = {**context, "current_medications": medications}
        decision = decide(profile, knowledge=knowledge)
        for option, rows in decision.reasons.items():
            cited[str(option)] |= {str(r["statement"]) for r in rows if str(r["kind"]) == "caution"}
        for row in decision.dose_checks:
            if str(row["kind"]) == "caution":
                cited[str(row["drug"])].add(str(row["statement"]))
                as_current_drug.add(str(row["drug"]))
    assert len(as_current_drug) > 20, "the profiles cite cautions on too few current drugs to test anything"
    return {agent: cited[agent] for agent in agents.values()}


def test_cq_cautions_lists_every_caution_a_decision_cites_for_every_agent(cited_per_agent):
    knowledge = default_knowledge()
    query = load_query("cq/cautions")
    missing = {}
    for agent, cited in cited_per_agent.items():
        listed = {str(r["caution"]) for r in run_query(query, knowledge.store, {"agent": URIRef(agent)})}
        if cited - listed:
            missing[agent] = cited - listed
    every_cited = {c for cs in cited_per_agent.values() for c in cs}
    assert len(cited_per_agent) > 50 and len(every_cited) > 50
    assert not missing, missing
