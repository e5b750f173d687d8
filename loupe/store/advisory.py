"""PostgreSQL advisory locks on a case: one key per case database and schema, per purpose.

A lock in the case folder (``loupe.lock``) is seen only by the processes that
share that folder. A case on a server may be worked on from several hosts,
each with its own copy of the folder; what they share is the database, so
that is where they meet. The key is a hash of the database, the schema the
case's tables are in (one newsroom database may hold many cases, a schema
each) and what the lock is for, so two cases, or the migrations and the
ingest of one case, never wait for each other.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

#: PostgreSQL keeps at most this many bytes of a session's application_name.
NAME_BYTES = 63


def case_key(conn: Connection, purpose: str) -> int:
    """The advisory lock key of ``purpose`` on the case whose tables ``conn`` sees."""
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    digest = hashlib.blake2b(f"loupe {purpose} {database} {schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_for_transaction(conn: Connection, purpose: str) -> None:
    """Wait for, then hold until the transaction ends, the case's lock for ``purpose``."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": case_key(conn, purpose)})


@contextmanager
def session_lock(engine: Engine, purpose: str, job: str) -> Iterator[str | None]:
    """Try the case's lock for ``purpose`` on a connection of its own, held for the ``with`` block.

    Yields None when this process holds it, else who does (as their session
    names itself: job, host and process). The connection is closed at the
    end, not returned to the pool: ending the session is what surely releases
    a session-level lock, whatever happened in the block.
    """
    conn = engine.connect()
    try:
        label = f"loupe {job} on {socket.gethostname()}, pid {os.getpid()}"
        conn.execute(text("SELECT set_config('application_name', :label, false)"), {"label": label[:NAME_BYTES]})
        key = case_key(conn, purpose)
        got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        holder = None if got else (_holder(conn, key) or "another host")
        conn.commit()  # not left idle in a transaction for the job's life; the session lock stays
        yield holder
    finally:
        conn.invalidate()
        conn.close()


def _holder(conn: Connection, key: int) -> str | None:
    """The application name of the session holding ``key``, if it can be seen."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    found = conn.scalar(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid = :high AND l.objid = :low "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF},
    )
    return str(found) if found else None
