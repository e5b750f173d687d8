"""One writer at a time: an exclusive lock on ``ingest.lock`` in the case folder.

Two ingests into one case would interleave their batches, each with its own
pack file and index writer; Tantivy refuses a second writer mid-run, after
work is done. So a writing job (ingest, rebuild) takes this lock first and a
second one is refused at once with who holds it. The lock is the kernel's
(``flock``): a job killed with SIGKILL releases it, so a resumed ingest is
never locked out by a stale file.

A case whose database is on a PostgreSQL server may also be written from
another host, with its own copy of the folder, where this folder's lock is
not seen. There the job also takes a session-level advisory lock on the
case's database and schema (``store.advisory``), held on a connection of its
own for the job's life and released by the server when that session ends,
however the job ends.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from loupe.errors import CaseError

if TYPE_CHECKING:
    from sqlalchemy import Engine

LOCK_FILE = "ingest.lock"


@contextmanager
def writing(root: Path, job: str, engine: Engine | None = None) -> Iterator[None]:
    """Hold the case's write lock for ``job``; raises ``CaseError`` naming the holder when another has it.

    ``engine``: the case's database; on PostgreSQL its advisory lock is held too."""
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
        if engine is None or engine.dialect.name != "postgresql":
            yield
            return
        from loupe.store.advisory import session_lock

        with session_lock(engine, "write", job) as elsewhere:
            if elsewhere is not None:
                raise CaseError(
                    str(root),
                    f"another job is writing to this case from another folder or host ({elsewhere}); "
                    "wait for it to finish, then run again",
                )
            yield
    finally:
        handle.close()  # closing releases the lock
