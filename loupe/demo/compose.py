"""Assembling message bytes: headers, charsets, transfer encodings, multiparts.

The stdlib supplies the encoders (``email.header``, ``email.utils``,
``quopri``, ``base64``); the bytes are assembled here rather than by
``email.generator`` because the generator draws MIME boundaries from the
global ``random`` module, and the demo must be byte-identical for a seed.
Assembling by hand also lets a test item be broken on purpose (a missing
final boundary, a truncated base64 body) without fighting the library.
"""

from __future__ import annotations

import base64
import quopri
import urllib.parse
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formataddr

from loupe.demo.attachments import Attachment
from loupe.demo.people import Person


def encoded_word(text: str, charset: str = "utf-8") -> str:
    """RFC 2047 encode a header value when it is not plain ASCII."""
    if text.isascii():
        return text
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"  # a Russian mail addressed to "Björn": the name needs another charset
    return Header(text, charset).encode(maxlinelen=76)


def address(person: Person, charset: str = "utf-8") -> str:
    """``Name <addr>``, the name RFC 2047-encoded in ``charset`` when needed."""
    if person.name.isascii():
        return formataddr((person.name, person.address))
    return f"{encoded_word(person.name, charset)} <{person.address}>"


def fold(name: str, items: list[str]) -> str:
    """A long list header (References) folded onto continuation lines."""
    line = f"{name}: "
    out: list[str] = []
    for item in items:
        if len(line) + len(item) > 76 and line.strip() != f"{name}:":
            out.append(line.rstrip())
            line = " "
        line += item + " "
    out.append(line.rstrip())
    return "\n".join(out)


@dataclass
class Part:
    """A leaf MIME part: its headers and its already-encoded body bytes."""

    headers: list[str]
    body: bytes


@dataclass
class Multipart:
    """A multipart container with an explicit, deterministic boundary."""

    subtype: str
    boundary: str
    parts: list[Part | Multipart] = field(default_factory=list)
    close: bool = True  # False: leave off the final boundary (a malformed item)


def encode_body(text: str, charset: str, cte: str) -> bytes:
    """Text body in a charset and transfer encoding, LF line ends."""
    raw = text.encode(charset)
    if cte == "quoted-printable":
        return quopri.encodestring(raw)
    if cte == "base64":
        return base64.encodebytes(raw)
    return raw if raw.endswith(b"\n") else raw + b"\n"


def text_part(text: str, charset: str = "us-ascii", cte: str = "7bit", subtype: str = "plain") -> Part:
    if charset == "us-ascii" and not text.isascii():
        charset = "utf-8"
        cte = "8bit" if cte == "7bit" else cte
    elif charset == "us-ascii" and cte == "8bit":
        cte = "7bit"  # nothing 8-bit to carry
    headers = [f'Content-Type: text/{subtype}; charset="{charset}"', f"Content-Transfer-Encoding: {cte}"]
    return Part(headers, encode_body(text, charset, cte))


def attachment_part(att: Attachment) -> Part:
    """Base64 attachment; a non-ASCII file name uses RFC 2231 (``filename*=``)."""
    if att.filename.isascii():
        disposition = f'attachment; filename="{att.filename}"'
        ctype = f'{att.content_type}; name="{att.filename}"'
    else:
        quoted = urllib.parse.quote(att.filename, safe="")
        disposition = f"attachment;\n filename*=utf-8''{quoted}"
        ctype = f"{att.content_type};\n name*=utf-8''{quoted}"
    body = base64.encodebytes(att.data)
    if att.truncated:
        body = body[: len(body) // 2].rstrip(b"\n")[:-3] + b"\n"  # cut mid-line, padding lost
    return Part(
        [f"Content-Type: {ctype}", "Content-Transfer-Encoding: base64", f"Content-Disposition: {disposition}"], body
    )


def message_part(inner: bytes) -> Part:
    """A whole message attached as ``message/rfc822``."""
    return Part(["Content-Type: message/rfc822", "Content-Disposition: attachment"], inner)


def render_part(part: Part | Multipart) -> bytes:
    if isinstance(part, Part):
        return ("\n".join(part.headers) + "\n\n").encode("ascii") + part.body
    head = f'Content-Type: multipart/{part.subtype};\n boundary="{part.boundary}"\n\n'
    out = bytearray(head.encode("ascii"))
    out += b"This is a multi-part message in MIME format.\n"
    for child in part.parts:
        out += f"\n--{part.boundary}\n".encode("ascii")
        out += render_part(child).rstrip(b"\n") + b"\n"
    if part.close:
        out += f"\n--{part.boundary}--\n".encode("ascii")
    return bytes(out)


def render(headers: list[str], body: Part | Multipart) -> bytes:
    """A whole message: top headers, MIME-Version, then the body entity."""
    top = "\n".join([*headers, "MIME-Version: 1.0"]) + "\n"
    return top.encode("ascii") + render_part(body)
