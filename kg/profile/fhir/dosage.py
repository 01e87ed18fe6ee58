"""Daily dose (mg) and doses per day from R4 ``Dosage`` (fhir-cdshooks-omop.md §1.2, from the R4 dosage mappings and
timing-abbreviation value set).

1. doses/day = ``timing.repeat.frequency`` x 1 d / (``period`` ``periodUnit``); else the number of ``timeOfDay``
   or ``when`` entries; else ``timing.code`` (BID 2, TID 3, QID 4, QD/AM/PM 1).
2. mg per dose = ``doseAndRate.doseQuantity`` when its UCUM code is a mass; for another unit (tablet, mL) times the
   strength of the one ingredient of the ``Medication`` (``ingredient.strength``, a Ratio per that unit).
3. daily mg = mg per dose x doses/day, summed over the ``dosageInstruction`` entries.
4. As needed (``asNeeded[x]``): the maximum from ``maxDosePerPeriod``; doses/day stays unknown.

Anything else is undetermined, with the reason, never guessed: SIG text only, a dose or frequency range
(``doseRange``, ``frequencyMax``, ``periodMax``), a dose taken less often than once a day (a per-day average
would understate the dose on the days it is taken; QOD too), calendar periods (mo, a), an event timing that does
not say how many times (``C``, ``AC``, ``PC``: meals), a unit that is neither a mass nor the strength's unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

# UCUM mass units -> mg (UCUM arithmetic)
MASS_MG = {"g": Fraction(1000), "mg": Fraction(1), "ug": Fraction(1, 1000), "ng": Fraction(1, 1000000)}
# UCUM time units of Timing.repeat.periodUnit -> days; mo and a are calendar units (no fixed length in days)
PERIOD_DAYS = {"s": Fraction(1, 86400), "min": Fraction(1, 1440), "h": Fraction(1, 24), "d": Fraction(1),
               "wk": Fraction(7)}
# Timing.code (R4 timing-abbreviation) -> doses per day, the codes fhir-cdshooks-omop.md §1.2 gives
TIMING_CODES = {"BID": Fraction(2), "TID": Fraction(3), "QID": Fraction(4), "QD": Fraction(1), "AM": Fraction(1),
                "PM": Fraction(1), "QOD": Fraction(1, 2)}
# Timing.repeat.when codes that do not say how many times a day (a meal: any number of meals)
UNCOUNTED_EVENTS = frozenset({"C", "AC", "PC"})


@dataclass
class Dose:
    """What the dosage instructions of one record give: daily mg and doses per day (None: undetermined), and why
    not."""

    daily_mg: Fraction | None = None
    doses_per_day: Fraction | None = None
    problems: list[str] = field(default_factory=list)
    as_needed: bool = False


class Undetermined(Exception):
    """A dose that cannot be computed from the instruction; the message says why."""


def dose_of(instructions: Sequence[Mapping[str, Any]], medication: Mapping[str, Any] | None,
            element: str = "dosageInstruction") -> Dose:
    """The daily dose of a record's dosage list (*element*: ``dosageInstruction``, or ``dosage`` of a
    MedicationStatement; see the module doc)."""
    if not instructions:
        return Dose(problems=[f"no {element}: the dose is unknown"])
    total_mg, total_doses, dose = Fraction(0), Fraction(0), Dose()
    for index, instruction in enumerate(instructions):
        try:
            mg, doses = _one(instruction, medication)
        except Undetermined as why:
            dose.problems.append(f"{element}[{index}]: {why}")
            continue
        total_mg += mg
        if doses is None:
            dose.as_needed = True
        else:
            total_doses += doses
    if not dose.problems:
        dose.daily_mg = total_mg
        dose.doses_per_day = None if dose.as_needed else total_doses
    return dose


def _one(instruction: Mapping[str, Any], medication: Mapping[str, Any] | None) -> tuple[Fraction, Fraction | None]:
    """(mg per day, doses per day or None for as-needed) of one Dosage."""
    timing, amounts = instruction.get("timing"), instruction.get("doseAndRate")
    if not timing and not amounts and not instruction.get("maxDosePerPeriod"):
        text = instruction.get("text")
        raise Undetermined(f"SIG text only ({text!r}): ask for the dose" if text else "no timing and no dose")
    if instruction.get("asNeededBoolean") or instruction.get("asNeededCodeableConcept"):
        limit = instruction.get("maxDosePerPeriod")
        if not limit:
            raise Undetermined("as needed without maxDosePerPeriod: the daily dose is unknown")
        per_dose = _mg(limit.get("numerator") or {}, medication)
        days = _days(limit.get("denominator") or {})
        if days > 1:
            raise Undetermined("as needed, maxDosePerPeriod over more than a day: the daily maximum is unknown")
        return per_dose / days, None
    doses = _doses_per_day(timing or {})
    return _mg(_dose_quantity(amounts), medication) * doses, doses


def _dose_quantity(amounts: Any) -> Mapping[str, Any]:
    quantities = []
    for amount in amounts or []:
        if "doseRange" in amount:
            low, high = amount["doseRange"].get("low", {}), amount["doseRange"].get("high", {})
            if low.get("value") is None or low.get("value") != high.get("value") or low.get("code") != high.get("code"):
                raise Undetermined("a dose range (doseRange): the dose is not one value")
            quantities.append(low)
        elif "doseQuantity" in amount:
            quantities.append(amount["doseQuantity"])
    if not quantities:
        raise Undetermined("no doseAndRate.doseQuantity")
    if any((q.get("value"), q.get("code")) != (quantities[0].get("value"), quantities[0].get("code"))
           for q in quantities):
        raise Undetermined("several doseAndRate entries with different doses")
    return quantities[0]


def _mg(quantity: Mapping[str, Any], medication: Mapping[str, Any] | None) -> Fraction:
    """A dose quantity in mg: a UCUM mass, or a count/volume times the one ingredient's strength."""
    value, code = quantity.get("value"), quantity.get("code") or quantity.get("unit")
    if value is None or quantity.get("comparator"):
        raise Undetermined("a dose without an exact value")
    amount = _exact(value)
    if code in MASS_MG:
        return amount * MASS_MG[code]
    strength = _strength(medication, code)
    if strength is None:
        raise Undetermined(f"a dose in {code!r}, not a mass, and no Medication strength per {code!r}: "
                           "the mg per dose is unknown")
    return amount * strength


