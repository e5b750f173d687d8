"""Outlook for Mac ``.olm`` exports: each message's XML and attachments as RFC 822.

An OLM is a zip. Each message is one XML file,
``Accounts/<account>/com.microsoft.__Messages/<folder>/message_NNNNN.xml``
(``Local/...`` for "On My Computer"), an ``<emails><email>`` element of
``OPFMessageCopy*`` fields: subject, address lists, sent and received
times (UTC, no zone written), Message-ID, In-Reply-To, References, the body
as text and HTML. Its attachments are separate members under
``com.microsoft.__Attachments/``, named by the XML's ``OPFAttachmentURL``.
Contacts, calendars, tasks, notes and categories are XML members too.

Read as a plain zip, an OLM is a pile of XML the mail readers do not want.
Here each message becomes an Internet message built like a PST item
(``outlook._build``: the stdlib's ``EmailMessage``, stable boundaries):
headers from the fields, the text and HTML bodies, each attachment with
its name, type and content id. As for a PST item, these bytes are the
item's stored form (the message has no standalone bytes in the OLM), marked
with ``X-Loupe-*`` headers: where it came from in the OLM and the SHA-256
of its XML, so the conversion can be checked against the export, which
remains the primary exhibit. When the XML keeps the message's own MIME
source (``OPFMessageCopySource``, which Outlook writes for messages it
could not split into fields, such as signed ones), that source is the
message, and only Loupe's headers are put before it.

The attachment members a message takes are its attachments, not items of
their own. Every other member (contacts, calendars, categories, an
attachment no message names) is handed back to the walker, which reads it
like any file of the leak: a document when it is one (``ingest.documents``),
quarantined with its reason otherwise, counted either way. They are not
mail, so they are not turned into messages here; a calendar or an address
book as a document stays searchable and citable by its locator.

A damaged OLM (its central directory unreadable) is read from its local
headers (``zip_recovery``), and the damage is one quarantined record naming
it, beside the messages that could be saved.

The XML is hostile input: it is parsed by defusedxml with DTDs refused, so
no entity is ever expanded or fetched.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from loupe.ingest.archives import ArchiveLimits, normalise_member_path
from loupe.ingest.outlook import OutlookError, _build, _clean, _Item, _Part, format_address, format_date
from loupe.ingest.zip_recovery import LocalEntry, read_entry, scan_local_headers
from loupe.model import MEMBER_SEP, BadItem, ItemKind, RawItem

#: Member names only an OLM has. Any one among the local headers of the first
#: bytes marks the zip as an OLM: the export writes Categories.xml and the
#: folder tree first, before the big attachment and message members.
_OLM_NAME = re.compile(
    r"(^|/)com\.microsoft\.__(Messages|Attachments)(/|$)|^Categories\.xml$"
    r"|^(Accounts/[^/]+|Local)/(Address Book|Calendar|Tasks|Notes)/"
)
#: A message: ``.../com.microsoft.__Messages/<folders>/message_00001.xml``.
_MESSAGE = re.compile(r"(^|/)com\.microsoft\.__Messages/(?:(.+)/)?message_\d+\.xml$")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_HTML = re.compile(r"\s*<(!doctype\s+html|html)[\s>]", re.I)
#: A header line: what an ``OPFMessageCopySource`` must start with to be taken as the message.
_HEADER = re.compile(r"[!-9;-~]+[ \t]*:")

Entry = RawItem | BadItem | tuple[str, bytes]


def sniff_olm(head: bytes) -> bool:
    """True if ``head`` is a zip whose first local headers name OLM members."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    for match in re.finditer(re.escape(b"PK\x03\x04"), head):
        at = match.start()
        if at + _LOCAL.size > len(head):
            break
        fields = _LOCAL.unpack_from(head, at)
        flags, name_len = fields[2], fields[9]
        raw = head[at + _LOCAL.size : at + _LOCAL.size + name_len]
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        if _OLM_NAME.search(name):
            return True
    return False


