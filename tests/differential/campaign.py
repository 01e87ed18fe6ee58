"""The long differential campaign (``make differential``; not in CI): at least N profiles decided on the
compiled path and on HermiT, compared in full. The boundary combinations come first (every ferritin x
TSAT threshold value, every dose of every drug as a current medication and as a past trial with each
outcome), then generated profiles up to N (tests/differential/runner.py: batches on both cores).

    python -m tests.differential.campaign [N]     # prints the counts; exit 1 on any difference
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from tests.differential.profiles import OUTCOMES, as_number, boundary_grid, doses, generated
from tests.differential.runner import run


def dose_grid() -> list[dict[str, Any]]:
    """Every sourced dose of every drug (one step either side): taken now, and reached in a past trial
    with each outcome (adequacy by the dose rule)."""
    base: dict[str, Any] = {"sex": "female", "age_years": 50, "pregnancy": {"status": "not-pregnant"},
                            "esrd": "no", "labs": {"ferritin": {"value": 120, "unit": "ng/mL"}}}
    grid = []
    for drug, values in sorted(doses().items()):
        for value in values:
            dose = as_number(value)
            grid.append({**base, "current_medications": [{"drug": drug, "daily_dose_mg": dose}], "past_trials": []})
            grid += [{**base, "current_medications": [],
                      "past_trials": [{"drug": drug, "max_daily_dose_mg": dose, "outcome": outcome}]}
                     for outcome in OUTCOMES]
    return grid


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    fixed = boundary_grid() + dose_grid()
    profiles_ = fixed + generated(max(0, wanted - len(fixed)), seed_free=True)
    started = time.perf_counter()

    def progress(done: int, differences: int, misses: int) -> None:
        print(f"{done:>6} / {len(profiles_)} profiles, {differences} differences, {misses} realization misses, "
              f"{time.perf_counter() - started:.0f} s", flush=True)

    mismatches, misses = run(profiles_, progress)
    summary = {"profiles": len(profiles_), "boundary_profiles": len(fixed), "differences": len(mismatches),
               "types_hermit_realization_omitted_and_entailment_confirmed": misses,
               "seconds": round(time.perf_counter() - started)}
    print(json.dumps(summary))
    for profile, difference in mismatches[:20]:
        print(json.dumps(profile, sort_keys=True), json.dumps(difference, default=str)[:2000])
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
