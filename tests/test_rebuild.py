"""``loupe rebuild``: the index and every derived table made again from the originals, the reporters' work kept."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import tantivy
from click.testing import CliRunner
from sqlalchemy import func, select

from loupe.case import Case
from loupe.cli import cli
from loupe.errors import CaseError, IndexOutdated
from loupe.ingest.pipeline import DERIVED_TABLES, ingest
from loupe.lock import writing
from loupe.rebuild import rebuild
from loupe.search.index import FORMAT_FILE, INDEX_FORMAT
from loupe.store import schema
from loupe.verify import verify
from tests.conftest import corpus, open_case_on

QUERIES = ["notmuch", "from:carl", "patch email", '"mailing list"', "is:near-duplicate", "thread OR threading"]


@pytest.fixture
def ingested(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Case:
    """Real mail ingested; on each backend for a test marked ``both_backends`` (a rebuild empties
    and refills the derived tables), else on SQLite (``loupe rebuild`` opens a case by its folder)."""
    case = open_case_on(backend, tmp_path / "case", request)
    ingest(case, [corpus("notmuch-default"), corpus("gifiles-forms"), corpus("msg-samples")], workers=1)
    return case


def _counts(case: Case) -> dict[str, int]:
    tables = [*DERIVED_TABLES, "threads", "near_duplicates", "persons"]
    with case.db.engine.connect() as conn:
        return {t: int(conn.scalar(select(func.count()).select_from(schema.metadata.tables[t])) or 0) for t in tables}


def _answers(case: Case) -> dict[str, list[str]]:
    return {q: sorted(case.matching_ids(q)) for q in QUERIES}


@pytest.mark.both_backends
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


@pytest.mark.both_backends
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


@pytest.mark.both_backends
def test_an_unreadable_original_is_named_not_fatal(ingested: Case) -> None:
    (pack,) = sorted((ingested.blobs.root / "packs").glob("*.pack"))[:1]
    data = bytearray(pack.read_bytes())
    data[len(data) // 3] ^= 0xFF
    pack.write_bytes(bytes(data))
    summary = rebuild(ingested, analysis=False)
    assert summary.messages + len(summary.unreadable or []) == len(ingested.db.message_ids())


# -- an index made by an older Loupe (issue 15) --------------------------------

SMALL = {
    f"m{n}.eml": (
        f"From: Ann <ann@example.org>\nTo: bob@example.org\nSubject: ledger {n}\nMessage-ID: <m{n}@example.org>\n"
        f"Date: Tue, 17 Nov 2009 10:0{n}:00 +0000\n\nThe ledger for the quarry, page {n}.\n"
    ).encode()
    for n in range(3)
}

REBUILT = "this case's index was made by an older Loupe: rebuilding it from the stored originals"


@pytest.fixture
def small_case(tmp_path: Path) -> Path:
    """Three messages, one tagged and noted; closed, so each test opens it the way a command does."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data in SMALL.items():
        (inbox / name).write_bytes(data)
    case = Case.open(tmp_path / "case", create=True)
    ingest(case, [inbox], workers=1)
    tagged = case.db.resolve("<m1@example.org>")
    case.db.add_tags([tagged], ["important"])
    case.db.notes.add(tagged, "checked")
    case.close()
    return tmp_path / "case"


def _search(root: Path, query: str) -> Any:
    return CliRunner().invoke(cli, ["search", query, "--format", "ids", "--case", str(root)])


def _still_there(root: Path) -> None:
    """Searches answer, the format is today's, and the reporters' work is kept."""
    assert (root / "index" / FORMAT_FILE).read_text().strip() == str(INDEX_FORMAT)
    found = _search(root, "quarry")
    assert found.exit_code == 0 and len(found.output.split()) == 3, found.output
    case = Case.open(root)
    try:
        tagged = case.db.resolve("<m1@example.org>")
        assert case.matching_ids("tag:important") == [tagged]
        assert [n["text"] for n in case.db.notes.of(tagged)] == ["checked"]
    finally:
        case.close()


