"""The base profile of the regression tests and readers of a decision's rows."""

from __future__ import annotations

import copy
from typing import Any

from kg.core.decide.decision import Decision

ADULT: dict[str, Any] = {
    "patient_id": "regression",
    "age_years": 50,
    "sex": "male",
    "pregnancy": {"status": "not-pregnant"},
    "lactating": False,
    "esrd": False,
    "dialysis": False,
    "obstructive_sleep_apnea": "none",
    "central_sleep_apnea": False,
    "copd": False,
    "valvular_heart_disease": False,
    "labs": {"ferritin": {"value": 150, "unit": "ng/mL"}, "tsat": {"value": 30, "unit": "%"}},
    "oral_iron_failed": False,
    "current_medications": [],
    "past_trials": [],
    "alcohol": "none",
    "caffeine": "none",
    "augmentation_signs": False,
}
FAILED_GABAPENTIN = [{"drug": "gabapentin", "max_daily_dose_mg": 1800, "outcome": "inadequate-response"}]


def reasons(decision: Decision, option: str) -> set[tuple[str, str]]:
    """(effect, statement id) of every reason for the option."""
    return {(str(row["effect"]), _id(row["statement"])) for row in _reason_rows(decision, option)}


def reason_effects(decision: Decision, option: str, kind: str) -> list[str]:
    """The effects of the option's reasons of one kind (recommendation, caution, interaction, past-trial...)."""
    return [str(row["effect"]) for row in _reason_rows(decision, option) if str(row["kind"]) == kind]


def actions(decision: Decision) -> set[tuple[str, str]]:
    return {(str(row["kind"]), str(row["targetId"])) for row in decision.actions}


def dose_checks(decision: Decision) -> set[tuple[str, str]]:
    return {(str(row["kind"]), _id(row["drug"])) for row in decision.dose_checks}


def interactions(decision: Decision) -> set[str]:
    return {_id(row["interaction"]) for row in decision.interactions}


def member_populations(decision: Decision) -> set[str]:
    """The populations the patient is surely in."""
    return {_id(row["population"]) for row in decision.populations if str(row["membership"]) == "yes"}


def _reason_rows(decision: Decision, option: str) -> list[Any]:
    return [row for subject, rows in decision.reasons.items() if _id(subject) == option for row in rows]


def _id(term: object) -> str:
    return str(term).rsplit("/", 1)[-1]


def adult(**fields: Any) -> dict[str, Any]:
    """The base adult with some fields replaced (a fresh copy)."""
    return copy.deepcopy(ADULT) | fields


# Patients the report invariants are checked on (tests/test_report_invariants.py): the issue-20 regression cases and
# the developers' guide edge cases (child, pregnancy, breastfeeding, dialysis, older adult, missing facts, two rows
# of one drug, a second condition, hostile input). Each is a minimal change of the base adult.
LOW_IRON = {"ferritin": {"value": 40, "unit": "ng/mL"}, "tsat": {"value": 15, "unit": "%"}}
REPORT_PROFILES: dict[str, dict[str, Any]] = {
    "child-low-ferritin": adult(age_years=9, labs={"ferritin": {"value": 30, "unit": "ng/mL"}}),
    "child-ferritin-60": adult(age_years=10, labs={"ferritin": {"value": 60, "unit": "ng/mL"},
                                                   "tsat": {"value": 25, "unit": "%"}}),
    "pregnant-ferritin-75": adult(sex="female", pregnancy={"status": "pregnant", "trimester": 2},
                                  labs={"ferritin": {"value": 75, "unit": "ng/mL"},
                                        "tsat": {"value": 25, "unit": "%"}}),
    "pregnant-refractory-on-sertraline": adult(
        sex="female", pregnancy={"status": "pregnant", "trimester": 3}, past_trials=FAILED_GABAPENTIN,
        current_medications=[{"drug": "sertraline", "daily_dose_mg": 50, "doses_per_day": 1}]),
    "breastfeeding-on-opioid": adult(sex="female", lactating=True, past_trials=FAILED_GABAPENTIN, current_medications=[
        {"drug": "tramadol", "daily_dose_mg": 100, "doses_per_day": 2}]),
    "dialysis-trials-unknown": {k: v for k, v in adult(esrd=True, dialysis=True, labs=LOW_IRON).items()
                                if k != "past_trials"},
    "older-adult-refractory-copd": adult(age_years=81, copd=True, past_trials=FAILED_GABAPENTIN),
    "iron-never-measured": {k: v for k, v in ADULT.items() if k != "labs"},
    "almost-nothing-known": {"patient_id": "almost-nothing", "sex": "male", "age_years": 50, "current_medications": []},
    "two-rows-of-gabapentin": adult(current_medications=[
        {"drug": "gabapentin", "daily_dose_mg": 900, "doses_per_day": 3},
        {"drug": "Neurontin", "daily_dose_mg": 900, "doses_per_day": 3}]),
    "failed-oral-iron": adult(oral_iron_failed=True, labs=LOW_IRON),
    "bupropion-for-depression": adult(current_medications=[{"drug": "bupropion", "daily_dose_mg": 300,
                                                            "doses_per_day": 1}]),
    "opioid-and-benzodiazepine": adult(past_trials=FAILED_GABAPENTIN, current_medications=[
        {"drug": "methadone", "daily_dose_mg": 10, "doses_per_day": 1},
        {"drug": "clonazepam", "daily_dose_mg": 1, "doses_per_day": 1}]),
    "augmentation-on-pramipexole": adult(augmentation_signs=True, obstructive_sleep_apnea="unknown",
                                         current_medications=[{"drug": "pramipexole", "daily_dose_mg": 1.0,
                                                               "doses_per_day": 1}]),
    "hostile-names": adult(patient_id="hostile", current_medications=[
        {"drug": '<script>alert("x")</script>', "daily_dose_mg": 5, "doses_per_day": 1},
        {"drug": "gabapentin", "daily_dose_mg": 600, "doses_per_day": 1}]),
}
