"""Outlook .msg / .pst conversion against the real sample files.

The expected values below were established by reading the files with
extract_msg and libpff directly; where practical the test re-reads them the
same way, so a failure says whether the file or the converter disagrees.
"""

from __future__ import annotations

import email
import hashlib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import extract_msg
import pytest

from loupe.ingest.mime import parse_message
from loupe.ingest.msg import _msg_attachment, msg_to_rfc822
from loupe.ingest.outlook import (
    OutlookError,
    _build,
    _Item,
    format_date,
    sniff_msg,
    sniff_pst,
)
from loupe.ingest.pst import iter_pst, pst_item_count

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
MSG = CORPORA / "msg-samples"
PST = CORPORA / "pst-samples"


def _parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _attachments(msg: EmailMessage) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[part.get_filename() or ""] = payload
    return found


# --- sniffing -------------------------------------------------------------


def test_sniff_msg_and_pst_by_magic() -> None:
    assert sniff_msg((MSG / "unicode.msg").read_bytes()[:16])
    assert not sniff_msg(b"!BDN\x00\x00")
    assert sniff_pst((PST / "dist-list.pst").read_bytes()[:16])
    assert not sniff_pst((MSG / "unicode.msg").read_bytes()[:16])
    assert not sniff_msg(b"") and not sniff_pst(b"")


# --- .msg -----------------------------------------------------------------


def test_unicode_msg_uses_transport_headers_and_keeps_attachments() -> None:
    raw = (MSG / "unicode.msg").read_bytes()
    converted = msg_to_rfc822(raw)
    msg = _parse(converted)

    assert msg["Subject"] == "Test for TIF files"
    assert msg["From"] == "Brian Zhou <brizhou@gmail.com>"
    assert msg["To"] == "brianzhou@me.com"
    assert msg["Cc"] == "Brian Zhou <brizhou@gmail.com>"
    # The original Date header (sender's +0200), not MAPI's UTC submit time.
    assert msg["Date"] == "Mon, 18 Nov 2013 10:26:24 +0200"
    assert msg["Message-ID"] == "<CADtJ4eNjQSkGcBtVteCiTF+YFG89+AcHxK3QZ=-Mt48xygkvdQ@mail.gmail.com>"
    assert len(msg.get_all("Received") or []) == 4
    # Exactly one From/Date: synthesised values never duplicate transport ones.
    assert len(msg.get_all("From") or []) == 1
    assert len(msg.get_all("Date") or []) == 1
    # The old structural header is kept, renamed, not left lying about the body.
    assert msg["X-Loupe-Original-Content-type"].startswith("multipart/mixed")
    assert msg.get_content_type() == "multipart/mixed"

    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    assert "experiment with the MS Outlook MSG Extractor" in body.get_content()
    html = msg.get_body(preferencelist=("html",))
    assert html is not None and "<div" in html.get_content()

    # Attachments: the same names and bytes extract_msg reads from the file.
    atts = _attachments(msg)
    assert sorted(atts) == ["import OleFileIO.tif", "raised value error.tif"]
    original: Any
    with extract_msg.openMsg(str(MSG / "unicode.msg")) as original:
        expected: dict[str, bytes] = {a.longFilename: a.data for a in original.attachments}
    assert {k: hashlib.sha256(v).hexdigest() for k, v in atts.items()} == {
        k: hashlib.sha256(v).hexdigest() for k, v in expected.items()
    }
    assert len(atts["import OleFileIO.tif"]) == 969674
    assert len(atts["raised value error.tif"]) == 1033142
    for part in msg.iter_attachments():
        assert part.get_content_type() == "image/tiff"


