"""A query's messages as a standalone SQLite file for Datasette (``loupe export QUERY --sqlite FILE``).

The case's own ``case.db`` opens in Datasette too, but it is the live store:
its tables are shaped for Loupe, bodies are not in it, and it holds the whole
leak. This export is what a reporter hands a colleague or publishes: only
the matching messages, in tables made for browsing (written with
``sqlite-utils``, which Datasette's author made for the job):

- ``messages``: one row each (id, date, sender, subject, body, thread,
  copies, where it was found, the original's SHA-256), with full-text search
  over subject and body (an FTS5 table Datasette finds and offers a search
  box for);
- ``addresses``: every sender and recipient, by role, linked to ``people``
  (Loupe's grouping of addresses into people and mailing lists);
- ``attachments``: name, type, size and SHA-256;
- ``names``: the people, organisations and places each message names.

Foreign keys link them, so Datasette shows each row's message and person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from loupe.case import Case
from loupe.entity_counts import named_in
from loupe.model import Address

#: Messages written to the file at a time (bodies included, so a whole leak never sits in memory).
BATCH = 1000


def write_sqlite(case: Case, ids: Sequence[str], path: Path, advance: Callable[[], None]) -> None:
    """Create ``path`` with the tables above for these messages."""
    db = Database(path)
    person_of = case.db.people.person_of_emails()
    db.table("people").create({"id": int, "name": str, "kind": str, "addresses": str}, pk="id")
    db.table("messages").create(
        {
            "id": str,
            "date": str,
            "sender": str,
            "subject": str,
            "body": str,
            "thread": str,
            "copies": int,
            "found_at": str,
            "original_sha256": str,
            "message_id": str,
        },
        pk="id",
    )
    db.table("addresses").create(
        {"message": str, "role": str, "name": str, "email": str, "person": int},
        foreign_keys=[("message", "messages", "id"), ("person", "people", "id")],
    )
    db.table("attachments").create(
        {"message": str, "position": int, "filename": str, "mimetype": str, "size": int, "sha256": str},
        foreign_keys=[("message", "messages", "id")],
    )
    db.table("names").create({"message": str, "kind": str, "name": str}, foreign_keys=[("message", "messages", "id")])
    used: set[int] = set()
    batch: list[dict[str, Any]] = []
    for row in _rows(case, ids, person_of, used, advance):
        batch.append(row)
        if len(batch) == BATCH:
            _insert(db, batch)
            batch = []
    _insert(db, batch)
    people = (case.db.people.person(number) for number in sorted(used))
    db.table("people").insert_all(
        {"id": p["id"], "name": p["name"], "kind": p["kind"], "addresses": "; ".join(p["emails"])} for p in people
    )
    for table, columns in (("addresses", ["message"]), ("addresses", ["person"]), ("attachments", ["message"])):
        db.table(table).create_index(columns)
    db.table("names").create_index(["message"])
    db.table("names").create_index(["kind", "name"])
    db.table("messages").enable_fts(["subject", "body"], fts_version="FTS5")
    db.close()


def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    db.table("messages").insert_all(row["message"] for row in rows)
    for table in ("addresses", "attachments", "names"):
        db.table(table).insert_all(item for row in rows for item in row[table])


def _rows(
    case: Case,
    ids: Sequence[str],
    person_of: dict[str, tuple[int, str, str]],
    used: set[int],
    advance: Callable[[], None],
) -> Iterator[dict[str, Any]]:
    corrections = case.entity_corrections()
    conversations = case.db.conversations
    for message in ids:
        record = case.db.message(message)
        parsed = case.parsed(message, attachment_text=False)
        addresses = []
        for a in record["addresses"]:
            person = person_of.get((a["email"] or "").lower())
            if person is not None:
                used.add(person[0])
            addresses.append(
                {
                    "message": message,
                    "role": a["role"],
                    "name": a["name"],
                    "email": a["email"] or a["raw"],
                    "person": person[0] if person else None,
                }
            )
        names = named_in(parsed.subject, parsed.body_text, corrections)
        yield {
            "message": {
                "id": message,
                "date": record["date"],
                "sender": Address(record["from_name"], record["from_email"]).display(),
                "subject": record["subject"],
                "body": parsed.body_text,
                "thread": conversations.thread_of(message) or message,
                "copies": len(record["copies"]),
                "found_at": record["locator"],
                "original_sha256": record["raw_sha256"],
                "message_id": record["message_id"],
            },
            "addresses": addresses,
            "attachments": [
                {k: a[k] for k in ("position", "filename", "mimetype", "size", "sha256")} | {"message": message}
                for a in record["attachments"]
            ],
            "names": [{"message": message, "kind": kind, "name": n} for kind, found in names.items() for n in found],
        }
        advance()
