"""Decide the same profiles with the compiled assessment (decision tables) and with the SPARQL rules (the
reference) on one build, and list every difference: the assessed triples (statuses, lines, reasons with their
effects, applies, later lines) and every output row list, in order (statuses, reasons, populations, actions, dose
checks, interactions, algorithm step, the report queries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from kg.base.errors import UserError
from kg.core.build.knowledge import Knowledge
from kg.core.decide.decision import Decision, decide_many

NOT_COMPARED = {"profile", "reasoner", "patient_graph", "explanation", "seconds", "engine", "compact"}
EXPLAINED = ("reasons", "populations", "report")  # the explanation's rows (made on first use on the compiled engine)
# the output columns that are GROUP_CONCATs, with their separators (the cross-guideline CQ's, queries/cq/)
UNORDERED = {"sources": "|", "statements": "|", "agents": "|", "basis": "|", "statementActions": " | "}


def outcome(decision: Decision) -> dict[str, Any]:
    """What the two engines must agree on, exactly (order included): the patient's graph after derivation and
    classification, the assessed triples and every other field of
    the decision (the output rows: statuses, reasons, populations, actions, dose checks, interactions, algorithm
    step, the report queries, and any output a later change adds). A GROUP_CONCAT value (``UNORDERED``: its order
    SPARQL leaves open and every rendering sorts) is compared as a set."""
    return {"assessed": sorted(map(str, decision.assessed)),
            # the patient's triples, the derived facts (compiled: derive.py; reference: decision/derive/*.rq) and types
            "patient_graph": sorted(" ".join(term.n3() for term in triple) for triple in decision.patient_graph),
            **{name: _concatenations_as_sets(getattr(decision, name)) for name in EXPLAINED},
            **{f.name: _concatenations_as_sets(getattr(decision, f.name)) for f in fields(decision)
               if f.name not in NOT_COMPARED}}


def _concatenations_as_sets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: sorted(str(v).split(UNORDERED[k])) if k in UNORDERED and v is not None
                else _concatenations_as_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_concatenations_as_sets(v) for v in value]
    return value


def differences(compiled: dict[str, Any] | str, reference: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(compiled, str) or isinstance(reference, str):
        return {} if compiled == reference else {"error": {"compiled": str(compiled), "sparql": str(reference)}}
    out: dict[str, Any] = {}
    for key, mine in compiled.items():
        theirs = reference[key]
        if mine != theirs:
            if key == "assessed":
                out[key] = {"only compiled": sorted(set(mine) - set(theirs))[:5],
                            "only sparql": sorted(set(theirs) - set(mine))[:5]}
            else:
                out[key] = {"compiled": str(mine)[:400], "sparql": str(theirs)[:400]}
    return out


def _decided(profiles: Sequence[dict[str, Any]], knowledge: Knowledge, engine: str) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any] | str] = []
    for profile in profiles:
        try:
            out.append(outcome(decide_many([profile], knowledge=knowledge, engine=engine)[0]))
        except UserError as error:
            out.append(str(error))
    return out


def compare(profiles: Sequence[dict[str, Any]], knowledge: Knowledge) -> list[tuple[dict[str, Any], dict]]:
    """(profile, differences) for every profile where the engines differ."""
    compiled = _decided(profiles, knowledge, "compiled")
    reference = _decided(profiles, knowledge, "sparql")
    return [(profile, found) for profile, mine, theirs in zip(profiles, compiled, reference, strict=True)
            if (found := differences(mine, theirs))]


def assessed_both(profile: dict[str, Any], knowledge: Knowledge) -> tuple[set[str], set[str]] | str:
    """The assessed triples of one profile by the decision tables and by the SPARQL rules, from one derivation and
    one classification (the output queries, which only read them, are left out: ``compare`` runs those), the dose
    checks, actions and population facts, and, on a build with cross-guideline links, which links concern the patient
    (``listed <link>``)."""
    from kg.core.decide.classify import CompiledClassifier
    from kg.core.decide.compiled.actions import actions
    from kg.core.decide.compiled.conflicts import concerning
    from kg.core.decide.compiled.doses import dose_checks
    from kg.core.decide.compiled.evaluate import Facts, assess, triples
    from kg.core.decide.compiled.population_facts import population_facts
    from kg.core.decide.decision import PatientGraph, prepare

    try:
        loaded, patient_triples = prepare(profile, knowledge)
    except UserError as error:
        return str(error)
    graph = PatientGraph(knowledge, loaded.patient, patient_triples)
    with graph.in_store():
        graph.run_rules("derive")
        graph.add(CompiledClassifier().classify(knowledge, [(graph.patient, graph.graph)])[0])
        tables = knowledge.decision_tables
        facts = Facts.of(graph.graph, graph.patient, tables)
        compact = assess(tables, facts)
        compiled = set(map(str, triples(str(graph.patient), compact)))
        graph.run_rules("assess", keep_as_rdflib=False)
        reference = set(map(str, graph.assessed))
        # the output rows made from the compiled tables that the fast comparison can afford
        render = knowledge.output_tables
        for name, rows in (("dose-checks", dose_checks(render.doses, tables, facts, graph.graph)),
                           ("actions", actions(render.actions, facts, compact, graph.graph)),
                           ("report-population-facts", population_facts(render.population_facts, tables, facts,
                                                                        graph._store()))):
            compiled.add(f"{name} {_concatenations_as_sets(rows)}")
            reference.add(f"{name} {_concatenations_as_sets(graph.select(name))}")
        if tables.conflict_sides:  # a build with cross-guideline links: which of them concern the patient
            compiled |= {f"listed {link}" for link in concerning(tables, facts, compact)}
            reference |= {f"listed {row['conflict']}" for row in graph.select("cross-guideline")}
    return compiled, reference
