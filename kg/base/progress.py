"""Progress display for long work: a rich progress bar on a terminal, silent otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


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
