"""Reads and writes of conversation data: threads, near duplicates, quoted blocks.

Kept apart from ``database.py`` (items, messages, blobs, tags) so each file
holds one capability's storage. Threads and near-duplicate groups are
derived data: recomputed for the whole case after each ingest, and replaced
in one transaction so a reader never sees half of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypedDict

from sqlalchemy import Engine, delete, func, insert, select

from loupe.store import schema
from loupe.store.batching import by_message, chunks

BATCH = 5000


class MessageIdentifiers(TypedDict):
    """A message's ids in other tools' terms (``ConversationStore.identifiers``)."""

    message_id: str | None
    thread: str


class ConversationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- threads ----------------------------------------------------------------
    def threading_rows(self) -> Iterator[tuple[Any, ...]]:
        """(id, message_id, references, in_reply_to, subject, date, from_email, thread_index) of every message."""
        m, ti = schema.messages, schema.thread_indexes
        query = select(
            m.c.id,
            m.c.message_id,
            m.c.references,
            m.c.in_reply_to,
            m.c.subject,
            m.c.date,
            m.c.from_email,
            ti.c.thread_index,
        ).outerjoin(ti, ti.c.message == m.c.id)
        with self.engine.connect() as conn:
            yield from (tuple(row) for row in conn.execute(query))

    def participants(self, messages: list[str]) -> dict[str, frozenset[str]]:
        """Lower-cased addresses of the sender and recipients of these messages."""
        ma, c = schema.message_addresses, schema.correspondents
        found: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(messages), 500):
                query = (
                    select(ma.c.message, c.c.email)
                    .join(c, c.c.id == ma.c.correspondent)
                    .where(ma.c.message.in_(messages[start : start + 500]), c.c.email != "")
                )
                for message, email in conn.execute(query):
                    found.setdefault(message, set()).add(email.lower())
        return {message: frozenset(emails) for message, emails in found.items()}

    def replace_threads(self, rows: Sequence[tuple[str, str, str | None]]) -> None:
        """(message, thread, parent) for every message of the case."""
        t = schema.threads
        with self.engine.begin() as conn:
            conn.execute(delete(t))
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                conn.execute(insert(t), [{"message": a, "thread": b, "parent": c} for a, b, c in chunk])

    def thread_of(self, message: str) -> str | None:
        """The thread of a message (a message alone is its own), or None if no such message."""
        t, m = schema.threads, schema.messages
        with self.engine.connect() as conn:
            found = conn.scalar(select(t.c.thread).where(t.c.message == message))
            if found is None and conn.scalar(select(m.c.id).where(m.c.id == message)) is not None:
                found = message
            return found

    def identifiers(self, messages: Iterable[str]) -> dict[str, MessageIdentifiers]:
        """What other tools know each of these messages by, for JSON outputs that join with them.

        ``message_id`` is the Message-ID header as stored: the first ``<...>`` token without
        its angle brackets, which is how notmuch's ``id:`` and mu's ``msgid:`` take it, and
        what ``loupe export --ftm`` writes as an Email's ``messageId`` for Aleph. It is None
        where the message had none and Loupe derived one from its content
        (``...@derived.loupe``): no other tool knows that id, and notmuch derives its own
        (``notmuch-sha1-...``). ``thread`` is Loupe's thread (a message alone is its own; see
        ``thread_of``), what ``thread:`` searches take. One query per 500 messages; unknown
        ids are left out.
        """
        m, t = schema.messages, schema.threads
        found: dict[str, MessageIdentifiers] = {}
        wanted = list(dict.fromkeys(messages))
        columns = (m.c.id, m.c.message_id, m.c.message_id_derived, func.coalesce(t.c.thread, m.c.id))
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                query = select(*columns).outerjoin(t, t.c.message == m.c.id).where(m.c.id.in_(chunk))
                for message, header, derived, thread in conn.execute(query):
                    found[message] = {"message_id": None if derived else header, "thread": thread}
        return found

    def thread_members(self, thread: str) -> list[str]:
        t = schema.threads
        with self.engine.connect() as conn:
            members = list(conn.scalars(select(t.c.message).where(t.c.thread == thread)))
        return members or [thread]

    def thread_sizes_top(self, limit: int) -> list[tuple[str, int]]:
        """The longest threads: (thread, messages)."""
        t = schema.threads
        query = select(t.c.thread, func.count()).group_by(t.c.thread).order_by(func.count().desc()).limit(limit)
        with self.engine.connect() as conn:
            return [(thread, count) for thread, count in conn.execute(query)]

    def dates(self, messages: Sequence[str]) -> dict[str, str | None]:
        """The (ISO, UTC) date of each of these messages."""
        return self._by_message(schema.messages.c.id, schema.messages.c.date, messages)

    def headlines(self, messages: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Subject, sender (name and address), ISO date, list and kind (mail or document) of each of these."""
        m = schema.messages
        found: dict[str, dict[str, Any]] = {}
        wanted = list(messages)
        columns = (m.c.id, m.c.subject, m.c.from_name, m.c.from_email, m.c.date, m.c.list_id, m.c.kind, m.c.doc_type)
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                for row in conn.execute(select(*columns).where(m.c.id.in_(chunk))):
                    found[row.id] = dict(row._mapping)
        return found

    def _by_message(self, key: Any, value: Any, messages: Sequence[str]) -> dict[str, Any]:
        return by_message(self.engine, key, value, messages)

    # -- near duplicates -----------------------------------------------------------
    def signatures(self) -> Iterator[tuple[str, bytes]]:
        s = schema.near_signatures
        with self.engine.connect() as conn:
            for message, minhash in conn.execute(select(s.c.message, s.c.minhash)):
                yield message, bytes(minhash)

    def replace_near_duplicates(self, groups: Sequence[Sequence[str]], first_of: dict[str, str]) -> None:
        """Each group's members, under the id of its earliest message (``first_of``)."""
        n = schema.near_duplicates
        rows = [{"message": member, "grp": first_of[group[0]]} for group in groups for member in group]
        with self.engine.begin() as conn:
            conn.execute(delete(n))
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(n), rows[start : start + BATCH])

    def near_duplicates_of(self, message: str) -> list[str]:
        """The other messages of a message's near-duplicate group."""
        n = schema.near_duplicates
        with self.engine.connect() as conn:
            group = conn.scalar(select(n.c.grp).where(n.c.message == message))
            if group is None:
                return []
            return [m for m in conn.scalars(select(n.c.message).where(n.c.grp == group)) if m != message]

    def near_duplicate_group_of(self, messages: Sequence[str]) -> dict[str, str]:
        """message -> its near-duplicate group, for those of ``messages`` that have one."""
        n = schema.near_duplicates
        return self._by_message(n.c.message, n.c.grp, messages)

    def near_duplicate_ids(self) -> list[str]:
        n = schema.near_duplicates
        with self.engine.connect() as conn:
            return list(conn.scalars(select(n.c.message)))

    def near_duplicate_groups(self) -> dict[str, list[str]]:
        n = schema.near_duplicates
        groups: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for message, group in conn.execute(select(n.c.message, n.c.grp)):
                groups.setdefault(group, []).append(message)
        return groups

    # -- quoted blocks ---------------------------------------------------------------
    def quoted_blocks(self, message: str) -> list[dict[str, Any]]:
        q = schema.quoted_blocks
        with self.engine.connect() as conn:
            rows = conn.execute(select(q).where(q.c.message == message).order_by(q.c.position))
            return [dict(row._mapping) for row in rows]

    def quoted_by_author(self, emails: Sequence[str]) -> list[dict[str, Any]]:
        """Blocks, in any message, whose author is one of these addresses."""
        q = schema.quoted_blocks
        with self.engine.connect() as conn:
            rows = conn.execute(select(q).where(q.c.author_email.in_(list(emails))))
            return [dict(row._mapping) for row in rows]

    def up_to_date(self) -> bool:
        """Whether the last whole-case step saw every message (false after a run killed before it)."""
        s = schema.analysis_state
        with self.engine.connect() as conn:
            messages = conn.scalar(select(func.count()).select_from(schema.messages)) or 0
            seen = conn.scalar(select(s.c.value).where(s.c.name == "messages"))
        return seen == messages

    def mark_analysed(self) -> None:
        s = schema.analysis_state
        with self.engine.begin() as conn:
            messages = conn.scalar(select(func.count()).select_from(schema.messages)) or 0
            conn.execute(delete(s).where(s.c.name == "messages"))
            conn.execute(insert(s).values(name="messages", value=messages))

    def parents(self, messages: Sequence[str]) -> dict[str, str | None]:
        """The message each of these answers, where it is in the case."""
        return self._by_message(schema.threads.c.message, schema.threads.c.parent, messages)