def test_an_index_recording_an_older_format_is_rebuilt_on_opening(small_case: Path) -> None:
    (small_case / "index" / FORMAT_FILE).write_text(f"{INDEX_FORMAT - 1}\n")
    case = Case.open(small_case)
    with pytest.raises(IndexOutdated, match="run `loupe rebuild --index`"):  # the library names the command
        case.check_index()
    case.close()
    run = _search(small_case, "ledger")
    assert run.exit_code == 0, run.output
    first, *ids = run.output.splitlines()
    assert first.startswith(REBUILT) and "(tags, notes and corrections are kept)" in first
    assert len(ids) == 3  # and then the command itself
    assert len(list(small_case.glob("index.damaged-*"))) == 1  # the old index moved aside, never deleted
    _still_there(small_case)
    again = _search(small_case, "ledger")
    assert REBUILT not in again.output  # once


def test_an_index_with_other_fields_is_rebuilt_on_opening(small_case: Path) -> None:
    """As an index from an older Loupe with other fields, made before formats were recorded."""
    index = small_case / "index"
    shutil.rmtree(index)
    index.mkdir()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("subject", stored=False)
    old = tantivy.Index(builder.build(), path=str(index))
    writer = old.writer(heap_size=15_000_000, num_threads=1)
    writer.add_document(tantivy.Document(id="0" * 20, subject="ledger"))
    writer.commit()
    writer.wait_merging_threads()
    del writer, old
    run = _search(small_case, "ledger")
    assert run.exit_code == 0, run.output
    assert run.output.startswith(REBUILT) and len(run.output.splitlines()) == 4
    _still_there(small_case)


def test_an_index_from_before_formats_were_recorded_counts_as_current(small_case: Path) -> None:
    (small_case / "index" / FORMAT_FILE).unlink()
    run = _search(small_case, "ledger")
    assert run.exit_code == 0 and REBUILT not in run.output and len(run.output.split()) == 3, run.output
    assert not list(small_case.glob("index.damaged-*"))
    _still_there(small_case)  # and now it records the format


def test_an_outdated_index_is_not_rebuilt_while_another_job_writes(small_case: Path) -> None:
    (small_case / "index" / FORMAT_FILE).write_text(f"{INDEX_FORMAT - 1}\n")
    with writing(small_case, "ingest"):
        run = _search(small_case, "ledger")
    assert REBUILT in run.output
    assert isinstance(run.exception, CaseError)  # ``loupe.cli.main`` prints it as one line
    assert "another job is writing to this case (ingest, pid" in str(run.exception)
    assert (small_case / "index" / FORMAT_FILE).read_text().strip() == str(INDEX_FORMAT - 1)  # untouched
    assert _search(small_case, "ledger").exit_code == 0  # once it is done


#: What each index format stands for: its fields and how its text is analysed.
FORMATS = {
    1: {
        "text": ("subject", "from", "to", "body", "attachments", "attachment_names", "list", "path"),
        "keywords": (
            "mimetypes", "has", "sender", "recipients", "list_id", "sources", "named_people", "organisations", "places",
        ),
        "analysed": ["juarez", "us714", "strasse", "日", "本", "語", "x"],
    },
}  # fmt: skip


def test_the_index_format_is_bumped_with_the_fields_or_the_analysis() -> None:
    """A change to the fields or the analysis fails here until ``INDEX_FORMAT`` is bumped and recorded above."""
    from loupe.search.index import KEYWORD_FIELDS, TEXT_FIELDS, _analyzer, prepare

    now = {
        "text": TEXT_FIELDS,
        "keywords": KEYWORD_FIELDS,
        "analysed": _analyzer().analyze(prepare("Juárez ＵＳ７１４ Straße 日本語 " + "x" * 81 + " x")),
    }
    assert FORMATS.get(INDEX_FORMAT) == now, "bump loupe.search.index.INDEX_FORMAT and record it in FORMATS"
