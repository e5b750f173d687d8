"""Header values to text: encoded words, raw 8-bit bytes, addresses, dates, ids.

Pure functions over the raw header strings of a ``compat32`` message. We use
``compat32`` rather than ``policy.default`` because it is about seven times
faster (measured: ~8,000 vs ~1,100 msg/s per core with text extraction) and
never raises on bad headers; the price is that decoding is done here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.header import decode_header
from email.utils import getaddresses, parsedate_to_datetime

from loupe.ingest.text import decode_bytes
from loupe.model import Address, DateFlag

_FOLD = re.compile(r"\r?\n[ \t]*")
_MSGID = re.compile(r"<([^<>\s]+)>")
_BARE_ID = re.compile(r"[^\s<>\"]+@[^\s<>\"]+")

#: Dates outside this window are flagged "impossible" instead of being
#: trusted: 1970-01-01 is what a zero timestamp becomes, and mail dated after
#: 2100 is a clock or forgery problem worth showing the reporter.
EARLIEST_PLAUSIBLE = datetime(1971, 1, 1, tzinfo=UTC)
LATEST_PLAUSIBLE = datetime(2100, 1, 1, tzinfo=UTC)


def unfold(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def raw_to_text(value: str) -> str:
    """A raw compat32 header string (8-bit bytes smuggled as surrogates) to text.

    RFC 6532 allows UTF-8 in headers; older mail has raw Latin-1 or KOI8-R.
    Try UTF-8 first, then detection; the original bytes stay in the blob.
    """
    if value.isascii() or not _has_surrogates(value):  # isascii: the common case, in C
        return value
    raw = value.encode("ascii", "surrogateescape")
    text = raw.decode("utf-8", "replace")
    # UTF-8 cut mid-character (a long name truncated by a mailer) is still
    # UTF-8; only a text that is wrong throughout goes to detection.
    if text.count("\ufffd") <= max(1, len(text) // 200):
        return text
    return decode_bytes(raw, None)[0]


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def decode_value(value: str | None) -> str:
    """Decode RFC 2047 encoded words and raw 8-bit bytes; unfold lines."""
    if not value:
        return ""
    text = unfold(raw_to_text(str(value)))
    if "=?" not in text:
        return text
    try:
        parts = decode_header(text)
    except Exception:  # malformed encoded words: keep the text as it came
        return text
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            out.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            out.append(decode_bytes(chunk, charset)[0])
    return "".join(out)


_SIMPLE_NAMED = re.compile(r"\s*([^<>]*?)\s*<([^<>\s]*)>\s*")
_SIMPLE_BARE = re.compile(r"\s*([^\s<>,]+@[^\s<>,]+)\s*")
_NEEDS_FULL_PARSER = re.compile(r'["()\\:;\[\]]')


def _simple_pairs(text: str) -> list[tuple[str, str]] | None:
    """``Name <a@b>, c@d`` lists without quotes, comments or groups, fast.

    The stdlib address parser walks character by character and was a third
    of all parsing time; most headers are this simple shape. Anything
    else returns None and goes to ``getaddresses``.
    """
    if _NEEDS_FULL_PARSER.search(text):
        return None
    pairs = []
    for piece in text.split(","):
        if not piece.strip():
            continue
        named = _SIMPLE_NAMED.fullmatch(piece)
        if named:
            pairs.append((named.group(1), named.group(2)))
            continue
        bare = _SIMPLE_BARE.fullmatch(piece)
        if bare is None:
            return None
        pairs.append(("", bare.group(1)))
    return pairs


def parse_addresses(value: str | None) -> tuple[Address, ...]:
    """Mailboxes of an address header, keeping unparseable pieces as ``raw``.

    Parsing happens before decoding encoded words, so a decoded display name
    containing a comma cannot split one person in two.
    """
    if not value:
        return ()
    text = unfold(raw_to_text(str(value)))
    result: list[Address] = []
    pairs = _simple_pairs(text)
    if pairs is None:
        try:
            pairs = getaddresses([text])
        except Exception:
            pairs = []
    garbage = False
    for name, email in pairs:
        name = decode_value(name).strip()
        email = email.strip()
        if not name and not email:
            continue
        # Exchange's X.500 names (/O=ORG/OU=SITE/CN=...) are real addresses
        # in Outlook-born mail; a bare word is half an address the parser guessed
        if "@" not in email and not email.startswith("/") and not (name and not email):
            garbage = True
            continue
        result.append(Address(name=name, email=email.lower(), raw=""))
    if (garbage or not result) and text.strip():
        # what could not be read is kept whole, as written: it is evidence too
        result.append(Address(name="", email="", raw=decode_value(text)))
    return tuple(result)


def parse_date(value: str | None) -> tuple[datetime | None, str, DateFlag]:
    """The Date header as aware UTC, its original text, and a flag.

    A missing or unreadable date is ``None`` with a flag, never "now" or 1970.
    """
    if value is None or not str(value).strip():
        return None, "", DateFlag.MISSING
    raw = decode_value(value)
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, raw, DateFlag.UNPARSEABLE
    if parsed is None:
        return None, raw, DateFlag.UNPARSEABLE
    if parsed.tzinfo is None:  # "-0000": the time zone is unknown; read as UTC
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None, raw, DateFlag.IMPOSSIBLE
    if not EARLIEST_PLAUSIBLE <= parsed < LATEST_PLAUSIBLE:
        return parsed, raw, DateFlag.IMPOSSIBLE
    return parsed, raw, DateFlag.OK


def parse_message_ids(value: str | None) -> tuple[str, ...]:
    """All ``<id>`` tokens of Message-ID / In-Reply-To / References, in order.

    Bare ids without angle brackets (seen from broken clients) are accepted
    when no bracketed one is present.
    """
    if not value:
        return ()
    text = unfold(raw_to_text(str(value)))
    ids = _MSGID.findall(text)
    if not ids:
        ids = _BARE_ID.findall(text)
    seen: dict[str, None] = {}
    for item in ids:
        seen.setdefault(item.strip(), None)
    return tuple(seen)


#: The address list software sends a list's mail from: ``owner-mhtml@``, ``smime-dev-request@``,
#: ``alpha-bounces+ann=x.org@`` (Mailman's VERP), ``foo-owner@``.
_LIST_ENVELOPE = re.compile(
    r"^(?:owner-(?P<owner>[^@\s]+)|(?P<name>[^@\s]+?)-(?:owner|request|bounces?)(?:\+[^@\s]*)?)@(?P<host>[^@\s]+)$",
    re.IGNORECASE,
)


def list_id_of(list_id: str | None, sender: str | None, return_path: str | None) -> str:
    """The message's List-Id, or where it has none, the list its ``Sender:`` or ``Return-Path:`` names.

    Lists older than RFC 2919 (1999) and some still running mark their mail
    only so: ``Sender: owner-mhtml@SEGATE.SUNET.SE`` is the MHTML list's,
    and the identifier made of it (``<mhtml.segate.sunet.se>``) has the
    shape a List-Id would have, so the list is searched, counted and told
    apart from people like any other. The original headers are kept as they were.

    >>> list_id_of(None, "owner-mhtml@SEGATE.SUNET.SE", None)
    '<mhtml.segate.sunet.se>'
    >>> list_id_of("Alpha <alpha.example.org>", "alpha-bounces@example.org", None)
    'Alpha <alpha.example.org>'
    >>> list_id_of(None, "ann@example.org", "<alpha-bounces+ann=example.org@example.org>")
    '<alpha.example.org>'
    >>> list_id_of(None, "Ann Lee <ann@example.org>", None)
    ''
    """
    given = decode_value(list_id)
    if given:
        return given
    for header in (sender, return_path):
        for address in parse_addresses(header):
            match = _LIST_ENVELOPE.match(address.email)
            if match is not None:
                return f"<{(match['owner'] or match['name']).lower()}.{match['host'].lower()}>"
    return ""
