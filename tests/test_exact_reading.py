"""Exact, bounded reading of JSON/YAML profiles (issue 7, D3, D4, D6, D7, D11): YAML 1.2 numbers,
leading zeros refused, duplicate keys refused, NaN/infinity refused, every problem in one pass, limits
checked before parsing, error output truncated. No reasoner: validation only."""

from __future__ import annotations

import copy
import datetime as dt
import time
from pathlib import Path

import pytest

from kg.base.errors import Problem, UserError, ValidationError
from kg.base.input_limits import MAX_PROFILE_BYTES
from kg.base.paths import EXAMPLE_PROFILE
from kg.base.yaml12 import load_yaml
from kg.core.build.knowledge import default_knowledge
from kg.profile.reader import load_profile, read_profile_file, read_yaml, validate_profile


@pytest.fixture(scope="module")
def agents():
    return default_knowledge().agents


@pytest.fixture(scope="module")
def example() -> dict:
    return read_yaml(EXAMPLE_PROFILE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ("v: 100", 100), ("v: -7", -7), ("v: 1.5e2", 150.0), ("v: .5", 0.5), ("v: 0", 0), ("v: 0.75", 0.75),
    ("v: 1:20", "1:20"), ("v: 1_000", "1_000"), ("v: 0b11", "0b11"), ("v: yes", "yes"), ("v: on", "on"),
    ("v: 2026-01-02", "2026-01-02"), ("v: ~", None), ("v: true", True),
])
def test_yaml_scalars_follow_the_yaml_1_2_core_schema(text, expected):
    data, problems = load_yaml(text)
    assert problems == [] and data == {"v": expected} and type(data["v"]) is type(expected)


@pytest.mark.parametrize("number", ["0100", "052", "-007", "00.5", "0o17", "0x1F"])
def test_ambiguous_number_forms_are_refused(number, tmp_path):
    """D3: 'ferritin: {value: 0100}' was read as 64 (YAML 1.1 octal) and decided on."""
    path = _write(tmp_path, "p.yaml", f"sex: female\nlabs:\n  ferritin: {{value: {number}, unit: ng/mL}}\n")
    with pytest.raises(ValidationError) as caught:
        read_profile_file(path)
    assert [(p.row, p.value) for p in caught.value.problems] == [(3, number)]


@pytest.mark.parametrize(("name", "text", "value"), [
    ("p.yaml", "sex: female\nsex: male\n", "sex"),
    ("p.yaml", "sex: female\nlabs:\n  tsat: {value: 20, value: 30, unit: '%'}\n", "value"),
    ("p.json", '{"sex": "female", "sex": "male"}', "sex"),
    ("p.json", '{"sex": "female", "labs": {"tsat": {"value": 20, "unit": "%", "value": 90}}}', "value"),
])
def test_duplicate_keys_are_refused(name, text, value, tmp_path):
    with pytest.raises(ValidationError, match="duplicate key") as caught:
        read_profile_file(_write(tmp_path, name, text))
    assert [p.value for p in caught.value.problems] == [value]


@pytest.mark.parametrize(("name", "text"), [
    ("p.json", '{"sex": "female", "age_years": NaN}'),
    ("p.json", '{"sex": "female", "age_years": Infinity}'),
    ("p.json", '{"sex": "female", "age_years": -Infinity}'),
    ("p.json", '{"sex": "female", "age_years": 1e400}'),
    ("p.yaml", "sex: female\nage_years: .nan\n"),
    ("p.yaml", "sex: female\nage_years: -.inf\n"),
    ("p.yaml", "sex: female\nage_years: 1e400\n"),
])
def test_nan_and_infinity_are_refused(name, text, tmp_path):
    """D7: NaN passed the schema (every comparison with NaN is false) and crashed the reasoner."""
    with pytest.raises(ValidationError, match="NaN and infinity|too large"):
        read_profile_file(_write(tmp_path, name, text))


def test_every_problem_is_reported_in_one_pass(example, agents):
    """Schema errors no longer hide future dates and contradictions (an unknown drug name is accepted as an
    unrecognised medication, so it is not a problem)."""
    profile = {**copy.deepcopy(example), "sex": "f", "dialysis": True, "esrd": False,
               "labs": {"ferritin": {"value": 40, "unit": "ng/mL", "date": "2999-01-01"}, "tsat": {"value": -1}},
               "current_medications": [{"drug": "gabapentine"}, {"drug": 5}, {"doses_per_day": 2}, None],
               "past_trials": [{"drug": "lyricaa", "outcome": "meh"}]}
    columns = {p.column for p in validate_profile(profile, today=dt.date(2026, 1, 1))}
    assert {"sex", "esrd", "labs.ferritin.date", "labs.tsat", "current_medications[1].drug",
            "current_medications[2]", "current_medications[3]",
            "past_trials[0].outcome"} <= columns


@pytest.mark.parametrize("change", [
    {"labs": []}, {"labs": {"ferritin": "high"}}, {"pregnancy": "yes"}, {"pregnancy": {"trimester": 2}},
    {"current_medications": {"drug": "x"}}, {"past_trials": [["gabapentin"]]}, {"labs": {"tsat": {"date": 5}}},
    {"labs": {"ferritin": {"value": 40, "unit": "ng/mL", "date": "2026-13-45"}}},
])
def test_malformed_parts_never_crash_the_later_checks(change, example, agents):
    problems = validate_profile({**copy.deepcopy(example), **change})
    assert problems and all(isinstance(p, Problem) for p in problems)


@pytest.mark.parametrize(("change", "column"), [
    ({"pregnancy": {"status": "pregnant", "trimester": 2.0}}, "pregnancy.trimester"),
    ({"patient_id": "abc\n"}, "patient_id"),
    ({"patient_id": "a" * 65}, "patient_id"),
    ({"current_medications": [{"drug": "gabapentin", "doses_per_day": 2.0}]}, "current_medications[0].doses_per_day"),
    ({"current_medications": [{"drug": "g" * 201}]}, "current_medications[0].drug"),
    ({"past_trials": [{"drug": "gabapentin", "outcome": "response"}] * 101}, "past_trials"),
    ({"labs": {"ferritin": {"value": 40, "unit": "ng/mL", "date": "2020-01-01\n"}}}, "labs.ferritin.date"),
])
def test_limits_and_exact_types(change, column, example, agents):
    """D11: trimester 2.0 and a patient_id ending in a newline gave tracebacks; D6: unbounded lists/strings."""
    problems = validate_profile({**copy.deepcopy(example), **change})
    assert column in {p.column for p in problems}


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path, agents):
    path = tmp_path / "big.yaml"
    path.write_text("sex: female\n# " + "x" * MAX_PROFILE_BYTES + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(UserError, match="more than the limit"):
        load_profile(path, agents)
    assert time.perf_counter() - started < 1.0


def test_an_alias_bomb_is_refused_quickly():
    """D6: a 600-byte alias bomb took 95 s, 4.8 GB and 922 MB of error output."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    started = time.perf_counter()
    data, problems = load_yaml("\n".join(lines))
    assert data is None and "values after expanding aliases" in problems[0][2]
    assert time.perf_counter() - started < 2.0


def test_error_output_is_truncated(example, agents):
    profile = {**copy.deepcopy(example), "past_trials": [{"drug": "gabapentin", "outcome": f"outcome-{i}"}
                                                          for i in range(100)]}
    with pytest.raises(ValidationError) as caught:
        load_profile(profile, agents)
    message = str(caught.value)
    assert "100 problem(s)" in message and "... and 50 more" in message and len(message) < 40_000
