"""The case database: every write and read of structured data goes through here.

One ``CaseDatabase`` per process, and in the ingest pipeline only the main
process writes (SQLite allows one writer; the parser workers never touch
the database). Dialect differences stay in the store: SQLite's pragmas and
VACUUM here, the entity names' insert-if-new (``entities.py``), the
NUL-free conversation keys (``conversations.py``) and PostgreSQL's NUL-free
text (``postgres_text.py``); PostgreSQL runs the same Core statements
otherwise (``tests/test_store_backends.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, inspect, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.schema import Table

from loupe.errors import NotFound
from loupe.model import MEMBER_SEP, Address
from loupe.store import schema
from loupe.store.advisory import lock_for_transaction
from loupe.store.batching import chunks
from loupe.store.conversations import ConversationStore
from loupe.store.entities import EntityStore, insert_new_names
from loupe.store.meaning import MeaningStore
from loupe.store.notes import NoteStore, create_notes_table, notes
from loupe.store.people import PeopleStore, fill_person_counts
from loupe.store.postgres_text import nul_free, send_nul_free
from loupe.store.sources import SourceStore

STATUSES = ("indexed", "duplicate", "quarantined")
#: A PostgreSQL case's connection pool. The web server serves many reporters from threads,
#: each request borrowing a connection for its few queries, and one server process opens
#: many cases, each an engine of its own; PostgreSQL's ``max_connections`` (100 by default)
#: is shared by all of them. So a case keeps at most 5 connections open and lends 10 more in
#: a burst, then makes a request wait (30 s, SQLAlchemy's default) rather than fail. A pooled
#: connection is replaced after 30 minutes (``pool_recycle``: under the idle limits of proxies
#: and PgBouncer). It is not checked with a round trip each time it is lent (``pool_pre_ping``):
#: a search page borrows one some 30 times, and the checks cost a tenth of the page
#: (``bench/server_bench.py``). A connection the server dropped (a restart) fails the one
#: request that uses it; SQLAlchemy then discards every connection of the pool made before it,
#: and the next request reconnects. SQLite needs none of this: its "connections" are file handles.
POSTGRESQL_POOL: dict[str, Any] = {"pool_size": 5, "max_overflow": 10, "pool_pre_ping": False, "pool_recycle": 1800}
#: Seconds to wait for a PostgreSQL server to answer before saying it cannot be reached
#: (libpq waits as long as the network does), unless the URL says ``connect_timeout``.
CONNECT_TIMEOUT = 10
#: ``compact`` rewrites the file once it has grown by this share since it last did ...
COMPACT_GROWTH = 0.25
#: ... or once this share of its pages are free.
COMPACT_FREE = 0.10
#: The ``analysis_state`` row holding the file's pages after the last VACUUM.
COMPACTED_STATE = "compacted_pages"
_HEX = re.compile(r"[0-9a-f]+")

T = TypeVar("T")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _create_tables(conn: Connection) -> None:
    schema.metadata.create_all(conn)


def _add_saved_searches(conn: Connection) -> None:
    schema.saved_searches.create(conn, checkfirst=True)


def _index_children(conn: Connection) -> None:
    """``loupe show`` lists a message's attached messages; without this index
    that was a scan of every message (30 ms at 100,000). Partial: almost no
    message has a parent, and indexing the NULLs cost 1.4% of the case."""
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS messages_by_parent ON messages (parent) WHERE parent IS NOT NULL")


def _add_conversations(conn: Connection) -> None:
    """Threads, near duplicates, quoted blocks, signature keys and people.

    No index of ``message_addresses`` by correspondent: a person's messages
    come from the full-text index's exact-value address fields instead."""
    for table in schema.CONVERSATION_TABLES:
        table.create(conn, checkfirst=True)


def _add_sources(conn: Connection) -> None:
    """Informant codes and insight blocks."""
    for table in schema.SOURCE_TABLES:
        table.create(conn, checkfirst=True)


def _add_entities(conn: Connection) -> None:
    """How named entities are written, and users' corrections to them."""
    for table in schema.ENTITY_TABLES:
        table.create(conn, checkfirst=True)


