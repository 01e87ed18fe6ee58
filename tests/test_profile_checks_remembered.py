"""A profile's checks are remembered by its JSON text and the day (kg/profile/reader.py ``validate_profile``): a
cohort's record is checked, chosen a build for and read, each of which validates it (under other source names). What is
remembered must never answer for another profile, another day or a profile changed in place, and each problem names
the source it was asked for."""

from __future__ import annotations

import copy
import datetime as dt

from kg.base.paths import EXAMPLE_PROFILE
from kg.profile.reader import read_yaml, validate_profile


def _example() -> dict:
    return read_yaml(EXAMPLE_PROFILE.read_text(encoding="utf-8"))


def _dated_lab(profile: dict) -> tuple[str, dt.date]:
    """The latest lab date of the example, and a lab with that date."""
    labs = [(name, dt.date.fromisoformat(value["date"])) for name, value in profile.get("labs", {}).items()
            if isinstance(value, dict) and isinstance(value.get("date"), str)]
    assert labs, "the example has dated labs"
    return max(labs, key=lambda lab: lab[1])


def test_the_same_profile_on_another_day_is_checked_again():
    profile = _example()
    lab, date = _dated_lab(profile)
    assert validate_profile(profile, today=date) == []
    before = validate_profile(profile, today=date - dt.timedelta(days=1))
    assert (f"{lab}.date", "date is in the future") in [(p.column.rsplit("labs.", 1)[-1], p.rule) for p in before]
    assert validate_profile(profile, today=date) == []


def test_a_profile_changed_in_place_is_checked_again():
    profile = _example()
    assert validate_profile(profile) == []
    profile["age_years"] = -4
    assert [p.column for p in validate_profile(profile)] == ["age_years"]
    profile["age_years"] = 8  # a child: valid again
    assert validate_profile(profile) == []


def test_each_caller_gets_problems_naming_its_own_source():
    profile = copy.deepcopy(_example()) | {"age_years": "old"}
    assert {p.file for p in validate_profile(profile, "a.json")} == {"a.json"}
    assert {p.file for p in validate_profile(profile, "b.json")} == {"b.json"}


def test_what_is_returned_is_the_callers_own_list():
    profile = _example() | {"age_years": -1}
    first = validate_profile(profile)
    first.clear()
    assert validate_profile(profile)
