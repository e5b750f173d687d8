"""The people table's stored figures (``person_counts``) against every message's own addresses.

The figures are worked out whenever persons are (after each ingest and each
correction) and by the migration that added them; the page and ``loupe
people`` only read them. The oracle here counts from the raw rows in Python.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, text

from loupe.analysis import edit_people
from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.pipeline import ingest
from loupe.store import schema

from .conftest import corpus, open_case_on


def _from_each_message(case: Case) -> dict[int, dict[str, Any]]:
    """Sent, received, first and last per person, from message_addresses row by row."""
    ma, c, m, pa = schema.message_addresses, schema.correspondents, schema.messages, schema.person_addresses
    with case.db.engine.connect() as conn:
        person_of = dict(conn.execute(select(pa.c.email, pa.c.person)).all())
        rows = conn.execute(
            select(c.c.email, ma.c.role, ma.c.message, m.c.date).select_from(
                ma.join(c, c.c.id == ma.c.correspondent).join(m, m.c.id == ma.c.message)
            )
        ).all()
    seen: set[int] = set()  # any role counts for having a row and for the dates (reply-to too)
    sent: dict[int, set[str]] = defaultdict(set)
    received: dict[int, set[str]] = defaultdict(set)
    dates: dict[int, list[str]] = defaultdict(list)
    for email, role, message, date in rows:
        person = person_of.get(email)
        if person is None:
            continue
        seen.add(person)
        dates[person] += [date] if date else []
        if role == "from":
            sent[person].add(message)
        elif role in ("to", "cc", "bcc"):
            received[person].add(message)
    return {
        person: {
            "sent": len(sent[person]),
            "received": len(received[person]),
            "first": min(dates[person], default="")[:10],
            "last": max(dates[person], default="")[:10],
        }
        for person in seen
    }


def _stored(case: Case) -> dict[int, dict[str, Any]]:
    return {row["id"]: {k: row[k] for k in ("sent", "received", "first", "last")} for row in case.db.people.table()}


@pytest.mark.both_backends
def test_stored_figures_follow_ingests_corrections_and_the_migration(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    case = open_case_on(backend, tmp_path / "case", request)
    ingest(case, [corpus("notmuch-default")], workers=1)
    assert _stored(case) == _from_each_message(case) and len(_stored(case)) > 10

    carl = edit_people(case.db, "merge", ["cworth@cworth.org", "keithp@keithp.com"])
    assert _stored(case) == _from_each_message(case)
    assert _stored(case)[carl["id"]]["sent"] == case.search("from:cworth@cworth.org OR from:keithp@keithp.com")[0]

    ingest(case, [corpus("mu-testdir")], workers=1)  # more mail: more people and messages
    assert _stored(case) == _from_each_message(case)
    before = _stored(case)

    # a case from before the stored figures: the migration works them out on opening
    with case.db.engine.begin() as conn:
        conn.execute(delete(schema.person_counts))
        conn.execute(text("DROP TABLE person_counts"))
        conn.execute(delete(schema.schema_migrations).where(schema.schema_migrations.c.name == "0009_person_counts"))
    case.close()
    reopened = Case.open(tmp_path / "case", db_url=case.db.url)
    request.addfinalizer(reopened.close)
    assert _stored(reopened) == before
    if backend == "sqlite":  # the CLI finds a case by its folder: one whose database is in it
        shown = CliRunner().invoke(
            cli, ["people", "--all", "--format", "json", "--limit", "0", "--case", str(reopened.root)]
        )
        assert shown.exit_code == 0 and len(shown.output.splitlines()) == len(before)
