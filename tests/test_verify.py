"""``loupe verify``: every original re-hashed, every pack byte accounted for, the ledger and the index checked.

Each test damages a real case the way disks, crashes and hands damage one,
and checks that verify names the damage (the item and what is wrong),
exits non-zero, and records the result for ``loupe status``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tantivy
from click.testing import CliRunner
from sqlalchemy import delete, update

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.pipeline import ingest
from loupe.rebuild import rebuild
from loupe.store import schema
from loupe.verify import last_verification, verify
from tests.conftest import corpus


@pytest.fixture
def ingested(tmp_path: Path) -> Case:
    case = Case.open(tmp_path / "case", create=True)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "program.bin").write_bytes(bytes(range(256)) * 4)  # neither mail nor a document: quarantined
    ingest(case, [corpus("notmuch-default"), corpus("mailparser-samples"), junk], workers=1)
    yield case
    case.close()


def _pack(case: Case) -> Path:
    (pack,) = sorted((case.blobs.root / "packs").glob("*.pack"))[:1]
    return pack


def test_an_intact_case_verifies_and_the_result_is_recorded(ingested: Case) -> None:
    result = verify(ingested)
    assert result.ok, [p.line() for p in result.problems]
    assert result.counts["blobs"] > 50 and result.counts["messages"] == result.counts["indexed"]
    assert last_verification(ingested) == {"finished": result.finished, "problems": 0}
    status = CliRunner().invoke(cli, ["status", "--case", str(ingested.root), "--json"])
    assert json.loads(status.output)["last_verified"]["problems"] == 0


def test_a_flipped_byte_in_a_pack_names_the_blob(ingested: Case) -> None:
    pack = _pack(ingested)
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pack.write_bytes(bytes(data))
    result = verify(ingested)
    assert not result.ok
    (problem,) = result.problems
    assert problem.check == "blobs" and len(problem.item) == 64
    assert "damaged" in problem.what or "no longer match" in problem.what
    assert pack.name in problem.what
    assert last_verification(ingested) == {"finished": result.finished, "problems": 1}


def test_a_missing_pack_names_every_blob_in_it(ingested: Case) -> None:
    pack = _pack(ingested)
    pack.unlink()
    result = verify(ingested)
    assert {p.check for p in result.problems} == {"blobs", "packs"}
    assert any(p.item == pack.name and "missing" in p.what for p in result.problems)


def test_bytes_belonging_to_no_blob(ingested: Case) -> None:
    pack = _pack(ingested)
    with pack.open("ab") as handle:
        handle.write(b"torn tail of an interrupted write")
    tail = verify(ingested)
    assert tail.ok and any("torn tail" in n.what for n in tail.notes)  # harmless: nothing points at it
    b = schema.blobs
    with ingested.db.engine.begin() as conn:  # a blob's row forgotten: its bytes are now unaccounted for
        first = conn.execute(b.select().order_by(b.c.pack, b.c.offset).limit(1)).first()
        assert first is not None
        conn.execute(delete(b).where(b.c.sha256 == first.sha256))
    result = verify(ingested)
    assert any(p.check == "packs" and "belong to no blob" in p.what for p in result.problems)
    assert any(p.check == "ledger" and "not kept" in p.what for p in result.problems)


def test_the_ledger_names_items_without_a_message_or_a_reason(ingested: Case) -> None:
    i = schema.items
    with ingested.db.engine.begin() as conn:
        quarantined = conn.execute(i.select().where(i.c.status == "quarantined").limit(1)).first()
        assert quarantined is not None
        conn.execute(update(i).where(i.c.locator == quarantined.locator).values(reason=""))
    result = verify(ingested)
    assert any(p.item == quarantined.locator and "without a reason" in p.what for p in result.problems)


def test_a_message_missing_from_the_index_and_a_stray_document(ingested: Case) -> None:
    message = sorted(ingested.db.message_ids())[0]
    writer = ingested.index.writer(50_000_000)
    writer.delete_documents_by_term("id", message)
    writer.add_document(tantivy.Document(id="not-a-message"))
    ingested.index.close()  # commits
    result = verify(ingested)
    lines = {p.line() for p in result.problems}
    assert f"index: {message}: a message of the case missing from the full-text index" in lines
    assert "index: not-a-message: an indexed document that is no message of the case" in lines


def test_the_cli_prints_one_line_a_problem_and_exits_non_zero(ingested: Case) -> None:
    pack = _pack(ingested)
    data = bytearray(pack.read_bytes())
    data[100] ^= 0x01
    pack.write_bytes(bytes(data))
    run = CliRunner().invoke(cli, ["verify", "--case", str(ingested.root)])
    assert run.exit_code == 1
    lines = run.output.strip().splitlines()
    assert lines[0].startswith("blobs: ") and lines[-1].startswith("1 PROBLEMS: checked ")
    status = CliRunner().invoke(cli, ["status", "--case", str(ingested.root)])
    assert "1 PROBLEMS (loupe verify)" in status.output


def test_a_truncated_wal_is_named_by_verify_and_rebuild_repairs_what_the_originals_allow(tmp_path: Path) -> None:
    """The database's last transactions lost (its WAL cut off) while the originals and the index kept them:
    verify names the index documents no message accounts for (and notes the pack bytes no row names, as
    after any interrupted write); rebuild makes the index agree with the database again; ingesting the
    same input once more brings the lost messages back."""
    import shutil
    import sqlite3

    first, second = corpus("notmuch-default"), corpus("mailparser-samples")
    case = Case.open(tmp_path / "case", create=True)
    ingest(case, [first], workers=1)
    case.db.engine.dispose()  # everything so far checkpointed into case.db
    reader = sqlite3.connect(tmp_path / "case" / "case.db")
    reader.execute("PRAGMA wal_autocheckpoint=0")
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM items").fetchone()  # an open read: no checkpoint can pass it
    try:
        ingest(case, [second], workers=1)
        copy = tmp_path / "copy"
        shutil.copytree(tmp_path / "case", copy)  # as a crash would leave it: the last batch only in the WAL
    finally:
        reader.rollback()
        reader.close()
        case.close()
    wal = copy / "case.db-wal"
    assert wal.exists() and wal.stat().st_size > 0
    wal.write_bytes(b"")  # the WAL truncated
    (copy / "case.db-shm").unlink(missing_ok=True)
    damaged = Case.open(copy)
    try:
        result = verify(damaged)
        assert {p.check for p in result.problems} == {"index"}
        assert any("no message of the case" in p.what for p in result.problems)
        assert any(n.check == "packs" for n in result.notes)  # the lost run's originals: bytes no row names
        rebuild(damaged)
        after = verify(damaged)
        assert not [p for p in after.problems if p.check in ("index", "ledger", "blobs")]
        ingest(damaged, [second], workers=1)  # the input again: the lost messages come back
        restored = verify(damaged)
        assert not [p for p in restored.problems if p.check in ("index", "ledger", "blobs")]
        assert damaged.db.status_counts().adds_up()
    finally:
        damaged.close()
