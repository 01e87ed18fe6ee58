"""A third guideline, made up, from a fixture folder: no code was written for it (issue 19 item 4, ADR 0019).

``tests/fixtures/guidelines/toy-guideline/`` is a guideline package (manifest + tables + cases) about a fictional
condition with two fictional drugs. It is validated, built (HermiT in one test), decided through the command line
and the API, and queried with competency queries, all by the same code that runs the installed guidelines. The
expected statuses are in the package's cases, written by hand from its tables (each case's rationale says which
rows decide), not from the code's output; docs/write-a-guideline-package.md walks through this package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kg.base.paths import BUILD_REPORT_NAME
from kg.core.build.knowledge import load_knowledge
from kg.core.decide.decision import Decision, decide, decide_many
from kg.profile.reader import read_yaml
from kg.report.decision_output import render
from tests.test_decide_cases import EXPECT_KEYS, _compare

PACKAGE = Path(__file__).parent / "fixtures" / "guidelines" / "toy-guideline"
CASES = sorted((PACKAGE / "cases").glob("*.yaml"))
SOURCE = "toy-guideline-2099"  # the fixture's (fictional) guideline document
KG = [sys.executable, "-m", "kg"]


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KG, *args], capture_output=True, text=True)


def build_fixture(out: Path, reason: bool = False) -> Path:
    """Build the fixture package into *out* with ``kg build``; the folder ``kg decide --build`` and ``kg query
    --build`` take. (The one place that knows where a build of the package lands.)"""
    result = kg("build", "--packages", str(PACKAGE), "--out", str(out), *(() if reason else ("--no-reason",)))
    assert result.returncode == 0, result.stderr
    return out


def case(path: Path) -> dict[str, Any]:
    return read_yaml(path.read_text(encoding="utf-8"))


def cli_statuses(profile: dict[str, Any], build: Path, folder: Path) -> dict[str, str]:
    """The statuses ``kg decide --build BUILD PROFILE --format json`` gives, by option id (the profile is written
    into *folder*)."""
    path = folder / "profile.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    result = kg("decide", "--build", str(build), str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    return {o["option"]: o["status"] for o in json.loads(result.stdout)["options"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("toy") / "build")


@pytest.fixture(scope="module")
def knowledge(built: Path):
    return load_knowledge(built)


def query(built: Path, name: str, *params: str) -> list[dict[str, str]]:
    result = kg("query", name, "--build", str(built), "--format", "json", *(p for v in params for p in ("--param", v)))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["results"]["bindings"]
    return [{key: value["value"] for key, value in row.items()} for row in rows]


def test_the_package_has_cases_with_known_keys_and_a_rationale():
    assert len(CASES) >= 4
    for path in CASES:
        data = case(path)
        assert data.get("rationale") and set(data["expect"]) <= EXPECT_KEYS, path.name


def test_validate_reads_the_package_alone():
    result = kg("validate", "--packages", str(PACKAGE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 1 package(s) (toy-guideline 0.1.0), ") and "no problems" in result.stdout


def test_the_build_holds_the_package_in_its_own_namespace(knowledge):
    ids = knowledge.ids
    assert str(ids["examplodine"]) == "https://w3id.org/cgkg/test-toy/examplodine"
    assert "gabapentin" not in ids and "restless-legs-syndrome" not in ids  # nothing of the installed packages
    report = json.loads((Path(knowledge.source) / BUILD_REPORT_NAME).read_text(encoding="utf-8"))
    assert report["shacl_conforms"] is True and not any(report["checks"].values())


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_through_the_api(path: Path, knowledge):
    data = case(path)
    problems = _compare(decide(data["profile"], knowledge=knowledge), data["expect"])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_through_the_command_line(path: Path, built: Path, tmp_path: Path):
    data = case(path)
    statuses = cli_statuses(data["profile"], built, tmp_path)
    assert statuses == data["expect"]["status"]  # every option of the package, no other


def test_the_reports_name_the_fixture_source_and_no_algorithm(knowledge):
    decision: Decision = decide(case(CASES[3])["profile"], knowledge=knowledge)  # the contraindication
    text, html = render(decision, "table"), render(decision, "html")
    assert "contraindicated: examplodine: contraindicated: The toy guideline contraindicates" in text
    assert f"[P · {SOURCE}]" in text and SOURCE in html
    assert "ALGORITHM" not in text and "algorithm" not in html  # the package has no treatment algorithm
    assert "WHY examplodine is 'contraindicated'" in render(decision, "table", why="examplodine")


def test_competency_queries_answer_from_the_fixture(built: Path):
    options = {(r["option"], r["direction"], r["strength"], r["line"], r["population"])
               for r in query(built, "cq/treatment-options")}
    assert options == {("examplodine", "for", "strong", "first-line", "adult (toy guideline)"),
                       ("fixturol", "for", "conditional", "first-line", "adult (toy guideline)"),
                       ("examplodine", "against", "strong", "not-applicable", "child (toy guideline)")}
    [interaction] = query(built, "cq/drug-interactions")
    assert sorted(interaction["agents"].split(" + ")) == ["examplodine", "fixturol"]
    assert interaction["severity"] == "serious"
    [caution] = query(built, "cq/cautions", "agent=examplodine")
    assert (caution["severity"], caution["population"]) == ("contraindicated", "older adult (toy guideline)")


@pytest.mark.reasoner
def test_hermit_builds_the_package_and_decides_its_cases(tmp_path: Path, java: str):
    knowledge = load_knowledge(build_fixture(tmp_path / "build", reason=True))
    report = json.loads((Path(knowledge.source) / BUILD_REPORT_NAME).read_text(encoding="utf-8"))
    assert report["reasoner"]["consistent"] and not report["reasoner"]["unsatisfiable_classes"]
    cases = [case(path) for path in CASES]
    decisions = decide_many([c["profile"] for c in cases], reasoner="hermit", knowledge=knowledge)
    problems = [f"{path.stem}: {problem}" for path, c, decision in zip(CASES, cases, decisions, strict=True)
                for problem in _compare(decision, c["expect"])]
    assert {d.reasoner for d in decisions} == {"hermit"} and not problems, "\n".join(problems)
