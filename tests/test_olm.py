"""Outlook for Mac ``.olm`` exports: messages from XML, attachments from their members.

The samples are Aspose's (``containers-more/olm``): SampleOLM.olm, a real export with 22
messages, 38 attachment members, address books and categories; Corrupted.olm, a ZIP64
export whose end-of-central-directory locator is damaged, so ``zipfile`` cannot open it.
"""

from __future__ import annotations

import email
import hashlib
import io
import zipfile
from email import policy
from pathlib import Path
from xml.etree import ElementTree

import pytest

from loupe.case import Case
from loupe.export import raw_message
from loupe.ingest.archives import ArchiveLimits
from loupe.ingest.olm import iter_olm, olm_to_rfc822, sniff_olm
from loupe.ingest.outlook import OutlookError
from loupe.ingest.pipeline import ingest
from loupe.ingest.zip_recovery import read_entry, scan_local_headers
from loupe.model import BadItem, RawItem

from .conftest import corpus


def _olm(name: str) -> Path:
    return corpus("containers-more") / "olm" / name


def _message_members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [
            n for n in zf.namelist() if "com.microsoft.__Messages/" in n and n.rsplit("/", 1)[-1].startswith("message_")
        ]


def test_sniff_olm() -> None:
    assert sniff_olm(_olm("SampleOLM.olm").read_bytes()[:65536])
    assert sniff_olm(_olm("Corrupted.olm").read_bytes()[:65536])
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("mail/cur/1:2,S", b"Subject: x\n\nbody\n")
        zf.writestr("Categories.txt", b"not an OLM")
    assert not sniff_olm(plain.getvalue())
    assert not sniff_olm(b"Subject: x\n\nbody\n")


def test_every_message_xml_becomes_its_message() -> None:
    """Each of the 22 messages, converted, against its XML: subject, sender, Message-ID, attachments."""
    path = _olm("SampleOLM.olm")
    with zipfile.ZipFile(path) as zf:
        names = _message_members(path)
        assert len(names) == 22
        taken: set[str] = set()
        for name in names:
            xml = zf.read(name)
            email_node = ElementTree.fromstring(xml).find("email")
            assert email_node is not None
            data, used = olm_to_rfc822(xml, name, zf.read)
            taken.update(used)
            parsed = email.message_from_bytes(data, policy=policy.default)
            assert parsed["Subject"] == email_node.findtext("OPFMessageCopySubject")
            sender = email_node.find("OPFMessageCopyFromAddresses/emailAddress")
            assert sender is not None
            assert parsed["From"].addresses[0].addr_spec == sender.get("OPFContactEmailAddressAddress")
            raw = email.message_from_bytes(data, policy=policy.compat32)  # as written, "@razzaq@xp.local" and all
            assert raw["Message-ID"] == f"<{email_node.findtext('OPFMessageCopyMessageID')}>"
            origin = f"outlook-olm; {name}; xml sha256={hashlib.sha256(xml).hexdigest()}"
            assert " ".join(str(raw["X-Loupe-Converted-From"]).split()) == " ".join(origin.split())
            listed = email_node.findall("OPFMessageCopyAttachmentList/messageAttachment")
            files = [p for p in parsed.iter_attachments()]
            assert [p.get_filename() for p in files] == [a.get("OPFAttachmentName") for a in listed]
            for part, node in zip(files, listed, strict=True):
                assert part.get_payload(decode=True) == zf.read(node.get("OPFAttachmentURL") or "")
        # every attachment member of the export is some message's attachment
        assert taken == {n for n in zf.namelist() if "com.microsoft.__Attachments/" in n and not n.endswith("/")}
        assert len(taken) == 38


