"""Outlook items to RFC 822 bytes: what ``.msg`` (``msg.py``) and ``.pst`` (``pst.py``) share.

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
import email.utils
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
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


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    # typeshed wants a BaseHeader subclass; the registry takes the stdlib's mixins, as its own table does
    registry.map_to_type("message-id", UnstructuredHeader)  # type: ignore[arg-type]
    return registry


#: ``policy.SMTP``, except that Message-ID is kept as text: the stdlib's msg-id parser
#: drops what follows a second "@" (Outlook writes "<...$@razzaq@xp.local>", as in
#: Aspose's SampleOLM.olm), and the converted item must carry the id its source has.
_POLICY = policy.SMTP.clone(header_factory=_registry())


def _build(item: _Item) -> bytes:
    """Serialise a converted item: original header block, then our MIME."""
    transport_lines, present = _transport_lines(item.transport) if item.transport else ([], [])
    msg = EmailMessage(policy=_POLICY)
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
        generated = msg.as_bytes(policy=_POLICY)
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


def _safe(fn: Any) -> Any:
    """Call ``fn``; None if extract_msg/pypff raises (one bad property must not sink the item)."""
    try:
        return fn()
    except Exception:
        return None


def _safe_list(fn: Any) -> list[Any]:
    result = _safe(fn)
    return list(result) if result else []
