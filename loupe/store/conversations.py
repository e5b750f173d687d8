"""Reads and writes of conversation data: threads, near duplicates, quoted blocks.

Kept apart from ``database.py`` (items, messages, blobs, tags) so each file
holds one capability's storage. Threads and near-duplicate groups are
derived data: made for the whole case by the first ingest, then redone
where added mail reaches (``loupe.analysis``), each step in one transaction
with the run it has seen up to, so a reader never sees half of them and a
killed run is picked up where it stopped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, TypedDict

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select

from loupe.store import schema
from loupe.store.batching import by_message, chunks

BATCH = 5000


class MessageIdentifiers(TypedDict):
    """A message's ids in other tools' terms (``ConversationStore.identifiers``)."""

    message_id: str | None
    thread: str


#: The parts of the whole-case step, each keeping the run it has seen up to.
ANALYSIS_STEPS = ("near_duplicates", "threads", "people")
#: The ``analysis_state`` row holding how many threads the case has.
THREADS_STATE = "threads"


def step_state(step: str) -> str:
    """The ``analysis_state`` row of a step's run."""
    return f"run:{step}"


def set_state(conn: Connection, name: str, value: int) -> None:
    """Write one ``analysis_state`` row, in the caller's transaction."""
    s = schema.analysis_state
    conn.execute(delete(s).where(s.c.name == name))
    conn.execute(insert(s).values(name=name, value=value))