def _strength(medication: Mapping[str, Any] | None, unit: Any) -> Fraction | None:
    """mg per *unit* of the Medication's one ingredient (``ingredient.strength`` numerator mass / denominator)."""
    ingredients = (medication or {}).get("ingredient") or []
    if len(ingredients) != 1:
        return None
    ratio = ingredients[0].get("strength") or {}
    numerator, denominator = ratio.get("numerator") or {}, ratio.get("denominator") or {}
    mass = numerator.get("code") or numerator.get("unit")
    per = denominator.get("code") or denominator.get("unit")
    if mass not in MASS_MG or per != unit or numerator.get("value") is None or not denominator.get("value"):
        return None
    return _exact(numerator["value"]) * MASS_MG[mass] / _exact(denominator["value"])


def _days(quantity: Mapping[str, Any]) -> Fraction:
    unit, value = quantity.get("code") or quantity.get("unit"), quantity.get("value")
    if unit not in PERIOD_DAYS or not value:
        raise Undetermined(f"a period of {value} {unit!r}: not a time unit with a fixed length (s, min, h, d, wk)")
    return _exact(value) * PERIOD_DAYS[unit]


def _doses_per_day(timing: Mapping[str, Any]) -> Fraction:
    repeat = timing.get("repeat") or {}
    if "frequency" in repeat or "period" in repeat:
        if repeat.get("frequencyMax") not in (None, repeat.get("frequency")) or "periodMax" in repeat:
            raise Undetermined("a frequency range (frequencyMax or periodMax): the doses per day are not one value")
        if "frequency" not in repeat or "period" not in repeat:
            raise Undetermined("timing.repeat needs both frequency and period")
        days = _days({"value": repeat["period"], "code": repeat.get("periodUnit")})
        if days > 1:
            every = f"{repeat['period']} {repeat.get('periodUnit')}"
            raise Undetermined(f"taken less often than once a day (every {every}): a per-day average would understate "
                               "the dose on the days it is taken")
        return _whole(_exact(repeat["frequency"]) / days)
    events = [*repeat.get("timeOfDay", []), *repeat.get("when", [])]
    if events:
        if UNCOUNTED_EVENTS & set(repeat.get("when", [])):
            raise Undetermined(f"timing.repeat.when {repeat['when']}: meals, not a number of times a day")
        return Fraction(len(events))
    codes = [c.get("code") for c in (timing.get("code") or {}).get("coding", [])]
    known = [TIMING_CODES[c] for c in codes if c in TIMING_CODES]
    if not known:
        raise Undetermined(f"timing without frequency, times or a known timing code ({', '.join(map(str, codes))})"
                           if codes else "no timing: the doses per day are unknown")
    if known[0] < 1:
        raise Undetermined(f"timing code {codes[0]}: taken less often than once a day")
    return known[0]


def _whole(doses: Fraction) -> Fraction:
    if doses.denominator != 1:
        raise Undetermined(f"{float(doses):g} doses a day: not a whole number, the day's total varies")
    return doses


def _exact(value: Any) -> Fraction:
    """A JSON number as an exact fraction (0.1 is one tenth, not the nearest binary float)."""
    return Fraction(Decimal(str(value)))
