"""Deciding a cohort (``kg decide --cohort FILE``, ``kg.decide_cohort``; issue 17 item 3): every record of a
cohort file (records.py) decided on the build of exactly the guidelines treating its conditions, in chunks (one
classifier batch per build and chunk), written as it goes (JSON Lines or Parquet), with a summary at the end.

Each output record is the compact decision (``compact_data``: option -> status and line, actions, dose checks,
interactions, the algorithm step, cross-guideline conflicts), with ``--explain`` the full decision document
(kg/schemas/decision.schema.json) beside it. A record that is not a valid profile is reported with its line or row
and field; ``on_error="skip"`` leaves it out of the output and counts it, ``"fail"`` stops the run (UserError, exit
2; the caller writes nothing). Nothing is silently dropped: the summary counts decided and skipped records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.base.collector import paused_collections
from kg.base.errors import Problem, UserError
from kg.cohort.records import Record, format_by_suffix, read_records
from kg.core.decide.decision import Decision, decide_many
from kg.profile.reader import validate_profile
from kg.report.decision_output import compact_data, to_json_data

CHUNK = 256  # records decided together (one classifier batch per build)
ON_ERROR = ("skip", "fail")
OUTPUT_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


@dataclass
class Summary:
    """What a cohort run did: records decided and skipped, and the counts the population view needs."""

    decided: int = 0
    skipped: list[Problem] = field(default_factory=list)
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)  # (option, status)
    actions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, target)
    dose_checks: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, drug)
    interactions: Counter[str] = field(default_factory=Counter)
    steps: Counter[int | None] = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        self.decided += 1
        self.statuses.update((o["option"], o["status"]) for o in record["options"])
        self.actions.update((a["kind"], a["target"]) for a in record["actions"])
        self.dose_checks.update((d["kind"], d["drug"]) for d in record["dose_checks"])
        self.interactions.update(record["interactions"])
        self.steps[record["algorithm_step"]] += 1

    def to_data(self) -> dict[str, Any]:
        return {
            "decided": self.decided, "skipped": len(self.skipped),
            "skipped_records": [{"position": p.row, "field": p.column, "value": p.value, "rule": p.rule}
                                for p in self.skipped],
            "statuses": [{"option": o, "status": s, "patients": n} for (o, s), n in sorted(self.statuses.items())],
            "actions": [{"kind": k, "target": t, "patients": n} for (k, t), n in sorted(self.actions.items())],
            "dose_checks": [{"kind": k, "drug": d, "patients": n} for (k, d), n in sorted(self.dose_checks.items())],
            "interactions": [{"interaction": i, "patients": n} for i, n in sorted(self.interactions.items())],
            "algorithm_steps": [{"step": s, "patients": n}
                                for s, n in sorted(self.steps.items(), key=lambda item: (item[0] is None, item[0]))],
        }


def output_format(path: Path) -> str:
    """The format of a cohort's output file by its suffix."""
    return format_by_suffix(path, OUTPUT_SUFFIXES, "--out", "cohort output")


def decide_records(records: Iterable[Record], *, on_error: str = "skip", explain: bool = False,
                   build_dir: Path | None = None, verify: bool = True, today: dt.date | None = None,
                   engine: str = "compiled", summary: Summary | None = None,
                   advance: Callable[[], None] = lambda: None) -> Iterator[dict[str, Any]]:
    """The output records of *records*, in their order (skipped ones left out and counted in *summary*)."""
    check_on_error(on_error)
    summary = summary if summary is not None else Summary()
    chunk: list[Record] = []
    for record in records:
        problems = record_problems(record, today)
        if problems:
            if on_error == "fail":
                raise failure(problems)
            summary.skipped.extend(problems[:1])
            advance()
            continue
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield from _counted(decided_chunk(chunk, explain, build_dir, verify, today, engine), summary, advance)
            chunk = []
    if chunk:
        yield from _counted(decided_chunk(chunk, explain, build_dir, verify, today, engine), summary, advance)


def check_on_error(on_error: str) -> None:
    if on_error not in ON_ERROR:
        raise UserError(f"--on-error '{on_error}': not supported (rule: one of {', '.join(ON_ERROR)})")


