"""Outlook ``.msg`` files to RFC 822 bytes (extract-msg). See ``outlook`` for why and how."""

from __future__ import annotations

import contextlib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from loupe.ingest.outlook import (
    _RECIPIENT_HEADERS,
    OutlookError,
    _build,
    _clean,
    _decode,
    _Item,
    _Part,
    _safe,
    _safe_list,
    format_address,
    format_date,
    sniff_msg,
)


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
