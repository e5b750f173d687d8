"""Ingest survives SIGKILL at any point and re-running it is a no-op.

A run is killed several times at different depths (by watching the items
ledger grow), then finished; the case must equal one clean run: the same
status counts, the same message ids, the same item ledger, and one index
document per message (index writes are upserts, so none is doubled).

Then twenty runs, each killed once at a point drawn at random (``KILL_SEED``,
printed with every failure): a ledger depth and a delay after it, so kills
land between batches, inside them, and in the whole-case and meaning phases
at the end. Each is resumed and compared with the clean run, and
``loupe verify`` must find it intact.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loupe.case import Case
from loupe.demo.generator import generate_demo
from loupe.ingest.pipeline import ingest
from loupe.store import schema

pytestmark = pytest.mark.slow


def _ledger(case: Case) -> set[tuple[str, str, str | None]]:
    with case.db.engine.connect() as conn:
        rows = conn.execute(
            schema.items.select().with_only_columns(
                schema.items.c.locator, schema.items.c.status, schema.items.c.message
            )
        )
        return {(r[0], r[1], r[2]) for r in rows}


def _items_in(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("select count(*) from items").fetchone()[0])
    except sqlite3.Error:
        return 0  # tables not created yet


def _kill_when(case_dir: Path, archive: Path, threshold: int, delay: float = 0.0) -> None:
    """Start an ingest and SIGKILL it ``delay`` seconds after the ledger holds ``threshold`` items."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "loupe", "ingest", str(archive), "--case", str(case_dir), "--quiet", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while proc.poll() is None and _items_in(case_dir / "case.db") < threshold:
            time.sleep(0.02)
        if delay:
            time.sleep(delay)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the workers too, as kill -9 of a session would
        proc.wait()


def test_sigkill_at_several_points_then_resume_equals_clean_run(tmp_path: Path) -> None:
    generate_demo(tmp_path / "demo", n_messages=1500)
    archive = tmp_path / "demo" / "archive"

    clean = Case.open(tmp_path / "clean", create=True)
    ingest(clean, [archive], workers=1)
    clean_counts = clean.db.status_counts()
    clean_ids = clean.db.message_ids()
    clean_ledger = _ledger(clean)
    clean.close()
    assert clean_counts.adds_up()

    interrupted_dir = tmp_path / "interrupted"
    interrupted_dir.mkdir()
    # small batches, so the kills land between (and within) many commits
    (interrupted_dir / "case.toml").write_text("[ingest]\nbatch_size = 100\n")
    for threshold in (0, 400, 1000):
        _kill_when(interrupted_dir, archive, threshold)
    killed = Case.open(interrupted_dir)
    partial = killed.db.status_counts().items
    killed.close()
    assert partial < clean_counts.items, "the kills must land before the end to test anything"

    resumed = Case.open(interrupted_dir)
    ingest(resumed, [archive], workers=2)
    assert resumed.db.status_counts() == clean_counts
    assert resumed.db.message_ids() == clean_ids
    assert _ledger(resumed) == clean_ledger
    assert resumed.index.count() == clean_counts.messages

    again = ingest(resumed, [archive], workers=1)
    assert (again.indexed, again.duplicate, again.quarantined) == (0, 0, 0)
    assert again.skipped == again.seen
    assert resumed.db.status_counts() == clean_counts
    assert resumed.index.count() == clean_counts.messages
    resumed.close()


#: The seed of the twenty kill points; change it to draw others (each failure prints it).
KILL_SEED = 20261206
KILL_POINTS = 20


def test_sigkill_at_twenty_random_points_each_resumed_equals_clean_run(tmp_path: Path) -> None:
    from loupe.verify import verify

    generate_demo(tmp_path / "demo", n_messages=600)
    archive = tmp_path / "demo" / "archive"
    clean = Case.open(tmp_path / "clean", create=True)
    ingest(clean, [archive], workers=1)
    clean_counts, clean_ids, clean_ledger = clean.db.status_counts(), clean.db.message_ids(), _ledger(clean)
    clean.close()
    rng = random.Random(KILL_SEED)
    points = sorted((rng.randrange(clean_counts.items + 1), round(rng.uniform(0, 0.5), 2)) for _ in range(KILL_POINTS))
    print(f"kill seed {KILL_SEED}: (ledger items, delay s) = {points}")
    for number, (threshold, delay) in enumerate(points):
        where = f"kill {number} of seed {KILL_SEED} at {threshold} items + {delay} s"
        case_dir = tmp_path / f"killed-{number}"
        case_dir.mkdir()
        (case_dir / "case.toml").write_text("[ingest]\nbatch_size = 50\n")
        _kill_when(case_dir, archive, threshold, delay)
        resumed = Case.open(case_dir, create=True)
        try:
            ingest(resumed, [archive], workers=1)
            assert resumed.db.status_counts() == clean_counts, where
            assert resumed.db.message_ids() == clean_ids, where
            assert _ledger(resumed) == clean_ledger, where
            assert resumed.index.count() == clean_counts.messages, where
            result = verify(resumed)
            assert result.ok, (where, [p.line() for p in result.problems])
        finally:
            resumed.close()
