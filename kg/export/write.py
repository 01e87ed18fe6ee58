"""Write an output all or nothing, never destroying what kg did not write (ADR 0013).

Every file or folder kg writes (exports, releases, ``kg decide --out``) is staged in a sibling folder named after
the process (``.<name>.kg-<kind>-<pid>-<random>``, swept by the next run once that process is gone, as the build's
are: kg/base/tempdirs.py) and published with ONE rename:

- a **file** replaces a missing path or a regular file (``os.replace``); a character device or a named pipe given
  on purpose is written through (``open``), never renamed over; a folder, a symbolic link, a socket or a block
  device is refused;
- a **folder** is published as a symbolic link to its staging folder (as ``kg build`` does), so a reader that
  resolves the link sees the old output or the new one, never a mix, and a kill at any moment leaves one of them.
  An existing target is replaced only when it is this tool's previous output of the same kind: such a link, an
  empty folder, or a folder the caller recognises (``is_previous``, e.g. a release whose ``release.json`` names
  this tool and lists every file in it). Anything else is refused, exit 2, with the path and the rule.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from kg.base.errors import UserError
from kg.base.tempdirs import fresh_dir

WRITE_THROUGH = (stat.S_ISCHR, stat.S_ISFIFO)  # a device or a pipe named on purpose: written into, not replaced


def write_atomically(target: Path, folder: bool, writer: Callable[[Path], None], kind: str = "output",
                     is_previous: Callable[[Path], bool] | None = None) -> None:
    """Run ``writer(path)`` on a staging path and publish it as *target* (see the module docstring); on any error
    the staging path is removed and *target* is left as it was."""
    target = Path(target)
    mode = check_target(target, folder, kind, is_previous)
    prefix = staging_prefix(target, kind)
    current = _own_version(target, prefix)
    staging = fresh_dir(target.parent, prefix, keep=current)
    try:
        if folder:
            writer(staging)
            previous = _publish_folder(staging, target, prefix, mode)
        else:
            writer(staging / target.name)
            _publish_file(staging / target.name, target, mode)
            shutil.rmtree(staging, ignore_errors=True)
            previous = None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def check_target(target: Path, folder: bool, kind: str = "output",
                 is_previous: Callable[[Path], bool] | None = None) -> int | None:
    """UserError (exit 2, naming the path and the rule) unless *target* may be written as a file (``folder``
    False) or a folder; its ``lstat`` mode when it exists. The folder it goes in is made if missing."""
    where = f"--out {target}"
    if target.name in ("", ".", ".."):
        raise UserError(f"{where}: names a folder by '.' or '..'; give the output its own name")
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise UserError(f"{where}: cannot be used ({error.strerror})") from None
    if mode is None:
        _make_parent(target)
    elif stat.S_ISLNK(mode):
        if not (folder and _own_version(target, staging_prefix(target, kind))):
            raise UserError(f"{where}: is a symbolic link (to {os.readlink(target)}), not a previous output of kg "
                            f"({kind}); kg replaces only what it wrote: give a new path or the real one")
    elif stat.S_ISDIR(mode):
        if not folder:
            raise UserError(f"{where}: is a folder; this output ({kind}) is a file: give a file name")
        if any(target.iterdir()) and not (is_previous is not None and is_previous(target)):
            raise UserError(f"{where}: a folder that is not empty and not a previous output of kg ({kind}); kg "
                            "replaces only what it wrote: give a new folder, an empty one or a previous output's")
    elif folder:
        raise UserError(f"{where}: is an existing file; this output ({kind}) is a folder: give a folder name")
    elif not (stat.S_ISREG(mode) or any(test(mode) for test in WRITE_THROUGH)):
        raise UserError(f"{where}: is a socket or a block device, not a file kg writes; give a file name")
    return mode


def staging_prefix(target: Path, kind: str) -> str:
    """``.<name>.kg-<kind>-``: the names of *target*'s staging folders (the name shortened: a long one still
    leaves room for the pid and the random part)."""
    return f".{target.name[:100]}.kg-{kind}-"


def _make_parent(target: Path) -> None:
    for parent in target.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise UserError(f"--out {target}: {parent} is not a folder")
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"--out {target}: its folder cannot be made ({error.strerror})") from None


def _own_version(target: Path, prefix: str) -> Path | None:
    """The staging folder *target* links to when it is kg's previous output of this kind, else None."""
    if not target.is_symlink():
        return None
    name = os.readlink(target)
    if not re.fullmatch(re.escape(prefix) + r"\d+-[A-Za-z0-9_]+", name):
        return None
    version = target.parent / name
    return version if version.is_dir() and not version.is_symlink() else None


def _publish_file(staged: Path, target: Path, mode: int | None) -> None:
    if mode is not None and any(test(mode) for test in WRITE_THROUGH):
        with staged.open("rb") as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink)
    else:
        os.replace(staged, target)


def _publish_folder(version: Path, target: Path, prefix: str, mode: int | None) -> Path | None:
    """Point *target* at *version* with one rename; the folder it replaced (to remove), if any."""
    previous = _own_version(target, prefix)
    if mode is not None and stat.S_ISDIR(mode):  # an empty folder, or a previous output from before links
        previous = target.parent / f"{prefix}{os.getpid()}-previous"
        os.replace(target, previous)
    link = target.parent / f"{prefix}{os.getpid()}-link"
    link.unlink(missing_ok=True)
    link.symlink_to(version.name, target_is_directory=True)
    os.replace(link, target)  # the one rename that publishes the new output
    return previous
