"""Apple Mail stores: ``.partial.emlx`` messages made whole with their external parts.

The sample is partial-emlx-converter's own test tree (``containers-more/apple-mail``):
``Messages/`` with one whole ``.emlx`` and three ``.partial.emlx``, ``Attachments/<number>/
<part>/<file>`` with their parts (an NFD name in the header for an NFC file name, a CJK
name), and the converter's expected ``.eml`` output to hold the reassembly to.
"""

from __future__ import annotations

import email
import hashlib
import shutil
import unicodedata
from email import policy
from pathlib import Path

from loupe.case import Case
from loupe.export import raw_message
from loupe.ingest.apple_mail import external_parts, read_partials
from loupe.ingest.emlx import emlx_to_rfc822
from loupe.ingest.pipeline import ingest

from .conftest import corpus

TREE = "containers-more/apple-mail/partial-emlx-converter"


def _attachments(message: bytes) -> dict[str, bytes]:
    parsed = email.message_from_bytes(message, policy=policy.compat32)
    found = {}
    for part in parsed.walk():
        if part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[unicodedata.normalize("NFC", str(part.get_filename()))] = payload
    return found


def _writable_copy(source: Path, target: Path) -> Path:
    """The corpus is read-only; a test that changes the tree works on a copy it may change."""
    shutil.copytree(source, target, copy_function=shutil.copyfile)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def _whole() -> dict[str, bytes]:
    """Each partial message of the sample, reassembled, by file name."""
    messages = corpus(TREE) / "Messages"
    return {Path(w.item.locator).name: w.item.data for w in read_partials(messages, 50 * 1024 * 1024)}


def test_partial_message_is_whole_as_the_converter_makes_it() -> None:
    tree = corpus(TREE)
    whole = _whole()
    assert sorted(whole) == ["114892.partial.emlx", "207046.partial.emlx", "465622.partial.emlx"]
    ours = _attachments(emlx_to_rfc822(whole["114892.partial.emlx"]))
    expected = _attachments((tree / "expected_results" / "114892.eml").read_bytes())
    assert list(ours) == list(expected) == ["short.txt", "original.doc", "text.txt", "image001.png"]
    for name, data in ours.items():
        (part,) = (tree / "Attachments" / "114892").glob(f"*/{name}")
        assert data == part.read_bytes()  # byte for byte the part file
    # the binary parts are the converter's byte for byte; it wrote the text parts with CRLF line ends
    assert ours["original.doc"] == expected["original.doc"] and ours["image001.png"] == expected["image001.png"]
    for name in ("short.txt", "text.txt"):
        assert ours[name] == expected[name].replace(b"\r\n", b"\n")
    # nothing else of the message changed: Mail.app's headers and body text stay as they were
    message = emlx_to_rfc822(whole["114892.partial.emlx"])
    partial = (tree / "Messages" / "114892.partial.emlx").read_bytes()
    assert emlx_to_rfc822(partial).split(b"\n\n", 1)[0] in message
    assert b"X-Apple-Content-Length: 101404" in message


def test_part_names_nfd_in_the_header_nfc_on_disk_and_cjk() -> None:
    tree = corpus(TREE)
    whole = _whole()
    bericht = email.message_from_bytes(emlx_to_rfc822(whole["207046.partial.emlx"]), policy=policy.compat32)
    (pdf,) = [p for p in bericht.walk() if p.get_filename()]
    assert pdf.get_filename() == "Tu\u0308bingen.pdf"  # NFD, as the header names it
    assert pdf.get_payload(decode=True) == (tree / "Attachments" / "207046" / "2" / "Tübingen.pdf").read_bytes()
    cjk = _attachments(emlx_to_rfc822(whole["465622.partial.emlx"]))
    assert list(cjk) == ["7.10_第2回研究会.pdf"]
    assert cjk["7.10_第2回研究会.pdf"] == (tree / "Attachments" / "465622" / "2" / "7.10_第2回研究会.pdf").read_bytes()
    # 207046's byte count is wrong (1595 for 1550 bytes): the message is still made whole, and says so
    assert b"X-Loupe-Conversion-Defect: emlx: byte count 1595 exceeds" in whole["207046.partial.emlx"]


def test_the_stored_original_cites_the_partial_file_and_each_part() -> None:
    tree = corpus(TREE)
    data = _whole()["114892.partial.emlx"]
    partial = (tree / "Messages" / "114892.partial.emlx").read_bytes()
    assert data.startswith(f"{len(emlx_to_rfc822(data))}\n".encode())
    assert f"sha256={hashlib.sha256(partial).hexdigest()}; {len(partial)} bytes".encode() in data
    text = (tree / "Attachments" / "114892" / "2.6" / "text.txt").read_bytes()
    line = f"X-Loupe-External-Part: 2.6; Attachments/114892/2.6/text.txt; sha256={hashlib.sha256(text).hexdigest()}"
    assert line.encode() in data
    assert data.endswith(partial[partial.index(b"<?xml") :])  # Mail.app's plist, as it was


