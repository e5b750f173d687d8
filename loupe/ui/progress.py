"""Progress bars on stderr: ingest (bytes read, messages/s, ETA) and counted jobs such as ``loupe batch``.

Ingest progress is measured in input bytes, the one total known before
parsing starts (counting messages first would mean reading everything twice).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from loupe.ingest.containers import total_bytes
from loupe.ingest.pipeline import ProgressCallback, RunSummary


@contextmanager
def ingest_progress(paths: list[Path], enabled: bool = True) -> Iterator[ProgressCallback | None]:
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rate]:>8} msg/s"),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=False,
    )
    task = progress.add_task("ingest", total=total_bytes(paths) or None, rate="-", counts="")
    started = time.monotonic()
    last = 0.0

    def update(summary: RunSummary, _new: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 0.1 and not summary.phase:
            return
        last = now
        elapsed = max(now - started, 1e-6)
        processed = summary.indexed + summary.duplicate + summary.quarantined
        progress.update(
            task,
            completed=summary.bytes,
            rate=f"{processed / elapsed:,.0f}",
            counts=summary.phase
            or f"{summary.indexed} new, {summary.duplicate} dup, {summary.quarantined} quarantined",
        )

    with progress:
        yield update
        progress.update(task, completed=progress.tasks[0].total or 0)


@contextmanager
def counted_progress(label: str, total: int, enabled: bool | None = None) -> Iterator[Callable[[], None]]:
    """A bar for a job of ``total`` known steps; yields the function to call after each step.

    By default drawn only when the job's output goes to a file or a pipe and stderr is a terminal
    (``loupe batch names.txt --csv > hits.csv``): then nothing else shows how far it is. When the
    output is on the terminal, its lines arriving are the progress, and a bar would only
    interleave with them; in a log, a bar is noise. The bar is gone at the end.
    """
    if enabled is None:
        enabled = sys.stderr.isatty() and not sys.stdout.isatty()
    if not enabled:
        yield lambda: None
        return
    progress = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,  # the job's output is left exactly as it prints it
        redirect_stderr=False,
    )
    task = progress.add_task(label, total=total)
    with progress:
        yield lambda: progress.advance(task)