def _insert_all(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows as they come, ``BATCH`` at a time."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)


def _existing(conn: Connection, column: Any, keys: Sequence[Any]) -> set[Any]:
    """Which of ``keys`` the column holds."""
    found: set[Any] = set()
    for chunk in chunks(list(keys), 500):
        found.update(conn.scalars(select(column).where(column.in_(chunk))))
    return found


def _first_of_each(pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for key, message in pairs:
        if key not in seen:
            seen.add(key)
            yield key, message


#: What an Outlook conversation's thread key starts with (``analysis._conversation_key``): NUL,
#: which no Message-ID holds ...
_CONVERSATION = "\x00"
#: ... and what it is stored as on PostgreSQL, whose text cannot hold NUL: a space, which no
#: other key holds either (references are read by splitting at whitespace). SQLite keeps the NUL,
#: so cases made before stay as they are.
_CONVERSATION_ON_POSTGRESQL = " "


class ConversationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._nul_free = engine.dialect.name == "postgresql"

    def _stored_key(self, key: str) -> str:
        """A ``thread_keys`` key as this backend stores it."""
        if self._nul_free and key.startswith(_CONVERSATION):
            return _CONVERSATION_ON_POSTGRESQL + key[1:]
        return key

    def _stored_keys(self, pairs: Iterable[tuple[str, str]]) -> Iterator[dict[str, str]]:
        return ({"key": self._stored_key(k), "message": m} for k, m in pairs)

    # -- threads ----------------------------------------------------------------
    def threading_rows(self, messages: Sequence[str] | None = None) -> Iterator[tuple[Any, ...]]:
        """(id, message_id, references, in_reply_to, subject, date, from_email, thread_index) of every
        message (or of ``messages``), in id order: the reply tree is built in that order, and a
        thread redone alone must be built as the whole case builds it."""
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
            if messages is None:
                yield from (tuple(row) for row in conn.execute(query.order_by(m.c.id)))
                return
            rows = [
                tuple(row)
                for chunk in chunks(sorted(messages), 500)
                for row in conn.execute(query.where(m.c.id.in_(chunk)))
            ]
        yield from sorted(rows)

    def with_message_ids(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """Message-ID -> the messages with it, for those of ``keys`` some message has."""
        m = schema.messages
        found: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(keys)), 500):
                for message, key in conn.execute(select(m.c.id, m.c.message_id).where(m.c.message_id.in_(chunk))):
                    found.setdefault(key, []).append(message)
        return found

    def key_holders(self, keys: Iterable[str]) -> dict[str, str]:
        """A message naming each of ``keys``, for those stored in ``thread_keys``."""
        k = schema.thread_keys
        wanted = {self._stored_key(key): key for key in keys}
        found = self._by_message(k.c.key, k.c.message, sorted(wanted))
        return {wanted[key]: message for key, message in found.items()}

    def stored_threads(self, messages: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """message -> (thread, parent) for those of ``messages`` in a thread of two or more,
        with every other message of their threads."""
        t = schema.threads
        threads = set(self._by_message(t.c.message, t.c.thread, list(messages)).values())
        found: dict[str, tuple[str, str | None]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(threads), 500):
                for message, thread, parent in conn.execute(
                    select(t.c.message, t.c.thread, t.c.parent).where(t.c.thread.in_(chunk))
                ):
                    found[message] = (thread, parent)
        return found

    def subjects_with_children(self, subjects: Iterable[int]) -> set[int]:
        """Which of these subject hashes some stored reference-less reply carries."""
        s = schema.thread_subjects
        found: set[int] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(subjects)), 500):
                found.update(conn.scalars(select(s.c.subject).where(s.c.subject.in_(chunk), s.c.child).distinct()))
        return found

    def subject_members(self, subjects: Iterable[int]) -> list[str]:
        """Every stored message with one of these subject hashes."""
        s = schema.thread_subjects
        found: list[str] = []
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(subjects)), 500):
                found.extend(conn.scalars(select(s.c.message).where(s.c.subject.in_(chunk))))
        return found

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

    def replace_threads(
        self,
        rows: Sequence[tuple[str, str, str | None]],
        keys: Iterable[tuple[str, str]] = (),
        subjects: Iterable[tuple[int, bool, str]] = (),
        count: int = 0,
        run: int | None = None,
    ) -> None:
        """(message, thread, parent) for every message of the case in a thread of two or more; with
        ``run``, also every message's ``thread_keys`` (key, message) and ``thread_subjects``
        (subject, child, message) rows, how many threads there are, and the run they saw up to.
        ``keys`` and ``subjects`` may be generators: they are written as they come."""
        t = schema.threads
        with self.engine.begin() as conn:
            conn.execute(delete(t))
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                conn.execute(insert(t), [{"message": a, "thread": b, "parent": c} for a, b, c in chunk])
            if run is None:
                return
            conn.execute(delete(schema.thread_keys))
            _insert_all(conn, schema.thread_keys, self._stored_keys(_first_of_each(keys)))
            conn.execute(delete(schema.thread_subjects))
            _insert_all(
                conn, schema.thread_subjects, ({"subject": h, "child": c, "message": m} for h, c, m in subjects)
            )
            set_state(conn, THREADS_STATE, count)
            set_state(conn, step_state("threads"), run)

    def update_threads(
        self,
        region: Collection[str],
        stored: dict[str, tuple[str, str | None]],
        rows: Sequence[tuple[str, str, str | None]],
        keys: Iterable[tuple[str, str]],
        subjects: Iterable[tuple[int, bool, str]],
        count: int,
        run: int,
    ) -> None:
        """Replace the rows of the messages of ``region`` (a union of threads, before and after;
        ``stored``: their rows now, as ``stored_threads`` gives them) by ``rows``, writing only
        what changed; add the new messages' keys and subjects."""
        t = schema.threads
        wanted = {a: (b, c) for a, b, c in rows}
        gone = [m for m, row in stored.items() if m in region and wanted.get(m) != row]
        fresh = [{"message": m, "thread": b, "parent": c} for m, (b, c) in wanted.items() if stored.get(m) != (b, c)]
        with self.engine.begin() as conn:
            for chunk in chunks(gone, 500):
                conn.execute(delete(t).where(t.c.message.in_(chunk)))
            for start in range(0, len(fresh), BATCH):
                conn.execute(insert(t), fresh[start : start + BATCH])
            held = {self._stored_key(k): m for k, m in keys}
            known = _existing(conn, schema.thread_keys.c.key, list(held))
            _insert_all(conn, schema.thread_keys, ({"key": k, "message": m} for k, m in held.items() if k not in known))
            _insert_all(
                conn, schema.thread_subjects, ({"subject": h, "child": c, "message": m} for h, c, m in subjects)
            )
            set_state(conn, THREADS_STATE, count)
            set_state(conn, step_state("threads"), run)

    def thread_count(self) -> int | None:
        """How many threads the case has (a message alone is one), as the last whole-case step counted."""
        return self._state(THREADS_STATE)

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
        """A thread's messages, by id: in the same order whichever backend holds them."""
        t = schema.threads
        with self.engine.connect() as conn:
            members = list(conn.scalars(select(t.c.message).where(t.c.thread == thread).order_by(t.c.message)))
        return members or [thread]

    def thread_sizes_top(self, limit: int) -> list[tuple[str, int]]:
        """The longest threads: (thread, messages); among equally long ones, by id (else which of
        them make the ``limit`` would be the backend's choice)."""
        t = schema.threads
        query = (
            select(t.c.thread, func.count()).group_by(t.c.thread).order_by(func.count().desc(), t.c.thread).limit(limit)
        )
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
        """Every message's near-duplicate signature, in message order."""
        s = schema.near_signatures
        with self.engine.connect() as conn:
            for message, minhash in conn.execute(select(s.c.message, s.c.minhash).order_by(s.c.message)):
                yield message, bytes(minhash)

    def replace_near_duplicates(
        self,
        groups: Sequence[Sequence[str]],
        first_of: dict[str, str],
        components: dict[str, str] | None = None,
        run: int | None = None,
    ) -> None:
        """Each group's members, under the id of its earliest message (``first_of``); with ``run``,
        also every message's component and the run they saw up to."""
        n = schema.near_duplicates
        rows = [{"message": member, "grp": first_of[group[0]]} for group in groups for member in group]
        with self.engine.begin() as conn:
            conn.execute(delete(n))
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(n), rows[start : start + BATCH])
            if run is None:
                return
            conn.execute(delete(schema.near_components))
            linked = ({"message": m, "component": c} for m, c in sorted((components or {}).items()))
            _insert_all(conn, schema.near_components, linked)
            set_state(conn, step_state("near_duplicates"), run)

    def update_near_duplicates(
        self,
        region: Sequence[str],
        groups: Sequence[Sequence[str]],
        first_of: dict[str, str],
        components: dict[str, str],
        run: int,
    ) -> None:
        """Replace the groups and components of the messages of ``region`` (``grouping.regroup``)."""
        n, c = schema.near_duplicates, schema.near_components
        rows = [{"message": member, "grp": first_of[group[0]]} for group in groups for member in group]
        with self.engine.begin() as conn:
            for chunk in chunks(region, 500):
                conn.execute(delete(n).where(n.c.message.in_(chunk)))
                conn.execute(delete(c).where(c.c.message.in_(chunk)))
            _insert_all(conn, n, rows)
            _insert_all(conn, c, ({"message": m, "component": k} for m, k in sorted(components.items())))
            set_state(conn, step_state("near_duplicates"), run)

    def near_components_of(self, messages: Sequence[str]) -> dict[str, str]:
        """message -> its near-duplicate component, for those of ``messages`` that have a near copy."""
        c = schema.near_components
        return self._by_message(c.c.message, c.c.component, messages)

    def near_component_members(self, components: Sequence[str]) -> list[str]:
        c = schema.near_components
        found: list[str] = []
        with self.engine.connect() as conn:
            for chunk in chunks(list(components), 500):
                found.extend(conn.scalars(select(c.c.message).where(c.c.component.in_(chunk))))
        return found

    def near_duplicate_counts(self) -> tuple[int, int]:
        """(groups, messages in them)."""
        n = schema.near_duplicates
        with self.engine.connect() as conn:
            row = conn.execute(select(func.count(func.distinct(n.c.grp)), func.count())).one()
        return int(row[0]), int(row[1])

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
            return list(conn.scalars(select(n.c.message).order_by(n.c.message)))

    def near_duplicate_groups(self) -> dict[str, list[str]]:
        """group -> its messages, groups and members by id: the same order on every backend."""
        n = schema.near_duplicates
        groups: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for message, group in conn.execute(select(n.c.message, n.c.grp).order_by(n.c.grp, n.c.message)):
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

    # -- what the whole-case step has seen -------------------------------------------
    def analysed_run(self, step: str) -> int | None:
        """The run a whole-case step (``ANALYSIS_STEPS``) has seen every message of, or None when it
        must see the whole case again (never run since the case kept it, or ``forget_analysis``)."""
        return self._state(step_state(step))

    def last_run(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.max(schema.runs.c.id))) or 0)

    def runs_of_messages(self, after: int, through: int | None = None) -> dict[str, int]:
        """message -> the run that wrote it, for those written after run ``after`` (and up to
        ``through``): what a step that saw up to ``after`` has not seen. A scan of the items
        (0.13 s at 1,000,000): they have no index by run, which would cost 100 MB there."""
        i = schema.items
        query = select(i.c.message, i.c.run).where(i.c.status == "indexed", i.c.run > after)
        if through is not None:
            query = query.where(i.c.run <= through)
        with self.engine.connect() as conn:
            return {message: run for message, run in conn.execute(query) if message is not None}

    def message_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(schema.messages)) or 0)

    def forget_analysis(self) -> None:
        """Make the next whole-case step see every message again: what it links from changed
        (``loupe rebuild`` read every message again), so what it kept may not hold."""
        s = schema.analysis_state
        with self.engine.begin() as conn:
            conn.execute(delete(s).where(s.c.name.in_([step_state(step) for step in ANALYSIS_STEPS])))

    def _state(self, name: str) -> int | None:
        s = schema.analysis_state
        with self.engine.connect() as conn:
            found = conn.scalar(select(s.c.value).where(s.c.name == name))
        return None if found is None else int(found)

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
