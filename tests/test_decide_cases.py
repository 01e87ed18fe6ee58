"""Clinical cases as data (tests/cases/*.yaml): each profile through kg.decide on the default
(compiled) path and the real SPARQL engine, compared with the expected statuses, populations, actions,
dose checks, interactions and algorithm step; a sample of them also on the DL reasoner path (HermiT)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.core.decide.decision import Decision, decide, decide_many
from kg.profile.reader import read_yaml

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
REASONER_SAMPLE = CASES[::15]  # one case in fifteen, in one HermiT run (the classification itself is compared with
# HermiT on 200 stored and 20 fresh profiles: tests/differential/)


def _id(term: object) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def test_there_are_at_least_25_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path):
    """Each case on the build kg decide chooses for it: the packaged build of exactly the guidelines treating its
    conditions (ADR 0019, "Build sets")."""
    case = read_yaml(path.read_text(encoding="utf-8"))
    assert case.get("rationale"), "every case explains itself"
    decision = decide(case["profile"])
    problems = _compare(decision, case["expect"])
    assert not problems, "\n".join(problems)


@pytest.mark.reasoner
def test_a_sample_of_cases_on_the_dl_reasoner_path(java: str):
    cases = [read_yaml(path.read_text(encoding="utf-8")) for path in REASONER_SAMPLE]
    decisions = decide_many([case["profile"] for case in cases], reasoner="hermit")
    problems = [f"{path.stem}: {problem}"
                for path, case, decision in zip(REASONER_SAMPLE, cases, decisions, strict=True)
                for problem in _compare(decision, case["expect"])]
    assert len(decisions) >= 5 and {d.reasoner for d in decisions} == {"hermit"}
    assert not problems, "\n".join(problems)


EXPECT_KEYS = {
    "status", "populations_include", "populations_exclude", "actions_include", "actions_exclude",
    "dose_checks_include", "dose_checks_exclude", "interactions_include", "reasons_include", "reasons_exclude",
    "algorithm_step",
}


def test_case_files_use_only_known_expectation_keys():
    """A misspelt key would silently check nothing."""
    for path in CASES:
        case = read_yaml(path.read_text(encoding="utf-8"))
        assert set(case["expect"]) <= EXPECT_KEYS, f"{path.name}: unknown keys {set(case['expect']) - EXPECT_KEYS}"


def _compare(decision: Decision, expect: dict) -> list[str]:
    problems = []
    statuses = {_id(r["option"]): str(r["status"]) for r in decision.options}
    for option, status in expect.get("status", {}).items():
        if statuses.get(option) != status:
            reasons = [f"{r['effect']}:{_id(r['statement'])}" for o, rows in decision.reasons.items()
                       if _id(o) == option for r in rows]
            problems.append(f"{option}: expected {status}, got {statuses.get(option)} ({', '.join(reasons)})")
    members = {_id(r["population"]) for r in decision.populations if str(r["membership"]) == "yes"}
    for population in expect.get("populations_include", []):
        if population not in members:
            problems.append(f"population {population} expected, got {sorted(members)}")
    for population in expect.get("populations_exclude", []):
        if population in members:
            problems.append(f"population {population} not expected")
    actions = {(str(r["kind"]), str(r["targetId"])) for r in decision.actions}
    for action in expect.get("actions_include", []):
        if (action["kind"], action["target"]) not in actions:
            problems.append(f"action {action} expected, got {sorted(actions)}")
    checks = {(str(r["kind"]), _id(r["drug"])) for r in decision.dose_checks}
    for check in expect.get("dose_checks_include", []):
        if (check["kind"], check["target"]) not in checks:
            problems.append(f"dose check {check} expected, got {sorted(checks)}")
    for check in expect.get("dose_checks_exclude", []):
        if (check["kind"], check["target"]) in checks:
            problems.append(f"dose check {check} not expected")
    for action in expect.get("actions_exclude", []):
        if (action["kind"], action["target"]) in actions:
            problems.append(f"action {action} not expected")
    interactions = {_id(r["interaction"]) for r in decision.interactions}
    for interaction in expect.get("interactions_include", []):
        if interaction not in interactions:
            problems.append(f"interaction {interaction} expected, got {sorted(interactions)}")
    reasons = {(_id(o), str(r["effect"]), _id(r["statement"])) for o, rows in decision.reasons.items() for r in rows}
    for reason in expect.get("reasons_include", []):
        if (reason["option"], reason["effect"], reason["statement"]) not in reasons:
            problems.append(f"reason {reason} expected, got {sorted(r for r in reasons if r[0] == reason['option'])}")
    for reason in expect.get("reasons_exclude", []):
        if (reason["option"], reason["effect"], reason["statement"]) in reasons:
            problems.append(f"reason {reason} not expected")
    if "algorithm_step" in expect:
        current = {int(r["current"]) for r in decision.algorithm}
        if current != {expect["algorithm_step"]}:
            problems.append(f"algorithm step {expect['algorithm_step']} expected, got {current}")
    return problems
