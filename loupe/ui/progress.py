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

#: Seconds between two progress lines when stderr is not a terminal (a log file, a pipe).
PLAIN_EVERY = 5.0


@contextmanager
def ingest_progress(
    paths: list[Path], enabled: bool = True, terminal: bool | None = None
) -> Iterator[ProgressCallback | None]:
    """The ingest's progress on stderr: a bar on a terminal, plain lines elsewhere (``plain_progress``)."""
    if not enabled:
        yield None
        return
    if not (sys.stderr.isatty() if terminal is None else terminal):
        with plain_progress(total_bytes(paths)) as write_line:
            yield write_line
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
        processed = summary.indexed + summary.documents + summary.duplicate + summary.quarantined
        progress.update(
            task,
            completed=summary.bytes,
            rate=f"{processed / elapsed:,.0f}",
            counts=summary.phase
            or f"{summary.indexed} new, {summary.documents} docs, {summary.duplicate} dup, "
            f"{summary.quarantined} quarantined{_ocr(summary, elapsed)}",
        )

    with progress:
        yield update
        progress.update(task, completed=progress.tasks[0].total or 0)


def _ocr(summary: RunSummary, elapsed: float) -> str:
    """OCR is what slows an image-heavy ingest: its pages so far and their rate, once there are any."""
    if not summary.ocr_pages:
        return ""
    pages = summary.ocr_pages
    return f", OCR {pages:,} page{'s' if pages != 1 else ''} ({pages / elapsed:.2f} pages/s)"


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


@contextmanager
def plain_progress(total: int, every: float = PLAIN_EVERY) -> Iterator[ProgressCallback]:
    """Progress for a log file or a pipe: one whole line every ``every`` seconds, when a whole-case
    step starts, and at the end, instead of a bar redrawn in place (which a log shows as one line
    squeezed to 80 columns and full of control characters)."""
    started = time.monotonic()
    last = started
    last_phase = ""
    latest: RunSummary | None = None

    def line(summary: RunSummary) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        processed = summary.indexed + summary.documents + summary.duplicate + summary.quarantined
        share = f" of {total / 1e6:,.1f} MB ({100 * summary.bytes / total:.0f}%)" if total else ""
        counts = (
            f"{summary.indexed:,} new, {summary.documents:,} documents, {summary.duplicate:,} duplicates, "
            f"{summary.quarantined:,} quarantined{_ocr(summary, elapsed)}"
        )
        doing = f"; {summary.phase}" if summary.phase else ""
        print(
            f"ingest: {summary.bytes / 1e6:,.1f} MB{share}, {processed / elapsed:,.0f} items/s, {counts}, "
            f"{elapsed:,.0f} s{doing}",
            file=sys.stderr,
            flush=True,
        )

    def update(summary: RunSummary, _new: int) -> None:
        nonlocal last, last_phase, latest
        latest = summary
        now = time.monotonic()
        if now - last >= every or (summary.phase and summary.phase != last_phase):
            last, last_phase = now, summary.phase
            line(summary)

    yield update
    if latest is not None:
        latest_phase, latest.phase = latest.phase, "done"
        line(latest)
        latest.phase = latest_phase
