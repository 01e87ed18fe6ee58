"""The interactions and algorithm rows of a compiled decision (decision/interactions.rq, decision/algorithm.rq), from
the render tables (queries/compile/interactions.rq, algorithm-steps.rq) and the patient's facts: which agents it
takes, what its failed trials and adequately dosed uses fall under, and its population memberships."""

from __future__ import annotations

import itertools

from rdflib import Graph

from kg.base.literals import BOOLEANS, TRUE, iri, plain_literal
from kg.core.decide.compiled.evaluate import FAILED_TRIAL, Facts
from kg.core.decide.compiled.rows import RenderTables, Row, distinct, ordered
from kg.core.decide.compiled.tables import DecisionTables
from kg.model.namespaces import CG

INTERACTION_ORDER = ("interaction", "labelA", "labelB", "drugA", "drugB", "classA", "classB", "severity", "effect",
                     "management", "basis")
STEP_ORDER = ("step", "population", "label", "instruction", "due", "done", "current", "next")
DOSE_ORDER = ("step", "-taken", "drugLabel", "-specific", "basisRank", "regimen", "drug", "unit", "startDose",
              "targetMin", "targetMax", "maxDaily", "dosesPerDay", "timing", "basis")


def interactions(render: RenderTables, tables: DecisionTables, facts: Facts) -> list[Row]:
    """Each interaction between two drugs the patient takes, through the classes each falls under."""
    rows = []
    for drug_a, drug_b in itertools.permutations(sorted(facts.takes), 2):
        if not drug_a < drug_b:
            continue
        under_a, under_b = tables.falls_under.get(drug_a, frozenset()), tables.falls_under.get(drug_b, frozenset())
        for row in render.interactions:
            a, b = str(row["a"]), str(row["b"])
            if a not in under_a or b not in under_b or (a != b and b in under_a and a in under_b):
                continue
            if not all(p in facts.types for p in tables.statement_populations.get(str(row["interaction"]), {})):
                continue
            for label_a, label_b in itertools.product(render.words("agent", drug_a), render.words("agent", drug_b)):
                rows.append({"patient": iri(facts.patient), "interaction": row["interaction"],
                             "drugA": iri(drug_a), "labelA": label_a["notation"], "drugB": iri(drug_b),
                             "labelB": label_b["notation"], "classA": row["classA"], "classB": row["classB"],
                             "severity": row["severity"], "effect": row["effect"], "management": row["management"],
                             "basis": row["basis"], "sources": row["sources"]})
    return ordered(distinct(rows), INTERACTION_ORDER)


def algorithm(render: RenderTables, tables: DecisionTables, facts: Facts, graph: Graph) -> list[Row]:
    """Each step: due (its population, or no later step's), done (a failed trial of what it uses, or adequate use
    of what completes it), the current step (the lowest due or possibly due and not done) and the next."""
    steps, used, completing = render.step_plan
    number = {s: row["step"] for s, found in steps.items() for row in found}
    failed = _under(tables, (agent for trial, of, _, types in facts.trials if FAILED_TRIAL in types for agent in of))
    patient = iri(facts.patient)
    adequate = _under(tables, (str(agent) for use in graph.objects(patient, CG.hasMedicationUse)
                               if TRUE in graph.objects(use, CG.adequateDose)
                               for agent in graph.objects(use, CG.useOf)))

    def due(row: Row) -> str:
        if row["population"] is not None:
            return "yes" if str(row["population"]) in facts.types else \
                "possibly" if str(row["possible"]) in facts.types else "no"
        later = any(r["population"] is not None and str(r["population"]) in facts.types
                    and r["step"].toPython() > row["step"].toPython()  # type: ignore[union-attr]
                    for found in steps.values() for r in found)
        return "no" if later else "yes"

    def done(s: str) -> bool:
        return bool(used.get(s, frozenset()) & failed or completing.get(s, frozenset()) & adequate)

    open_steps = [row["step"] for s, found in steps.items() for row in found if due(row) != "no" and not done(s)]
    current = min(open_steps, key=lambda n: n.toPython()) if open_steps else None  # type: ignore[union-attr]
    following = [n for n in number.values()
                 if current is not None and n.toPython() == current.toPython() + 1]  # type: ignore[union-attr,attr-defined]
    rows = []
    for s, found in steps.items():
        for row, after in itertools.product(found, following or [None]):
            state = due(row)
            rows.append({"patient": patient, "step": row["step"], "label": row["label"],
                         "instruction": row["instruction"], "due": plain_literal(state),
                         "done": BOOLEANS[state != "no" and done(s)],
                         "current": current, "next": after, "population": row["population"]})
    return ordered(distinct(rows), STEP_ORDER)


def _under(tables: DecisionTables, agents: object) -> set[str]:
    return {group for agent in agents for group in tables.falls_under.get(agent, ())}  # type: ignore[attr-defined]


def step_doses(render: RenderTables, tables: DecisionTables, facts: Facts) -> list[Row]:
    """decision/report-step-doses.rq: the sourced doses of each step's drugs from the regimens that apply to the
    patient (no population, or only populations the patient is in), and whether the patient takes the drug."""
    rows = []
    for row in render.step_doses:
        if all(p in facts.types for p in tables.statement_populations.get(str(row["regimen"]), {})):
            taken = BOOLEANS[str(row["drug"]) in facts.takes]
            rows.append({"patient": iri(facts.patient), **{k: v for k, v in row.items() if k != "specific"},
                         "taken": taken, "specific": row["specific"]})
    columns = ("patient", "step", "drug", "drugLabel", "taken", "specific", "regimen", "unit", "startDose", "targetMin",
               "targetMax", "maxDaily", "dosesPerDay", "timing", "basis", "basisRank", "sources")
    return ordered(distinct([{k: row[k] for k in columns} for row in rows]), DOSE_ORDER)
