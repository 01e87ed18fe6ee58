"""The base profile of the regression tests and readers of a decision's rows."""

from __future__ import annotations

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
