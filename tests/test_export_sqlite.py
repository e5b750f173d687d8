"""``loupe export QUERY --sqlite FILE``: a standalone SQLite file for Datasette, checked table by
table against the case (on the demo case)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from loupe.case import Case
from loupe.cli import cli
from loupe.entity_counts import named_in

QUERY = "kidnapping OR juarez"


@pytest.fixture(scope="module")
def exported(demo_case: tuple[Case, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    case, _ = demo_case
    path = tmp_path_factory.mktemp("sqlite") / "juarez.db"
    result = CliRunner().invoke(cli, ["export", QUERY, "--sqlite", str(path), "--case", str(case.root)])
    assert result.exit_code == 0, result.output
    db = Database(path)
    yield case, db
    db.close()


def test_every_match_is_a_row_with_its_evidence(exported: tuple[Case, Database]) -> None:
    case, db = exported
    rows = {r["id"]: r for r in db.table("messages").rows}
    assert sorted(rows) == sorted(case.matching_ids(QUERY))
    for message in list(rows)[:300]:
        record = case.db.message(message)
        row = rows[message]
        assert row["original_sha256"] == record["raw_sha256"] and row["found_at"] == record["locator"]
        assert row["subject"] == record["subject"] and row["date"] == record["date"]
        assert row["body"] == case.parsed(message, attachment_text=False).body_text
        stored = list(db.table("addresses").rows_where("message = ?", [message]))
        assert len(stored) == len(record["addresses"])
        assert len(list(db.table("attachments").rows_where("message = ?", [message]))) == len(record["attachments"])


def test_search_box_and_links_for_datasette(exported: tuple[Case, Database]) -> None:
    """Datasette offers a search box for a table with an FTS table it can detect (the detection
    sqlite-utils shares with it), and links rows through foreign keys."""
    case, db = exported
    assert db.table("messages").detect_fts() == "messages_fts"
    found = {
        r["id"]
        for r in db.query(
            "select messages.id from messages join messages_fts on messages.rowid = messages_fts.rowid "
            "where messages_fts match 'kidnapping'"
        )
    }
    assert found == set(case.matching_ids("subject:kidnapping OR body:kidnapping")) and found
    links = {(fk.table, fk.column, fk.other_table) for t in db.tables for fk in t.foreign_keys}
    assert ("addresses", "person", "people") in links and ("names", "message", "messages") in links
    people = {r["id"] for r in db.table("people").rows}
    assert all(r["person"] in people for r in db.query("select person from addresses where person is not null"))


def test_names_are_what_loupe_read(exported: tuple[Case, Database]) -> None:
    case, db = exported
    corrections = case.entity_corrections()
    for row in list(db.table("messages").rows)[:200]:
        parsed = case.parsed(row["id"], attachment_text=False)
        found = named_in(parsed.subject, parsed.body_text, corrections)
        expected = sorted((kind, name) for kind, names in found.items() for name in names)
        stored = sorted((r["kind"], r["name"]) for r in db.table("names").rows_where("message = ?", [row["id"]]))
        assert stored == expected


def test_sqlite_export_never_overwrites(demo_case: tuple[Case, dict[str, Any]], tmp_path: Path) -> None:
    case, _ = demo_case
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"mine")
    result = CliRunner().invoke(cli, ["export", QUERY, "--sqlite", str(taken), "--case", str(case.root)])
    assert result.exit_code != 0 and "exists" in result.output and taken.read_bytes() == b"mine"
