"""Run ``kg`` in-process the way the console script does (kg.cli.main) and classify the outcome:
a clean error (exit 2 with a message), a traceback (any other exception escaping), or success."""

from __future__ import annotations

import contextlib
import io
import sys
import time
import traceback
from dataclasses import dataclass


@dataclass
class Outcome:
    code: int | None  # exit code; None when an exception escaped (a traceback)
    stdout: str
    stderr: str
    seconds: float

    @property
    def clean_error(self) -> bool:
        return self.code == 2 and self.stderr.startswith("error: ") and "Traceback" not in self.stderr


def run_kg(*args: str) -> Outcome:
    from kg.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["kg", *args]
    started = time.perf_counter()
    code: int | None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except Exception:  # noqa: BLE001 - a traceback is the outcome being classified
        code = None
        err.write(traceback.format_exc())
    finally:
        sys.argv = saved
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)
