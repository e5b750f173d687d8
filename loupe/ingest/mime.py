"""Raw message bytes to a ``ParsedMessage``: a pure function that never raises.

The part tree is walked with an explicit stack, not recursion, so a
pathologically nested message cannot exhaust the stack during the walk. The
stdlib parser itself recurses on nesting; when it gives up
(``RecursionError``) we keep the headers and the body as undecoded text and
record the defect, rather than losing the message.

Messages inside messages (``message/rfc822`` parts, attached ``.eml`` and
``.msg`` files) are not flattened into their parent: their bytes are returned
in ``embedded``/``embedded_msg`` so the pipeline makes them messages of their
own, linked to the parent. Their part in the parent is still listed as an
attachment, so ``has:attachment`` and the attachment list stay truthful.
"""

from __future__ import annotations

import email
import hashlib
from email import errors, policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesHeaderParser
from io import BytesIO

from loupe.ingest.alternatives import html_alternative
from loupe.ingest.attachments import Extracted, ExtractLimits, extract_text
from loupe.ingest.headers import (
    decode_value,
    list_id_of,
    parse_addresses,
    parse_date,
    parse_message_ids,
    raw_to_text,
)
from loupe.ingest.text import decode_bytes, html_to_text
from loupe.model import Alternative, Attachment, ParsedMessage

BOM = b"\xef\xbb\xbf"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Parts that are whole messages and become messages of their own.
EMBEDDED_TYPES = frozenset({"message/rfc822", "message/global"})


def parse_message(
    data: bytes, limits: ExtractLimits | None = None, with_headers: bool = False, attachment_text: bool = True
) -> ParsedMessage:
    """Parse one RFC 822 message. Bad structure becomes defects, not errors.

    ``with_headers`` also decodes every header for display (``loupe show``);
    ingest skips it, as it costs a tenth of the parse and nothing is indexed
    from it. ``attachment_text=False`` skips extracting attachment text, for
    callers that only need the body (search snippets).
    """
    limits = limits or ExtractLimits()
    defects: list[str] = []
    body_bytes = data[len(BOM) :] if data.startswith(BOM) else data
    try:
        msg = email.message_from_bytes(body_bytes, policy=policy.compat32)
        walker = _Walker(limits, attachment_text)
        walker.walk(msg)
    except RecursionError:
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(body_bytes)
        walker = _Walker(limits, attachment_text)
        walker.body.append(_raw_body(body_bytes))
        walker.body_groups.append(0)
        defects.append("NestingTooDeep: MIME tree deeper than the parser allows; body kept as raw text")
    defects.extend(walker.defects)
    return _assemble(msg, walker, defects, with_headers)


def _raw_body(data: bytes) -> str:
    split = data.find(b"\n\n")
    return decode_bytes(data[split + 2 :] if split >= 0 else b"", None)[0]


class _Walker:
    """Collects body text, attachments and embedded messages from a part tree."""

    def __init__(self, limits: ExtractLimits, attachment_text: bool = True) -> None:
        self.limits = limits
        self.attachment_text = attachment_text
        self.body: list[str] = []
        self.html: list[str] = []
        #: the multipart/alternative each ``body`` and ``html`` entry sits in (0: none), so the
        #: versions are compared part for part, not with a mailing list's footer
        self.body_groups: list[int] = []
        self.html_groups: list[int] = []
        self.attachments: list[Attachment] = []
        self.embedded: list[bytes] = []
        self.embedded_msg: list[bytes] = []
        self.defects: list[str] = []

    def walk(self, root: Message) -> None:
        stack: list[tuple[Message, int]] = [(root, 0)]
        groups = 0
        while stack:
            part, group = stack.pop()
            self.defects.extend(type(d).__name__ for d in part.defects)
            ctype = part.get_content_type()
            if ctype in EMBEDDED_TYPES:
                self._embedded_message(part)
            elif part.get_content_maintype() == "message" and part.is_multipart():
                # delivery-status, disposition-notification: header blocks,
                # which compat32 parses as sub-messages; they are reports, not mail
                self._report(part, ctype)
            elif part.is_multipart():
                children = part.get_payload()
                if ctype == "multipart/alternative":
                    groups += 1
                    group = groups
                if isinstance(children, list):
                    stack.extend((child, group) for child in reversed(children) if isinstance(child, Message))
            else:
                self._leaf(part, ctype, group)

    def _leaf(self, part: Message, ctype: str, group: int = 0) -> None:
        filename = _filename(part)
        disposition = part.get_content_disposition()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        is_body = disposition != "attachment" and not filename
        if is_body and ctype == "text/plain":
            self.body.append(decode_bytes(data, part.get_content_charset())[0])
            self.body_groups.append(group)
            return
        if is_body and ctype == "text/html":
            self.html.append(decode_bytes(data, part.get_content_charset())[0])
            self.html_groups.append(group)
            return
        lowered = filename.lower()
        if lowered.endswith(".eml") and b":" in data[:4096]:
            self.embedded.append(data)
        elif data.startswith(OLE_MAGIC) and (lowered.endswith(".msg") or ctype == "application/vnd.ms-outlook"):
            self.embedded_msg.append(data)
        extracted = extract_text(data, ctype, filename, self.limits) if self.attachment_text else Extracted("")
        self.attachments.append(
            Attachment(
                filename=filename,
                mimetype=ctype,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                text=extracted.text,
                text_error=extracted.error,
                ocr_pages=extracted.ocr_pages,
                inline=disposition == "inline" or (disposition is None and not filename),
                content_id=str(part.get("Content-ID") or "").strip().strip("<>"),  # a Header object when not ASCII
            )
        )

    def _embedded_message(self, part: Message) -> None:
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            data = _flatten(payload[0])
        else:  # message/global and odd encodings arrive undecoded: take the bytes
            decoded = part.get_payload(decode=True)
            data = decoded if isinstance(decoded, bytes) else b""
        if not data.strip():
            self.defects.append("EmptyEmbeddedMessage")
            return
        self.embedded.append(data)
        inner = BytesHeaderParser(policy=policy.compat32).parsebytes(data)
        subject = decode_value(inner.get("Subject")) or "message"
        self.attachments.append(
            Attachment(
                filename=_filename(part) or f"{subject[:80]}.eml",
                mimetype="message/rfc822",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )

    def _report(self, part: Message, ctype: str) -> None:
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        data = b"\n".join(_flatten(block) for block in blocks if isinstance(block, Message))
        self.attachments.append(
            Attachment(
                filename=_filename(part),
                mimetype=ctype,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                text=decode_bytes(data, "utf-8")[0],
                inline=True,
            )
        )


def _flatten(message: Message) -> bytes:
    """A message part as bytes again. The email package refuses to write a header whose value holds
    a line break followed by something header-like (a damaged delivery report, found by
    ``bench/fuzz.py``); such a part is written out by hand, each header as it was read."""
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=policy.compat32).flatten(message)
    except (errors.HeaderParseError, ValueError, UnicodeError):
        head = b"".join(f"{name}: {value}\n".encode("utf-8", "surrogateescape") for name, value in message.items())
        payload = message.get_payload(decode=False)
        body = payload if isinstance(payload, str) else ""
        return head + b"\n" + body.encode("utf-8", "surrogateescape")
    return buffer.getvalue()


