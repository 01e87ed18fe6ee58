"""Temporary folders that a killed process cannot leave behind for long: each is named after the
process that made it (``<prefix><pid>-<random>``), and the next run sweeps those whose process is gone."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def fresh_dir(parent: Path, prefix: str, keep: Path | None = None) -> Path:
    """A new empty folder in ``parent``, named after this process; stale ones of dead processes (except
    ``keep``) are removed first."""
    sweep_stale(parent, prefix, keep)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def sweep_stale(parent: Path, prefix: str, keep: Path | None = None) -> None:
    """Remove the folders (and links) ``<prefix><pid>-*`` in ``parent`` whose process no longer runs."""
    for path in parent.glob(f"{prefix}*"):
        pid = path.name[len(prefix):].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)) or (keep is not None and path.name == keep.name):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
