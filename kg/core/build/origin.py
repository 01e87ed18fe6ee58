"""When and from which commit a build was made: recorded in its build report, never in the graph (ADR 0009).

The graph must be byte-identical to a build of the same tables anywhere (a checkout, an sdist, an installed wheel
without git), and a commit cannot name itself, so the packaged build committed with its inputs could never carry
that commit. The report records the last commit that changed a build input (the code, the ontology, the queries,
the tables; not the packaged build itself), whether the working tree differs from it there, and a build date:
``SOURCE_DATE_EPOCH`` when set (reproducible-builds.org), else that commit's date, else none (not a git checkout).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from kg.base.errors import UserError
from kg.base.paths import PACKAGE_DIR, PACKAGED_BUILD_DIR, ROOT

INPUTS = ("kg", "ontology", "queries", "pyproject.toml")  # what a build reads, relative to the checkout
EXCLUDED = (PACKAGED_BUILD_DIR,)  # the packaged build is an output: committing it must not change its origin


def _git(root: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def _pathspec(root: Path) -> list[str]:
    excluded = [f":(exclude){path.relative_to(root).as_posix()}" for path in EXCLUDED]
    return ["--", *INPUTS, *excluded]


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_origin(root: Path = ROOT) -> dict[str, object]:
    """``{"commit", "commit_date", "inputs_modified", "build_date", "build_date_from"}`` for the build report."""
    top = _git(root, "rev-parse", "--show-toplevel")
    in_checkout = top is not None and Path(top).resolve() == root.resolve() == PACKAGE_DIR.parent
    commit = date = None
    modified = None
    if in_checkout:
        spec = _pathspec(root)
        line = _git(root, "log", "-1", "--format=%H %ct", *spec) or ""
        if line:
            commit, seconds = line.split()
            date = _iso(int(seconds))
        status = _git(root, "status", "--porcelain", "--untracked-files=no", *spec)
        modified = None if status is None else bool(status)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch and not epoch.isdigit():
        raise UserError(f"SOURCE_DATE_EPOCH={epoch!r}: must be whole seconds since 1970-01-01 UTC (digits only)")
    if epoch:
        build_date, origin = _iso(int(epoch)), "SOURCE_DATE_EPOCH"
    elif date is not None:
        build_date, origin = date, "commit"
    else:
        build_date, origin = None, "none (not a git checkout and SOURCE_DATE_EPOCH unset)"
    return {"commit": commit, "commit_date": date, "inputs_modified": modified,
            "build_date": build_date, "build_date_from": origin}
