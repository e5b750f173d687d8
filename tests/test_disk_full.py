"""The disk fills during an ingest: the run stops with one clear line, and resumes cleanly once space is back.

ENOSPC is injected at each kind of write ingest makes: appending originals
to a pack, committing the full-text index, and the database transaction of
a batch (SQLite says "database or disk is full"). After each, the same
ingest run again must give the case a clean run gives, and ``verify`` must
find it intact.
"""

from __future__ import annotations

import errno
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from loupe.case import Case
from loupe.cli import main
from loupe.ingest.pipeline import ingest
from loupe.search.index import FullTextIndex
from loupe.store.blobs import BlobStore
from loupe.store.database import CaseDatabase
from loupe.verify import verify
from tests.conftest import corpus


def _enospc() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def _sqlite_full() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full"))


#: (what fills, the method that fails, the error it raises)
WRITES: list[tuple[str, Any, str, Callable[[], BaseException]]] = [
    ("pack", BlobStore, "append", _enospc),
    ("index", FullTextIndex, "commit", _enospc),
    ("database", CaseDatabase, "write_batch", _sqlite_full),
]


def _clean(tmp_path: Path) -> tuple[Any, set[str]]:
    clean = Case.open(tmp_path / "clean", create=True)
    try:
        ingest(clean, [corpus("notmuch-default")], workers=1)
        return clean.db.status_counts(), clean.db.message_ids()
    finally:
        clean.close()


@pytest.mark.parametrize(("what", "owner", "method", "error"), WRITES, ids=[w[0] for w in WRITES])
def test_a_full_disk_stops_the_run_and_it_resumes_cleanly(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    what: str,
    owner: Any,
    method: str,
    error: Callable[[], BaseException],
) -> None:
    counts, ids = _clean(tmp_path)
    root = tmp_path / "case"
    (root).mkdir()
    (root / "case.toml").write_text("[ingest]\nbatch_size = 10\n")  # several batches: the disk fills mid-run
    real = getattr(owner, method)
    calls = {"n": 0}

    def filling(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # the third write finds the disk full
            raise error()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, filling)
    command = ["loupe", "ingest", str(corpus("notmuch-default")), "--case", str(root), "--quiet"]
    monkeypatch.setattr(sys, "argv", command)
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 1
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert line.startswith("loupe: the disk is full;") and "run the same command again" in line, what

    monkeypatch.setattr(owner, method, real)  # space is back
    case = Case.open(root)
    try:
        ingest(case, [corpus("notmuch-default")], workers=1)
        assert case.db.status_counts() == counts, what
        assert case.db.message_ids() == ids, what
        assert case.index.count() == counts.messages, what
        result = verify(case)
        assert result.ok, (what, [p.line() for p in result.problems])
    finally:
        case.close()
