"""One writer at a time: an exclusive lock on ``ingest.lock`` in the case folder.

Two ingests into one case would interleave their batches, each with its own
pack file and index writer; Tantivy refuses a second writer mid-run, after
work is done. So a writing job (ingest, rebuild) takes this lock first and a
second one is refused at once with who holds it. The lock is the kernel's
(``flock``): a job killed with SIGKILL releases it, so a resumed ingest is
never locked out by a stale file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from loupe.errors import CaseError

LOCK_FILE = "ingest.lock"


@contextmanager
def writing(root: Path, job: str) -> Iterator[None]:
    """Hold the case's write lock for ``job``; raises ``CaseError`` naming the holder when another has it."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_FILE
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise CaseError(
                str(root), f"another job is writing to this case ({holder}); wait for it to finish, then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{job}, pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock
