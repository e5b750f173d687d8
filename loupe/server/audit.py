"""The audit log: who did what, to which case, when, as an append-only hash chain.

Each entry's ``hash`` is SHA-256 over the canonical JSON of its own fields
(its id included) and the previous entry's hash, so editing an entry breaks
its hash, deleting one leaves a gap in the ids or a ``prev_hash`` that points
at nothing, and inserting one breaks the link of the entry after it. A
one-row head (count and last hash), written in the same transaction as each
entry, catches what the chain alone cannot: a deleted or added *last* entry.

The chain has no secret key, so someone who can rewrite the whole table and
the head and recompute every hash goes undetected; what defends against that
is a copy of the head kept elsewhere (``verify`` reports it; an export
carries every hash). A keyed chain (HMAC) was rejected for now: the key would
sit on the same server as the database.

A case can keep search terms out of the log (Hoover's choice for source
protection): its searches are recorded with the query replaced by
``[withheld]`` and only its number of words kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Engine, insert, select, update

from loupe.server.db import GENESIS, audit_entries, audit_head, case_settings

#: What a withheld query is replaced by.
WITHHELD = "[withheld]"


@dataclass(frozen=True)
class Entry:
    """One audit entry, as stored and as exported (one JSON line each)."""

    id: int
    time: str
    user: str | None
    address: str | None
    case: str | None
    action: str
    target: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def computed_hash(self) -> str:
        """SHA-256 over the canonical JSON of every field but ``hash``."""
        fields = asdict(self)
        del fields["hash"]
        return hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    """The first place the chain is broken: which entry, and what is wrong with it."""

    entry: int
    what: str

    def __str__(self) -> str:
        return f"entry {self.entry}: {self.what}"


def _canonical(value: Any) -> str:
    """One JSON text per value: sorted keys, no spaces, Unicode kept, so the hash is reproducible."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def withholds_search_terms(conn: Connection, case: str) -> bool:
    """Whether ``case`` keeps its search terms out of the log (off unless set)."""
    found = conn.execute(
        select(case_settings.c.withhold_search_terms).where(case_settings.c.case_name == case)
    ).scalar_one_or_none()
    return bool(found)


def set_withhold_search_terms(engine: Engine, case: str, withhold: bool, *, user: str | None = None) -> None:
    """Keep (or stop keeping) ``case``'s search terms out of the log; the change is itself recorded."""
    with engine.begin() as conn:
        exists = conn.execute(select(case_settings.c.case_name).where(case_settings.c.case_name == case)).first()
        if exists:
            conn.execute(
                update(case_settings).where(case_settings.c.case_name == case).values(withhold_search_terms=withhold)
            )
        else:
            conn.execute(insert(case_settings).values(case_name=case, withhold_search_terms=withhold))
        record(conn, user=user, case=case, action="case-setting", detail={"withhold_search_terms": withhold})


def record(
    conn: Connection,
    *,
    action: str,
    user: str | None = None,
    address: str | None = None,
    case: str | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Entry:
    """Append one entry in the caller's transaction, so that the action and its record commit together.

    The head row is read ``FOR UPDATE``: on PostgreSQL two servers appending at
    once queue on it instead of both taking the same id. SQLite ignores ``FOR
    UPDATE`` and starts a transaction without its write lock, so two worker
    processes could both read the same head; the head is written first there
    (a no-op write), which takes the lock before the read.
    """
    if conn.dialect.name == "sqlite":
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(length=audit_head.c.length))
    detail = dict(detail or {})
    if action == "search" and case is not None and target is not None and withholds_search_terms(conn, case):
        detail["words"] = len(target.split())
        target = WITHHELD
    head = conn.execute(select(audit_head).where(audit_head.c.id == 1).with_for_update()).one()
    entry = Entry(
        id=head.length + 1,
        time=(now or datetime.now(UTC)).isoformat(timespec="microseconds"),
        user=user,
        address=address,
        case=case,
        action=action,
        target=target,
        detail=json.loads(_canonical(detail)),  # as it will read back: tuples become lists
        prev_hash=head.last_hash,
    )
    entry = Entry(**{**asdict(entry), "hash": entry.computed_hash()})
    row = asdict(entry)
    row["case_name"] = row.pop("case")
    row["detail"] = _canonical(entry.detail)
    conn.execute(insert(audit_entries).values(**row))
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(length=entry.id, last_hash=entry.hash))
    return entry


