"""Two writers into one case: the second is refused at once, with who holds the case; a killed one frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from loupe.case import Case
from loupe.errors import CaseError
from loupe.ingest.pipeline import ingest
from loupe.lock import LOCK_FILE, writing
from tests.conftest import corpus

HOLD = """
import sys, time
from pathlib import Path
from loupe.lock import writing
with writing(Path(sys.argv[1]), "ingest"):
    print("holding", flush=True)
    time.sleep(60)
"""


def _holder(root: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def test_a_second_ingest_is_refused_while_another_runs(tmp_path: Path) -> None:
    root = tmp_path / "case"
    Case.open(root, create=True).close()
    holder = _holder(root)
    try:
        command = [sys.executable, "-m", "loupe", "ingest", str(corpus("notmuch-default")), "--case", str(root)]
        run = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert run.returncode != 0
        (line,) = [x for x in run.stderr.splitlines() if x.strip()]  # one line, no traceback
        assert "another job is writing to this case (ingest, pid" in line
        case = Case.open(root)
        try:
            assert case.db.status_counts().items == 0  # nothing half-written by the refused one
        finally:
            case.close()
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_writer_leaves_no_lock_behind(tmp_path: Path) -> None:
    root = tmp_path / "case"
    Case.open(root, create=True).close()
    holder = _holder(root)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (root / LOCK_FILE).exists()  # the file stays; the kernel's lock went with the process
    case = Case.open(root)
    try:
        summary = ingest(case, [corpus("notmuch-edge")], workers=1)
        assert summary.indexed > 0
    finally:
        case.close()


def test_rebuild_and_ingest_share_the_lock(tmp_path: Path) -> None:
    from loupe.rebuild import rebuild

    case = Case.open(tmp_path / "case", create=True)
    try:
        with writing(case.root, "ingest"), pytest.raises(CaseError, match="another job is writing"):
            rebuild(case)
        with writing(case.root, "rebuild"), pytest.raises(CaseError, match="rebuild, pid"):
            ingest(case, [corpus("notmuch-edge")], workers=1)
        assert case.db.status_counts().items == 0  # refused before reading anything
    finally:
        case.close()
