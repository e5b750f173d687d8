"""The ground truth: what the demo archive contains, for tests to check against.

Every later feature (dedup, threading, source profiles, glossary mining,
quarantine) is tested against this record rather than against the
generator's internals, so it is plain data, written as ``truth.json`` beside
the archive, and readable without importing the generator.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Copy:
    """One item on disk holding a message.

    ``container`` is a path relative to the output directory: the mbox file,
    the Maildir folder, the .eml file itself, or the zip. ``member`` locates
    the item inside it: the mbox byte offset of its ``From `` line, the
    Maildir file ("cur/<name>"), the zip member name, or "" for an .eml.
    ``duplicate_of`` is the Message-ID of the first copy when this copy's
    bytes are identical to it (an exact duplicate), else ``None``.
    """

    container: str
    kind: str  # "mbox" | "maildir" | "eml" | "zip"
    member: str
    duplicate_of: str | None = None


@dataclass
class NamedCode:
    """A code a message names in one of the looser forms real mail shows (``loupe/demo/forms.py``).

    Insight blocks, INSIGHT subjects and handler notes are recorded by ``source_code`` and
    ``insight``; this records the rest, one entry per place. ``level`` is what Loupe should make
    of it (``loupe.model.SOURCE_LEVELS``): "report" (a handler's note in an emphasised forward
    header or a bracketed forward subject), "prose" (the words around it say it is a source) or
    "mention" (a bare code, which counts only because reports elsewhere in the archive name it).
    ``form`` is "wrapped" (the context and the code on two lines of a hard-wrapped paragraph),
    "outlook-forward" (``*Subject:* Re: From MX1 -- 2``), "bracketed-subject" (``Re: [Fwd: From
    MX1 -- 2]``) or "loose-prose" ("Can you ping MX1 on this report?", a tasking list). ``text``
    is the words as planted, line breaks included, in ``part`` ("subject" or "body"); ``quoted``
    is true when the message carries them in a reply's ``>`` quote of the message that planted them.
    """

    code: str  # normalised: MX01 -> MX1
    written: str  # as in the text
    level: str  # "report" | "prose" | "mention"
    form: str  # "wrapped" | "outlook-forward" | "bracketed-subject" | "loose-prose"
    text: str
    part: str = "body"
    quoted: bool = False


@dataclass
class MessageTruth:
    """One generated message and what later features should find in it."""

    message_id: str
    date: str | None
    sender: str
    subject: str
    copies: list[Copy]
    thread_root: str
    in_reply_to: str | None = None
    mailing_list: str | None = None
    near_duplicate_group: str | None = None  # copies of one text: cross-post, re-send, insight copies, forward
    source_code: str | None = None
    insight_variant: str | None = None  # "full" | "stripped" | "subject-only" | "forwarded"
    insight: dict[str, str] | None = None  # the block's values, as a parser should read them
    forwarded_author: str | None = None  # who wrote the forwarded text (a code, or an address)
    forward_of: str | None = None  # Message-ID of the forwarded message, when it is in the archive
    charset: str = "us-ascii"
    body_format: str = "plain"  # "plain" | "html-only" | "alternative" (plain + HTML)
    attachments: list[dict[str, str]] = field(default_factory=list)
    embedded_in: str | None = None  # set for a message attached to another as message/rfc822
    malformed: str | None = None  # what is wrong with it, if anything
    named_codes: list[NamedCode] = field(default_factory=list)  # codes named in looser forms, by place


@dataclass
class SourceTruth:
    code: str
    country: str
    region: str
    handler: str
    handler_address: str
    reliability: str
    descriptions: list[dict[str, str]]  # [{"since": "2009-03-01", "text": ...}]
    written_as: list[str]  # every spelling of the code that appears (MX1, MX01)
    insight_messages: int = 0


@dataclass
class Planted:
    """A glossary pair or a look-alike token, with where it was put."""

    token: str
    meaning: str
    form: str
    message_ids: list[str] = field(default_factory=list)


@dataclass
class BadItem:
    """A malformed item: where it is and what is wrong."""

    container: str
    member: str
    message_id: str | None
    problem: str
    is_mail: bool


@dataclass
class Totals:
    items_written: int = 0  # every mbox entry, maildir file, .eml file and zip member
    distinct_messages: int = 0  # distinct top-level messages (by Message-ID)
    exact_duplicate_copies: int = 0  # items whose bytes repeat an earlier copy
    not_mail_items: int = 0  # items that are not mail at all (quarantine them)
    embedded_messages: int = 0  # message/rfc822 parts, messages in their own right
    attachments: int = 0  # attachment parts across distinct messages
    per_container: dict[str, int] = field(default_factory=dict)


@dataclass
class QuoteEdit:
    """One editorial convention in a quote: what the article shows and what the email said.

    ``kind`` is "insertion" (``[their]``; original ""), "replacement"
    (``[the smugglers]`` for "they"), "omission" (an ellipsis; original: the
    words left out), "sic" (``[sic]``; original ""), "capitalisation" ("the"
    for "The") or "emphasis note" (``*completely*`` for "completely", marked
    "(emphasis added)" after the quote).
    """

    kind: str
    quoted: str
    original: str


@dataclass
class QuoteDifference:
    """A word changed outside brackets (an altered quote): the article's word, the email's."""

    quoted: str
    original: str


@dataclass
class QuoteOrigin:
    """The earliest message holding a quote's passage: the original speaker, not a forwarder."""

    message_id: str
    sender: str
    date: str
    source_code: str | None = None  # the coded source, when the passage is an insight report's


