"""Who wrote a quoted block, and when: read from its intro line or its From and Date headers.

Mail clients write these for people, not parsers: "On Tue, Apr 29, 2014 at
4:22 PM, Example Dev <dev@example.com> wrote:", Outlook's "From: Name
[mailto:a@b]", "Sent: Thursday, February 09, 2012 1:36 PM". Addresses go
through ``email.utils.parseaddr`` once Outlook's brackets are made angle
brackets; a bare name ("From: John Smith", Exchange) keeps no address.

Dates: ``parsedate_to_datetime`` for RFC 2822 dates (it ignores "PM", so not
when one is there), then dateutil's fuzzy parser. A date with no year gives
no date (dateutil would silently use this year); one with no zone is taken as
UTC (the writer's offset is unknown, off by hours at most); dotted dates
(02.04.2012) are day first, as everywhere they are written so.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime
from email.utils import parseaddr, parsedate_to_datetime

from dateutil import parser as dateutil_parser  # type: ignore[import-untyped]

#: The end of a quote intro, in the languages we have met (forwards.py and quoting.py look for it).
WROTE = re.compile(
    r"(wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|skrev|kirjoitti|napisał|написал[аи]?)\s*:\s*$",
    re.IGNORECASE,
)
#: How an intro begins when it is wrapped: "On <date>", "Le <date>", "--- On" (Yahoo), or a date.
INTRO_START = re.compile(r"^\s*(-+\s*)?(On|Le|Am|El|Il|Op|Den|Em|W dniu)\s|^\s*\d", re.IGNORECASE)
_OPENER = re.compile(r"^(-+\s*)?(On|Le|Am|El|Il|Op|Den|Em|W dniu)\s+", re.IGNORECASE)
_OUTLOOK_ADDRESS = re.compile(r"\[(?:mailto:)?([^\[\]\s]+@[^\[\]\s]+)\]", re.IGNORECASE)
#: Mailing-list archives (pipermail) write addresses as "<isra at herraiz.org>".
_ARCHIVE_ADDRESS = re.compile(r"<([\w.+-]+) at ([\w-]+(?:\.[\w-]+)+)>")
_AM_PM = re.compile(r"\d\s*[ap]\.?m\b\.?", re.IGNORECASE)
_HAS_YEAR = re.compile(r"\d{4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")
_DOTTED = re.compile(r"\d\.\d{1,2}\.\d")
#: US zone names dateutil does not know (it leaves the date naive, with a warning).
_ZONES = {name: hours * 3600 for name, hours in {"UT": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6}.items()}
_ZONES |= {name: hours * 3600 for name, hours in {"CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}.items()}


def parse_intro(text: str) -> dict[str, str]:
    """Split "On <date>, <name> <addr> wrote:" into a From value and a date, as header values.

    The date is cut from the name at the last comma outside quotes: dates have
    commas ("Dec 16, 2011, at 12:47 PM, Corey Donohoe") and names rarely do
    unless quoted ('"Smith, Jo" <jo@x>').
    """
    wrote = WROTE.search(text)
    rest = text[: wrote.start()].strip() if wrote else text
    opener = _OPENER.match(rest)
    rest = rest[opener.end() :] if opener else rest
    address = ""
    if rest.endswith(">") and "<" in rest:
        cut = rest.rfind("<")
        rest, address = rest[:cut].rstrip(), rest[cut + 1 : -1].strip()
    if rest.endswith('"') and rest.count('"') >= 2:
        cut = rest.rfind('"', 0, len(rest) - 1)
        when, name = rest[:cut], rest[cut + 1 : -1]
    elif "," in rest and opener:
        when, name = rest.rsplit(",", 1)
    else:
        when, name = ("", rest) if not opener else (rest, "")
    name = name.strip().replace('"', "")
    sender = f'"{name}" <{address}>' if address else name
    return {"from": sender, "date": when.strip().rstrip(",").strip()}


def parse_person(value: str) -> tuple[str, str]:
    """(name, address) of a From value: Outlook's "Name [mailto:a@b]", pipermail's "<a at b.org>", a bare name."""
    value = _OUTLOOK_ADDRESS.sub(r"<\1>", value)
    value = _ARCHIVE_ADDRESS.sub(r"<\1@\2>", value)
    name, address = parseaddr(value)
    if "@" not in address:
        bare = value.split("<", 1)[0] if value.rstrip().endswith(">") else value
        return bare.strip().strip('"').strip(), ""
    return name.strip(), address.strip()


def parse_date(text: str) -> datetime | None:
    """The UTC instant a header or intro date names, or None when it cannot be read with its year."""
    text = " ".join(text.split())
    if not text or len(text) > 120 or not _HAS_YEAR.search(text):
        return None
    parsed: datetime | None = None
    if not _AM_PM.search(text):  # the stdlib parser reads "1:36 PM" as 01:36
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    try:
        if parsed is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an unknown zone name only leaves the date naive
                parsed = dateutil_parser.parse(text, fuzzy=True, dayfirst=bool(_DOTTED.search(text)), tzinfos=_ZONES)
        if not isinstance(parsed, datetime):
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, TypeError, LookupError):  # unparsable, or pushed past year 1 or 9999
        return None
