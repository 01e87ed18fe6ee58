"""Issue 20, "a report that cannot contradict itself": invariants checked on the text, JSON and HTML outputs of the
bundled example and of the regression and edge-case patients (tests/regressions/profiles.py), decided on the default
path with the real SPARQL engine. Each invariant is code over the outputs, not a copy of the code's own output:

* "use now" lists only allowed options (recommended, allowed with caution) at a line the algorithm reached: an option
  an algorithm step uses is in "use now" only while one of those steps is due, possibly due or done;
* no drug is both under "stop or change" and marked as not worsening RLS (the reasonable choice);
* the first reason shown for an option has an effect that decides the option's status (cg:decidesStatus), and a
  "later, if" row names the algorithm step that opens its line;
* the summary opens with the one-line next step; one dose line per drug; each action once per target;
* "do not stop abruptly" (a discontinuation procedure) stands next to every drug the report advises changing that has
  one, and next to no other drug;
* a legend explains every evidence tag; the HTML prints no command-line hint.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from kg.base.paths import EXAMPLE_PROFILE
from kg.core.decide.decision import Decision, decide_many
from kg.report.decision_output import render, to_json_data, to_report
from kg.report.vocabulary import Vocabulary
from tests.regressions.profiles import REPORT_PROFILES

PATIENTS = {"bundled-example": EXAMPLE_PROFILE, **REPORT_PROFILES}
STOP_OR_CHANGE, NOW, KEEP, WHEN_STOPPING = "stop_or_change", "now", "keep", "when-stopping"
CLI_HINTS = re.compile(r"--explain|--why|\(\+\d+ (?:notes?|more)\)")


@pytest.fixture(scope="module")
def decided() -> dict[str, Decision]:
    # each on the build kg decide picks for its conditions (ADR 0019): the patients have RLS only
    return dict(zip(PATIENTS, decide_many(list(PATIENTS.values())), strict=True))


def test_there_are_patients_of_every_kind_the_guide_asks_for():
    assert {"child-low-ferritin", "pregnant-ferritin-75", "breastfeeding-on-opioid", "dialysis-trials-unknown",
            "older-adult-refractory-copd", "iron-never-measured", "two-rows-of-gabapentin",
            "hostile-names"} <= set(PATIENTS)


def _step_uses(decision: Decision) -> dict[str, set[int]]:
    """option id -> the algorithm steps that use it (cg:usesAgent or completion, through drug classes)."""
    uses: dict[str, set[int]] = {}
    for row in decision.report["step-agents"]:
        if str(row["used"]) == "true":
            uses.setdefault(str(row["agentId"]), set()).add(int(row["step"]))  # type: ignore[arg-type]
    return uses


@pytest.mark.parametrize("name", PATIENTS)
def test_use_now_lists_only_allowed_options_the_algorithm_reached(decided, name):
    decision = decided[name]
    data = to_json_data(decision)
    vocabulary = Vocabulary.of(decision)
    steps = {s["step"]: vocabulary.step_state(s["due"], s["done"]) for s in data["algorithm"]["steps"]}
    uses = _step_uses(decision)
    for option in data["options"]:
        group = vocabulary.group_of_status(option["status"])
        if group is None or group.notation != "use-now":
            continue
        assert option["allowed"] == "yes" and option["status"] in ("recommended", "allowed-with-caution"), option
        using = uses.get(option["option"], set())
        if using:  # sequenced by the algorithm: one of its steps is reached
            states = {steps[n].notation for n in using if steps[n] is not None}
            assert states - {"not-needed"}, f"{name}: {option['option']} is in use now, its steps {sorted(using)} " \
                                            f"are {sorted(states)}"


@pytest.mark.parametrize("name", PATIENTS)
def test_no_drug_is_both_to_stop_and_the_reasonable_choice(decided, name):
    decision = decided[name]
    data = to_json_data(decision)
    taken = {str(r["drugId"]) for r in decision.report["current-drugs"]}
    reasonable = {o["option"] for o in data["options"] if o["option"] in taken
                  and any(r["effect"] == "note" for r in o["reasons"])}
    to_stop = {i for item in data["summary"][STOP_OR_CHANGE] for i in item["subject_ids"]}
    assert not reasonable & to_stop, f"{name}: {sorted(reasonable & to_stop)}"
    kept = {i for item in data["summary"][NOW] if item["kind"] == KEEP for i in item["subject_ids"]}
    assert kept == reasonable


def _deciding_effect_labels(vocabulary: Vocabulary, status: str) -> set[str]:
    return {t.label for t in vocabulary.ordered("ReasonEffect") if status in t.properties.get("decides", ())}


class _OptionRows(HTMLParser):
    """(option cell text, status cell text, first effect label) of each option row of the HTML report."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: str | None = None
        self._effect = False

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "td" and classes == "opt":
            self.rows.append(["", "", ""])
            self._cell = "opt"
        elif tag == "td" and classes == "st":
            self._cell = "st"
        elif tag == "span" and classes == "effect" and self.rows and not self.rows[-1][2]:
            self._effect = True

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        if tag == "span":
            self._effect = False

    def handle_data(self, data):
        if self._effect:
            self.rows[-1][2] += data.rstrip(":")
        elif self._cell == "opt":
            self.rows[-1][0] += data
        elif self._cell == "st":
            self.rows[-1][1] += data


