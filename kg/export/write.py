"""Write an export all or nothing: into a temporary sibling, then one rename into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(target: Path, folder: bool, writer: Callable[[Path], None]) -> None:
    """Run ``writer(tmp)`` and move *tmp* to *target*; on any error remove *tmp* and leave *target* as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp = staging / target.name
    try:
        if folder:
            tmp.mkdir()
        writer(tmp)
        if target.is_dir() and not target.is_symlink():
            old = staging / ".previous"
            os.replace(target, old)  # a folder cannot be replaced by rename in one step; keep it until the swap
            os.replace(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