def test_sample_olm_counts(tmp_path: Path) -> None:
    """34 items: the 22 messages and the 8 .eml files attached to them (each an embedded
    message) are 30, of which 10 are copies (the export holds the same test folders three
    and four times over); Categories.xml and the three address books (Contacts.xml) are
    4 documents; the 38 attachment members are the messages' attachments (36 rows on the
    20 messages kept)."""
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [_olm("SampleOLM.olm")], workers=1)
        counts = case.db.status_counts()
        found = (counts.items, counts.indexed, counts.documents, counts.duplicate, counts.quarantined)
        assert found == (34, 20, 4, 10, 0)
        assert counts.attachments == 36 and counts.embedded == 3 and counts.adds_up()
        by_locator = {case.db.message(m)["locator"]: m for m in case.db.message_ids()}
        where = f"{_olm('SampleOLM.olm')}!Local/com.microsoft.__Messages/Outlook2 PST/Inbox/message_00000.xml"
        record = case.db.message(by_locator[where])
        assert (record["subject"], record["from_email"]) == ("Multiple attachments", "saqib.razzaq@xp.local")
        assert record["date"] == "2011-06-21T23:51:07+00:00"  # OPFMessageCopySentTime, a UTC time
        assert [a["filename"] for a in record["attachments"]] == ["text file.txt", "Sunset.jpg", "Blue hills.jpg"]
        assert by_locator[where] in case.matching_ids('"this is a text file"')  # text file.txt's words
        stored = email.message_from_bytes(raw_message(case, by_locator[where]), policy=policy.default)
        with zipfile.ZipFile(_olm("SampleOLM.olm")) as zf:
            xml = zf.read(where.rsplit("!", 1)[1])
        # the conversion is checkable against the export
        assert stored["X-Loupe-Converted-From"].endswith(f"; xml sha256={hashlib.sha256(xml).hexdigest()}")
        documents = sorted(case.db.message(m)["locator"].rsplit("!", 1)[1] for m in case.db.documents())
        assert documents == [
            "Categories.xml",
            "Local/Address Book/Address Book (Outlook for Mac ArchiveZZZ OLM)/Contacts.xml",
            "Local/Address Book/Address Book (Outlook for Mac Archive_2010 OLM) (Outlook for Mac ArchiveZZZ OLM)/"
            "Contacts.xml",
            "Local/Address Book/Contacts.xml",
        ]
    finally:
        case.close()


def test_damaged_olm_is_read_from_its_local_headers_and_says_why(tmp_path: Path) -> None:
    """Corrupted.olm: 90 members behind 129 local headers (the rest are folders): 48 messages,
    38 attachments, a calendar, two address books and the categories. 62 items: the damage
    record, 48 messages and the 9 .eml files attached to them, 4 documents."""
    path = _olm("Corrupted.olm")
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [path], workers=1)
        counts = case.db.status_counts()
        found = (counts.items, counts.indexed, counts.documents, counts.duplicate, counts.quarantined)
        assert found == (62, 57, 4, 0, 1)
        assert counts.attachments == 39 and counts.adds_up()
        (damage,) = list(case.db.quarantined())
        assert damage["locator"] == str(path)
        assert damage["reason"] == (
            "damaged OLM: zip central directory unreadable (Bad offset for central directory); "
            "90 members read from their local headers"
        )
        subjects = {case.db.message(m)["subject"] for m in case.db.message_ids()}
        assert "[Aid4Mail Trial tag #8] Re: Opportunite de collaboration" in subjects
        # the one message Outlook kept as MIME source (a signed one) is that source
        signed = "[Aid4Mail Trial tag #12] Digitally signed HTML email 02"
        assert signed in subjects
    finally:
        case.close()


def test_local_headers_give_what_the_central_directory_gives() -> None:
    path = _olm("SampleOLM.olm")
    with zipfile.ZipFile(path) as zf, path.open("rb") as handle:
        entries, stopped = scan_local_headers(handle, 10_000)
        assert stopped == ""
        assert [e.name for e in entries] == [i.filename for i in zf.infolist()]
        for entry, info in zip(entries, zf.infolist(), strict=True):
            assert read_entry(handle, entry, 10_000_000) == zf.read(info)


