"""Run the differential comparison over many profiles on both cores, and shrink a failing profile.

HermiT's cost is mostly fixed per run (classifying the module: seconds) and grows slowly with the
patients of a batch, so profiles go to HermiT in batches of BATCH_SIZE, two batches at a time."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from multiprocessing import get_context
from typing import Any

from tests.differential.compare import EntailmentCheckedHermit, compare

BATCH_SIZE = 30
WORKERS = 2
Profile = dict[str, Any]


def _batch(batch: list[Profile]) -> tuple[list, int]:
    warnings.filterwarnings("ignore")
    hermit = EntailmentCheckedHermit()
    return compare(batch, hermit), len(hermit.misses)


def run(profiles: list[Profile], progress: Callable[[int, int, int], None] | None = None) -> tuple[list, int]:
    """(mismatches, types HermiT's realization omitted and its entailment confirmed) over all profiles."""
    batches = [profiles[i:i + BATCH_SIZE] for i in range(0, len(profiles), BATCH_SIZE)]
    mismatches: list = []
    misses = 0
    with get_context("spawn").Pool(WORKERS) as pool:
        for done, (found, missed) in enumerate(pool.imap_unordered(_batch, batches), 1):
            mismatches += found
            misses += missed
            if progress:
                progress(min(done * BATCH_SIZE, len(profiles)), len(mismatches), misses)
    return mismatches, misses


def shrink(profile: Profile, fails: Callable[[Profile], bool] = lambda p: bool(compare([p]))) -> Profile:
    """A smaller profile that still fails: drop fields and list items one at a time while it fails
    (greedy; each try is one reasoner run)."""
    current = copy.deepcopy(profile)
    changed = True
    while changed:
        changed = False
        for key in [k for k in current if k not in ("sex", "patient_id")]:
            candidates = [{k: v for k, v in current.items() if k != key}]
            if isinstance(current[key], list):
                candidates += [{**current, key: current[key][:i] + current[key][i + 1:]}
                               for i in range(len(current[key]))]
            for candidate in candidates:
                if fails(candidate):
                    current, changed = candidate, True
                    break
            if changed:
                break
    return current
