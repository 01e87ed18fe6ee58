"""The code passes the project's lint rules (configured once, in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ruff_check_passes():
    ruff = shutil.which("ruff") or str(Path(__import__("sys").executable).parent / "ruff")
    result = subprocess.run([ruff, "check", "kg", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
