"""Outlook ``.msg`` and ``.pst`` items to RFC 822 bytes for the one MIME parser.

Loupe has a single parser (``loupe.ingest.mime``) that reads Internet
messages. Rather than teach it MAPI, Outlook items are converted here into an
``email.message.EmailMessage`` built with the stdlib and serialised with
``policy.SMTP``, so every header that needs it is RFC 2047 encoded and every
attachment gets a proper filename and content type. The parser then treats
them like any other message.

What is evidence differs between the two formats:

* A ``.msg`` is a file of its own. Its *original* bytes are what the caller
  stores in the blob store and what ``loupe export --raw`` gives back; the
  bytes made here are only fed to the parser and may be regenerated at will
  (a better converter later means a re-parse, not a different exhibit).
* A ``.pst`` item has no standalone bytes: it is a set of records scattered
  through the PST's B-trees. For PST items the RFC 822 bytes made here ARE the
  item's stored form. To make them as faithful as possible, the original
  Internet transport headers are copied through verbatim when the item has
  them, nothing is silently dropped (non-mail items such as contacts,
  distribution lists and appointments become minimal messages labelled with
  their MAPI class), and the PST file itself remains the primary exhibit.

Headers that Loupe itself adds all start with ``X-Loupe-`` so a reader can
always tell converter output from what the sender's software wrote.
"""

from __future__ import annotations

import codecs
import contextlib
import email.utils
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PST_MAGIC = b"!BDN"

#: Headers describing the original MIME structure. The body is rebuilt from
#: MAPI properties, so these would now lie about it; they are kept, renamed,
#: because the boundary and charset they name can matter to an investigator.
_STRUCTURAL = frozenset({"content-type", "content-transfer-encoding", "mime-version"})

