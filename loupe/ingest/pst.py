"""Outlook ``.pst``/``.ost`` items to RFC 822 bytes (libpff). See ``outlook`` for why and how."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loupe.ingest.outlook import (
    _ATTACH_EMBEDDED_MSG,
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
)

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