def test_strange_date_msg_has_no_invented_date() -> None:
    raw = (MSG / "strangeDate.msg").read_bytes()
    msg = _parse(msg_to_rfc822(raw))
    original: Any
    with extract_msg.openMsg(str(MSG / "strangeDate.msg")) as original:
        # What the file really holds: an unsent item, no transport headers,
        # no submit or delivery time, no sender; only creation time.
        assert original.headerText is None
        assert original.getPropertyVal("00390040") is None
        assert original.getPropertyVal("0E060040") is None
        assert original.subject == "MSG Test File"
        created = original.getPropertyVal("30070040")
    assert isinstance(created, datetime)

    assert msg["Subject"] == "MSG Test File"
    assert msg["To"] == "time2talk@online-convert.com"
    assert msg["Date"] is None  # left out: never 1970, never "now"
    assert msg["From"] is None
    assert msg["X-Loupe-Mapi-Creation-Time"] == "Tue, 23 Feb 2016 14:57:50 +0000"
    assert "synthesised" in msg["X-Loupe-Converted-From"]
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    assert plain is not None and "MSG test file" in plain.get_content()
    assert list(msg.iter_attachments()) == []
    assert not msg.defects


def test_converted_msg_goes_through_loupes_parser() -> None:
    parsed = parse_message(msg_to_rfc822((MSG / "unicode.msg").read_bytes()))
    assert parsed.subject == "Test for TIF files"
    assert [a.email for a in parsed.senders] == ["brizhou@gmail.com"]
    assert sorted(a.filename for a in parsed.attachments) == ["import OleFileIO.tif", "raised value error.tif"]
    assert parsed.date is not None and parsed.date.isoformat() == "2013-11-18T08:26:24+00:00"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not an ole file at all", "OLE2"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "extract_msg"),
    ],
)
def test_msg_to_rfc822_rejects_non_messages(data: bytes, reason: str) -> None:
    with pytest.raises(OutlookError) as info:
        msg_to_rfc822(data)
    assert reason in info.value.reason


def test_embedded_msg_attached_as_outlook_bytes() -> None:
    """An embedded .msg travels as its own OLE bytes, so the pipeline re-ingests it."""
    inner = (MSG / "strangeDate.msg").read_bytes()

    class _Embedded:
        def exportBytes(self) -> bytes:
            return inner

    class _Attachment:
        type = 1  # AttachmentType.MSG
        longFilename = "Forwarded item"
        data = _Embedded()

    part = _msg_attachment(_Attachment(), depth=0)
    assert part is not None
    item = _Item(headers=[("Subject", "outer")], plain="see attached", parts=[part])
    parsed = parse_message(_build(item))
    assert parsed.embedded_msg == (inner,)
    assert [a.filename for a in parsed.attachments] == ["Forwarded item.msg"]
    assert parsed.attachments[0].mimetype == "application/vnd.ms-outlook"


def test_non_ascii_headers_are_rfc2047_encoded() -> None:
    item = _Item(
        headers=[
            ("From", '"Jörg Müller" <jm@example.de>'),
            ("To", '"Zhou, 周" <z@example.cn>, "Ex Only" </O=ORG/OU=SITE/CN=RECIPIENTS/CN=EXONLY>'),
            ("Subject", "Grüße aus Köln — 東京"),
        ],
        plain="Inhalt: äöü",
    )
    data = _build(item)
    head = data.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # every header byte is ASCII
    msg = _parse(data)
    assert msg["Subject"] == "Grüße aus Köln — 東京"
    assert msg["From"].addresses[0].display_name == "Jörg Müller"
    parsed = parse_message(data)
    assert [(a.name, a.email) for a in parsed.to] == [
        ("Zhou, 周", "z@example.cn"),
        ("Ex Only", "/o=org/ou=site/cn=recipients/cn=exonly"),
    ]


def test_format_date_leaves_out_unrepresentable_dates() -> None:
    assert format_date(datetime(1601, 1, 1)) is None  # FILETIME zero
    assert format_date(datetime(4500, 8, 31, 23, 59)) is None  # MAPI "none"
    assert format_date(None) is None
    assert format_date(datetime(2014, 5, 25, 13, 58, 59)) == "Sun, 25 May 2014 13:58:59 +0000"


# --- .pst -----------------------------------------------------------------


def _pst(name: str) -> dict[str, EmailMessage]:
    items: dict[str, EmailMessage] = {}
    for locator, result in iter_pst(PST / name):
        assert isinstance(result, bytes), f"{locator}: {result}"
        items[locator] = _parse(result)
    return items