@pytest.mark.parametrize("name", PATIENTS)
def test_the_first_reason_shown_decided_the_status(decided, name):
    decision = decided[name]
    data = to_json_data(decision)
    vocabulary = Vocabulary.of(decision)
    statuses = {t.label: t.notation for t in vocabulary.ordered("DecisionStatus")}
    gates = {str(r["line"]): f"step {r['step']}" for r in decision.report["line-gates"]}
    options = {o["label"]: o for o in data["options"]}
    parser = _OptionRows()
    parser.feed(render(decision, "html"))
    assert parser.rows
    for names, facts, effect in parser.rows:
        status = statuses[facts.split(" · ")[0]]
        gated = names.startswith("if ")
        if gated:  # "later, if <step> — options": the step that opens the option's line
            gate, names = names.split(" — ", 1)
        for label in names.split(", "):
            option = options[label.strip()]
            assert option["status"] == status
            if gated:
                assert gates[option["line_of_therapy"]] in gate
        if not gated and effect and _deciding_effect_labels(vocabulary, status):  # the default status has none
            assert effect in _deciding_effect_labels(vocabulary, status), (name, names, status, effect)
    # the same in the text report with every reason (--explain): the first reason line of each option
    lines = to_report(decision, explain=True).splitlines()
    for index, line in enumerate(lines):
        found = re.match(r"  (\S.*) — (.+)$", line)
        if not found or not lines[index + 1].startswith("      ") or " · " not in found.group(2) + " · ":
            continue
        status_label = found.group(2).split(" · ")[0]
        if status_label not in statuses:
            continue
        first = lines[index + 1].strip().split(":")[0]
        deciding = _deciding_effect_labels(vocabulary, statuses[status_label])
        assert not deciding or first in deciding, (name, line, first)


@pytest.mark.parametrize("name", PATIENTS)
def test_the_report_opens_with_the_next_step_and_one_dose_line_per_drug(decided, name):
    decision = decided[name]
    data = to_json_data(decision)
    summary = data["summary"]
    if any(summary[k] for k in summary):
        assert summary[NOW] and summary[NOW][0]["kind"] == "next-step", summary[NOW][:1]
        assert to_report(decision).splitlines()[2].startswith("NOW             next step: ")
        assert '<li><span class="kind">next step:</span>' in render(decision, "html").split("</section>")[0]
    dose_lines: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for items in summary.values():
        for item in items:
            if item["kind"] in ("dose", "sourced-dose"):
                for drug in item["subject_ids"]:
                    dose_lines[drug] = dose_lines.get(drug, 0) + 1
            key = (item["kind"], item["subject"])
            assert key not in seen or item["kind"] == "algorithm-step", f"{name}: {key} twice"
            seen.add(key)
            parts = [p.strip() for p in item["text"].split(";")]
            assert len(parts) == len(set(parts)), f"{name}: an action repeated in {item['text']!r}"
    assert all(n == 1 for n in dose_lines.values()), dose_lines


@pytest.mark.parametrize("name", PATIENTS)
def test_taper_advice_stands_next_to_every_drug_to_change_and_no_other(decided, name):
    decision = decided[name]
    data = to_json_data(decision)
    advice = {a["target"]: a["via_label"] for a in data["actions"] if a["kind"] == WHEN_STOPPING}
    advised: set[str] = set()
    for items in data["summary"].values():
        for item in items:
            if len(item["subject_ids"]) == 1 and item["subject_ids"][0] in advice \
                    and advice[item["subject_ids"][0]] in item["text"]:
                assert item in data["summary"][STOP_OR_CHANGE], item
                advised.add(item["subject_ids"][0])
    to_change = {i for item in data["summary"][STOP_OR_CHANGE] if len(item["subject_ids"]) == 1
                 for i in item["subject_ids"]}
    assert advised == to_change & set(advice), (name, advised, to_change, advice)


@pytest.mark.parametrize("name", PATIENTS)
def test_a_legend_explains_the_tags_and_the_html_has_no_command_line_hints(decided, name):
    decision = decided[name]
    bases = [t.notation for t in Vocabulary.of(decision).ordered("EvidenceBasis")]
    assert set(bases) == {"P", "V", "S", "AI", "UNCONFIRMED"}
    text, page = to_report(decision), render(decision, "html")
    legend = text[text.index("TAGS"):]
    assert all(f"{b} = " in legend for b in bases)
    assert 'data-section="legend"' in page and all(f"{b} = " in page for b in bases)
    assert not CLI_HINTS.search(page), CLI_HINTS.search(page)
    assert not CLI_HINTS.search(_summary_text(to_json_data(decision)))


def _summary_text(data: dict[str, Any]) -> str:
    return " ".join(item["text"] for items in data["summary"].values() for item in items)
