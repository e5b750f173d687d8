"""Exporting a query's messages as .eml files or an mbox: the bytes, the manifest, the order,
and that another tool (and Loupe itself) reads the export back to the same messages."""

from __future__ import annotations

import csv
import email
import hashlib
import mailbox
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.export import mboxrd_quote, mboxrd_unquote, raw_message
from loupe.ingest.mbox import iter_mbox
from loupe.ingest.pipeline import ingest

from .conftest import corpus


@pytest.fixture(scope="module")
def mail_case(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Real mail (the notmuch list), Outlook .msg and .pst files, and a message full of "From " lines."""
    root = tmp_path_factory.mktemp("export")
    tricky = root / "tricky"
    tricky.mkdir()
    (tricky / "from-lines.eml").write_bytes(
        b"From: Ann <ann@example.org>\nMessage-ID: <from-lines@example.org>\n"
        b"Date: Tue, 17 Nov 2009 10:00:00 +0000\nSubject: ledger\n\n"
        b"From the minutes:\n>From the archive, quoted\n>>From deeper\nFromage is not a From line\n"
        b"From the end, with no line break at all"
    )
    case = Case.open(root / "case", create=True)
    ingest(case, [corpus("notmuch-default"), corpus("msg-samples"), corpus("pst-samples"), tricky], workers=1)
    yield case
    case.close()


def _export(case: Case, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["export", *args, "--case", str(case.root)])
    assert result.exit_code == 0, result.output
    return result


def _manifest(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_eml_folder_holds_the_originals_oldest_first(mail_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "carl"
    _export(mail_case, "from:carl", "--eml", str(out))
    rows = _manifest(out / "manifest.csv")
    assert sorted(r["id"] for r in rows) == sorted(mail_case.matching_ids("from:carl")) and len(rows) == 12
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    for row in rows:
        written = (out / row["file"]).read_bytes()
        assert written == raw_message(mail_case, row["id"]), "an .eml export is the original, byte for byte"
        assert hashlib.sha256(written).hexdigest() == row["sha256"] == row["original_sha256"]
        assert row["converted"] == "False" and Path(row["locator"]).read_bytes() == written
    assert {p.name for p in out.iterdir()} == {r["file"] for r in rows} | {"manifest.csv"}


def test_outlook_originals_are_written_as_internet_mail_and_say_so(mail_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "msg"
    _export(mail_case, "path:msg-samples is:mail", "--eml", str(out))  # not the folder's PROVENANCE.md
    rows = _manifest(out / "manifest.csv")
    assert len(rows) == 2
    for row in rows:
        written = (out / row["file"]).read_bytes()
        assert row["converted"] == "True" and row["sha256"] != row["original_sha256"]
        assert hashlib.sha256(raw_message(mail_case, row["id"])).hexdigest() == row["original_sha256"]
        parsed = email.message_from_bytes(written)
        subject = " ".join(str(parsed["Subject"] or "").split())
        assert row["subject"] and row["subject"] in subject


def test_messages_from_a_pst_are_marked_as_made_by_loupe(mail_case: Case, tmp_path: Path) -> None:
    """A .pst's items were made Internet mail at ingest: written as stored, but not mail as found."""
    out = tmp_path / "pst"
    _export(mail_case, "path:pst-samples is:mail", "--eml", str(out))
    rows = _manifest(out / "manifest.csv")
    assert rows and all(r["converted"] == "True" and r["sha256"] == r["original_sha256"] for r in rows)
    assert all(b"X-Loupe-Converted-From: outlook-pst" in (out / r["file"]).read_bytes() for r in rows)
    # and mail as found is never marked
    carl = tmp_path / "carl"
    _export(mail_case, "from:carl", "--eml", str(carl))
    assert {r["converted"] for r in _manifest(carl / "manifest.csv")} == {"False"}


def test_mbox_reads_back_to_the_same_messages(mail_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "all.mbox"
    _export(mail_case, "notmuch OR ledger", "--mbox", str(out))
    rows = _manifest(tmp_path / "all.mbox.manifest.csv")
    expected = mail_case.matching_ids("(notmuch OR ledger) is:mail")  # an mbox holds mail, not documents
    assert sorted(r["id"] for r in rows) == sorted(expected) and len(rows) > 40
    data = out.read_bytes()
    # Loupe's own mbox reader finds each message where the manifest says, and mboxrd unquoting
    # gives back the message the manifest's SHA-256 names: the original for Internet mail
    found = list(iter_mbox(out.open("rb")))
    assert [offset for offset, _ in found] == [int(r["offset"]) for r in rows]
    for (_, quoted), row in zip(found, rows, strict=True):
        message = mboxrd_unquote(quoted)
        assert hashlib.sha256(message).hexdigest() == row["sha256"]
        original = raw_message(mail_case, row["id"])
        assert message == (original if original.endswith(b"\n") else original + b"\n")
    # another tool: Python's mailbox module sees as many messages, with their Message-IDs
    read = mailbox.mbox(str(out))
    assert len(read) == len(rows)
    assert data.startswith(b"From ") and b"\nFrom the minutes" not in data


def test_from_lines_are_quoted_one_level_and_come_back(mail_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "ledger.mbox"
    _export(mail_case, "ledger", "--mbox", str(out))
    text = out.read_bytes()
    assert b"\n>From the minutes:\n>>From the archive, quoted\n>>>From deeper\nFromage is not" in text
    assert b">From the end, with no line break at all\n" in text
    sample = b"From a\n>From b\n>>From c\nFrom\n From d\n"
    assert mboxrd_unquote(mboxrd_quote(sample)) == sample


def test_an_exported_folder_ingests_to_the_same_evidence(mail_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "eml"
    _export(mail_case, "subject:notmuch", "--eml", str(out))
    again = Case.open(tmp_path / "again", create=True)
    ingest(again, [out], workers=1)
    rows = _manifest(out / "manifest.csv")
    # the same ids: the same content (manifest.csv, read again, is a document beside them)
    assert sorted(again.matching_ids("is:mail")) == sorted(r["id"] for r in rows)
    for row in rows:
        assert raw_message(again, row["id"]) == raw_message(mail_case, row["id"])
    again.close()


def test_export_refuses_what_would_lose_or_mix_evidence(mail_case: Case, tmp_path: Path) -> None:
    runner = CliRunner()
    where = ["--case", str(mail_case.root)]
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    taken = tmp_path / "taken.mbox"
    taken.write_bytes(b"already here")
    for args, message in [
        (["from:carl", "--eml", str(busy)], "is not empty"),
        (["from:carl", "--mbox", str(taken)], "exists"),
        (["from:carl"], "choose one of"),
        (["from:carl", "--eml", str(tmp_path / "a"), "--mbox", str(tmp_path / "b")], "choose one of"),
        (["(broken", "--mbox", str(tmp_path / "c.mbox")], "unclosed parenthesis"),
    ]:
        result = runner.invoke(cli, ["export", *args, *where])
        assert result.exit_code != 0 and message in (result.output + str(result.exception)), (args, result.output)
    assert taken.read_bytes() == b"already here" and (busy / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "c.mbox").exists()
