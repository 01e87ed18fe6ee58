"""The second guideline, AASM 2017 chronic insomnia (issue 19 item 3): its insomnia-only cases decided.

``guidelines/insomnia-aasm-2017/cases/i*.yaml`` were written from the fact sheet (shared/reference/insomnia-facts.md),
not from the code's output: each rationale names the sheet rows and table rows that decide. Each profile names
``conditions: [chronic-insomnia]``, so ``kg decide`` picks the build of the insomnia guideline alone from a build set
(kg/core/decide/build_choice.py). The build is made here from the installed packages (``kg build --guideline
insomnia-aasm-2017``) so the test does not depend on the packaged build set being refreshed (``make built``).
The comparison is the machinery of tests/test_decide_cases.py; the multimorbidity cases (``m*.yaml``: RLS and
insomnia, cross-guideline conflicts) need features the core does not have yet and are not run here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kg.core.build.knowledge import Knowledge
from kg.core.decide.build_choice import knowledge_for
from kg.core.decide.decision import decide, decide_many
from tests.test_decide_cases import EXPECT_KEYS, _compare
from tests.test_fixture_guideline import case, cli_statuses, kg

GUIDELINE = "insomnia-aasm-2017"
PACKAGE = Path(__file__).parents[1] / "guidelines" / GUIDELINE
CASES = sorted((PACKAGE / "cases").glob("i*.yaml"))
CASE_KEYS = EXPECT_KEYS | {"guidelines_shown"}  # the guidelines of the build the decision is made on

XFAIL: dict = {}


@pytest.fixture(scope="module")
def build_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build set of the insomnia guideline alone (with the shared package it requires), no reasoner run."""
    out = tmp_path_factory.mktemp("insomnia") / "build"
    result = kg("build", "--guideline", GUIDELINE, "--out", str(out), "--no-reason")
    assert result.returncode == 0, result.stderr
    return out


def chosen(profile: dict[str, Any], build_set: Path) -> Knowledge:
    return knowledge_for(profile, build_set)


def check(path: Path, decision: Any, knowledge: Knowledge) -> list[str]:
    expect = case(path)["expect"]
    problems = _compare(decision, {k: v for k, v in expect.items() if k != "guidelines_shown"})
    shown = sorted(knowledge.guidelines or ())
    if "guidelines_shown" in expect and shown != sorted(expect["guidelines_shown"]):
        problems.append(f"guidelines {sorted(expect['guidelines_shown'])} expected, got {shown}")
    return problems


def test_the_insomnia_only_cases_exist_with_known_keys_and_a_rationale():
    assert len(CASES) == 7
    for path in CASES:
        data = case(path)
        assert data.get("rationale") and data["profile"]["conditions"] == ["chronic-insomnia"], path.name
        assert set(data["expect"]) <= CASE_KEYS, f"{path.name}: unknown keys {set(data['expect']) - CASE_KEYS}"


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem, marks=XFAIL.get(p.stem, ())) for p in CASES])
def test_case(path: Path, build_set: Path):
    """Each case on the build kg decide chooses for its conditions: the insomnia guideline alone."""
    profile = case(path)["profile"]
    knowledge = chosen(profile, build_set)
    problems = check(path, decide(profile, knowledge=knowledge), knowledge)
    assert not problems, "\n".join(problems)


def test_the_build_choice_is_the_insomnia_guideline_alone(build_set: Path):
    knowledge = chosen(case(CASES[0])["profile"], build_set)
    assert knowledge.guidelines == frozenset({GUIDELINE})
    assert "restless-legs-syndrome" not in knowledge.ids and "chronic-insomnia" in knowledge.ids
    assert str(knowledge.ids["aasm2017-zolpidem"]) == f"https://w3id.org/cgkg/{GUIDELINE}/aasm2017-zolpidem"


def test_a_profile_without_conditions_is_not_decided_on_the_insomnia_build(build_set: Path, tmp_path: Path):
    """No conditions means the default guideline's (RLS): this set has no build of it, exit 2 naming the command."""
    profile = {k: v for k, v in case(CASES[0])["profile"].items()  # without the insomnia guideline's fields too
               if k not in ("conditions", "insomnia_type", "prior_complex_sleep_behaviour")}
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    result = kg("decide", "--build", str(build_set), str(path))
    assert result.returncode == 2 and "restless-legs-syndrome" in result.stderr and "kg build" in result.stderr


def test_a_case_through_the_command_line(build_set: Path, tmp_path: Path):
    path = next(p for p in CASES if p.stem.startswith("i02"))
    data = case(path)
    assert cli_statuses(data["profile"], build_set, tmp_path) == data["expect"]["status"]  # the 14, no other


@pytest.mark.reasoner
def test_the_cases_on_the_dl_reasoner_path(build_set: Path, java: str):
    paths = [p for p in CASES if p.stem not in XFAIL]
    profiles = [case(p)["profile"] for p in paths]
    knowledge = chosen(profiles[0], build_set)
    decisions = decide_many(profiles, reasoner="hermit", knowledge=knowledge)
    problems = [f"{p.stem}: {problem}" for p, d in zip(paths, decisions, strict=True)
                for problem in check(p, d, knowledge)]
    assert {d.reasoner for d in decisions} == {"hermit"} and not problems, "\n".join(problems)