def test_dist_list_pst_yields_every_item() -> None:
    path = PST / "dist-list.pst"
    assert pst_item_count(path) == 4
    items = _pst("dist-list.pst")
    assert len(items) == 4
    assert {loc: (m["Subject"], m["X-Loupe-Item-Class"]) for loc, m in items.items()} == {
        "Top of Personal Folders/Calendar/0": ("Test appointment", "IPM.Appointment"),
        "Top of Personal Folders/Contacts/0": ("test dist list", "IPM.DistList"),
        "Top of Personal Folders/Contacts/1": ("contact name 1", "IPM.Contact"),
        "Freebusy Data/0": ("LocalFreebusy", "IPM.Microsoft.ScheduleData.FreeBusy"),
    }
    appointment = items["Top of Personal Folders/Calendar/0"]
    assert appointment["Date"] == "Tue, 02 Aug 2016 00:27:12 +0000"  # client submit time
    assert appointment["From"] is None  # Outlook's "Unknown" placeholder is not a person
    body = appointment.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "This is a complete test"
    # Two recurrence-exception items embedded in the appointment: kept as bytes.
    exceptions = list(appointment.iter_attachments())
    assert [p.get_filename() for p in exceptions] == ["Untitled", "Untitled"]
    assert [len(p.get_payload(decode=True) or b"") for p in exceptions] == [928, 900]

    dist_list = items["Top of Personal Folders/Contacts/0"].get_body(preferencelist=("plain",))
    assert dist_list is not None
    text = dist_list.get_content()
    for member in ("contact1@rjohnson.id.au", "dist1@rjohnson.id.au", "dist2@rjohnson.id.au"):
        assert member in text
    contact = items["Top of Personal Folders/Contacts/1"].get_body(preferencelist=("plain",))
    assert contact is not None and "contact1@rjohnson.id.au" in contact.get_content()


def test_passworded_pst_is_readable() -> None:
    path = PST / "passworded.pst"
    assert pst_item_count(path) == 3
    items = _pst("passworded.pst")
    assert sorted((m["Subject"] or "") for m in items.values()) == ["LocalFreebusy", "contact name 1", "test dist list"]
    assert list(items) == [
        "Top of Personal Folders/Contacts/0",
        "Top of Personal Folders/Contacts/1",
        "Freebusy Data/0",
    ]


def test_converted_pst_items_parse_cleanly() -> None:
    for name in ("dist-list.pst", "passworded.pst"):
        for locator, result in iter_pst(PST / name):
            assert isinstance(result, bytes)
            parsed = parse_message(result)
            assert parsed.subject, locator


def test_unopenable_pst_raises(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pst"
    bogus.write_bytes(b"!BDN" + b"\x00" * 100)
    with pytest.raises(OutlookError):
        list(iter_pst(bogus))
    with pytest.raises(OutlookError):
        pst_item_count(bogus)


def test_transport_headers_survive_junk_lines() -> None:
    """A stray line in the stored headers must not cost the headers after it."""
    transport = (
        "Microsoft Mail Internet Headers Version 2.0\r\n"
        "Received: from a\r\n  by b\r\n"
        "Subject: original\r\n"
        "not a header line\r\n"
        "\r\n"
        "From: Real Sender <real@example.org>\r\n"
        "Content-Type: multipart/mixed; boundary=xyz\r\n\x00"
    )
    item = _Item(transport=transport, headers=[("Subject", "from MAPI"), ("To", "to@example.org")], plain="hi")
    msg = _parse(_build(item))
    assert msg.get_all("Subject") == ["original"]
    assert msg["From"] == "Real Sender <real@example.org>"
    assert msg["To"] == "to@example.org"  # missing from transport: added from MAPI
    assert msg["Received"].split() == ["from", "a", "by", "b"]  # the fold is kept
    assert msg["X-Loupe-Original-Content-Type"] == "multipart/mixed; boundary=xyz"
    assert msg.get_content_type() == "text/plain"
    assert "1 line(s)" in msg["X-Loupe-Conversion-Defect"]
