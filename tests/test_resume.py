"""Ingest survives SIGKILL at any point and re-running it is a no-op.

A run is killed several times at different depths (by watching the items
ledger grow), then finished; the case must equal one clean run: the same
status counts, the same message ids, the same item ledger, and one index
document per message (index writes are upserts, so none is doubled).
"""

from __future__ import annotations

import os
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


def _kill_when(case_dir: Path, archive: Path, threshold: int) -> None:
    """Start an ingest and SIGKILL it once the ledger holds ``threshold`` items."""
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
