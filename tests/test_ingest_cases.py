"""Named ingest cases: each known hard input, on real corpus mail where one exists."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.export import raw_message
from loupe.ingest.mbox import iter_mbox
from loupe.ingest.mime import parse_message
from loupe.ingest.pipeline import ingest
from loupe.ingest.pst import pst_item_count
from loupe.model import DateFlag

from .conftest import FIXTURES, corpus


def _only(case: Case) -> dict[str, object]:
    (message_id,) = case.db.message_ids()
    return case.db.message(message_id)


@pytest.mark.both_backends
def test_mimekit_pathological_message_is_indexed_not_crashed(case: Case) -> None:
    ingest(case, [corpus("mimekit-mbox") / "messages" / "stack-overflow.txt"], workers=1)
    counts = case.db.status_counts()
    assert (counts.indexed, counts.quarantined) == (1, 0)
    assert len(case.parsed(next(iter(case.db.message_ids()))).to) >= 1


def test_nesting_deeper_than_the_stack_does_not_crash() -> None:
    depth = 5000
    head = b"From: a@example.org\nSubject: deep\nMIME-Version: 1.0\n"
    parts = [head]
    for level in range(depth):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n'.encode())
    parts.append(b"Content-Type: text/plain\n\nthe bottom\n")
    for level in reversed(range(depth)):
        parts.append(f"--b{level}--\n".encode())
    parsed = parse_message(b"".join(parts))
    assert parsed.subject == "deep"
    assert "the bottom" in parsed.body_text


def test_unmunged_from_lines_and_bom() -> None:
    path = corpus("mimekit-mbox") / "mbox" / "unmunged.mbox.txt"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open("rb") as handle:
        messages = list(iter_mbox(handle))
    assert len(messages) == 2  # the body's "From Russia with love" lines do not split
    assert messages[0][0] == 3  # the first separator sits after the 3-byte BOM
    assert all(parse_message(data).subject for _, data in messages)


def test_content_length_mbox() -> None:
    with (corpus("mimekit-mbox") / "mbox" / "content-length.mbox.txt").open("rb") as handle:
        assert len(list(iter_mbox(handle))) == 29


def test_iso_2022_jp_and_cjk_text() -> None:
    japanese = parse_message((corpus("mimekit-mbox") / "messages" / "japanese.txt").read_bytes())
    assert japanese.subject == "日本語メールテスト (testing Japanese emails)"
    assert "日本語が" in japanese.body_text
    first_lines = {
        parse_message(p.read_bytes()).body_text.split()[0]
        for p in sorted((corpus("mu-testdir") / "cjk" / "cur").iterdir())
    }
    assert first_lines == {"サーバがダウンしました", "スポンサーシップ募集", "サービス開始について", "ショルダーバック"}


def test_missing_final_boundary_keeps_the_body() -> None:
    parsed = parse_message((corpus("flanker-messages") / "missing-final-boundary.eml").read_bytes())
    assert parsed.body_text.strip() == "Some body"
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


@pytest.mark.both_backends
def test_same_message_id_different_content_are_all_kept(case: Case) -> None:
    ingest(case, [corpus("notmuch-edge") / "duplicate"], workers=1)
    counts = case.db.status_counts()
    assert (counts.items, counts.indexed, counts.duplicate) == (9, 9, 0)
    message_ids = {case.db.message(m)["message_id"] for m in case.db.message_ids()}
    assert message_ids == {
        "debian/2.6.1.dfsg-4-1-g87ea161@87ea161e851dfb1ea324af00e4ecfccc18875e15",
        "87r2geywh9.fsf@tethera.net",
        "87r2ecrr6x.fsf@zephyr.silentflame.com",
    }


@pytest.mark.both_backends
def test_outlook_msg_files(case: Case) -> None:
    ingest(case, [corpus("msg-samples")], workers=1)
    subjects = {case.db.message(m)["subject"]: m for m in case.db.message_ids() if m not in case.db.documents()}
    assert set(subjects) == {"MSG Test File", "Test for TIF files"}
    tif = case.db.message(subjects["Test for TIF files"])
    assert [a["filename"] for a in tif["attachments"]] == ["import OleFileIO.tif", "raised value error.tif"]
    assert tif["from_email"] == "brizhou@gmail.com"
    undated = case.db.message(subjects["MSG Test File"])
    assert undated["date"] is None and undated["date_flag"] == DateFlag.MISSING.value
    # the evidence kept is the .msg file itself
    assert raw_message(case, subjects["MSG Test File"]) == (corpus("msg-samples") / "strangeDate.msg").read_bytes()


@pytest.mark.both_backends
def test_pst_items_match_what_libpff_reports(case: Case) -> None:
    pst = corpus("pst-samples") / "dist-list.pst"
    ingest(case, [pst], workers=1)
    counts = case.db.status_counts()
    assert counts.items == pst_item_count(pst) == 4
    assert counts.quarantined == 0
    subjects = {case.db.message(m)["subject"] for m in case.db.message_ids()}
    assert subjects == {"Test appointment", "test dist list", "contact name 1", "LocalFreebusy"}


@pytest.mark.both_backends
def test_apple_emlx(case: Case) -> None:
    path = FIXTURES / "mail" / "apple-mail.emlx"
    ingest(case, [path], workers=1)
    record = _only(case)
    assert record["subject"] == "Réunion de mardi"
    assert raw_message(case, str(record["id"])) == path.read_bytes()


def test_zip_bomb_is_quarantined_not_expanded(tmp_path: Path) -> None:
    bomb = tmp_path / "leak.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mail/1.eml", b"From: a@example.org\nSubject: real\n\nhello\n")
        archive.writestr("huge.eml", b"\0" * (300 * 1024 * 1024))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [bomb], workers=1)
        counts = case.db.status_counts()
        assert (counts.items, counts.indexed, counts.quarantined) == (2, 1, 1)
        (row,) = list(case.db.quarantined())
        assert row["locator"].endswith("leak.zip!huge.eml")
        assert "bomb" in row["reason"] or "limit" in row["reason"]
    finally:
        case.close()


def test_nested_archives_and_containers_inside(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        mbox = (corpus("mimekit-mbox") / "mbox" / "simple.mbox.txt").read_bytes()
        archive.writestr("box.mbox", mbox)
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
        archive.writestr("maildir/cur/1:2,S", (corpus("notmuch-default") / "01:2,").read_bytes())
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [outer], workers=1)
        counts = case.db.status_counts()
        assert (counts.items, counts.indexed, counts.quarantined) == (4, 4, 0)
        locators = {case.db.message(m)["locator"] for m in case.db.message_ids()}
        assert any(loc.endswith("outer.zip!inner.zip!box.mbox@0") for loc in locators)
    finally:
        case.close()


def test_dates_missing_and_impossible_are_flagged_not_invented() -> None:
    missing = parse_message(b"From: a@example.org\nSubject: x\n\nbody\n")
    assert (missing.date, missing.date_flag) == (None, DateFlag.MISSING)
    epoch = parse_message(b"Date: Thu, 01 Jan 1970 00:00:00 +0000\nSubject: x\n\nbody\n")
    assert epoch.date_flag == DateFlag.IMPOSSIBLE
    garbage = parse_message(b"Date: the day after tomorrow\nSubject: x\n\nbody\n")
    assert (garbage.date, garbage.date_flag, garbage.date_raw) == (None, DateFlag.UNPARSEABLE, "the day after tomorrow")
    fine = parse_message(b"Date: Tue, 3 Mar 2009 12:00:00 -0800\nSubject: x\n\nbody\n")
    assert fine.date is not None and fine.date.isoformat() == "2009-03-03T20:00:00+00:00"


def test_missing_message_id_is_derived_stably() -> None:
    data = b"From: a@example.org\nSubject: no id\n\nbody\n"
    first, second = parse_message(data), parse_message(data)
    assert first.message_id_derived and first.message_id == second.message_id
    assert first.message_id.endswith("@derived.loupe")


def test_encoded_words_and_raw_utf8_headers() -> None:
    parsed = parse_message(
        "From: =?iso-8859-1?q?Jos=E9_Ram=EDrez?= <jose@example.org>\n"
        "To: Señora Núñez <nunez@example.org>\n"
        "Subject: =?utf-8?b?SnXDoXJleg==?= report\n\nbody\n".encode()
    )
    assert parsed.senders[0].name == "José Ramírez"
    assert parsed.to[0].name == "Señora Núñez"
    assert parsed.subject == "Juárez report"


def test_a_missing_path_is_refused_in_one_line_before_anything_is_written(tmp_path: Path) -> None:
    """A typo in a path is the user's to fix, not an item of the leak: the command stops before the
    case is made (it used to make a case holding one quarantined item). Called as a library, the
    walk still counts a path that vanished under it as quarantined, so nothing goes uncounted."""
    good = corpus("notmuch-default") / "01:2,"
    case_dir = tmp_path / "case"
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "missing.mbox"), str(good), "--case", str(case_dir)])
    assert result.exit_code == 2
    assert f"no such file or folder: {tmp_path / 'missing.mbox'}" in result.output
    assert not case_dir.exists()
    case = Case.open(case_dir, create=True)
    try:
        ingest(case, [tmp_path / "missing.mbox", good], workers=1)
        status = case.db.status_counts()
        assert (status.items, status.indexed, status.quarantined, status.adds_up()) == (2, 1, 1, True)
        (quarantined,) = case.db.quarantined()
        assert quarantined["reason"] == "no such file or folder"
    finally:
        case.close()


@pytest.mark.both_backends
def test_second_ingest_adds_nothing(case: Case) -> None:
    first = ingest(case, [corpus("notmuch-default")], workers=1)
    before = case.db.status_counts()
    second = ingest(case, [corpus("notmuch-default")], workers=1)
    assert second.skipped == second.seen == first.seen
    assert (second.indexed, second.duplicate, second.quarantined) == (0, 0, 0)
    assert case.db.status_counts() == before
    assert case.index.count() == before.messages


def test_search_show_and_cli_errors(case: Case) -> None:
    ingest(case, [corpus("notmuch-default")], workers=1)
    total, hits = case.search('from:carl "notmuch" date:2009-11')
    assert total == 12 and hits
    assert all(hit.date is not None and hit.date.year == 2009 and hit.date.month == 11 for hit in hits)
    assert any("[[" in hit.snippet for hit in hits)
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "(notmuch", "--case", str(case.root)])
    assert result.exit_code != 0
    assert "unclosed parenthesis at column 1" in str(result.exception) or "unclosed" in result.output


def test_tar_gz_of_a_maildir_gives_the_same_messages_as_the_folder(tmp_path: Path) -> None:
    import tarfile

    folder = corpus("notmuch-default")
    archive = tmp_path / "leak.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="notmuch-default")
    from_folder = Case.open(tmp_path / "folder", create=True)
    from_tar = Case.open(tmp_path / "tar", create=True)
    try:
        ingest(from_folder, [folder], workers=1)
        ingest(from_tar, [archive], workers=1)
        assert from_tar.db.status_counts() == from_folder.db.status_counts()
        assert from_tar.db.message_ids() == from_folder.db.message_ids()  # ids hash content, not place
        some = sorted(from_tar.db.message_ids())[0]
        assert "leak.tgz!notmuch-default/" in from_tar.db.message(some)["locator"]
        assert raw_message(from_tar, some) == raw_message(from_folder, some)
    finally:
        from_folder.close()
        from_tar.close()


def test_large_non_mail_file_is_recorded_not_read_whole(tmp_path: Path) -> None:
    from loupe.ingest import containers

    big = tmp_path / "mail" / "xapian.glass"
    big.parent.mkdir()
    big.write_bytes(b"\x00\x01binary index" * 200_000)  # 2.6 MB of non-mail
    (tmp_path / "mail" / "1.eml").write_bytes(b"From: a@example.org\nSubject: real\n\nhello\n")
    limit, containers.KEEP_NON_MAIL_BYTES = containers.KEEP_NON_MAIL_BYTES, 1024 * 1024
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [tmp_path / "mail"], workers=1)
        counts = case.db.status_counts()
        assert (counts.items, counts.indexed, counts.quarantined) == (2, 1, 1)
        (row,) = list(case.db.quarantined())
        assert row["raw_sha256"] is None and "2800000 bytes not copied" in row["reason"]
    finally:
        containers.KEEP_NON_MAIL_BYTES = limit
        case.close()