#: Headers synthesised from MAPI properties when the transport headers (the
#: original Internet headers) do not carry them.
_SYNTHESISED = ("from", "sender", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references")

#: MAPI "no date" sentinels: FILETIME 0 (1601) and Outlook's 4500-08-31.
_MIN_YEAR = 1900  # RFC 5322 has no way to write an earlier year
_NULL_YEAR = 4500

#: MAPI recipient types (PR_RECIPIENT_TYPE, low nibble).
_RECIPIENT_HEADERS = {1: "To", 2: "Cc", 3: "Bcc"}

#: ATTACH_EMBEDDED_MSG: the attachment is another MAPI item, not a file.
_ATTACH_EMBEDDED_MSG = 5


class OutlookError(Exception):
    """An Outlook file or item that could not be converted, with why.

    ``reason`` is a short, human-readable sentence suitable for the quarantine
    table; the pipeline stores it with the item's locator.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------
# sniffing


def sniff_msg(head: bytes) -> bool:
    """True if ``head`` starts like an OLE2 compound file.

    Word ``.doc``, ``.xls`` and ``.msg`` all share this magic, so a True here
    only means "worth trying"; callers confirm by letting extract_msg open the
    file as a message (``msg_to_rfc822`` raises ``OutlookError`` otherwise).
    """
    return head.startswith(OLE_MAGIC)


def sniff_pst(head: bytes) -> bool:
    """True if ``head`` starts with the PST/OST header magic ``!BDN``."""
    return head.startswith(PST_MAGIC)


# --------------------------------------------------------------------------
# shared MIME assembly


@dataclass
class _Part:
    """One attachment, already reduced to bytes (or a converted message)."""

    filename: str
    data: bytes
    mimetype: str = ""
    content_id: str = ""
    inline: bool = False
    message: EmailMessage | None = None  # message/rfc822 instead of bytes
    description: str = ""


@dataclass
class _Item:
    """What a converter learned from one Outlook item, format-independent.

    ``headers`` are synthesised (name, value) pairs; ``transport`` is the
    original header block when the item kept one.
    """

    transport: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    plain: str | None = None
    html: str | None = None
    rtf: bytes | None = None
    parts: list[_Part] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # X-Loupe-* headers


def _clean(value: object) -> str:
    """A header value on one line, without NULs (MAPI strings often end in one)."""
    text = str(value).replace("\x00", "")
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def format_address(name: str | None, addr: str | None) -> str:
    """One mailbox as header text, never losing what MAPI told us.

    An SMTP address gives ``Name <addr>``; an Exchange DN (``/O=...``) is kept
    in the angle brackets too, because it still identifies the person. With no
    usable address, ``"Name" <>`` keeps the display name as a name rather than
    letting it be parsed as a bare local part.
    """
    name = _clean(name or "")
    addr = _clean(addr or "")
    if addr and addr.lower() in {"unknown", name.lower()} and "@" not in addr:
        addr = ""
    if addr and name.lower() == addr.lower():
        name = ""  # Outlook repeats a bare address as its display name
    if addr:
        return email.utils.formataddr((name, addr)) if name else addr
    if name:
        return f'"{email.utils.quote(name)}" <>'
    return ""


def format_date(value: object) -> str | None:
    """A MAPI time as an RFC 5322 date, or None if it cannot be one.

    MAPI times are UTC; pypff returns them naive. Null sentinels (FILETIME 0
    in 1601, Outlook's year 4500) and years RFC 5322 cannot write are left
    out: a missing date is honest, an invented one (1970, "now") is not.
    """
    if not isinstance(value, datetime):
        return None
    if type(value).__name__ == "NullDate":
        return None
    if value.year < _MIN_YEAR or value.year >= _NULL_YEAR:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return email.utils.format_datetime(value)
    except (ValueError, OverflowError):
        return None


def _guess_type(filename: str, given: str) -> tuple[str, str]:
    """The (maintype, subtype) to declare, preferring what the item says."""
    candidate = (given or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", candidate):
        candidate = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    maintype, _, subtype = candidate.partition("/")
    if maintype in {"multipart", "message"}:  # bytes cannot be re-nested safely
        return "application", "octet-stream"
    return maintype, subtype


_HEADER_START = re.compile(r"([!-9;-~]+)[ \t]*:")


def _transport_lines(text: str) -> tuple[list[bytes], list[str]]:
    """The original header block as CRLF lines, plus names of what it has.

    The block is copied through verbatim (only line endings are normalised)
    because these are the headers the mail servers wrote; the parser decodes
    them exactly as it would in an ``.eml``. The stream holds headers only,
    so a blank or malformed line inside it does not end the block: the
    headers after it are still copied, and the odd lines are counted in an
    ``X-Loupe-Conversion-Defect`` header instead of being passed through
    (they would end the header block early for every later reader).
    """
    text = text.replace("\x00", "")
    if text.startswith("Microsoft Mail Internet Headers Version 2.0"):
        text = text[len("Microsoft Mail Internet Headers Version 2.0") :].lstrip()
    fields: list[list[str]] = []  # [name, first line, continuation lines...]
    skipped = 0
    for line in re.split(r"\r\n|\r|\n", text):
        if not line.strip():
            continue
        if line[0] in " \t" and fields:
            fields[-1].append(line)
            continue
        match = _HEADER_START.match(line)
        if match is None:
            skipped += 1
            continue
        fields.append([match.group(1), line])
    lines: list[bytes] = []
    names: list[str] = []
    for name, *physical in fields:
        block = "\r\n".join(physical)
        if name.lower() in _STRUCTURAL:
            block = f"X-Loupe-Original-{block}"
            name = f"X-Loupe-Original-{name}"
        names.append(name.lower())
        lines.append(f"{block}\r\n".encode("utf-8", "surrogateescape"))
    if skipped:
        note = f"{skipped} line(s) of the transport headers were not headers and were left out"
        lines.append(f"X-Loupe-Conversion-Defect: {note}\r\n".encode("ascii"))
    return lines, names


def _set(msg: EmailMessage, name: str, value: str) -> None:
    """Add a header, tolerating values the header registry will not accept.

    Falling back to a sanitised copy keeps the rest of the message instead of
    failing the whole item over one odd header.
    """
    if not value:
        return
    try:
        msg[name] = value
    except (ValueError, TypeError, IndexError):
        msg[name] = value.encode("ascii", "replace").decode("ascii")


def _build(item: _Item) -> bytes:
    """Serialise a converted item: original header block, then our MIME."""
    transport_lines, present = _transport_lines(item.transport) if item.transport else ([], [])
    msg = EmailMessage(policy=policy.SMTP)
    for name, value in item.headers:
        if name.lower() not in present:
            _set(msg, name, value)
    for name, value in item.notes:
        _set(msg, name, _clean(value))

    if item.plain is not None and item.plain.strip():
        msg.set_content(item.plain)
        if item.html:
            msg.add_alternative(item.html, subtype="html")
    elif item.html:
        msg.set_content(item.html, subtype="html")
    elif item.rtf:
        # Only rich text survives: keep it, as the body a reader would see.
        msg.set_content(item.rtf, maintype="text", subtype="rtf")
    else:
        msg.set_content(item.plain or "")

    for part in item.parts:
        _attach(msg, part)
    for sub in msg.walk():
        if sub is not msg:  # the stdlib stamps MIME-Version on every new part
            del sub["MIME-Version"]
    _stable_boundaries(msg)
    try:
        generated = msg.as_bytes(policy=policy.SMTP)
    except Exception as exc:  # the stdlib raises a variety of things here
        raise OutlookError(f"could not serialise converted message: {exc!r}") from exc
    return b"".join(transport_lines) + generated


def _stable_boundaries(msg: EmailMessage) -> None:
    """Name every multipart boundary after its content, not at random.

    The stdlib draws boundaries from ``random``; then converting the same PST
    item twice gives different bytes, hence a different hash for the same
    evidence and no resumable, idempotent ingest.
    """
    for number, sub in enumerate(msg.walk()):
        if sub.is_multipart():
            digest = hashlib.sha256()
            for leaf in sub.walk():
                if not leaf.is_multipart():
                    payload = leaf.get_payload()
                    digest.update(str(payload).encode("utf-8", "surrogateescape"))
            sub.set_boundary(f"loupe-{number}-{digest.hexdigest()[:24]}")


def _attach(msg: EmailMessage, part: _Part) -> None:
    disposition = "inline" if part.inline else "attachment"
    cid = f"<{part.content_id.strip('<>')}>" if part.content_id else None
    headers = [f"Content-Description: {_clean(part.description)}"] if part.description else None
    if part.message is not None:
        msg.add_attachment(part.message, disposition=disposition, filename=part.filename or None, cid=cid)
        return
    maintype, subtype = _guess_type(part.filename, part.mimetype)
    msg.add_attachment(
        part.data,
        maintype=maintype,
        subtype=subtype,
        disposition=disposition,
        filename=part.filename or None,
        cid=cid,
        headers=headers,
    )


def _decode(data: bytes | str | None, codepage: int | None = None) -> str | None:
    """MAPI body bytes to text: UTF-8 first, then the item's code page."""
    if data is None:
        return None
    if isinstance(data, str):
        return data.replace("\x00", "")
    data = data.rstrip(b"\x00")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _codepage_codec(codepage) or "cp1252"
    return data.decode(encoding, "replace")


_CODEPAGES = {
    65001: "utf-8",
    20127: "ascii",
    20866: "koi8_r",
    21866: "koi8_u",
    50220: "iso2022_jp",
    51932: "euc_jp",
    54936: "gb18030",
    52936: "hz",
    1200: "utf-16-le",
}


def _codepage_codec(codepage: int | None) -> str | None:
    """A Python codec name for a Windows code page id, if Python has one."""
    if not codepage:
        return None
    candidates = [_CODEPAGES.get(codepage, "")]
    if 28591 <= codepage <= 28606:
        candidates.append(f"iso8859_{codepage - 28590}")
    candidates.append(f"cp{codepage}")
    for name in candidates:
        if not name:
            continue
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return None


# --------------------------------------------------------------------------
# .msg


def msg_to_rfc822(data: bytes) -> bytes:
    """Convert the bytes of an Outlook ``.msg`` file to RFC 822 bytes.

    Raises ``OutlookError`` if the bytes are not an openable Outlook item
    (a Word document shares the OLE2 magic, for instance).
    """
    import extract_msg
    from extract_msg.enums import ErrorBehavior

    if not sniff_msg(data):
        raise OutlookError("not an OLE2 compound file (no D0CF11E0 magic)")
    try:
        msg = extract_msg.openMsg(
            data,
            strict=False,
            delayAttachments=True,
            errorBehavior=ErrorBehavior.ATTACH_SUPPRESS_ALL | ErrorBehavior.RTFDE | ErrorBehavior.STANDARDS_VIOLATION,
        )
    except Exception as exc:
        raise OutlookError(f"extract_msg could not open the file: {exc!r}") from exc
    try:
        if not getattr(msg, "classType", None):
            raise OutlookError("OLE2 file is not an Outlook item (no message class)")
        return _build(_msg_item(msg, depth=0))
    except OutlookError:
        raise
    except Exception as exc:
        raise OutlookError(f"could not convert .msg: {exc!r}") from exc
    finally:
        with contextlib.suppress(Exception):
            msg.close()


def _msg_prop(msg: Any, stream: str) -> Any:
    """A string property by stream name, or None (absent or unreadable)."""
    try:
        return msg.getStringStream(stream)
    except Exception:
        return None


def _msg_item(msg: Any, depth: int) -> _Item:
    """Read one extract_msg object (message, contact, appointment...)."""
    item = _Item()
    try:
        item.transport = str(getattr(msg, "headerText", None) or "")
    except Exception:
        item.transport = ""
    cls = str(getattr(msg, "classType", "") or "")

    sender_name = _msg_prop(msg, "__substg1.0_0C1A")
    sender_smtp = _msg_prop(msg, "__substg1.0_5D01") or _msg_address(msg, "0C1E", "0C1F")
    rep_name = _msg_prop(msg, "__substg1.0_0042")
    rep_smtp = _msg_prop(msg, "__substg1.0_5D02") or _msg_address(msg, "0064", "0065")
    sender = format_address(sender_name, sender_smtp) if sender_smtp or not _placeholder(sender_name) else ""
    representing = format_address(rep_name, rep_smtp) if rep_smtp or not _placeholder(rep_name) else ""
    item.headers.append(("From", representing or sender))
    if representing and sender and representing != sender:
        item.headers.append(("Sender", sender))

    by_kind: dict[str, list[str]] = {}
    for rcpt in _safe_list(lambda: msg.recipients):
        header = _RECIPIENT_HEADERS.get(int(getattr(rcpt, "type", 1) or 1), "To")
        smtp = getattr(rcpt, "smtpAddress", None) or getattr(rcpt, "email", None)
        text = format_address(getattr(rcpt, "name", None), smtp)
        if text:
            by_kind.setdefault(header, []).append(text)
    for header in ("To", "Cc", "Bcc"):
        if by_kind.get(header):
            item.headers.append((header, ", ".join(by_kind[header])))

    subject = _msg_prop(msg, "__substg1.0_0037")
    if subject is None:
        subject = _msg_prop(msg, "__substg1.0_3001")  # contacts have a display name
    if subject:
        item.headers.append(("Subject", _clean(subject)))
    for prop in ("00390040", "0E060040"):  # client submit time, delivery time
        date = format_date(_safe(lambda p=prop: msg.getPropertyVal(p)))
        if date:
            item.headers.append(("Date", date))
            break
    for name, stream in (
        ("Message-ID", "__substg1.0_1035"),
        ("In-Reply-To", "__substg1.0_1042"),
        ("References", "__substg1.0_1039"),
    ):
        value = _msg_prop(msg, stream)
        if value and _clean(value):
            item.headers.append((name, _clean(value)))

    origin = "outlook-msg" if item.transport else "outlook-msg; headers synthesised from MAPI properties"
    item.notes.append(("X-Loupe-Converted-From", origin))
    if cls and not cls.lower().startswith("ipm.note"):
        item.notes.append(("X-Loupe-Item-Class", cls))
    if not item.transport:
        created = format_date(_safe(lambda: msg.getPropertyVal("30070040")))
        if created:
            item.notes.append(("X-Loupe-Mapi-Creation-Time", created))

    codepage = _safe(lambda: msg.getPropertyVal("3FDE0003"))
    item.plain = _decode(_safe(lambda: msg.getStringStream("__substg1.0_1000")))
    html = _safe(lambda: msg.getStream("__substg1.0_10130102"))
    rtf = _safe(lambda: msg.rtfBody)
    if html is None and rtf:
        from extract_msg.enums import DeencapType

        html = _safe(lambda: msg.deencapsulateBody(rtf, DeencapType.HTML))
        if item.plain is None:
            item.plain = _decode(_safe(lambda: msg.deencapsulateBody(rtf, DeencapType.PLAIN)))
    item.html = _decode(html, codepage if isinstance(codepage, int) else None)
    item.rtf = rtf if isinstance(rtf, bytes) else None

    for att in _safe_list(lambda: msg.attachments):
        part = _msg_attachment(att, depth)
        if part is None:
            item.notes.append(("X-Loupe-Conversion-Defect", f"attachment without data: {_att_name(att)!r}"))
        else:
            item.parts.append(part)
    return item


def _msg_address(msg: Any, addrtype_prop: str, email_prop: str) -> str | None:
    """The plain email-address property: an SMTP address or an Exchange DN.

    Used only when the dedicated SMTP-address property is absent; a DN still
    identifies the person, so it is kept rather than dropped. Outlook's
    "UNKNOWN" address type marks a placeholder, not an address.
    """
    addrtype = str(_msg_prop(msg, f"__substg1.0_{addrtype_prop}") or "")
    value = _msg_prop(msg, f"__substg1.0_{email_prop}")
    if not value or addrtype.upper() == "UNKNOWN":
        return None
    return str(value)


def _placeholder(name: object) -> bool:
    """True for a missing sender name or Outlook's "Unknown" stand-in."""
    return str(name or "").strip().lower() in {"", "unknown"}


def _att_name(att: Any) -> str:
    for attr in ("longFilename", "shortFilename", "displayName", "name"):
        value = _safe(lambda a=attr: getattr(att, a))
        if value:
            return _clean(value)
    return ""


def _msg_attachment(att: Any, depth: int) -> _Part | None:
    """One extract_msg attachment as a MIME part; None when it has no bytes.

    An embedded Outlook item is re-exported as a ``.msg`` (its own OLE file)
    and attached as ``application/vnd.ms-outlook``: the MIME parser hands
    those bytes back as an embedded message, so the pipeline ingests it as a
    message of its own, linked to this one, through the same ``.msg`` path.
    """
    from extract_msg.enums import AttachmentType

    name = _att_name(att)
    kind = _safe(lambda: att.type)
    cid = _safe(lambda: att.contentId) or ""
    hidden = bool(_safe(lambda: att.hidden))
    data = _safe(lambda: att.data)
    if kind in (AttachmentType.MSG, AttachmentType.SIGNED_EMBEDDED) or hasattr(data, "exportBytes"):
        if not name.lower().endswith(".msg"):
            name = f"{name or 'embedded'}.msg"
        raw = _safe(lambda: data.exportBytes())
        if isinstance(raw, bytes) and raw:
            return _Part(name, raw, "application/vnd.ms-outlook")
        if depth < 8 and data is not None:
            inner = _safe(lambda: _build(_msg_item(data, depth + 1)))
            if isinstance(inner, bytes):
                parsed = BytesParser(policy=policy.default).parsebytes(inner)
                assert isinstance(parsed, EmailMessage)
                return _Part(name[:-4] + ".eml", b"", message=parsed)
        return None
    if isinstance(data, bytes):
        mimetype = _safe(lambda: att.mimetype) or ""
        return _Part(name or "attachment", data, str(mimetype), str(cid), bool(cid) and hidden)
    if kind == AttachmentType.WEB:
        url = _safe(lambda: att.getStringStream("__substg1.0_8000"))  # best effort
        text = f"Reference attachment {name!r}: {url or 'no URL stored'}\r\n"
        return _Part(f"{name or 'reference'}.txt", text.encode("utf-8"), "text/plain")
    return None


def _safe(fn: Any) -> Any:
    """Call ``fn``; None if extract_msg/pypff raises (one bad property must not sink the item)."""
    try:
        return fn()
    except Exception:
        return None


def _safe_list(fn: Any) -> list[Any]:
    result = _safe(fn)
    return list(result) if result else []


# --------------------------------------------------------------------------
# .pst

# MAPI property tags (entry types) read from pypff record sets.
_PR_MESSAGE_CLASS = 0x001A
_PR_SUBJECT = 0x0037
_PR_DISPLAY_NAME = 0x3001
_PR_SENT_REPRESENTING_NAME = 0x0042
_PR_SENT_REPRESENTING_ADDRTYPE = 0x0064
_PR_SENT_REPRESENTING_EMAIL = 0x0065
_PR_SENT_REPRESENTING_SMTP = 0x5D02
_PR_SENDER_NAME = 0x0C1A
_PR_SENDER_ADDRTYPE = 0x0C1E
_PR_SENDER_EMAIL = 0x0C1F
_PR_SENDER_SMTP = 0x5D01
_PR_CLIENT_SUBMIT_TIME = 0x0039
_PR_DELIVERY_TIME = 0x0E06
_PR_CREATION_TIME = 0x3007
_PR_INTERNET_MESSAGE_ID = 0x1035
_PR_IN_REPLY_TO = 0x1042
_PR_REFERENCES = 0x1039
_PR_TRANSPORT_HEADERS = 0x007D
_PR_BODY = 0x1000
_PR_INTERNET_CPID = 0x3FDE
_PR_RECIPIENT_TYPE = 0x0C15
_PR_EMAIL_ADDRESS = 0x3003
_PR_SMTP_ADDRESS = 0x39FE
_PR_ATTACH_METHOD = 0x3705
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_FILENAME = 0x3704
_PR_ATTACH_MIME_TAG = 0x370E
_PR_ATTACH_CONTENT_ID = 0x3712
_PR_ATTACHMENT_HIDDEN = 0x7FFE
# Contact properties worth a line of body text, by tag.
_CONTACT_FIELDS = {
    0x3A06: "Given name",
    0x3A11: "Surname",
    0x3A44: "Middle name",
    0x3A16: "Company",
    0x3A17: "Title",
    0x3A08: "Business phone",
    0x3A09: "Home phone",
    0x3A1C: "Mobile phone",
}


def _open_pst(path: Path) -> Any:
    import pypff

    pst = pypff.file()
    try:
        pst.open(str(path))
    except Exception as exc:
        raise OutlookError(f"libpff could not open the PST: {exc}") from exc
    return pst


def _folders(folder: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Every folder below ``folder`` with its path, depth first, in PST order.

    The nameless root is left out of paths, so locators read like Outlook's
    own tree ("Top of Personal Folders/Inbox").
    """
    stack: list[tuple[str, Any]] = [(prefix, folder)]
    while stack:
        path, current = stack.pop()
        yield path, current
        subs = []
        for index in range(_safe(lambda c=current: c.number_of_sub_folders) or 0):
            sub = _safe(lambda c=current, i=index: c.get_sub_folder(i))
            if sub is None:
                continue
            name = _safe(lambda s=sub: s.name) or f"#{index}"
            subs.append((f"{path}/{name}" if path else str(name), sub))
        stack.extend(reversed(subs))


def pst_item_count(path: Path) -> int:
    """How many items libpff reports across all folders of the PST.

    The sum of ``number_of_sub_messages``: what ``iter_pst`` must yield, item
    for item, converted or as an error; tests hold the two to each other.
    """
    pst = _open_pst(path)
    try:
        root = pst.get_root_folder()
        return sum(_safe(lambda f=f: f.number_of_sub_messages) or 0 for _, f in _folders(root, ""))
    finally:
        pst.close()


def iter_pst(path: Path) -> Iterator[tuple[str, bytes] | tuple[str, OutlookError]]:
    """Yield ``(locator, rfc822 bytes)`` for every item of a PST.

    The locator is the folder path inside the PST plus the item's index in
    that folder ("Top of Personal Folders/Inbox/3"). An item that cannot be
    converted is yielded as ``(locator, OutlookError)`` so it can be
    quarantined; only a PST that cannot be opened at all raises.

    Password-protected PSTs need no special handling: the password is only a
    CRC stored in the message store and the content is not encrypted by it.
    """
    pst = _open_pst(path)
    try:
        root = pst.get_root_folder()
        for folder_path, folder in _folders(root, ""):
            count = _safe(lambda f=folder: f.number_of_sub_messages) or 0
            for index in range(count):
                locator = f"{folder_path}/{index}" if folder_path else str(index)
                try:
                    entry = folder.get_sub_message(index)
                    yield locator, _build(_pst_item(entry, folder_path))
                except OutlookError as exc:
                    yield locator, exc
                except Exception as exc:
                    yield locator, OutlookError(f"libpff could not read PST item: {exc!r}")
    finally:
        pst.close()


def _props(obj: Any) -> dict[int, Any]:
    """An item's record entries by property tag (first occurrence wins)."""
    props: dict[int, Any] = {}
    for record_set in _safe_list(lambda: obj.record_sets):
        for entry in _safe_list(lambda rs=record_set: rs.entries):
            tag = _safe(lambda e=entry: e.entry_type)
            if tag is not None and tag not in props:
                props[tag] = entry
    return props


def _pst_str(props: dict[int, Any], tag: int) -> str | None:
    entry = props.get(tag)
    if entry is None or _safe(lambda: entry.value_type) not in (0x001E, 0x001F):
        return None
    value = _safe(lambda: entry.data_as_string)
    return str(value).replace("\x00", "") if value else None


def _pst_int(props: dict[int, Any], tag: int) -> int | None:
    entry = props.get(tag)
    if entry is None:
        return None
    value = _safe(lambda: entry.data_as_integer)
    return value if isinstance(value, int) else None


def _pst_time(props: dict[int, Any], tag: int) -> Any:
    entry = props.get(tag)
    if entry is None or _safe(lambda: entry.value_type) != 0x0040:
        return None
    return _safe(lambda: entry.data_as_datetime)


def _strip_subject_prefix(subject: str) -> str:
    """Drop the MAPI subject prefix marker ("\\x01" + length char) libpff leaves in."""
    if len(subject) >= 2 and subject[0] == "\x01":
        return subject[2:]
    return subject


def _pst_address(props: dict[int, Any], name: int, addrtype: int, mail: int, smtp: int) -> str:
    """A sender mailbox, preferring the SMTP address over an Exchange DN."""
    address = _pst_str(props, smtp)
    if not address:
        raw = _pst_str(props, mail)
        kind = (_pst_str(props, addrtype) or "").upper()
        if raw and kind != "UNKNOWN":
            address = raw
        display = _pst_str(props, name) or ""
        if kind == "UNKNOWN" and display.lower() in {"", "unknown"}:
            return ""  # Outlook's placeholder for "no sender", not a person
        return format_address(display, address)
    return format_address(_pst_str(props, name), address)


def _pst_item(entry: Any, folder_path: str) -> _Item:
    """Read one pypff item; mail or not, it becomes a message."""
    props = _props(entry)
    item = _Item()
    cls = _pst_str(props, _PR_MESSAGE_CLASS) or ""
    item.transport = _safe(lambda: entry.transport_headers) or _pst_str(props, _PR_TRANSPORT_HEADERS) or ""

    sender = _pst_address(props, _PR_SENDER_NAME, _PR_SENDER_ADDRTYPE, _PR_SENDER_EMAIL, _PR_SENDER_SMTP)
    representing = _pst_address(
        props,
        _PR_SENT_REPRESENTING_NAME,
        _PR_SENT_REPRESENTING_ADDRTYPE,
        _PR_SENT_REPRESENTING_EMAIL,
        _PR_SENT_REPRESENTING_SMTP,
    )
    if representing or sender:
        item.headers.append(("From", representing or sender))
    if representing and sender and representing != sender:
        item.headers.append(("Sender", sender))

    by_kind: dict[str, list[str]] = {}
    recipients = _safe(lambda: entry.recipients)
    if recipients is not None:
        for record_set in _safe_list(lambda: recipients.record_sets):
            rprops: dict[int, Any] = {}
            for e in _safe_list(lambda rs=record_set: rs.entries):
                rprops.setdefault(_safe(lambda e=e: e.entry_type), e)
            header = _RECIPIENT_HEADERS.get((_pst_int(rprops, _PR_RECIPIENT_TYPE) or 1) & 0xF, "To")
            text = format_address(
                _pst_str(rprops, _PR_DISPLAY_NAME),
                _pst_str(rprops, _PR_SMTP_ADDRESS) or _pst_str(rprops, _PR_EMAIL_ADDRESS),
            )
            if text:
                by_kind.setdefault(header, []).append(text)
    for header in ("To", "Cc", "Bcc"):
        if by_kind.get(header):
            item.headers.append((header, ", ".join(by_kind[header])))

    subject = _safe(lambda: entry.subject) or _pst_str(props, _PR_SUBJECT) or _pst_str(props, _PR_DISPLAY_NAME)
    if subject:
        item.headers.append(("Subject", _clean(_strip_subject_prefix(str(subject)))))
    for tag in (_PR_CLIENT_SUBMIT_TIME, _PR_DELIVERY_TIME):
        date = format_date(_pst_time(props, tag))
        if date:
            item.headers.append(("Date", date))
            break
    for name, tag in (
        ("Message-ID", _PR_INTERNET_MESSAGE_ID),
        ("In-Reply-To", _PR_IN_REPLY_TO),
        ("References", _PR_REFERENCES),
    ):
        value = _pst_str(props, tag)
        if value and _clean(value):
            item.headers.append((name, _clean(value)))

    origin = "outlook-pst" if item.transport else "outlook-pst; headers synthesised from MAPI properties"
    item.notes.append(("X-Loupe-Converted-From", origin))
    item.notes.append(("X-Loupe-Pst-Folder", folder_path))
    item.notes.append(("X-Loupe-Item-Class", cls or f"unknown ({type(entry).__name__})"))
    identifier = _safe(lambda: entry.identifier)
    if identifier is not None:
        item.notes.append(("X-Loupe-Pst-Identifier", str(identifier)))
    if not item.transport:
        created = format_date(_pst_time(props, _PR_CREATION_TIME))
        if created:
            item.notes.append(("X-Loupe-Mapi-Creation-Time", created))

    codepage = _pst_int(props, _PR_INTERNET_CPID)
    plain = _decode(_safe(lambda: entry.plain_text_body), codepage) or _pst_str(props, _PR_BODY)
    item.html = _decode(_safe(lambda: entry.html_body), codepage)
    rtf = _safe(lambda: entry.rtf_body)
    item.rtf = rtf if isinstance(rtf, bytes) and rtf else None
    extra = _contact_text(props) if cls.upper().startswith(("IPM.CONTACT", "IPM.DISTLIST")) else ""
    item.plain = "\r\n".join(t for t in (plain, extra) if t) or plain

    count = _safe(lambda: entry.number_of_attachments) or 0
    for index in range(count):
        try:
            item.parts.append(_pst_attachment(entry.get_attachment(index), index))
        except Exception as exc:
            item.notes.append(("X-Loupe-Conversion-Defect", f"attachment {index} unreadable: {exc!r}"))
    return item


def _contact_text(props: dict[int, Any]) -> str:
    """The human fields of a contact or distribution list, as body text.

    Contacts carry no body of their own; without this, a contact found in a
    leaked PST would be searchable only by its name.
    """
    lines = []
    for tag, label in _CONTACT_FIELDS.items():
        value = _pst_str(props, tag)
        if value:
            lines.append(f"{label}: {value}")
    # Email addresses of contacts are named properties (0x8000+); libpff
    # exposes them without names, so take any string that looks like one.
    seen: set[str] = set()
    for tag, entry in sorted(props.items()):
        if tag >= 0x8000 and _safe(lambda e=entry: e.value_type) in (0x001E, 0x001F):
            value = _pst_str(props, tag) or ""
            if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) and value.lower() not in seen:
                seen.add(value.lower())
                lines.append(f"Email: {value}")
    for member in _dist_list_members(props):
        if member.lower() not in seen:
            seen.add(member.lower())
            lines.append(f"Member: {member}")
    return "\r\n".join(lines)


#: MAPI_ONE_OFF_UID: an entry id that carries a name and address inline.
_ONE_OFF_UID = bytes.fromhex("812B1FA4BEA310199D6E00DD010F5402")


def _dist_list_members(props: dict[int, Any]) -> list[str]:
    """Members of a distribution list, from its one-off entry ids.

    The member lists are named multi-binary properties (PidLidDistribution-
    ListMembers / OneOffMembers); libpff gives their tags without names, so
    every multi-binary value is scanned for one-off entry ids, which spell out
    display name, address type and address.
    """
    members: list[str] = []
    for entry in props.values():
        if _safe(lambda e=entry: e.value_type) != 0x1102:
            continue
        blob = _safe(lambda e=entry: e.data) or b""
        for value in _multi_binary(blob):
            member = _one_off(value)
            if member and member not in members:
                members.append(member)
    return members


def _multi_binary(blob: bytes) -> list[bytes]:
    """Split a raw PtypMultipleBinary: count, offsets, then the values."""
    if len(blob) < 4:
        return []
    count = int.from_bytes(blob[:4], "little")
    if count <= 0 or 4 + 4 * count > len(blob):
        return []
    offsets = [int.from_bytes(blob[4 + 4 * i : 8 + 4 * i], "little") for i in range(count)]
    offsets.append(len(blob))
    return [blob[offsets[i] : offsets[i + 1]] for i in range(count) if offsets[i] <= offsets[i + 1]]


def _one_off(value: bytes) -> str | None:
    """``Name <address>`` from a one-off entry id, or None if it is not one."""
    if len(value) < 24 or value[4:20] != _ONE_OFF_UID:
        return None
    flags = int.from_bytes(value[22:24], "little")
    rest = value[24:]
    if flags & 0x8000:  # MAPI_UNICODE: UTF-16LE strings
        fields = rest.decode("utf-16-le", "replace").split("\x00")
    else:
        fields = rest.decode("cp1252", "replace").split("\x00")
    if len(fields) < 3:
        return None
    name, _addrtype, address = fields[0], fields[1], fields[2]
    return format_address(name, address) or None


def _pst_attachment(att: Any, index: int) -> _Part:
    """One pypff attachment as a MIME part.

    An embedded item (attach method 5) cannot be opened as an item through
    the pypff binding; its raw property-context bytes are kept as an opaque
    part, so the attachment is visibly there and its bytes are preserved.
    """
    props = _props(att)
    name = (
        _safe(lambda: att.long_filename)
        or _pst_str(props, _PR_ATTACH_LONG_FILENAME)
        or _pst_str(props, _PR_ATTACH_FILENAME)
        or _pst_str(props, _PR_DISPLAY_NAME)
        or f"attachment-{index}"
    )
    size = _safe(lambda: att.size) or 0
    data = att.read_buffer(size) if size else b""
    method = _pst_int(props, _PR_ATTACH_METHOD)
    if method == _ATTACH_EMBEDDED_MSG:
        return _Part(
            str(name),
            bytes(data),
            "application/octet-stream",
            description="embedded Outlook item (PST property context, not convertible by libpff)",
        )
    hidden = _safe(lambda: props[_PR_ATTACHMENT_HIDDEN].data_as_boolean) if _PR_ATTACHMENT_HIDDEN in props else False
    cid = _pst_str(props, _PR_ATTACH_CONTENT_ID) or ""
    return _Part(str(name), bytes(data), _pst_str(props, _PR_ATTACH_MIME_TAG) or "", cid, bool(cid) and bool(hidden))
