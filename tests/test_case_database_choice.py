"""Which database a case lives in, who wrote its tags, notes and saved searches, and its migrations.

A case's database is the first of: ``--db``, the folder's ``[store] database``,
``$LOUPE_DB`` (for a folder with no case.db), the folder's case.db. The CLI
tests make a case on PostgreSQL with ``--db`` and find it again from the
folder alone, as a reporter on the newsroom server would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, inspect, text

from loupe.case import Case
from loupe.cli import cli
from loupe.config import Settings, database_url, record_database
from loupe.errors import CaseError
from loupe.ingest.pipeline import ingest
from loupe.store import schema
from loupe.store.database import normalised_url
from tests.conftest import corpus, open_case_on

PG = "postgresql+psycopg://u@db.example/newsroom"


def test_the_first_that_names_a_database_wins(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    stored = Settings(database_url="postgresql://u@stored/db")
    env = {"LOUPE_DB": "postgresql://u@env/db"}
    assert database_url(folder, PG, stored, env) == (PG, "--db")
    assert database_url(folder, None, stored, env) == ("postgresql://u@stored/db", "case.toml")
    assert database_url(folder, None, Settings(), env) == ("postgresql://u@env/db", "LOUPE_DB")
    assert database_url(folder, None, Settings(), {}) == (f"sqlite:///{folder / 'case.db'}", "case.db")


def test_loupe_db_does_not_move_a_case_that_has_its_own_case_db(tmp_path: Path) -> None:
    Case.open(tmp_path / "old", create=True).close()
    url, origin = database_url(tmp_path / "old", None, Settings(), {"LOUPE_DB": PG})
    assert origin == "case.db" and url.endswith("old/case.db")


def test_the_store_table_of_case_toml(tmp_path: Path) -> None:
    path = tmp_path / "case.toml"
    path.write_text("[ingest]\nworkers = 2\n", "utf-8")
    record_database(path, 'postgresql://u:p"w@h/db')
    settings = Settings.from_toml(path)
    assert settings.database_url == 'postgresql://u:p"w@h/db' and settings.workers == 2
    record_database(path, "postgresql://other/db")  # recorded once: a later URL does not replace it
    assert Settings.from_toml(path).database_url == 'postgresql://u:p"w@h/db'
    path.write_text('[store]\ndatabse = "x"\n', "utf-8")
    with pytest.raises(CaseError, match="unknown store setting"):
        Settings.from_toml(path)
    path.write_text("[store]\ndatabase = 5\n", "utf-8")
    with pytest.raises(CaseError, match="must be a database URL"):
        Settings.from_toml(path)
    path.write_text('[ingest]\ndatabase_url = "x"\n', "utf-8")
    with pytest.raises(CaseError, match="unknown ingest setting"):
        Settings.from_toml(path)


def test_plain_postgresql_urls_mean_psycopg() -> None:
    assert (
        normalised_url("postgresql://u:pw@h:5433/db?host=/run/pg") == "postgresql+psycopg://u:pw@h:5433/db?host=/run/pg"
    )
    assert normalised_url("postgres://u@h/db").startswith("postgresql+psycopg://u@h/db")
    assert normalised_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalised_url("sqlite:////tmp/x/case.db") == "sqlite:////tmp/x/case.db"


def test_a_case_made_with_db_is_found_again_from_its_folder(tmp_path: Path, pg_url: str) -> None:
    folder = tmp_path / "case"
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")  # as a reporter would type it
    runner = CliRunner()
    made = runner.invoke(cli, ["ingest", str(corpus("notmuch-edge")), "--case", str(folder), "--db", plain, "--quiet"])
    assert made.exit_code == 0, made.output
    assert not (folder / "case.db").exists(), "the tables are on the server"
    recorded = tomllib.loads((folder / "case.toml").read_text("utf-8"))["store"]["database"]
    assert recorded == plain
    status = runner.invoke(cli, ["status", "--case", str(folder), "--json"])
    assert status.exit_code == 0, status.output
    counts = json.loads(status.output)
    assert counts["messages"] > 0 and counts["adds_up"]
    case = Case.open(folder)  # the library finds it the same way
    try:
        assert case.db.engine.dialect.name == "postgresql"
        assert case.db.status_counts().messages == counts["messages"]
    finally:
        case.close()


def test_loupe_db_places_a_new_case_and_the_folder_remembers(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "case"
    monkeypatch.setenv("LOUPE_DB", pg_url)
    Case.open(folder, create=True).close()
    monkeypatch.delenv("LOUPE_DB")
    case = Case.open(folder)
    try:
        assert case.db.engine.dialect.name == "postgresql" and not (folder / "case.db").exists()
    finally:
        case.close()


def test_a_postgresql_case_has_a_bounded_pool(case_pg: Case) -> None:
    pool = case_pg.db.engine.pool
    assert pool.size() == 5  # type: ignore[attr-defined]
    assert case_pg.db.engine.url.drivername == "postgresql+psycopg"


@pytest.fixture
def case_pg(tmp_path: Path, request: pytest.FixtureRequest) -> Case:
    return open_case_on("postgresql", tmp_path / "case", request)


def test_an_unreachable_database_is_one_clear_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://reporter:s3cret@/newsroom?host={tmp_path / 'no-server-here'}"
    with pytest.raises(CaseError) as raised:
        Case.open(tmp_path / "case", create=True, db_url=url)
    message = str(raised.value)
    assert "s3cret" not in message and "reporter:***@" in message
    assert "cannot be reached" in message and "no-server-here" in message
    run = subprocess.run(
        [sys.executable, "-m", "loupe", "status", "--case", str(tmp_path / "case"), "--db", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    (line,) = [x for x in run.stderr.splitlines() if x.strip()]  # one line, no traceback
    assert line.startswith("loupe: case postgresql://reporter:***@/newsroom?host=") and "s3cret" not in line


def test_a_url_that_is_not_one_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="not a database URL") as raised:
        Case.open(tmp_path / "case", create=True, db_url="mysql-ish://u:s3cret@h/db")
    assert "s3cret" not in str(raised.value)


@pytest.mark.both_backends
def test_who_wrote_tags_notes_and_saved_searches(case: Case) -> None:
    ingest(case, [corpus("notmuch-edge")], workers=1)
    first, second = sorted(case.db.message_ids())[:2]
    assert case.db.add_tags([first], ["Lead"], author="ana") == 1
    assert case.db.add_tags([first, second], ["lead", "later"]) == 3  # (first, lead) was there
    details = case.db.tag_details(first)
    assert [(d["tag"], d["author"]) for d in details] == [("later", None), ("lead", "ana")]
    assert all(d["created"] for d in details)
    note = case.db.notes.add(first, " ask the source ", author="ana")
    assert note["author"] == "ana" and note["text"] == "ask the source"
    assert case.db.notes.add(first, "from the shell")["author"] is None
    assert [n["author"] for n in case.db.notes.of(first)] == ["ana", None]
    case.db.save_search("leads", "tag:lead", author="ana")
    case.db.save_search("leads", "tag:lead OR tag:later", author="bo")  # saved again: replaced
    case.db.save_search("plain", "notmuch")
    assert case.db.saved_searches() == [("leads", "tag:lead OR tag:later"), ("plain", "notmuch")]
    rows = case.db.saved_search_details()
    assert [(r["name"], r["query"], r["author"]) for r in rows] == [
        ("leads", "tag:lead OR tag:later", "bo"),
        ("plain", "notmuch", None),
    ]


#: What the migrations from 0011 on changed: an old case lacks these.
LATER_TABLES = ("verifications", *(t.name for t in schema.LINKING_TABLES))
LATER_COLUMNS = {
    "messages": ("kind", "doc_type"),
    "attachments": ("ocr_pages",),
    "tags": ("author",),
    "notes": ("author",),
    "saved_searches": ("author",),
}
LATER_STEPS = ("0011_verifications", "0012_documents", "0013_attachment_ocr", "0014_linking_tables", "0015_authors")


@pytest.mark.both_backends
def test_an_old_case_is_brought_up_to_date_when_opened(case: Case) -> None:
    ingest(case, [corpus("notmuch-edge")], workers=1)
    some = sorted(case.db.message_ids())[0]
    case.db.add_tags([some], ["old"])
    counts = case.db.status_counts()
    root, url = case.root, case.db.url
    # age the case: as a Loupe from before 0011 left it (tables, columns and records)
    with case.db.engine.begin() as conn:
        for name in LATER_TABLES:
            conn.execute(text(f"DROP TABLE {name}"))
        for table, columns in LATER_COLUMNS.items():
            for column in columns:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(delete(schema.schema_migrations).where(schema.schema_migrations.c.name.in_(LATER_STEPS)))
    case.close()

    again = Case.open(root, db_url=url)
    try:
        found = inspect(again.db.engine)
        assert set(LATER_TABLES) <= set(found.get_table_names())
        for table, columns in LATER_COLUMNS.items():
            assert set(columns) <= {c["name"] for c in found.get_columns(table)}, table
        with again.db.engine.connect() as conn:
            steps = list(conn.scalars(text("SELECT name FROM schema_migrations ORDER BY name")))
        assert len(steps) == len(set(steps)) and set(LATER_STEPS) <= set(steps)
        after = again.db.status_counts()  # every message kept, each one mail (0012's default)
        assert (after.messages, after.items, after.attachments) == (counts.messages, counts.items, counts.attachments)
        assert after.indexed == counts.indexed + counts.documents and after.adds_up()
        assert again.db.documents() == []
        assert again.db.tag_details(some)[0]["author"] is None  # tagged before there were authors
    finally:
        again.close()


def test_cases_in_schemas_of_one_database_lock_and_count_apart(tmp_path: Path, pg_url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from loupe.lock import writing

    admin = create_engine(pg_url)
    with admin.begin() as conn:
        for name in ("case_a", "case_b"):
            conn.execute(text(f"CREATE SCHEMA {name}"))
    admin.dispose()

    def url(schema_name: str) -> str:
        with_path = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema_name}"})
        return with_path.render_as_string(hide_password=False)

    a = Case.open(tmp_path / "a", create=True, db_url=url("case_a"))
    b = Case.open(tmp_path / "b", create=True, db_url=url("case_b"))
    a_elsewhere = tmp_path / "a-copy"  # case a's folder on another host
    a_elsewhere.mkdir()
    (a_elsewhere / "case.toml").write_text((a.root / "case.toml").read_text("utf-8"), "utf-8")
    try:
        with writing(a.root, "ingest", a.db.engine):
            ingest(b, [corpus("notmuch-edge")], workers=1)  # another schema: another case, not locked
            copy = Case.open(a_elsewhere)
            try:
                with pytest.raises(CaseError, match="from another folder or host"):
                    ingest(copy, [corpus("notmuch-edge")], workers=1)
            finally:
                copy.close()
        assert a.db.status_counts().messages == 0 and b.db.status_counts().messages > 0
    finally:
        a.close()
        b.close()
