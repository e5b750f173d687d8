"""Value types shared by every layer: raw items, parsed messages, addresses.

These are plain frozen dataclasses with no behaviour that touches I/O, so the
parsers can build them in worker processes and send them back by pickling.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

#: Bumped whenever a change to parsing would change what is stored for a
#: message; every stored row records the version that produced it, so a parser
#: fix can later redo only the rows it affects.
PARSER_VERSION = 1

#: Separates the levels of a nested locator: ``leak.zip!mail/box.mbox@1234``
#: means "byte 1234 of mail/box.mbox inside leak.zip".
MEMBER_SEP = "!"
OFFSET_SEP = "@"


class ItemKind(StrEnum):
    """How the bytes of a raw item are to be read."""

    RFC822 = "rfc822"  # an Internet message (eml, mbox entry, Maildir file)
    MSG = "msg"  # an Outlook .msg compound file
    EMLX = "emlx"  # an Apple Mail .emlx (byte count, message, plist)


@dataclass(frozen=True)
class RawItem:
    """One message-shaped item found in a container, with where it came from.

    ``data`` are the original bytes exactly as found: they are what is kept in
    the blob store and what ``loupe export --raw`` gives back.
    """

    locator: str
    data: bytes
    kind: ItemKind = ItemKind.RFC822
    parent_locator: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class BadItem:
    """An item a container reader could not turn into a message.

    It is quarantined with its reason; ``data`` holds whatever original bytes
    could be recovered (possibly none, for a member too large to expand).
    """

    locator: str
    reason: str
    data: bytes = b""


@dataclass(frozen=True)
class Address:
    """A parsed mailbox: display name and address, either possibly empty.

    ``raw`` keeps the text as it appeared when it could not be parsed cleanly
    (garbage in a To: header is evidence too).
    """

    name: str
    email: str
    raw: str = ""

    def display(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name or self.raw


class DateFlag(StrEnum):
    OK = "ok"
    MISSING = "missing"  # no Date header at all
    UNPARSEABLE = "unparseable"  # a Date header we could not read
    IMPOSSIBLE = "impossible"  # readable but absurd (before 1971 or far future)


@dataclass(frozen=True)
class Attachment:
    """One attachment (or inline non-body part) of a message."""

    filename: str
    mimetype: str
    size: int
    sha256: str
    data: bytes = field(repr=False, default=b"")
    text: str = ""
    text_error: str = ""
    inline: bool = False
    content_id: str = ""


@dataclass(frozen=True)
class ParsedMessage:
    """Everything Loupe reads out of one message, before it is stored."""

    message_id: str
    message_id_derived: bool
    subject: str
    senders: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None  # UTC, aware
    date_raw: str
    date_flag: DateFlag
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    list_id: str
    body_text: str
    body_source: str  # "plain", "html", "none": where body_text came from
    attachments: tuple[Attachment, ...]
    embedded: tuple[bytes, ...]  # raw bytes of message/rfc822 parts and attached .eml
    embedded_msg: tuple[bytes, ...]  # raw bytes of attached Outlook .msg files
    defects: tuple[str, ...]
    content_key: str  # hash of what makes two copies "the same message"
    headers_text: str = ""  # decoded header block, for display and search
    thread_index: str = ""  # Outlook's Thread-Index header (base64), when present