def _add_person_counts(conn: Connection) -> None:
    """The people table's stored figures, worked out now for the persons a case already has."""
    schema.person_counts.create(conn, checkfirst=True)
    fill_person_counts(conn)


def _add_meaning(conn: Connection) -> None:
    """Passages and their meaning vectors; an existing case gets them at its next ingest (``meaning.build``)."""
    for table in schema.MEANING_TABLES:
        table.create(conn, checkfirst=True)


def _add_documents(conn: Connection) -> None:
    """Files of the leak that are not mail become messages of kind "document" (``ingest.documents``);
    every message a case already holds is mail."""
    have = {column["name"] for column in inspect(conn).get_columns("messages")}
    for name, default in (("kind", "mail"), ("doc_type", "")):
        if name not in have:
            conn.execute(text(f"ALTER TABLE messages ADD COLUMN {name} VARCHAR(8) NOT NULL DEFAULT '{default}'"))


def _add_attachment_ocr(conn: Connection) -> None:
    """How many pages of an attachment's text OCR read (``ingest.scans``): shown as "text read
    by OCR". Attachments a case already holds were read without OCR."""
    if "ocr_pages" not in {column["name"] for column in inspect(conn).get_columns("attachments")}:
        conn.execute(text("ALTER TABLE attachments ADD COLUMN ocr_pages INTEGER NOT NULL DEFAULT 0"))


def _add_linking_tables(conn: Connection) -> None:
    """What the whole-case step keeps so that added mail redoes only what it touches
    (``loupe.analysis``). Empty until a case's next whole-case step, which then runs
    over every message once and fills them."""
    for table in schema.LINKING_TABLES:
        table.create(conn, checkfirst=True)


def _add_authors(conn: Connection) -> None:
    """Who wrote a tag, a note or a saved search: the server's account name. Rows from
    before (and every row written from the command line) have none."""
    for table in (schema.tags, notes, schema.saved_searches):
        if "author" not in {column["name"] for column in inspect(conn).get_columns(table.name)}:
            conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN author TEXT"))


#: Other names a reporter may give a document type (``type:``), to the stored one.
DOC_TYPE_SPELLINGS = {"jpg": "jpeg", "tif": "tiff", "htm": "html", "text": "txt", "vcard": "vcf", "ical": "ics"}


#: Named schema changes, applied in order, each once, each in a transaction (``CaseDatabase.migrate``).
#: A step must be safe on a case that already has its change (``checkfirst``, a look at the
#: columns): a new case's tables are made from today's ``schema`` by the first step, and
#: every later step then finds its work done.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial", _create_tables),
    ("0002_saved_searches", _add_saved_searches),
    ("0003_messages_by_parent", _index_children),
    ("0004_tags", lambda conn: schema.tags.create(conn, checkfirst=True)),
    ("0005_conversations", _add_conversations),
    ("0006_sources", _add_sources),
    ("0007_entities", _add_entities),
    ("0008_notes", create_notes_table),
    ("0009_person_counts", _add_person_counts),
    ("0010_meaning", _add_meaning),
    ("0011_verifications", lambda conn: schema.verifications.create(conn, checkfirst=True)),
    ("0012_documents", _add_documents),
    ("0013_attachment_ocr", _add_attachment_ocr),
    ("0014_linking_tables", _add_linking_tables),
    ("0015_authors", _add_authors),
]


@dataclass(frozen=True)
class StatusCounts:
    """Every item found ends as exactly one of: mail indexed, a document, a duplicate, quarantined."""

    items: int
    indexed: int  # mail messages indexed
    duplicate: int
    quarantined: int
    messages: int  # rows of the messages table: mail and documents
    attachments: int
    embedded: int
    documents: int = 0  # files of the leak that are not mail, indexed as documents (``ingest.documents``)

    def as_dict(self) -> dict[str, int | bool]:
        """The counts as ``loupe status --json`` and ``/api/status`` give them."""
        return {
            "items": self.items,
            "indexed": self.indexed,
            "documents": self.documents,
            "duplicates": self.duplicate,
            "quarantined": self.quarantined,
            "messages": self.messages,
            "embedded_messages": self.embedded,
            "attachments": self.attachments,
            "adds_up": self.adds_up(),
        }

    def adds_up(self) -> bool:
        found = self.indexed + self.documents + self.duplicate + self.quarantined
        return self.items == found and self.indexed + self.documents == self.messages


