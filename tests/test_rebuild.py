"""``loupe rebuild``: the index and every derived table made again from the originals, the reporters' work kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.pipeline import DERIVED_TABLES, ingest
from loupe.rebuild import rebuild
from loupe.store import schema
from loupe.verify import verify
from tests.conftest import corpus

QUERIES = ["notmuch", "from:carl", "patch email", '"mailing list"', "is:near-duplicate", "thread OR threading"]


@pytest.fixture
def ingested(tmp_path: Path) -> Case:
    case = Case.open(tmp_path / "case", create=True)
    ingest(case, [corpus("notmuch-default"), corpus("gifiles-forms"), corpus("msg-samples")], workers=1)
    yield case
    case.close()


def _counts(case: Case) -> dict[str, int]:
    tables = [*DERIVED_TABLES, "threads", "near_duplicates", "persons"]
    with case.db.engine.connect() as conn:
        return {t: int(conn.scalar(select(func.count()).select_from(schema.metadata.tables[t])) or 0) for t in tables}


def _answers(case: Case) -> dict[str, list[str]]:
    return {q: sorted(case.matching_ids(q)) for q in QUERIES}


def test_rebuild_gives_back_the_same_index_and_tables(ingested: Case) -> None:
    before, answers = _counts(ingested), _answers(ingested)
    assert before["insights"] > 0 and before["passages"] > 0 and before["code_mentions"] > 0
    summary = rebuild(ingested)
    assert summary.messages == len(ingested.db.message_ids()) and not summary.unreadable
    assert _counts(ingested) == before
    assert _answers(ingested) == answers
    assert verify(ingested).ok


def test_a_deleted_index_segment_is_named_by_verify_and_repaired_by_rebuild(ingested: Case) -> None:
    answers = _answers(ingested)
    ingested.index.close()
    segments = sorted((ingested.root / "index").glob("*.idx"))
    assert segments
    segments[0].unlink()
    damaged = Case.open(ingested.root)
    try:
        result = verify(damaged)
        assert not result.ok and {p.check for p in result.problems} == {"index"}
        run = CliRunner().invoke(cli, ["rebuild", "--case", str(damaged.root)])
        assert run.exit_code == 0, run.output
        assert "moved aside to index.damaged-" in run.output
    finally:
        damaged.close()
    repaired = Case.open(ingested.root)
    try:
        assert verify(repaired).ok
        assert _answers(repaired) == answers
        assert list(repaired.root.glob("index.damaged-*"))  # kept for whoever investigates
    finally:
        repaired.close()


def test_rebuild_keeps_tags_notes_and_saved_searches(ingested: Case) -> None:
    message = sorted(ingested.db.message_ids())[0]
    ingested.db.add_tags([message], ["important"])
    ingested.db.notes.add(message, "checked with the source")
    ingested.db.save_search("carl", "from:carl")
    rebuild(ingested)
    assert ingested.db.tags_of(message) == ["important"]
    assert [n["text"] for n in ingested.db.notes.of(message)] == ["checked with the source"]
    assert ingested.db.saved_search("carl") == "from:carl"
    assert ingested.matching_ids("tag:important") == [message]


def test_an_unreadable_original_is_named_not_fatal(ingested: Case) -> None:
    (pack,) = sorted((ingested.blobs.root / "packs").glob("*.pack"))[:1]
    data = bytearray(pack.read_bytes())
    data[len(data) // 3] ^= 0xFF
    pack.write_bytes(bytes(data))
    summary = rebuild(ingested, analysis=False)
    assert summary.messages + len(summary.unreadable or []) == len(ingested.db.message_ids())