def record_problems(record: Record, today: dt.date | None) -> tuple[Problem, ...]:
    """Why *record* cannot be decided (its reading's problems, else the profile checks'); empty: it can."""
    return record.problems or tuple(Problem(p.file, record.position, p.column, p.value, p.rule)
                                    for p in validate_profile(record.profile or {}, "record", today))


def failure(problems: Iterable[Problem]) -> UserError:
    """The error of ``--on-error fail``: the first invalid record's problems, by line/row, field and value."""
    return UserError("\n".join(f"record at line/row {p.row}: field '{p.column or '-'}' value '{p.value}': {p.rule}"
                               for p in problems))


def decided_chunk(chunk: list[Record], explain: bool, build_dir: Path | None, verify: bool, today: dt.date | None,
                  engine: str) -> list[dict[str, Any]]:
    """The output records of valid records, decided together (one classifier batch per build), without collections
    of cyclic garbage until the chunk is done (kg/base/collector.py)."""
    with paused_collections():  # the decisions are dropped before the collection at its end, which would scan them
        return _output_records(chunk, decide_many(
            [record.profile for record in chunk], today=today, engine=engine,  # type: ignore[misc]
            build_dir=build_dir, verify=verify, full=explain or engine != "compiled"), explain)


def _output_records(chunk: list[Record], decisions: list[Decision], explain: bool) -> list[dict[str, Any]]:
    out = []
    for record, decision in zip(chunk, decisions, strict=True):
        item = {"position": record.position, **compact_data(decision)}
        if explain:
            item["decision"] = json.dumps(to_json_data(decision), ensure_ascii=False, sort_keys=True)
        out.append(item)
    return out


def _counted(items: list[dict[str, Any]], summary: Summary, advance: Callable[[], None]) -> Iterator[dict[str, Any]]:
    for item in items:
        summary.add(item)
        advance()
        yield item


def decide_cohort(cohort: Path, out: Path | None, *, on_error: str = "skip", explain: bool = False,
                  build_dir: Path | None = None, verify: bool = True, today: dt.date | None = None,
                  engine: str = "compiled", emit: Callable[[str], None] | None = None) -> Summary:
    """Decide every record of *cohort* and write the output records to *out* (all or nothing, ADR 0013), or give
    each JSON line to *emit* when *out* is None; the summary of the run."""
    from kg.base.progress import counted
    from kg.cohort.output import write_records
    from kg.cohort.records import count_records
    from kg.export.write import check_target, write_atomically

    if not cohort.is_file():
        raise UserError(f"--cohort {cohort}: no such file")
    kind = output_format(out) if out is not None else "jsonl"
    if out is not None:
        check_target(out, folder=False, kind="cohort decisions")
    summary = Summary()
    with counted(count_records(cohort), "cohort", "patients") as advance:
        records = decide_records(read_records(cohort), on_error=on_error, explain=explain, build_dir=build_dir,
                                 verify=verify, today=today, engine=engine, summary=summary, advance=advance)
        if out is None:
            for record in records:
                (emit or print)(json.dumps(record, ensure_ascii=False, sort_keys=True))
        else:
            write_atomically(out, False, lambda path: write_records(records, path, kind, explain), "cohort decisions")
    return summary


def summary_text(summary: Summary) -> str:
    """The summary as lines a person reads: counts per option and status, per action, dose check and interaction."""
    data = summary.to_data()
    lines = [f"decided {data['decided']} patients, skipped {data['skipped']}"]
    lines += [f"  skipped at line/row {s['position']}: field '{s['field'] or '-'}' value '{s['value']}': {s['rule']}"
              for s in data["skipped_records"]]
    for title, rows, keys in (("statuses", data["statuses"], ("option", "status")),
                              ("actions", data["actions"], ("kind", "target")),
                              ("dose checks", data["dose_checks"], ("kind", "drug")),
                              ("interactions", data["interactions"], ("interaction",)),
                              ("algorithm steps", data["algorithm_steps"], ("step",))):
        if rows:
            lines.append(f"{title}:")
            lines += [f"  {' '.join(str(r[k]) for k in keys)}: {r['patients']}" for r in rows]
    return "\n".join(lines)