def entries(engine: Engine) -> Iterator[Entry]:
    """Every entry in id order, as stored (not checked)."""
    with engine.connect() as conn:
        for row in conn.execute(select(audit_entries).order_by(audit_entries.c.id)):
            yield Entry(
                id=row.id,
                time=row.time,
                user=row.user,
                address=row.address,
                case=row.case_name,
                action=row.action,
                target=row.target,
                detail=json.loads(row.detail),
                prev_hash=row.prev_hash,
                hash=row.hash,
            )


def check_chain(chain: Iterable[Entry], head: tuple[int, str] | None = None) -> Problem | None:
    """The first break in ``chain`` (entries in id order), or None; ``head`` is (count, last hash).

    Checks, per entry in order: the id follows the last (else entries were
    deleted), ``prev_hash`` is the previous entry's hash (else one was inserted or
    replaced before it), its hash matches its contents (else it was edited);
    then the end of the chain against the head.
    """
    expected, previous = 1, GENESIS
    for entry in chain:
        if entry.id != expected:
            missing = str(expected) if entry.id == expected + 1 else f"{expected} to {entry.id - 1}"
            return Problem(expected, f"missing: entry {missing} deleted (the chain goes on at {entry.id})")
        if entry.prev_hash != previous:
            before = f"entry {entry.id - 1}" if entry.id > 1 else "the start of the chain"
            return Problem(
                entry.id,
                f"does not follow {before}: its prev_hash is not that entry's hash "
                "(an entry was inserted or replaced before it)",
            )
        if entry.computed_hash() != entry.hash:
            return Problem(entry.id, "edited: its hash does not match its contents")
        expected, previous = expected + 1, entry.hash
    if head is not None:
        count, last_hash = head
        if expected - 1 < count:
            return Problem(expected, f"missing: the last entries were deleted (the head records {count} entries)")
        if expected - 1 > count:
            return Problem(count + 1, f"inserted: the head records only {count} entries")
        if previous != last_hash:
            return Problem(
                count,
                "replaced: the head records another last entry (this one was replaced, "
                "or entries after it were deleted and the head's count rewound)",
            )
    return None


def head(engine: Engine) -> tuple[int, str]:
    """(count, hash of the last entry): keep a copy elsewhere to detect a rewrite of the whole chain."""
    with engine.connect() as conn:
        row = conn.execute(select(audit_head.c.length, audit_head.c.last_hash).where(audit_head.c.id == 1)).one()
    return row.length, row.last_hash


def verify(engine: Engine) -> Problem | None:
    """The first edited, deleted or inserted entry in the server's log, or None when it is intact."""
    return check_chain(entries(engine), head(engine))


def export(engine: Engine, target: Path | TextIO) -> int:
    """Write every entry as one JSON line to a file or stream, hashes included, so a copy can be
    checked on its own (``read_export`` then ``check_chain``); returns how many."""
    if isinstance(target, Path):
        with target.open("w", encoding="utf-8") as out:
            return export(engine, out)
    written = 0
    for entry in entries(engine):
        target.write(_canonical(asdict(entry)) + "\n")
        written += 1
    return written


def read_export(path: Path) -> list[Entry]:
    """The entries of a JSON Lines export (``check_chain`` verifies them without the server)."""
    with path.open(encoding="utf-8") as lines:
        return [Entry(**json.loads(line)) for line in lines if line.strip()]