def _filename(part: Message) -> str:
    """File name from Content-Disposition or Content-Type (RFC 2231 or 2047)."""
    try:
        name = part.get_filename()
    except Exception:  # a malformed RFC 2231 continuation
        name = None
    if not name:
        return ""
    return decode_value(raw_to_text(str(name)))


def _raw_headers(msg: Message) -> dict[str, str]:
    """First raw value of each header, by lower-cased name.

    ``raw_items`` avoids compat32 wrapping 8-bit values in ``Header`` objects;
    ``headers.raw_to_text`` decodes them properly instead.
    """
    raw: dict[str, str] = {}
    for name, value in msg.raw_items():
        raw.setdefault(name.lower(), str(value))
    return raw


def _assemble(msg: Message, walker: _Walker, defects: list[str], with_headers: bool) -> ParsedMessage:
    h = _raw_headers(msg)
    senders = parse_addresses(h.get("from")) or parse_addresses(h.get("sender"))
    to, cc, bcc = parse_addresses(h.get("to")), parse_addresses(h.get("cc")), parse_addresses(h.get("bcc"))
    in_reply_to, references = parse_message_ids(h.get("in-reply-to")), parse_message_ids(h.get("references"))
    date, date_raw, date_flag = parse_date(h.get("date"))
    subject = decode_value(h.get("subject"))
    alternatives: tuple[Alternative, ...] = ()
    if walker.body:
        body, source = "\n".join(walker.body), "plain"
        if walker.html:  # the HTML a mail client shows instead: searched and compared, never lost
            plain = list(zip(walker.body, walker.body_groups, strict=True))
            alternatives = (html_alternative(plain, list(zip(walker.html, walker.html_groups, strict=True))),)
    elif walker.html:
        body, source = "\n".join(html_to_text(h) for h in walker.html), "html"
    else:
        body, source = "", "none"
    ids = parse_message_ids(h.get("message-id"))
    attachment_hashes = sorted(a.sha256 for a in walker.attachments)
    # What makes two copies "the same message": what its people wrote and
    # to whom. Transport headers (Received, X-Folder, Delivered-To) and MIME
    # packaging are left out, so copies of one mail from several mailboxes
    # collapse; a copy with more recipients (Cc, Bcc), a different body or a
    # different HTML version stays a message of its own. Every copy's
    # original bytes are kept.
    key_material = "\x1f".join(
        [
            ids[0] if ids else "",
            date_raw,
            *(";".join(a.display() for a in group) for group in (senders, to, cc, bcc)),
            " ".join(in_reply_to),
            " ".join(references),
            subject,
            body,
            *attachment_hashes,
            # an HTML version with words the plain text lacks is part of what was written: a copy
            # whose HTML alone was changed is another message, indexed, never folded as a duplicate
            # (mail whose versions agree keeps the key it always had)
            *(a.text for a in alternatives if a.adds_words),
        ]
    )
    content_key = hashlib.sha256(key_material.encode("utf-8", "surrogatepass")).hexdigest()
    if ids:
        message_id, derived = ids[0], False
    else:
        message_id, derived = f"{content_key[:32]}@derived.loupe", True
    headers_text = (
        "\n".join(f"{name}: {decode_value(value)}" for name, value in msg.raw_items()) if with_headers else ""
    )
    return ParsedMessage(
        message_id=message_id,
        message_id_derived=derived,
        subject=subject,
        senders=senders,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=parse_addresses(h.get("reply-to")),
        date=date,
        date_raw=date_raw,
        date_flag=date_flag,
        in_reply_to=in_reply_to,
        references=references,
        list_id=list_id_of(h.get("list-id"), h.get("sender"), h.get("return-path")),
        body_text=body,
        body_source=source,
        attachments=tuple(walker.attachments),
        embedded=tuple(walker.embedded),
        embedded_msg=tuple(walker.embedded_msg),
        defects=tuple(dict.fromkeys(defects)),
        content_key=content_key,
        headers_text=headers_text,
        thread_index="".join(str(h.get("thread-index") or "").split()),
        alternatives=alternatives,
    )
