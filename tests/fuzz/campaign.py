"""The long fuzz campaign (``make fuzz``; not part of CI): at least 10,000 generated hostile profiles
(tests/fuzz/strategies.py) read and validated like ``kg decide`` does before reasoning, each outcome
counted: clean error (UserError: exit 2 with a message), traceback (any other exception), hang (over
HANG_SECONDS), accepted; Turtle profiles with triples outside the allow-list that are accepted are
decided (HermiT) and compared with the same profile without those triples: changed decision.

    python -m tests.fuzz.campaign [N]      # prints the counts; exit 1 on any traceback, hang or change

Runs against whatever ``kg`` is importable (so the same campaign can measure an older checkout).
"""

from __future__ import annotations

import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

from kg.base.errors import UserError
from kg.core.decide.decision import decide, default_knowledge
from kg.profile.reader import load_profile
from tests.fuzz.strategies import PREFIXES, PROFILES, PT

HANG_SECONDS = 10
MAX_DECISIONS = 20  # accepted hostile Turtle profiles decided with the reasoner (each takes seconds)


class _Hang(Exception):
    pass


_RANG: list[bool] = []


def _alarm(_signum, _frame):  # type: ignore[no-untyped-def]
    _RANG.append(True)  # remembered: the exception may be swallowed (e.g. raised inside a gc callback)
    raise _Hang


def classify(name: str, data: bytes, folder: Path, knowledge) -> str:  # type: ignore[no-untyped-def]
    """'accepted', 'clean error', 'traceback' or 'hang' for one profile file."""
    path = folder / name
    path.write_bytes(data)
    previous = signal.signal(signal.SIGALRM, _alarm)
    _RANG.clear()
    signal.alarm(HANG_SECONDS)
    try:
        load_profile(path, knowledge.agents, knowledge_graph=knowledge.graph)
        outcome = "accepted"
    except UserError:
        outcome = "clean error"
    except _Hang:
        outcome = "hang"
    except BaseException:  # noqa: BLE001 - a traceback is what is being counted
        outcome = "traceback"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return "hang" if _RANG else outcome


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _statuses(path: Path, knowledge) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(str(r["option"]), str(r["status"])) for r in decide(path, knowledge=knowledge).options}


def run(examples: int) -> Counter:
    knowledge = default_knowledge()
    counts: Counter = Counter()
    folder = Path(tempfile.mkdtemp(prefix="kg-fuzz-"))
    samples: dict[str, list[str]] = {}
    warm_up = (PREFIXES + f"<{PT}> a cg:Patient .").encode("utf-8")  # first-call costs (imports, shapes) untimed
    load_profile(_written(folder / "warm-up.ttl", warm_up), knowledge.agents, knowledge_graph=knowledge.graph)

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(PROFILES)
    def one(example):  # type: ignore[no-untyped-def]
        kind, name, data, clean = example
        counts["tried"] += 1
        if counts["tried"] % 500 == 0:
            print(f"... {dict(counts)}", file=sys.stderr, flush=True)
        outcome = classify(name, data, folder, knowledge)
        counts[outcome] += 1
        if outcome in ("traceback", "hang"):
            samples.setdefault(outcome, []).append(data[:300].decode("utf-8", "replace"))
        if outcome == "accepted" and clean is not None:
            counts["accepted injection"] += 1
            if counts["decided injection"] < MAX_DECISIONS:
                counts["decided injection"] += 1
                (folder / "clean.ttl").write_bytes(clean)
                try:
                    changed = _statuses(folder / name, knowledge) != _statuses(folder / "clean.ttl", knowledge)
                except Exception:  # noqa: BLE001 - the injection broke the decision (e.g. a fetch by the reasoner)
                    changed = True
                counts["changed decision"] += changed

    started = time.perf_counter()
    one()
    counts["seconds"] = round(time.perf_counter() - started)
    for outcome, texts in samples.items():
        print(f"first {outcome} inputs:", *(repr(t) for t in texts[:3]), sep="\n  ")
    return counts


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    counts = run(examples)
    order = ["tried", "clean error", "accepted", "traceback", "hang", "accepted injection", "decided injection",
             "changed decision", "seconds"]
    print(" / ".join(f"{key}: {counts.get(key, 0)}" for key in order))
    sys.exit(1 if counts["traceback"] or counts["hang"] or counts["changed decision"] else 0)


if __name__ == "__main__":
    main()
