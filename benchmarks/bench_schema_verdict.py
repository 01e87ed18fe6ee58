"""The schema check of a cohort's profiles: jsonschema (``kg.profile.reader._schema_validator()``, its first error
or none) against the compiled verdict (kg/profile/schema_verdict.py), interleaved in one process on the same
profiles: a cohort file of ``kg cohort synth`` (one JSON profile a line) or, without one, a seeded synthetic
cohort made here. Both verdicts are checked equal on every profile first; each run times the whole cohort, and the
median of the runs is given per profile.

Run: ``kg cohort synth --n 2000 --seed 1 --out /tmp/verdict-cohort.jsonl``, then
``PYTHONPATH=. python benchmarks/bench_schema_verdict.py --cohort /tmp/verdict-cohort.jsonl [--runs N]``;
writes benchmarks/results/bench_schema_verdict.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from kg.profile.reader import _schema, _schema_validator
from kg.profile.schema_verdict import compile_verdict

RESULTS = Path(__file__).parent / "results"


def cohort(path: Path | None, n: int, seed: int) -> list[dict[str, Any]]:
    if path is not None:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    from kg.cohort.synth import synthesize
    from kg.core.build.knowledge import default_knowledge

    return list(synthesize(n, seed, default_knowledge()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cohort", type=Path, help="a JSONL file of profiles (kg cohort synth --out)")
    parser.add_argument("--n", type=int, default=2000, help="without --cohort: profiles to synthesise")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    profiles = cohort(args.cohort, args.n, args.seed)
    validator = _schema_validator()
    started = time.perf_counter()
    verdict = compile_verdict(_schema())
    compile_seconds = time.perf_counter() - started

    def jsonschema_valid(profile: dict[str, Any]) -> bool:
        return next(validator.iter_errors(profile), None) is None

    valid = [jsonschema_valid(p) for p in profiles]
    assert [verdict(p) for p in profiles] == valid, "the verdict differs from jsonschema"
    times: dict[str, list[float]] = {"jsonschema": [], "verdict": []}
    for _ in range(args.runs):  # interleaved: a load change on the machine hits both
        for name, check in (("jsonschema", jsonschema_valid), ("verdict", verdict)):
            started = time.perf_counter()
            for profile in profiles:
                check(profile)
            times[name].append(time.perf_counter() - started)
    per_profile = {name: round(statistics.median(runs) / len(profiles) * 1e6, 2) for name, runs in times.items()}
    result = {
        "profiles": len(profiles), "valid": sum(valid), "runs": args.runs,
        "source": str(args.cohort) if args.cohort else f"synthesize({args.n}, seed={args.seed})",
        "compile_milliseconds": round(compile_seconds * 1e3, 3),
        "median_microseconds_per_profile": per_profile,
        "speed_up": round(per_profile["jsonschema"] / per_profile["verdict"], 1),
        "runs_seconds": {name: [round(t, 4) for t in runs] for name, runs in times.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_schema_verdict.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
