"""Adding a little mail to a big case (issue 17, item 3): is the whole-case step local?

Copies a case (by default the 1,000,000-message one that
``bench/people_lists_eval.py --size 1000000 --people 3000`` made, about
3.4 GB without its mail) to a scratch folder, never writing into the
original, which other benchmarks read. Makes ``--size`` more messages with
``../shared/tools/amplify.py`` from the same seed messages and correspondents
but another ``--seed`` (cached in ``bench/work/add-SIZE-seedSEED``), and
times ``loupe ingest`` of them into the copy, in-process, by phase:

- reading: walking, parsing (all cores) and writing the new messages;
- linking: the whole-case step (threads, near duplicates, people), with
  each part's time as ``AnalysisSummary.seconds`` gives it;
- meaning: embedding and indexing the new passages;
- compact: ``CaseDatabase.compact`` (a VACUUM, when it pays).

A copy linked by a Loupe from before each step kept the run it saw up to
is first linked whole (as today's first ingest would have), timed apart.
Both are also measured for peak RSS, this process and its children summed
(``TreePeak``): the whole-case step over every message is the heaviest part
of a big ingest, and the figure for 1,000,000 messages issue 17 asks for.

The scratch copy is deleted at the end unless ``--keep``. Run:
``.venv/bin/python bench/add_to_big_case.py`` (``--write`` appends the
figures to ``bench/RESULTS.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

from results import publish  # noqa: E402

from loupe.case import Case  # noqa: E402
from loupe.ingest.pipeline import RunSummary, ingest  # noqa: E402

BIG = HERE / "work" / "lists-1000000-3000"
SCRATCH = HERE / "work" / "scratch-1m-case"


class TreePeak:
    """Peak RSS of this process and its children together, sampled every 50 ms while open
    (the parser processes are children; ``bench/ingest_bench.py`` measures a run the same way)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                processes = [me, *me.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in processes if p.is_running()))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
            time.sleep(0.05)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def more_mail(big: Path, size: int, seed: int) -> Path:
    """``size`` messages amplified from the big case's own seed messages, among as many people."""
    target = HERE / "work" / f"add-{size}-seed{seed}"
    if not (target / "done").exists():
        shutil.rmtree(target, ignore_errors=True)
        people = json.loads((big / "mail.manifest.json").read_text("utf-8"))["people"]
        command = [sys.executable, str(SHARED / "tools" / "amplify.py"), str(big / "seed"), str(target / "mail")]
        command += ["-n", str(size), "--seed", str(seed), "--people", str(people)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        (target / "done").write_text("ok")
    return target / "mail"


def copy_case(original: Path, scratch: Path) -> float:
    if scratch.resolve() == original.resolve():
        raise SystemExit("the scratch folder must not be the original case")
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.monotonic()
    shutil.copytree(original, scratch)
    return time.monotonic() - started


def bring_up_to_date(case_dir: Path) -> str:
    """A case linked by a Loupe that kept no run per step is linked whole by its next ingest:
    that is done here first, as the first ingest of today's Loupe would have done it, and
    compacted as that ingest would have been."""
    from loupe.analysis import STEPS, refresh

    case = Case.open(case_dir)
    try:
        if all(case.db.conversations.analysed_run(step) is not None for step in STEPS):
            return ""
        started = time.monotonic()
        summary = refresh(case.db, full=True)
        linked = time.monotonic() - started
        started = time.monotonic()
        case.db.compact()
        compacted = time.monotonic() - started
    finally:
        case.close()
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in summary.seconds.items())
    return f"copy linked whole first (it kept no run per step): {linked:.1f} s ({steps}), compact {compacted:.1f} s"


def timed_ingest(case_dir: Path, mail: Path, workers: int | None) -> dict[str, Any]:
    """Ingest ``mail`` into the case, with the time of each phase."""
    marks: dict[str, float] = {}
    started = time.monotonic()

    def on_progress(summary: RunSummary, _done: int) -> None:
        if summary.phase.startswith("linking"):
            marks.setdefault("linking", time.monotonic())
        elif summary.phase.startswith("meaning"):
            marks.setdefault("meaning", time.monotonic())

    case = Case.open(case_dir)
    compact = case.db.compact

    def timed_compact() -> Any:
        marks["compact"] = time.monotonic()
        try:
            return compact()
        finally:
            marks["compact_end"] = time.monotonic()

    case.db.compact = timed_compact  # type: ignore[method-assign]
    try:
        summary = ingest(case, [mail], on_progress=on_progress, workers=workers)
    finally:
        case.close()
    ended = time.monotonic()
    after_reading = min([marks.get(k, ended) for k in ("linking", "meaning", "compact")])
    meaning_end = marks.get("compact", ended)
    return {
        "summary": summary,
        "reading": after_reading - started,
        "linking": (marks.get("meaning", marks.get("compact", ended)) - marks["linking"]) if "linking" in marks else 0,
        "meaning": (meaning_end - marks["meaning"]) if "meaning" in marks else 0.0,
        "compact": marks.get("compact_end", 0.0) - marks.get("compact", 0.0),
        "total": ended - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=Path, default=BIG / "loupe-case", help="the big case (never written)")
    parser.add_argument("--scratch", type=Path, default=SCRATCH, help="where the copy goes (deleted at the end)")
    parser.add_argument("--size", type=int, default=10_000, help="messages to add")
    parser.add_argument("--seed", type=int, default=2, help="amplify.py seed of the added mail (the big case used 1)")
    parser.add_argument("--workers", type=int, default=None, help="parser processes (default: one per core)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    parser.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    mail = more_mail(args.case.parent, args.size, args.seed)
    copied = copy_case(args.case, args.scratch)
    db_before = (args.scratch / "case.db").stat().st_size
    try:
        with TreePeak() as linking_peak:
            prepared = bring_up_to_date(args.scratch)
        with TreePeak() as ingest_peak:
            run = timed_ingest(args.scratch, mail, args.workers)
        db_after = (args.scratch / "case.db").stat().st_size
    finally:
        if not args.keep:
            shutil.rmtree(args.scratch, ignore_errors=True)
    summary: RunSummary = run["summary"]
    analysis = summary.analysis
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in (analysis.seconds if analysis else {}).items())
    if analysis is not None and analysis.incremental:
        steps += " (linked where the new messages reach)"
    elif analysis is not None:
        steps += " (every message)"
    command = f".venv/bin/python bench/add_to_big_case.py --size {args.size} --seed {args.seed}"
    lines = [
        f"## Adding {args.size:,} messages to a big case, {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores)",
        "",
        f"Command: `{command}` (case {args.case.relative_to(REPO) if args.case.is_relative_to(REPO) else args.case},"
        f" copied in {copied:.0f} s)",
        "",
        "```",
        *([f"{prepared}; peak RSS {linking_peak.peak / 2**20:,.0f} MiB"] if prepared else []),
        f"added: {summary.indexed:,} messages, {summary.duplicate:,} duplicates, {summary.quarantined:,} quarantined",
        f"reading (walk, parse, write): {run['reading']:.1f} s",
        f"linking (whole-case step): {run['linking']:.1f} s: {steps}",
        f"meaning: {run['meaning']:.1f} s",
        f"compact: {run['compact']:.1f} s",
        f"total: {run['total']:.1f} s; peak RSS of the ingest, all its processes: {ingest_peak.peak / 2**20:,.0f} MiB",
        f"case.db: {db_before / 1e9:.2f} GB before, {db_after / 1e9:.2f} GB after",
        "```",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
