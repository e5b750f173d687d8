"""Reporters' notes on messages: free text, dated, never derived.

Notes are the reporter's own record, like tags and ``people_edits``: an
ingest or a re-analysis never touches them. Each note is a row of its own
(not one editable text per message) so the notebook keeps when each thought
was written; a note is deleted, never edited in place.

The table lives in its own ``MetaData`` and is created by the migration
``0008_notes`` (``create_notes_table``), so this capability's storage stays
in one file; ``0015_authors`` added who wrote each note.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Index, Integer, MetaData, String, Table, Text, delete, insert, select

#: Reporters' notes; ``message`` is a Loupe message id.
notes_metadata = MetaData()
notes = Table(
    "notes",
    notes_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message", String(40), nullable=False),
    Column("text", Text, nullable=False, doc="as the reporter wrote it"),
    Column("created", String(32), nullable=False, doc="UTC, ISO 8601"),
    Column("author", Text, nullable=True, doc="the account that wrote it; None from the command line"),
)
Index("notes_by_message", notes.c.message)

#: A note longer than this is refused (by the caller): a notebook entry, not a document store.
MAX_NOTE_CHARS = 20_000


def create_notes_table(conn: Connection) -> None:
    """Migration ``0008_notes``."""
    notes.create(conn, checkfirst=True)


class NoteStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, message: str, text: str, author: str | None = None) -> dict[str, Any]:
        """Store a note (surrounding blank space dropped); returns it with its id.

        ``author``: the account writing it (None: the command line, or before accounts).
        Callers refuse empty notes and ones past ``MAX_NOTE_CHARS`` first, with a message for the user.
        """
        body = text.strip()
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self.engine.begin() as conn:
            result = conn.execute(insert(notes).values(message=message, text=body, created=created, author=author))
            key = result.inserted_primary_key
            assert key is not None  # an autoincrement insert always has one
        return {"id": int(key[0]), "message": message, "text": body, "created": created, "author": author}

    def of(self, message: str) -> list[dict[str, Any]]:
        """A message's notes, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(notes).where(notes.c.message == message).order_by(notes.c.id))
            return [dict(row._mapping) for row in rows]

    def delete(self, message: str, note: int) -> bool:
        """Delete one note of a message; False when there was no such note."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(notes).where(notes.c.id == note, notes.c.message == message))
        return bool(result.rowcount)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest notes in the whole case, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(notes).order_by(notes.c.id.desc()).limit(limit))
            return [dict(row._mapping) for row in rows]

    def counts(self, messages: Sequence[str]) -> dict[str, int]:
        """How many notes each of these messages has (only those with some)."""
        found: dict[str, int] = {}
        wanted = list(messages)
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for message in conn.scalars(select(notes.c.message).where(notes.c.message.in_(chunk))):
                    found[str(message)] = found.get(str(message), 0) + 1
        return found
