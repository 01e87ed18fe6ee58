"""A competency query and a decision read the same definitions (cg:fallsUnder, ADR 0007): for every
treatment option, the cautions `cq/cautions` lists are exactly the cautions a decision cites for a
patient in whom every caution may apply (every fact unknown, taking a drug under every co-medication
and every drug class a population rule asks about)."""

from __future__ import annotations

from collections import defaultdict

from kg.decision import decide
from kg.knowledge import default_knowledge
from kg.population.grammar import Reference, walk
from kg.queries import load_query, run_query

PICK_AGENTS = """
PREFIX cg: <https://w3id.org/cgkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?group (MIN(STR(?label)) AS ?name) WHERE {
  ?agent cg:fallsUnder ?group ; a/rdfs:subClassOf* cg:Agent ; rdfs:label ?label .
} GROUP BY ?group
"""


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
    decision = decide({"patient_id": "every-caution", "sex": "unknown",
                       "current_medications": _taking_everything()}, knowledge=knowledge)
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
