"""Evidence packs (``loupe export QUERY --pack DIR``, ``loupe quotes ARTICLE --pack DIR``,
``loupe verify-pack``): the demo's MX1 messages and real mail packed, checked with Loupe and
with Python alone, and caught the moment one byte, one file or one citation changes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from loupe.case import Case
from loupe.cli import cli
from loupe.evidence.check import SUMS, check_pack, read_sums
from loupe.evidence.citations import check_citations
from loupe.evidence.pack import write_pack, write_quote_pack
from loupe.export import oldest_first, raw_message
from loupe.filenames import MAX_FILE_NAME, safe_file_name
from loupe.ingest.pipeline import ingest
from loupe.quotes import load_article
from loupe.quotes.in_case import check_quotes

from .conftest import corpus


@pytest.fixture(scope="module")
def mx1_pack(demo_case: tuple[Case, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    case, _ = demo_case
    ids = oldest_first(case, case.matching_ids("source:MX1"))
    folder = tmp_path_factory.mktemp("packs") / "mx1"
    write_pack(case, ids, folder, query="source:MX1")
    return folder


def _copy(pack: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "pack"
    shutil.copytree(pack, copy)
    return copy


def _standalone(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The pack's own verify_pack.py, in an isolated Python that cannot import Loupe."""
    return subprocess.run(
        [sys.executable, "-I", str(folder / "verify_pack.py"), *args],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_the_demos_mx1_pack_verifies_with_loupe_and_with_python_alone(
    mx1_pack: Path, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    case, _ = demo_case
    manifest = json.loads((mx1_pack / "manifest.json").read_text("utf-8"))
    assert len(manifest["messages"]) == len(case.matching_ids("source:MX1")) >= 5
    result = check_pack(mx1_pack)
    assert result.ok, result.problems
    assert result.messages == len(manifest["messages"])
    standalone = _standalone(mx1_pack)
    assert standalone.returncode == 0, standalone.stdout + standalone.stderr
    assert "VERIFIED" in standalone.stdout and result.fingerprint in standalone.stdout
    verified = CliRunner().invoke(cli, ["verify-pack", str(mx1_pack), "--expect", result.fingerprint])
    assert verified.exit_code == 0, verified.output
    assert shutil.which("sha256sum") is None or (
        subprocess.run(["sha256sum", "--quiet", "-c", SUMS], cwd=mx1_pack, check=False).returncode == 0
    )


def test_one_byte_changed_in_one_file_fails_the_check_and_names_the_file(mx1_pack: Path, tmp_path: Path) -> None:
    pack = _copy(mx1_pack, tmp_path)
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    original = manifest["messages"][3]["original"]["file"]
    _flip_one_byte(pack / original)
    result = check_pack(pack)
    assert [item for item, _ in result.problems] == [original]
    assert "changed" in result.problems[0][1]
    standalone = _standalone(pack)
    assert standalone.returncode == 1 and f"{original}: changed" in standalone.stdout
    assert "NOT VERIFIED: 1 problems" in standalone.stdout
    cli_run = CliRunner().invoke(cli, ["verify-pack", str(pack)])
    assert cli_run.exit_code == 1 and original in cli_run.output


def test_a_rendering_or_attachment_changed_removed_or_a_file_added_is_named(mx1_pack: Path, tmp_path: Path) -> None:
    pack = _copy(mx1_pack, tmp_path)
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    rendering = manifest["messages"][0]["rendering"]["file"]
    _flip_one_byte(pack / rendering)
    removed = manifest["messages"][1]["original"]["file"]
    (pack / removed).unlink()
    (pack / "messages" / "note.txt").write_text("added later")
    problems = dict(check_pack(pack).problems)
    assert "changed" in problems[rendering]
    assert problems[removed] == "missing"
    assert "not listed" in problems["messages/note.txt"]


def test_files_and_lists_changed_together_are_caught_by_the_fingerprint(mx1_pack: Path, tmp_path: Path) -> None:
    pack = _copy(mx1_pack, tmp_path)
    fingerprint = check_pack(pack).fingerprint
    name = "messages.csv"
    (pack / name).write_bytes((pack / name).read_bytes() + b"forged line\n")
    listed = read_sums((pack / SUMS).read_text("utf-8"))
    listed[name] = hashlib.sha256((pack / name).read_bytes()).hexdigest()
    (pack / SUMS).write_text("".join(f"{d}  {n}\n" for n, d in sorted(listed.items())), "utf-8")
    assert check_pack(pack).ok  # consistent with itself: only the fingerprint kept apart can tell
    caught = check_pack(pack, expect=fingerprint)
    assert not caught.ok and caught.problems[0][0] == SUMS
    assert _standalone(pack, ".", "--expect", fingerprint).returncode == 1


def test_each_message_is_its_original_a_pdf_of_it_and_where_and_when_it_was_found(
    mx1_pack: Path, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    case, _ = demo_case
    manifest = json.loads((mx1_pack / "manifest.json").read_text("utf-8"))
    dates = [m["date"] for m in manifest["messages"]]
    assert dates == sorted(dates)  # oldest first, numbered so
    for entry in manifest["messages"]:
        original = (mx1_pack / entry["original"]["file"]).read_bytes()
        assert original == raw_message(case, entry["id"])
        assert hashlib.sha256(original).hexdigest() == entry["original"]["sha256"] == case.db.raw_sha256_of(entry["id"])
        assert entry["found_at"] and all(p["locator"] and p["ingested"] for p in entry["found_at"])
        assert entry["found_at"][0]["locator"] == case.db.message(entry["id"])["locator"]
    first = manifest["messages"][0]
    text = "".join(page.extract_text() for page in PdfReader(mx1_pack / first["rendering"]["file"]).pages)
    assert first["original"]["sha256"] in text
    assert first["found_at"][0]["locator"].rsplit("/", 1)[-1] in text.replace("\n", "")
    body = case.parsed(first["id"]).body_text
    assert body.split()[0] in text and body.split()[-1] in text
    readme = (mx1_pack / "README.txt").read_text("utf-8")
    assert "python3 verify_pack.py" in readme and "'source:MX1'" in readme


def test_quote_citations_are_read_again_from_the_originals(
    demo_case: tuple[Case, dict[str, Any]], demo_dir: Path, tmp_path: Path
) -> None:
    case, _ = demo_case
    article = load_article((demo_dir / "article.md").read_bytes(), "article.md")
    checks = check_quotes(case, article)
    pack = tmp_path / "quotes"
    made = write_quote_pack(case, checks, article.title or "article", pack)
    found = [c for c in checks if c.match is not None]
    assert made.citations >= len(found) > 0
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    for citation in manifest["citations"]:
        body = case.parsed(citation["message"], attachment_text=False).body_text
        assert body[citation["start"] : citation["end"]] == citation["text"]
        assert citation["original_sha256"] == case.db.raw_sha256_of(citation["message"])
    result = check_pack(pack)
    check_citations(pack, result)
    assert result.ok, result.problems

    # a citation moved by one character, with the lists made to agree, is caught by re-reading the original
    manifest["citations"][0]["start"] += 1
    (pack / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    listed = read_sums((pack / SUMS).read_text("utf-8"))
    listed["manifest.json"] = hashlib.sha256((pack / "manifest.json").read_bytes()).hexdigest()
    (pack / SUMS).write_text("".join(f"{d}  {n}\n" for n, d in sorted(listed.items())), "utf-8")
    moved = check_pack(pack)
    check_citations(pack, moved)
    assert len(moved.problems) == 1 and "not the passage cited" in moved.problems[0][1]


@pytest.fixture(scope="module")
def real_case(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Real mail: malformed MIME from flanker's tests, Outlook .msg files, a .pst."""
    root = tmp_path_factory.mktemp("real-pack")
    case = Case.open(root / "case", create=True)
    ingest(case, [corpus("flanker-messages"), corpus("msg-samples"), corpus("pst-samples")], workers=1)
    yield case
    case.close()


def test_real_mail_of_every_kind_packs_and_verifies(real_case: Case, tmp_path: Path) -> None:
    ids = oldest_first(real_case, real_case.matching_ids(""))
    assert len(ids) > 20
    pack = tmp_path / "real"
    made = write_pack(real_case, ids, pack)
    assert made.messages == len(ids)
    result = check_pack(pack)
    assert result.ok, result.problems
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    kinds = {Path(m["original"]["file"]).suffix for m in manifest["messages"]}
    assert {".eml", ".msg"} <= kinds  # an Outlook original keeps its own form and ending
    converted = [m for m in manifest["messages"] if m["original"]["converted"]]
    assert any(".msg" in m["original"]["file"] for m in converted)
    assert any("pst" in m["original"]["converted"] for m in converted)
    with_attachments = [m for m in manifest["messages"] if m["attachments"]]
    assert with_attachments
    for entry in with_attachments:
        for att in entry["attachments"]:
            data = (pack / att["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == att["sha256"]
        stored = real_case.db.message(entry["id"])["attachments"]
        assert sorted(a["sha256"] for a in stored) == sorted(a["sha256"] for a in entry["attachments"])
    for entry in manifest["messages"]:
        assert PdfReader(pack / entry["rendering"]["file"]).pages  # every rendering opens


def test_a_pack_never_runs_the_messages_html(case: Case, tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "html.eml").write_bytes(
        b"From: a@example.org\nTo: b@example.org\nSubject: html only\nMessage-ID: <h@example.org>\n"
        b"Date: Tue, 17 Nov 2009 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><head><script>document.write('INJECTED')</script><style>p{color:red}</style></head>"
        b"<body><p>The shipment left <b>Tuesday</b>.</p><img src='http://tracker.example/pixel.gif'></body></html>\n"
    )
    ingest(case, [mail], workers=1)
    pack = tmp_path / "pack"
    write_pack(case, case.matching_ids(""), pack)
    (entry,) = json.loads((pack / "manifest.json").read_text("utf-8"))["messages"]
    text = "".join(page.extract_text() for page in PdfReader(pack / entry["rendering"]["file"]).pages)
    assert "The shipment left Tuesday." in text
    assert "INJECTED" not in text and "document.write" not in text
    assert "taken from its HTML, which was not run" in text


def test_hostile_attachment_names_become_safe_file_names() -> None:
    assert safe_file_name("../../etc/passwd", "x") == "_.._etc_passwd"
    assert safe_file_name("..", "attachment-1") == "attachment-1"
    assert safe_file_name("report\x1b[2J\r\n.pdf", "x") == "report_[2J__.pdf"
    assert safe_file_name("C:\\Users\\a.doc", "x") == "C__Users_a.doc"
    long = safe_file_name("a" * 5000 + ".xlsx", "x")
    assert len(long) <= MAX_FILE_NAME and long.endswith(".xlsx")
    cyrillic = safe_file_name("Отчёт о закупках " * 40 + ".docx", "x")
    assert len(cyrillic.encode("utf-8")) <= MAX_FILE_NAME
    assert cyrillic.startswith("Отчёт") and cyrillic.endswith(".docx")
    assert safe_file_name("", "attachment-3") == "attachment-3"


def test_the_cli_writes_a_pack_prints_its_fingerprint_and_never_overwrites(
    demo_case: tuple[Case, dict[str, Any]], tmp_path: Path
) -> None:
    root = str(demo_case[0].root)
    pack = tmp_path / "cli-pack"
    made = CliRunner().invoke(cli, ["export", "source:MX1", "--pack", str(pack), "--case", root])
    assert made.exit_code == 0, made.output
    fingerprint = made.output.split("fingerprint: ")[1].split()[0]
    assert fingerprint == check_pack(pack).fingerprint
    assert f"loupe verify-pack {pack} --expect {fingerprint}" in made.output
    again = CliRunner().invoke(cli, ["export", "source:MX1", "--pack", str(pack), "--case", root])
    assert again.exit_code == 2 and "not empty" in again.output


def test_quotes_pack_from_the_cli(demo_case: tuple[Case, dict[str, Any]], demo_dir: Path, tmp_path: Path) -> None:
    pack = tmp_path / "story"
    article = str(demo_dir / "article.md")
    made = CliRunner().invoke(cli, ["quotes", article, "--pack", str(pack), "--case", str(demo_case[0].root)])
    assert made.exit_code == 0, made.output
    assert "evidence pack:" in made.output
    verified = CliRunner().invoke(cli, ["verify-pack", str(pack)])
    assert verified.exit_code == 0 and "citations" in verified.output
    assert (pack / "citations.csv").read_text("utf-8-sig").startswith("quote_number,quote,verdict")