class CaseDatabase:
    def __init__(self, url: str) -> None:
        """Open (and migrate) the database at ``url``; ``postgresql://`` means psycopg 3, the driver installed."""
        self.url = normalised_url(url)
        self.engine: Engine = create_engine(self.url, **engine_options(self.url))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", sqlite_pragmas)
        elif self.engine.dialect.name == "postgresql":
            event.listen(self.engine, "connect", send_nul_free)
        self.migrate()
        self.conversations = ConversationStore(self.engine)
        self.people = PeopleStore(self.engine)
        self.sources = SourceStore(self.engine)
        self.entities = EntityStore(self.engine)
        self.notes = NoteStore(self.engine)
        self.meaning = MeaningStore(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self) -> None:
        """Bring the case's tables up to date: each step of ``MIGRATIONS`` not yet recorded
        in ``schema_migrations``, in order, in a transaction of its own, on every open.

        Why our own steps and not Alembic, the ecosystem's tool: a case is a database
        of its own (a SQLite file in a folder, or a schema on the newsroom's server),
        opened by every command of the CLI and by the server, with no admin step in
        between; a reporter never runs ``alembic upgrade``. So migrations must run at
        open, on both backends, from the installed package alone: Alembic would need
        an ``alembic.ini``/``env.py``/``versions/`` tree shipped in the wheel and driven
        through its API with a configuration built per case, its version table with a
        single head in place of this list, and its autogenerate (the part that earns it
        its keep) would not apply: our steps are idempotent by hand (``checkfirst``,
        reading the columns) because a new case gets today's tables from step one, and
        some steps compute data (``0009`` fills the people's figures) rather than only
        alter tables. Alembic's downgrades are not wanted (an older Loupe refuses a
        newer case instead). Fifteen steps in one list, run the same way on SQLite and
        PostgreSQL (``tests/test_case_database_choice.py`` opens an old-shaped case on
        both), is less to ship and to know than Alembic for the same guarantees.

        On PostgreSQL, processes opening one case at once (two web workers, a CLI on
        another host) queue on an advisory lock per step and look again at what is
        recorded, so a step runs once; a SQLite case is opened by one host's processes.
        """
        postgres = self.engine.dialect.name == "postgresql"
        with self.engine.begin() as conn:
            if postgres:
                lock_for_transaction(conn, "migrate")
            schema.schema_migrations.create(conn, checkfirst=True)
            done = set(conn.scalars(select(schema.schema_migrations.c.name)))
        for name, step in MIGRATIONS:
            if name in done:
                continue
            with self.engine.begin() as conn:
                if postgres:
                    lock_for_transaction(conn, "migrate")
                    recorded = select(schema.schema_migrations.c.name).where(schema.schema_migrations.c.name == name)
                    if conn.scalar(recorded) is not None:
                        continue  # another process ran it while this one waited
                step(conn)
                conn.execute(insert(schema.schema_migrations).values(name=name, applied=_now()))

    # -- ingest ---------------------------------------------------------------
    def known_locators(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.scalars(select(schema.items.c.locator)))

    def existing_messages(self, ids: Iterable[str]) -> set[str]:
        """Which of these message ids are already stored."""
        wanted = list(set(ids))
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                found.update(conn.scalars(select(schema.messages.c.id).where(schema.messages.c.id.in_(chunk))))
        return found

    def write_batch(
        self,
        items: Sequence[dict[str, Any]],
        messages: Sequence[dict[str, Any]],
        addresses: Sequence[tuple[str, str, int, Address]],
        attachments: Sequence[dict[str, Any]],
        blobs: Sequence[dict[str, Any]] = (),
        extra: Mapping[str, Sequence[dict[str, Any]]] | None = None,
        replacing: Collection[str] = (),
    ) -> None:
        """Write one batch in one transaction: all of it lands or none.

        ``replacing``: locators whose earlier row (an item quarantined as encrypted,
        read again with a password) these items replace, in the same transaction.

        ``addresses`` are (message, role, position, address); each distinct
        address becomes one ``correspondents`` row, shared by all messages.
        """
        with self.engine.begin() as conn:
            if blobs:
                conn.execute(insert(schema.blobs), list(blobs))
            if messages:
                conn.execute(insert(schema.messages), list(messages))
            if addresses:
                ids = _correspondent_ids(conn, {a for *_, a in addresses})
                rows = [
                    {"message": m, "role": role, "position": pos, "correspondent": ids[a]}
                    for m, role, pos, a in addresses
                ]
                conn.execute(insert(schema.message_addresses), rows)
            if attachments:
                conn.execute(insert(schema.attachments), list(attachments))
            for table, extra_rows in (extra or {}).items():
                if extra_rows and table == "entity_names":  # shared by many messages: the first form stays
                    insert_new_names(conn, extra_rows)
                elif extra_rows:
                    conn.execute(insert(schema.metadata.tables[table]), list(extra_rows))
            if replacing:
                conn.execute(delete(schema.items).where(schema.items.c.locator.in_(list(replacing))))
            if items:
                conn.execute(insert(schema.items), list(items))

    def encrypted_items(self) -> set[str]:
        """Locators quarantined because they are encrypted: what a run with passwords reads again."""
        i = schema.items
        with self.engine.connect() as conn:
            encrypted = (i.c.status == "quarantined") & i.c.reason.like("encrypted%")
            return set(conn.scalars(select(i.c.locator).where(encrypted)))

    def settle_retried(self, locators: Iterable[str], walked_files: Collection[str]) -> None:
        """Settle the encrypted items a run with passwords walked but did not meet again: an
        archive whose file list was encrypted is now its members (its own row goes: the archive is
        counted as its members), and a member that decrypted to nothing keeps its row, saying so."""
        i = schema.items
        with self.engine.begin() as conn:
            for locator in locators:
                if locator.split(MEMBER_SEP, 1)[0] not in walked_files:
                    continue  # not among this run's inputs: still encrypted, as far as anyone knows
                members = select(func.count()).where(i.c.locator.startswith(locator + MEMBER_SEP, autoescape=True))
                if conn.scalar(members):
                    conn.execute(delete(i).where(i.c.locator == locator, i.c.status == "quarantined"))
                else:
                    reason = "encrypted, and empty once opened with one of the passwords given"
                    conn.execute(update(i).where(i.c.locator == locator).values(reason=reason))

    def start_run(self, inputs: Sequence[str]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(schema.runs).values(started=_now(), inputs=json.dumps(list(inputs))))
            key = result.inserted_primary_key
            assert key is not None  # an autoincrement insert always has one
            return int(key[0])

    def finish_run(self, run: int, summary: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.runs).where(schema.runs.c.id == run).values(finished=_now(), summary=json.dumps(summary))
            )

    def compact(self) -> bool:
        """Rewrite the SQLite file densely after an ingest, when that pays; returns whether it did.

        Rows keyed by content hashes arrive in random key order, which leaves
        B-tree pages about 13% empty (measured at 100,000 messages); VACUUM
        takes about half a second per 100 MB and brings that back. But it
        rewrites the whole file, 1.8 GB (15 s) at 1,000,000 messages, which
        10,000 more grew by 9% (their rows split pages the last VACUUM had
        packed full; later ones fill them). So it runs when the file has grown
        by ``COMPACT_GROWTH`` since the last one (the first ingest always:
        nothing was compacted), or when ``COMPACT_FREE`` of its pages are free
        (rows deleted): over a case's ingests, compacting then rewrites a few
        times its final size in all, not its whole size at every ingest
        (``bench/add_to_big_case.py``). Other dialects manage their own space.
        """
        if self.engine.dialect.name != "sqlite":
            return False
        state = schema.analysis_state
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
            free = int(conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0)
            last = conn.scalar(select(state.c.value).where(state.c.name == COMPACTED_STATE))
        if last and pages <= last * (1 + COMPACT_GROWTH) and free <= pages * COMPACT_FREE:
            return False
        with self.engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
            pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
        with self.engine.begin() as conn:
            conn.execute(delete(state).where(state.c.name == COMPACTED_STATE))
            conn.execute(insert(state).values(name=COMPACTED_STATE, value=pages))
        return True

    # -- reading --------------------------------------------------------------
    def status_counts(self) -> StatusCounts:
        """The counts, all read from one snapshot: an ingest writing meanwhile is seen whole
        batches at a time, so they add up (``tests/test_concurrency.py``)."""
        with self._snapshot() as conn:
            by_status: dict[str, int] = dict(
                conn.execute(select(schema.items.c.status, func.count()).group_by(schema.items.c.status)).all()
            )
            messages = conn.scalar(select(func.count()).select_from(schema.messages)) or 0
            attachments = conn.scalar(select(func.count()).select_from(schema.attachments)) or 0
            embedded = (
                conn.scalar(
                    select(func.count()).select_from(schema.messages).where(schema.messages.c.parent.is_not(None))
                )
                or 0
            )
            is_document = schema.messages.c.kind == "document"
            documents = int(conn.scalar(select(func.count()).select_from(schema.messages).where(is_document)) or 0)
        counts = {status: int(by_status.get(status, 0)) for status in STATUSES}
        return StatusCounts(
            documents=documents,
            items=sum(counts.values()),
            indexed=counts["indexed"] - documents,
            duplicate=counts["duplicate"],
            quarantined=counts["quarantined"],
            messages=int(messages),
            attachments=int(attachments),
            embedded=int(embedded),
        )

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A connection whose reads all see the database as of the first one. Each statement
        sees its own by default (PostgreSQL's READ COMMITTED; pysqlite begins no transaction
        for a SELECT), so counts read one after the other while a batch commits disagree."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            elif conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN")  # a read transaction: WAL keeps its snapshot until it ends
            yield conn

    def quarantined(self) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.items).where(schema.items.c.status == "quarantined").order_by(schema.items.c.locator)
            )
            for row in rows:
                yield dict(row._mapping)

    # -- saved searches ---------------------------------------------------------
    def save_search(self, name: str, query: str, author: str | None = None) -> None:
        """Save (or replace) a named search; ``author``: the account that saved it (None: the
        command line). One statement (an upsert), so two saving one name at once both succeed
        and the later one stands."""
        table = schema.saved_searches
        values = {"name": name, "query": query, "created": _now(), "author": author}
        with self.engine.begin() as conn:
            upsert = _insert(conn, table).values(**values)
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[table.c.name], set_={k: v for k, v in values.items() if k != "name"}
                )
            )

    def saved_searches(self) -> list[tuple[str, str]]:
        table = schema.saved_searches
        with self.engine.connect() as conn:
            return [
                (str(n), str(q)) for n, q in conn.execute(select(table.c.name, table.c.query).order_by(table.c.name))
            ]

    def saved_search_details(self) -> list[dict[str, Any]]:
        """Every saved search with who saved it and when: name, query, author, created (by name)."""
        table = schema.saved_searches
        columns = (table.c.name, table.c.query, table.c.author, table.c.created)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(*columns).order_by(table.c.name))]

    def saved_search(self, name: str) -> str:
        table = schema.saved_searches
        with self.engine.connect() as conn:
            query = conn.scalar(select(table.c.query).where(table.c.name == name))
        if query is None:
            raise NotFound("saved search", name)
        return str(query)

    def delete_saved_search(self, name: str) -> None:
        table = schema.saved_searches
        with self.engine.begin() as conn:
            if conn.execute(table.delete().where(table.c.name == name)).rowcount == 0:
                raise NotFound("saved search", name)

    def provenance(self, ids: Iterable[str]) -> dict[str, list[dict[str, str]]]:
        """Every place each message was found (its indexed copy first), its status, and when the
        run that read it there started: the "found at, ingested on" of an evidence pack."""
        wanted = list(ids)
        found: dict[str, list[dict[str, str]]] = {i: [] for i in wanted}
        items, runs = schema.items, schema.runs
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                rows = conn.execute(
                    select(items.c.message, items.c.locator, items.c.status, runs.c.started)
                    .join(runs, runs.c.id == items.c.run, isouter=True)
                    .where(items.c.message.in_(chunk))
                    .order_by(items.c.message, items.c.status.desc(), items.c.locator)
                )
                for message, locator, status, started in rows:
                    found[str(message)].append({"locator": locator, "status": status, "ingested": started or ""})
        return found

    def copies_of(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """Every locator of each message (its indexed copy first)."""
        wanted = list(ids)
        found: dict[str, list[str]] = {i: [] for i in wanted}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.items.c.message, schema.items.c.locator)
                .where(schema.items.c.message.in_(wanted))
                .order_by(schema.items.c.status.desc(), schema.items.c.locator)
            )
            for message, locator in rows:
                found[str(message)].append(str(locator))
        return found

    # -- tags -------------------------------------------------------------------
    def add_tags(self, ids: Iterable[str], tags: Sequence[str], author: str | None = None) -> int:
        """Tag messages; returns how many (message, tag) pairs were new.

        ``author``: the account tagging (None: the command line). A pair already there
        keeps its first author and date. Pairs go in with ``ON CONFLICT DO NOTHING`` and
        are counted by the rows the database returns as inserted (``RETURNING``: psycopg's
        row count of a many-row insert is -1), so two sessions tagging one message at once
        both succeed and each counts only what it added.
        """
        table = schema.tags
        created = _now()
        wanted = dict.fromkeys((m, t.lower()) for m in ids for t in tags)
        rows = [{"message": m, "tag": t, "created": created, "author": author} for m, t in wanted]
        added = 0
        with self.engine.begin() as conn:
            for chunk in chunks(rows, 500):  # 2,000 parameters a statement: under SQLite's limit
                new = _insert(conn, table).values(chunk).on_conflict_do_nothing().returning(table.c.tag)
                added += len(conn.execute(new).all())
        return added

    def remove_tags(self, ids: Iterable[str], tags: Sequence[str]) -> int:
        table = schema.tags
        removed = 0
        with self.engine.begin() as conn:
            for start_ids in chunks(list(ids), 500):
                result = conn.execute(
                    table.delete().where(table.c.message.in_(start_ids), table.c.tag.in_([t.lower() for t in tags]))
                )
                removed += result.rowcount or 0
        return removed

    def tagged(self, tag: str) -> list[str]:
        with self.engine.connect() as conn:
            return [str(m) for m in conn.scalars(select(schema.tags.c.message).where(schema.tags.c.tag == tag.lower()))]

    def tags_of(self, message_id: str) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.scalars(
                select(schema.tags.c.tag).where(schema.tags.c.message == message_id).order_by(schema.tags.c.tag)
            )
            return [str(t) for t in rows]

    def tag_pairs(self) -> list[tuple[str, str]]:
        """Every (message, tag) of the case: reporters' tags are thousands, not millions."""
        table = schema.tags
        with self.engine.connect() as conn:
            return [(str(m), str(t)) for m, t in conn.execute(select(table.c.message, table.c.tag))]

    def tags_by_message(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """The tags of many messages at once (a page of hits), each list sorted; none for an untagged one."""
        table = schema.tags
        found: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(ids), 500):
                query = select(table.c.message, table.c.tag).where(table.c.message.in_(chunk)).order_by(table.c.tag)
                for message, tag in conn.execute(query):
                    found.setdefault(str(message), []).append(str(tag))
        return found

    def tag_details(self, message_id: str) -> list[dict[str, Any]]:
        """Who tagged a message what, and when: tag, author, created (by tag)."""
        table = schema.tags
        query = (
            select(table.c.tag, table.c.author, table.c.created)
            .where(table.c.message == message_id)
            .order_by(table.c.tag)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def tag_counts(self) -> list[tuple[str, int]]:
        table = schema.tags
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c.tag, func.count()).group_by(table.c.tag).order_by(func.count().desc()))
            return [(str(t), int(n)) for t, n in rows]

    def summaries(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Subject, sender and date of many messages at once (search hits)."""
        m = schema.messages
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(m.c.id, m.c.subject, m.c.from_name, m.c.from_email, m.c.date).where(m.c.id.in_(list(ids)))
            )
            return {
                str(r.id): {
                    "subject": r.subject,
                    "sender": f"{r.from_name} {r.from_email}".strip(),
                    "date": datetime.fromisoformat(r.date) if r.date else None,
                }
                for r in rows
            }

    def has_attachments(self, message_id: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.scalar(
                select(schema.attachments.c.position).where(schema.attachments.c.message == message_id).limit(1)
            )
        return found is not None

    def documents(self, doc_type: str | None = None) -> list[str]:
        """The ids of the case's documents (``is:document``), or of those of one type (``type:pdf``)."""
        m = schema.messages
        query = select(m.c.id).where(m.c.kind == "document")
        if doc_type is not None:
            query = query.where(m.c.doc_type == DOC_TYPE_SPELLINGS.get(doc_type.lower(), doc_type.lower()))
        with self.engine.connect() as conn:
            return [str(i) for i in conn.scalars(query)]

    def stored_item(self, message_id: str) -> tuple[str, str, str]:
        """The blob, locator and kind ("mail" or "document") of a message's indexed copy:
        what reading it again needs (a document is read by its name, ``ingest.documents``)."""
        items, messages = schema.items, schema.messages
        with self.engine.connect() as conn:
            found = conn.execute(
                select(items.c.raw_sha256, items.c.locator, messages.c.kind)
                .join(messages, messages.c.id == items.c.message)
                .where(items.c.message == message_id, items.c.status == "indexed")
            ).first()
        if found is None:
            raise NotFound("message", message_id)
        return str(found[0]), str(found[1]), str(found[2])

    def raw_sha256_of(self, message_id: str) -> str:
        """The blob of a message's indexed copy: one indexed lookup, for hot paths."""
        with self.engine.connect() as conn:
            found = conn.scalar(
                select(schema.items.c.raw_sha256).where(
                    schema.items.c.message == message_id, schema.items.c.status == "indexed"
                )
            )
        if found is None:
            raise NotFound("message", message_id)
        return str(found)

    def message_for_locator(self, locator: str) -> str | None:
        with self.engine.connect() as conn:
            found = conn.scalar(select(schema.items.c.message).where(schema.items.c.locator == locator))
            return str(found) if found is not None else None

    def header_message_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """Loupe id -> Message-ID header, for the given messages."""
        wanted = list(ids)
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                rows = conn.execute(
                    select(schema.messages.c.id, schema.messages.c.message_id).where(schema.messages.c.id.in_(chunk))
                )
                found.update({str(mid): str(header) for mid, header in rows})
        return found

    def message_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.scalars(select(schema.messages.c.id)))

    def resolve(self, key: str) -> str:
        """A Loupe id, a unique prefix of one (4 characters or more), or a Message-ID, to a Loupe id."""
        bare = key.strip().strip("<>")
        m = schema.messages.c
        with self.engine.connect() as conn:
            prefix = bare.lower()
            if len(prefix) >= 4 and _HEX.fullmatch(prefix):
                # Loupe ids are lower-case hex, so the ids starting with ``prefix`` are exactly those
                # from it up to ``prefix + "g"``: a range on the primary key. (``LIKE 'prefix%'``
                # cannot use that index in SQLite: 100 ms a lookup at 1,000,000 messages.)
                ids = list(conn.scalars(select(m.id).where(m.id >= prefix, m.id < prefix + "g").limit(2)))
                if len(ids) == 1:
                    return str(ids[0])
            ids = list(conn.scalars(select(m.id).where(m.message_id == bare).limit(2)))
        if len(ids) == 1:
            return str(ids[0])
        raise NotFound("message", key)

    def message(self, message_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.messages).where(schema.messages.c.id == message_id)).first()
            if row is None:
                raise NotFound("message", message_id)
            record = dict(row._mapping)
            first = conn.execute(
                select(schema.items.c.locator, schema.items.c.raw_sha256).where(
                    schema.items.c.message == message_id, schema.items.c.status == "indexed"
                )
            ).first()
            if first is None:
                raise NotFound("indexed copy of message", message_id)
            record["locator"], record["raw_sha256"] = first
            record["copies"] = [
                dict(r._mapping)
                for r in conn.execute(
                    select(schema.items.c.locator, schema.items.c.status, schema.items.c.raw_sha256)
                    .where(schema.items.c.message == message_id)
                    .order_by(schema.items.c.status.desc(), schema.items.c.locator)
                )
            ]
            record["attachments"] = [
                dict(r._mapping)
                for r in conn.execute(
                    select(schema.attachments)
                    .where(schema.attachments.c.message == message_id)
                    .order_by(schema.attachments.c.position)
                )
            ]
            ma, co = schema.message_addresses, schema.correspondents
            record["addresses"] = [
                dict(r._mapping)
                for r in conn.execute(
                    select(ma.c.role, ma.c.position, co.c.name, co.c.email, co.c.raw)
                    .join(co, co.c.id == ma.c.correspondent)
                    .where(ma.c.message == message_id)
                    .order_by(ma.c.role, ma.c.position)
                )
            ]
            record["tags"] = [
                str(t)
                for t in conn.scalars(
                    select(schema.tags.c.tag).where(schema.tags.c.message == message_id).order_by(schema.tags.c.tag)
                )
            ]
            record["children"] = list(
                conn.scalars(select(schema.messages.c.id).where(schema.messages.c.parent == message_id))
            )
        return record