def test_apple_mail_group_every_file_accounted_for(tmp_path: Path) -> None:
    """14 files: testEMLX.emlx, PROVENANCE.md, 4 in Messages/, 2 expected .eml, 6 part files.

    The 6 part files are their messages' attachments, so 8 items: 6 messages indexed
    (testEMLX, 114862, the three partials made whole, the expected 114892.eml, whose text
    parts differ from ours by their CRLFs), the expected 114862.eml a duplicate of
    Messages/114862.emlx, PROVENANCE.md a document; 10 attachments (4 + 4 + 1 + 1).
    """
    root = corpus("containers-more") / "apple-mail"
    assert sum(1 for p in root.rglob("*") if p.is_file()) == 14
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [root], workers=1)
        counts = case.db.status_counts()
        assert (counts.items, counts.indexed, counts.documents, counts.duplicate, counts.quarantined) == (8, 6, 1, 1, 0)
        assert counts.attachments == 10 and counts.adds_up()
        by_locator = {case.db.message(m)["locator"]: m for m in case.db.message_ids()}
        partial = str(root / "partial-emlx-converter" / "Messages" / "114892.partial.emlx")
        record = case.db.message(by_locator[partial])
        assert [a["filename"] for a in record["attachments"]] == [
            "short.txt",
            "original.doc",
            "text.txt",
            "image001.png",
        ]
        # the attachments' text is searchable: "Irrthum" is only in Attachments/114892/2.6/text.txt,
        # "MOSFET" only in the Japanese PDF of 465622
        assert by_locator[partial] in case.matching_ids("Irrthum")
        assert case.matching_ids("MOSFET") == [
            by_locator[str(root / "partial-emlx-converter" / "Messages" / "465622.partial.emlx")]
        ]
        assert raw_message(case, by_locator[partial]) == _whole()["114892.partial.emlx"]
    finally:
        case.close()


def test_a_part_no_message_claims_is_an_item_and_a_missing_part_is_named(tmp_path: Path) -> None:
    tree = _writable_copy(corpus(TREE), tmp_path / "Data")
    shutil.rmtree(tree / "expected_results")
    (tree / "Attachments" / "114892" / "2.4" / "original.doc").unlink()
    stray = tree / "Attachments" / "999" / "2" / "notes.txt"
    stray.parent.mkdir(parents=True)
    stray.write_text("A part whose message is gone: kept as a file of the leak.\n")
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [tree], workers=1)
        counts = case.db.status_counts()
        # 4 messages; notes.txt a document of its own; the 6 part files still there are attachments
        assert (counts.items, counts.indexed, counts.documents, counts.quarantined) == (5, 4, 1, 0)
        by_locator = {case.db.message(m)["locator"]: m for m in case.db.message_ids()}
        assert str(stray) in by_locator
        partial = by_locator[str(tree / "Messages" / "114892.partial.emlx")]
        # the part stays in the message, empty, as Mail.app left it
        sizes = {a["filename"]: a["size"] for a in case.db.message(partial)["attachments"]}
        assert sizes == {"short.txt": 12, "original.doc": 0, "text.txt": 2004, "image001.png": 75066}
        raw = raw_message(case, partial)
        assert b"X-Loupe-Conversion-Defect: part 2.4: no file in Attachments/114892/2.4/" in raw
    finally:
        case.close()


def test_part_numbers_follow_imap_sections() -> None:
    nested = (
        b"Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: text/plain\n\nhi\n"
        b"--a\nContent-Type: multipart/related; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>x</p>\n"
        b"--b\nContent-Type: image/png; name=p.png\nContent-Transfer-Encoding: base64\n"
        b"X-Apple-Content-Length: 10\n\n\n--b--\n--a--\n"
    )
    (part,) = external_parts(nested)
    assert (part.number, part.filename, part.encoding, part.body_is_empty) == ("2.2", "p.png", "base64", True)
    single = b"Content-Type: application/pdf; name=a.pdf\nX-Apple-Content-Length: 3\n\n"
    assert [p.number for p in external_parts(single)] == ["1"]
    assert external_parts(b"Subject: whole\n\nbody\n") == []


def test_mailbox_bundle_metadata_is_not_an_item(tmp_path: Path) -> None:
    bundle = tmp_path / "Inbox.mbox"
    (bundle / "Messages").mkdir(parents=True)
    (bundle / "Info.plist").write_text('<?xml version="1.0"?><plist><dict/></plist>\n')
    (bundle / "table_of_contents").write_bytes(b"\x00\x01binary index")
    shutil.copy(corpus(TREE) / "Messages" / "114862.emlx", bundle / "Messages")
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [bundle], workers=1)
        counts = case.db.status_counts()
        assert (counts.items, counts.indexed) == (1, 1)
    finally:
        case.close()
