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
#: 2: the HTML beside a plain-text body is read too (``ParsedMessage.alternatives``).
#: 3: a message without List-Id takes one from a list's envelope (``Sender: owner-foo@host``), and
#:    an HTML version with words the plain text lacks is part of the content key.
PARSER_VERSION = 3

#: How strongly each code-finding rule (``code_mentions.where``) says "this code is a source":
#: a ``report`` (an insight block's code line, an insight subject, a handler's "From MX1 -- 2"
#: note) establishes the code for the whole case; ``prose`` names it in a sentence about a
#: source ("according to MX1"); a bare ``mention`` counts only for an established code.
#: Here, not in ``loupe.sources``, because the store counts by it too.
SOURCE_LEVELS: dict[str, str] = {
    "header": "report",
    "subject": "report",
    "note": "report",
    "phrase": "prose",
    "mention": "mention",
}
#: The levels, strongest first: a message is counted once, at the strongest level it names a code.
LEVEL_ORDER: tuple[str, ...] = ("report", "prose", "mention")

#: Separates the levels of a nested locator: ``leak.zip!mail/box.mbox@1234``
#: means "byte 1234 of mail/box.mbox inside leak.zip".
MEMBER_SEP = "!"
OFFSET_SEP = "@"


class ItemKind(StrEnum):
    """How the bytes of a raw item are to be read."""

    RFC822 = "rfc822"  # an Internet message (eml, mbox entry, Maildir file)
    MSG = "msg"  # an Outlook .msg compound file
    EMLX = "emlx"  # an Apple Mail .emlx (byte count, message, plist)
    DOCUMENT = "document"  # a file that is not mail: PDF, office, text, image (``ingest.documents``)


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
    ocr_pages: int = 0  # pages of ``text`` read by OCR (a picture, a scanned PDF's pages)


@dataclass(frozen=True)
class Alternative:
    """Another version of the body: the text of the HTML parts beside a plain-text body.

    ``only_here`` and ``only_in_plain`` are the (folded) words one version
    has and the other lacks: either non-empty means the two say different
    things (``ingest.alternatives`` says how that is judged). ``adds_words``:
    the text has words the body lacks, so it is searched with the body.
    """

    mimetype: str
    text: str
    only_here: tuple[str, ...] = ()
    only_in_plain: tuple[str, ...] = ()
    adds_words: bool = False

    @property
    def differs(self) -> bool:
        return bool(self.only_here or self.only_in_plain)


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
    list_id: str  # the List-Id header, or for an older list one made from its envelope (Sender: owner-foo@)
    body_text: str
    body_source: str  # "plain", "html", "none": where body_text came from
    attachments: tuple[Attachment, ...]
    embedded: tuple[bytes, ...]  # raw bytes of message/rfc822 parts and attached .eml
    embedded_msg: tuple[bytes, ...]  # raw bytes of attached Outlook .msg files
    defects: tuple[str, ...]
    content_key: str  # hash of what makes two copies "the same message"
    headers_text: str = ""  # decoded header block, for display and search
    thread_index: str = ""  # Outlook's Thread-Index header (base64), when present
    alternatives: tuple[Alternative, ...] = ()  # other versions of the body (HTML beside plain text)
    kind: str = "mail"  # or "document": a file of the leak that is not mail (``ingest.documents``)
    doc_type: str = ""  # a document's type: pdf, docx, xlsx, pptx, odt, rtf, html, csv, txt, ics, vcf, png, ...

    @property
    def search_body(self) -> str:
        """What ``body:`` and a bare word search: the body, then each other version with words it lacks.

        ``body_text`` stays the one version, as codes, quotes and offsets are
        read from it. A version with no other words adds nothing to find, so
        it is left out rather than doubling every word in the index.
        """
        extra = [a.text for a in self.alternatives if a.adds_words]
        return "\n\n".join([self.body_text, *extra]) if extra else self.body_text
