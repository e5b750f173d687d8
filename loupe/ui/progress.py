"""The ingest progress bar: bytes read, messages/s and an ETA.

Progress is measured in input bytes, the one total known before parsing
starts (counting messages first would mean reading everything twice).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.progress import (
    BarColumn,
    DownloadColumn,
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