class _Members:
    """An OLM's members by name, from the central directory or, when that is
    damaged, from the local headers."""

    def __init__(self, handle: BinaryIO, limits: ArchiveLimits) -> None:
        self.handle = handle
        self.problem = ""
        self._zip: zipfile.ZipFile | None = None
        self._local: dict[str, LocalEntry] = {}
        self._infos: dict[str, zipfile.ZipInfo] = {}
        try:
            self._zip = zipfile.ZipFile(handle)
            infos = [i for i in self._zip.infolist() if not i.is_dir()]
            if len(infos) > limits.max_members:
                self.problem = f"member count limit reached: only the first {limits.max_members} members are read"
            self._infos = {normalise_member_path(i.filename): i for i in infos[: limits.max_members]}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            entries, stopped = scan_local_headers(handle, limits.max_members)
            self._local = {e.name: e for e in entries if not e.is_dir}
            self.problem = f"damaged OLM: zip central directory unreadable ({exc})"
            self.problem += f"; {len(self._local)} members read from their local headers"
            if stopped:
                self.problem += f"; the walk stopped: {stopped}"

    def names(self) -> list[str]:
        return list(self._infos or self._local)

    def read(self, name: str, limit: int) -> bytes | str:
        """A member's bytes, or why they cannot be had (missing, too large, damaged)."""
        if self._zip is not None and name in self._infos:
            info = self._infos[name]
            if info.flag_bits & 0x1:
                return "encrypted member"
            if info.file_size > limit:
                return f"member too large: declares {info.file_size} bytes (limit {limit})"
            try:
                with self._zip.open(info) as member:
                    data = member.read(limit + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                return f"corrupt member: {type(exc).__name__}: {exc}"
            return data if len(data) <= limit else f"zip bomb: member expands beyond {limit} bytes"
        if name in self._local:
            return read_entry(self.handle, self._local[name], limit)
        return "not in the OLM"


def iter_olm(origin: Path | bytes, locator: str, limits: ArchiveLimits, max_message_bytes: int) -> Iterator[Entry]:
    """The items of an OLM: its messages, converted, and every other member as
    ``(member path, bytes)`` for the walker to read.

    Messages come first, in the OLM's order, each taking its attachment
    members; then the members no message took. Bad input never raises: a
    message that cannot be converted is quarantined with its XML and its
    reason, and a damaged zip gives one record naming the damage.
    """
    handle: BinaryIO = io.BytesIO(origin) if isinstance(origin, bytes) else origin.open("rb")
    with handle:
        members = _Members(handle, limits)
        if members.problem:
            yield BadItem(locator, members.problem)
        taken: set[str] = set()
        names = members.names()
        total = 0
        for name in names:
            if not _MESSAGE.search(name):
                continue
            where = f"{locator}{MEMBER_SEP}{name}"
            xml = members.read(name, max_message_bytes)
            if isinstance(xml, str):
                yield BadItem(where, f"OLM message unreadable: {xml}")
                taken.add(name)
                continue
            total += len(xml)
            try:
                data, used = olm_to_rfc822(xml, name, lambda url: members.read(url, max_message_bytes))
            except OutlookError as exc:
                yield BadItem(where, f"OLM message not converted: {exc.reason}", xml)
                taken.add(name)
                continue
            except Exception as exc:  # a converter bug must not stop the batch: quarantine with the cause
                yield BadItem(where, f"OLM message not converted: {type(exc).__name__}: {exc}"[:300], xml)
                taken.add(name)
                continue
            if len(data) > max_message_bytes:
                reason = f"message of {len(data)} bytes exceeds the {max_message_bytes}-byte limit"
                yield BadItem(where, f"{reason}; its attachments are read as files of the OLM", xml)
                taken.add(name)
                continue
            taken.update([name, *used])
            total += len(data)
            yield RawItem(where, data, ItemKind.RFC822)
            if total > limits.max_total_bytes:
                yield BadItem(locator, f"total size limit reached: more than {limits.max_total_bytes} bytes expanded")
                return
        for name in names:
            if name in taken:
                continue
            got = members.read(name, limits.max_member_bytes)
            if isinstance(got, str):
                yield BadItem(f"{locator}{MEMBER_SEP}{name}", got)
            elif got:
                yield name, got


def olm_to_rfc822(xml: bytes, member: str, fetch: Callable[[str], bytes | str]) -> tuple[bytes, list[str]]:
    """One OLM message XML as RFC 822 bytes, and the attachment members it took.

    ``fetch`` gives a member's bytes by its path in the OLM, or the reason it
    cannot (it is the only I/O, so the conversion is testable without a
    zip). Raises ``OutlookError`` with the reason when the XML is not an
    OLM message.
    """
    try:
        root: Element = fromstring(xml, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise OutlookError(f"XML unreadable: {type(exc).__name__}: {exc}") from exc
    email = root if root.tag == "email" else root.find("email")
    if email is None:
        raise OutlookError(f"no <email> element (root is <{root.tag}>)")
    # one header, so that it folds at its spaces (a 64-digit hash alone would fold after the colon)
    notes = [("X-Loupe-Converted-From", f"outlook-olm; {member}; xml sha256={hashlib.sha256(xml).hexdigest()}")]
    folder = _MESSAGE.search(member)
    if folder is not None and folder.group(2):
        notes.append(("X-Loupe-Olm-Folder", folder.group(2)))
    received = _date(_text(email, "OPFMessageCopyReceivedTime"))
    if received:
        notes.append(("X-Loupe-Olm-Received", received))
    if len(root.findall("email")) > 1:
        notes.append(("X-Loupe-Conversion-Defect", f"{len(root.findall('email'))} <email> elements; the first is read"))

    source = _text(email, "OPFMessageCopySource")
    if source.strip() and _HEADER.match(source):
        # Outlook kept the message's own MIME source: that is the message
        lines = "".join(f"{name}: {_clean(value)}\r\n" for name, value in notes)
        body = re.sub(r"\r\n|\r|\n", "\r\n", source)
        return (lines + body).encode("utf-8", "surrogateescape"), []

    item = _Item(notes=notes)
    _headers(email, item)
    plain, html = _text(email, "OPFMessageCopyBody"), _text(email, "OPFMessageCopyHTMLBody")
    if _HTML.match(plain):  # Outlook writes the HTML in the text field too
        html, plain = html or plain, ""
    if not plain.strip() and not html.strip():
        plain = _text(email, "OPFMessageCopyPreview")
        if plain:
            item.notes.append(("X-Loupe-Olm-Body", "only the preview Outlook kept"))
    item.plain, item.html = plain or None, html or None
    used: list[str] = []
    for index, node in enumerate(email.findall("OPFMessageCopyAttachmentList/messageAttachment")):
        part = _attachment(node, index, member, html, fetch, item)
        if part is not None:
            item.parts.append(part[0])
            used.append(part[1])
    return _build(item), used


def _headers(email: Element, item: _Item) -> None:
    senders = _addresses(email, "OPFMessageCopyFromAddresses")
    sender = _addresses(email, "OPFMessageCopySenderAddress")
    if senders:
        item.headers.append(("From", ", ".join(senders)))
    if sender and sender != senders:
        item.headers.append(("Sender" if senders else "From", sender[0]))
    for header, tag in (
        ("Reply-To", "OPFMessageCopyReplyToAddresses"),
        ("To", "OPFMessageCopyToAddresses"),
        ("Cc", "OPFMessageCopyCCAddresses"),
        ("Bcc", "OPFMessageCopyBCCAddresses"),
    ):
        found = _addresses(email, tag)
        if not found and header == "To":  # only names, when Outlook kept no address
            display = _text(email, "OPFMessageCopyDisplayTo")
            found = [a for a in (format_address(n, None) for n in display.split(";")) if a]
        if found:
            item.headers.append((header, ", ".join(found)))
    subject = _text(email, "OPFMessageCopySubject")
    if subject:
        item.headers.append(("Subject", _clean(subject)))
    date = _date(_text(email, "OPFMessageCopySentTime")) or _date(_text(email, "OPFMessageCopyReceivedTime"))
    if date:
        item.headers.append(("Date", date))
    message_id = _clean(_text(email, "OPFMessageCopyMessageID"))
    if message_id:
        item.headers.append(("Message-ID", message_id if message_id.startswith("<") else f"<{message_id}>"))
    for header, tag in (("In-Reply-To", "OPFMessageCopyInReplyTo"), ("References", "OPFMessageCopyReferences")):
        value = _clean(_text(email, tag))
        if value:
            item.headers.append((header, value))


def _attachment(
    node: Element, index: int, member: str, html: str, fetch: Callable[[str], bytes | str], item: _Item
) -> tuple[_Part, str] | None:
    """One ``messageAttachment`` and the member it names, or None (with a note) when it is missing."""
    name = node.get("OPFAttachmentName") or node.get("OPFAttachmentContentID") or f"attachment-{index}"
    url = normalise_member_path(node.get("OPFAttachmentURL") or "")
    if not url:
        item.notes.append(("X-Loupe-Conversion-Defect", f"attachment {name!r} names no member"))
        return None
    data = fetch(url)
    if isinstance(data, str) and "/" not in url:  # a name relative to the message's folder
        url = f"{member.rsplit('/', 1)[0]}/{url}"
        data = fetch(url)
    if isinstance(data, str):
        item.notes.append(("X-Loupe-Conversion-Defect", f"attachment {name!r} ({url}): {data}"))
        return None
    cid = (node.get("OPFAttachmentContentID") or "").strip("<>")
    inline = bool(cid) and f"cid:{cid}" in html
    return _Part(name, data, node.get("OPFAttachmentContentType") or "", cid, inline), url


def _text(email: Element, tag: str) -> str:
    return email.findtext(tag) or ""


def _addresses(email: Element, tag: str) -> list[str]:
    """The mailboxes of an address list, as attributes (current exports) or child elements (older ones)."""
    found = []
    for node in email.findall(f"{tag}/emailAddress"):
        name = node.get("OPFContactEmailAddressName") or node.findtext("OPFContactEmailAddressName")
        address = node.get("OPFContactEmailAddressAddress") or node.findtext("OPFContactEmailAddressAddress")
        text = format_address(name, address)
        if text:
            found.append(text)
    return found


def _date(value: str) -> str | None:
    """An OLM time (ISO 8601 without a zone, in UTC) as an RFC 5322 date."""
    try:
        return format_date(datetime.fromisoformat(value.strip())) if value.strip() else None
    except ValueError:
        return None
