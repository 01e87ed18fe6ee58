"""Run ``kg`` the way the console script does (kg.cli.main), in this process or in a subprocess with a memory
limit, and classify the outcome: a clean error (exit 2 with a message), a traceback (any other exception
escaping), or success."""

from __future__ import annotations

import contextlib
import io
import os
import resource
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path


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


MEMORY_LIMIT_BYTES = 3 << 30  # address space of a CLI run in a subprocess: a bomb ends in MemoryError, not in swap
HANG_GUARD_SECONDS = 180.0  # not a speed assertion: only so that a hanging run fails instead of blocking the suite


def run_kg_process(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                   memory_bytes: int = MEMORY_LIMIT_BYTES, timeout: float = HANG_GUARD_SECONDS) -> Outcome:
    """Run ``python -m kg ARGS`` in a subprocess whose address space is limited to ``memory_bytes``: the real
    console script, its exit code (negative: killed by a signal, e.g. a segfault) and its output. A run still
    going after ``timeout`` seconds is killed and counts as a hang (code None, stderr says so)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    started = time.perf_counter()
    with subprocess.Popen([sys.executable, "-m", "kg", *args], cwd=cwd, env={**os.environ, **(env or {})},
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          preexec_fn=limit) as process:
        try:
            out, err = process.communicate(timeout=timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            code, err = None, err + f"\n(hang guard: still running after {timeout:g} s, killed)".encode()
    return Outcome(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                   time.perf_counter() - started)
