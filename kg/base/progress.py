"""Progress display for long work: a rich progress bar on a terminal, silent otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def steps(total: int, title: str) -> Iterator[Callable[[str], None]]:
    """``with steps(3, "build") as step: step("parsing") ...`` shows a bar on stderr (TTY only)."""
    if not sys.stderr.isatty():
        yield lambda description: None
        return
    progress = Progress(
        TextColumn(f"[bold]{title}[/bold]"), BarColumn(), TextColumn("{task.description}"),
        TimeElapsedColumn(), transient=True,
    )
    with progress:
        task = progress.add_task("", total=total)
        started = False

        def step(description: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=description)

        yield step
        progress.update(task, completed=total)


@contextmanager
def counted(total: int, title: str, unit: str) -> Iterator[Callable[[], None]]:
    """``with counted(n, "cohort", "patients") as advance: ... advance()`` shows a bar with the count and the rate
    (items per second) on stderr (TTY only)."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    progress = Progress(
        TextColumn(f"[bold]{title}[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), transient=True,
    )
    started = time.perf_counter()
    with progress:
        task = progress.add_task("", total=total, rate="")

        def advance() -> None:
            done = progress.tasks[0].completed + 1
            progress.update(task, completed=done, rate=f"{done / max(time.perf_counter() - started, 1e-9):,.0f}/s")

        yield advance