def _one_message_olm(xml: bytes, members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Categories.xml", b'<categories elementCount="0"></categories>')
        zf.writestr("Accounts/a@b.org/com.microsoft.__Messages/Inbox/message_00000.xml", xml)
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


ATTACHMENTS = "Accounts/a@b.org/com.microsoft.__Messages/Inbox/com.microsoft.__Attachments"
MESSAGE = (
    b"<emails><email><OPFMessageCopySubject>Payments</OPFMessageCopySubject>"
    b'<OPFMessageCopyFromAddresses><emailAddress OPFContactEmailAddressAddress="a@b.org" '
    b'OPFContactEmailAddressName="A"/></OPFMessageCopyFromAddresses>'
    b'<OPFMessageCopyToAddresses><emailAddress OPFContactEmailAddressAddress="c@d.org"/></OPFMessageCopyToAddresses>'
    b'<OPFMessageCopyCCAddresses><emailAddress OPFContactEmailAddressAddress="e@f.org"/></OPFMessageCopyCCAddresses>'
    b"<OPFMessageCopySentTime>2020-02-03T04:05:06</OPFMessageCopySentTime>"
    b"<OPFMessageCopyMessageID>x1@b.org</OPFMessageCopyMessageID>"
    b"<OPFMessageCopyInReplyTo>&lt;x0@b.org&gt;</OPFMessageCopyInReplyTo>"
    b"<OPFMessageCopyBody>See the list.</OPFMessageCopyBody>"
    b'<OPFMessageCopyAttachmentList><messageAttachment OPFAttachmentName="list.txt" '
    b'OPFAttachmentContentType="text/plain" OPFAttachmentURL="' + ATTACHMENTS.encode() + b'/x1_0000"/>'
    b'<messageAttachment OPFAttachmentName="gone.pdf" OPFAttachmentURL="' + ATTACHMENTS.encode() + b'/x1_0001"/>'
    b"</OPFMessageCopyAttachmentList></email></emails>"
)


def test_unclaimed_member_is_a_file_and_a_missing_attachment_is_named() -> None:
    data = _one_message_olm(MESSAGE, {f"{ATTACHMENTS}/x1_0000": b"payee 1\n", f"{ATTACHMENTS}/stray_0000": b"orphan"})
    entries = list(iter_olm(data, "leak.olm", ArchiveLimits(), 1024 * 1024))
    message, *others = entries
    assert isinstance(message, RawItem) and message.locator.endswith("Inbox/message_00000.xml")
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert (parsed["Cc"], parsed["In-Reply-To"], parsed["Date"]) == (
        "e@f.org",
        "<x0@b.org>",
        "Mon, 03 Feb 2020 04:05:06 +0000",
    )
    assert [p.get_content() for p in parsed.iter_attachments()] == ["payee 1\n"]
    assert "gone.pdf" in parsed["X-Loupe-Conversion-Defect"] and "not in the OLM" in parsed["X-Loupe-Conversion-Defect"]
    # the member no message names, and the categories, are handed back as files of the leak
    assert others == [
        ("Categories.xml", b'<categories elementCount="0"></categories>'),
        (f"{ATTACHMENTS}/stray_0000", b"orphan"),
    ]


def test_hostile_xml_is_refused_not_expanded() -> None:
    bomb = b'<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><emails><email>&b;</email></emails>'
    with pytest.raises(OutlookError, match="DTDForbidden"):
        olm_to_rfc822(bomb, "message_00000.xml", lambda url: "not in the OLM")
    (bad, _categories) = list(iter_olm(_one_message_olm(bomb, {}), "leak.olm", ArchiveLimits(), 1024 * 1024))
    assert isinstance(bad, BadItem) and bad.reason.startswith("OLM message not converted: XML unreadable")
    assert bad.data == bomb  # the XML is kept, as evidence