@dataclass
class QuoteTruth:
    """One quotation in the demo article and what a quote checker should say about it.

    ``parts`` are the pieces between quote marks exactly as ``article.md``
    prints them (two when the attribution interrupts the quote); ``text`` is
    the quote a reader reassembles (the parts joined by a space) and
    ``shown`` the whole span in the article, marks and interruption included
    (a block quote's ``> `` line). ``passage`` is the email's own wording, the
    way ``text`` would read unedited; the email may wrap it, quote it with
    ``>`` or use straight punctuation where the article has curly.
    ``also_in`` lists later messages carrying the same passage (a forward, a
    stripped copy, a quoted reply), none of which is the origin.
    """

    id: str
    text: str
    parts: list[str]
    shown: str
    marks: str  # "straight" | "curly" | "block"
    speaker: str  # who the article says is speaking
    classification: str  # "verbatim" | "faithful edit" | "altered" | "not found"
    passage: str  # "" when not found
    edits: list[QuoteEdit] = field(default_factory=list)
    differences: list[QuoteDifference] = field(default_factory=list)
    origin: QuoteOrigin | None = None
    also_in: list[str] = field(default_factory=list)


@dataclass
class ArticleTruth:
    """The fictional news article written from the leak (paths relative to the output directory)."""

    markdown: str
    html: str
    outlet: str
    headline: str
    quotes: list[QuoteTruth]


@dataclass
class ClaimCopy:
    """A message repeating an origin's statement: it adds no independent support.

    ``kind``: "stripped copy" (an insight's wider-list copy), "list re-post"
    (the same text posted to a second list), "forward" (with a short note),
    "quoted reply" (the statement under ``>`` markers), "re-send" (sent again
    with a small edit).
    """

    message_id: str
    kind: str


@dataclass
class ClaimOrigin:
    """One independent origin of a claim: a coded source, or an author writing in their own name."""

    origin: str  # the source code ("MX7") or the author's address
    kind: str  # "source" | "author"
    message_id: str  # the message in which this origin first states the claim
    statement: str  # the origin's own wording (each origin words it differently)
    copies: list[ClaimCopy] = field(default_factory=list)


@dataclass
class ClaimTruth:
    """A claim made by ``k`` independent origins; ``decoys`` share words with it but do not support it.

    ``wording`` is "shared" when every origin states the claim with its key words (lexical
    matching finds them) and "paraphrased" when none does: the origins share no content word with
    the claim but its proper names, so only matching by meaning finds them. ``decoy_kinds`` is
    aligned with ``decoys``: "shared words" (the claim's words in a sentence saying something
    else) or "denial" (the claim's words, stated to be untrue).
    """

    id: str
    claim: str  # as a user would type it
    k: int
    origins: list[ClaimOrigin]
    decoys: list[str] = field(default_factory=list)  # Message-IDs
    wording: str = "shared"  # "shared" | "paraphrased"
    decoy_kinds: list[str] = field(default_factory=list)  # "shared words" | "denial", one per decoy


@dataclass
class DemoTruth:
    seed: int
    n_messages: int
    firm: str
    domain: str
    messages: list[MessageTruth]
    sources: list[SourceTruth]
    glossary: list[Planted]
    lookalikes: list[Planted]
    malformed: list[BadItem]
    totals: Totals
    from_line_messages: list[str] = field(default_factory=list)  # bodies with a line starting "From "
    article: ArticleTruth | None = None  # the news article quoting the archive (quote check)
    claims: list[ClaimTruth] = field(default_factory=list)  # claims with k independent origins (corroboration)

    @property
    def non_mail_items(self) -> int:
        """Items that are not mail at all: what ``loupe quarantine`` should list."""
        return self.totals.not_mail_items

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: Path) -> None:
        """Stable JSON (fixed key order, UTF-8) so the file is byte-identical too."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        path.write_text(text + "\n", encoding="utf-8")

    def message(self, message_id: str) -> MessageTruth:
        for item in self.messages:
            if item.message_id == message_id:
                return item
        raise KeyError(message_id)


def load_truth(path: Path) -> dict[str, Any]:
    """The truth as plain JSON data (tests and tools need no generator import)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