def normalised_url(url: str) -> str:
    """``url`` with plain ``postgresql://`` (or ``postgres://``) naming psycopg 3, the driver
    Loupe installs (SQLAlchemy's default for them is psycopg2); any other URL as given."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql+psycopg{sep}{rest}" if sep and scheme in ("postgresql", "postgres") else url


def engine_options(url: str) -> dict[str, Any]:
    """``create_engine``'s pool and connect options for ``url`` (see ``POSTGRESQL_POOL``); shared by
    the team server's own database (``loupe.server.db``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return {}
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT}
    return {**POSTGRESQL_POOL, "connect_args": connect_args}


def _insert(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` and ``on_conflict_do_update``."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no INSERT ... ON CONFLICT for {conn.dialect.name}")


def _correspondent_ids(conn: Connection, wanted: set[Address]) -> dict[Address, int]:
    """Ids of these addresses, inserting the ones not seen before.

    Rows read back are matched by the address as this backend stores it: on PostgreSQL a
    name that held NUL comes back with U+FFFD (``postgres_text``), and two addresses that
    differ only there share one row."""
    co = schema.correspondents
    stored: dict[Address, list[Address]] = {}
    for address in wanted:
        stored.setdefault(_as_stored(conn, address), []).append(address)
    found: dict[Address, int] = {}

    def read(keys: Sequence[Address]) -> None:
        for chunk in chunks(keys, 300):
            for row in conn.execute(select(co).where(co.c.email.in_({a.email for a in chunk}))):
                for address in stored.get(Address(name=row.name, email=row.email, raw=row.raw), ()):
                    found[address] = int(row.id)

    read(list(stored))
    missing = [key for key, addresses in stored.items() if addresses[0] not in found]
    if missing:
        conn.execute(insert(co), [{"name": a.name, "email": a.email, "raw": a.raw} for a in missing])
        read(missing)
    return found


def _as_stored(conn: Connection, address: Address) -> Address:
    """``address`` as this connection's backend gives it back."""
    if conn.dialect.name != "postgresql":
        return address
    return Address(name=nul_free(address.name), email=nul_free(address.email), raw=nul_free(address.raw))


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers (the web UI, Datasette) work while an ingest writes;
    synchronous=NORMAL is safe under WAL and much faster than FULL."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
