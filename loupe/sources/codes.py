"""Find informant codes (``US714``, ``MX01``) where the context says "source".

A code's shape proves nothing: ``[A-Z]{2}\\d{1,4}`` also matches MP3, CO2,
flight AA100, the postcode SE1 and part KT220-4, which staff chat is full of.
So a token shaped like a code is accepted only in one of three contexts:

- ``header``: the value of a block label at the start of a line
  (``SOURCE:``, ``Source Code:``, ``CODE:``, ``SOURCE CODE :``), alone or
  followed by a bracket, comma or dash, never by more words ("Code: XY20
  expires Friday" is a coupon);
- ``subject``: the last token of an insight subject ("[alpha] INSIGHT -
  MEXICO - ... - MX01", also after ``Re:``/``Fwd:``, and the ``Subject:``
  line of a forwarded message quoted in a body). The word INSIGHT is
  required: " - AB1234" ends many order-confirmation subjects;
- ``phrase``: "From MX1 -- 2" / "From MX1:" at the head of a line, the
  handler's "MX1 -- 2:" line, "heard this from MX1", "source US714",
  "according to MX1", "Mr. MX1", "US714 said". Phrases are the weakest
  evidence, so here the words around the code must also read as a name:
  "from MP3 files", "according to CO2 figures" and "The MX5 said to be for
  sale" fail because a noun follows or a determiner precedes, "flight
  AA100 said" because of the noun before, and a few tokens whose meaning is
  universal (``ORDINARY_TOKENS``: MP3, CO2, MI6 ...) are never taken from a
  phrase, only from a header or a subject, where their context is explicit.

Everywhere, a token glued to more of a part number or postcode ("KT220-4",
"EC1 4AB", "ab12@example.org") is rejected. The cost of the rules is
recall on loose prose ("MX1 thinks" after a determiner, "MX1 and MX2": only
the first has context); the registry can learn the rest from the blocks.

Each candidate is judged from at most ``_WINDOW`` characters either side,
within its line, so the scan is linear in the text whatever it holds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

#: Two capitals (a country or region) and a number: MX1, MX01, US714, ME301.
DEFAULT_PATTERNS: tuple[str, ...] = (r"[A-Z]{2}\d{1,4}",)

#: Tokens never taken as a code from a phrase (headers and subjects still
#: count): so common in prose about anything that "according to MI6" or
#: "CO2 says" names the thing, not an informant.
ORDINARY_TOKENS: frozenset[str] = frozenset(
    {"MP3", "MP4", "CO2", "NO2", "SO2", "PS2", "PS3", "PS4", "EU15", "EU25", "EU27", "EU28", "MI5", "MI6"}
    | {"WW1", "WW2", "IE6", "IE7", "IE8", "IE9", "PM10", "FY2009", "FY2010", "FY2011", "FY2012"}
)

#: How far either side of a candidate the rules look; a context longer than
#: this is not a context, and the bound keeps the scan linear.
_WINDOW = 160
_TAIL = 48

_I = re.IGNORECASE
#: A space within a line: also the no-break spaces HTML bodies bring, never a line break.
_S = r"[^\S\n]"
#: The head of a line quoted with ">": spaces and ">" in any mix.
_Q = r"(?:>|[^\S\n])*"
_DIGITS = re.compile(r"\d+")
# Glued to more of a token: part numbers (KT220-4), versions, addresses, paths.
_GLUED_BEFORE = re.compile(r"\w[-/._@#+=&%$\\~]$")
_GLUED_AFTER = re.compile(r"^[-/._@#+=&%$\\~]\w")
# The inward half of a UK postcode ("EC1 4AB").
_POSTCODE_AFTER = re.compile(rf"^{_S}+\d[A-Z]{{2}}(?!\w)")
# Subject prefixes: [list] tags, Re:, Fwd:, and their kin in other languages.
_ONE_PREFIX_TEXT = rf"{_S}*(?:\[[^\]\n]{{0,80}}\]|(?P<word>re|fwd?|aw|tr|wg|sv){_S}*:){_S}*"
_ONE_PREFIX = re.compile(_ONE_PREFIX_TEXT, _I)
_PREFIXES = rf"(?:{_ONE_PREFIX_TEXT.replace('?P<word>', '')})*"
_SUBJECT_LABEL = rf"{_Q}(?:subject{_S}*:{_S}*)?"

_HEADER_BEFORE = re.compile(rf"^{_Q}(?:source(?:{_S}+code)?|code){_S}*:{_S}*$", _I)
_HEADER_AFTER = re.compile(rf"^(?:{_S}*$|{_S}*[(\[,;]|{_S}+[-–—]{{1,2}}{_S})")
_SUBJECT_LINE = re.compile(rf"^{_Q}subject{_S}*:", _I)
_INSIGHT = re.compile(r"\binsights?\b", _I)
_SUFFIX_BEFORE = re.compile(rf"(?:{_S}[-–—|/:]{{1,3}}|[,(]){_S}*$")
_SUFFIX_AFTER = re.compile(rf"^{_S}*[)\]]?{_S}*$")
_FROM_HEAD = re.compile(rf"^{_SUBJECT_LABEL}{_PREFIXES}from{_S}+$", _I)
_LINE_HEAD = re.compile(rf"^{_SUBJECT_LABEL}{_PREFIXES}$", _I)
_NOTE_AFTER = re.compile(rf"^{_S}*-{{1,2}}{_S}*\d{{1,3}}{_S}*:?{_S}*$")
_LEAD = re.compile(
    r"(?:\b(?:heard|hear|learned|learnt|word|news|this|that|report|reports|insight|note|info|information|more"
    rf"|update|intel|got|came|comes){_S}+from|\bsources?|\binformants?|\baccording{_S}+to){_S}+$",
    _I,
)
_HONORIFIC = re.compile(rf"\b(?:mr|mrs|ms|messrs)\.?{_S}+$", _I)
_SPEECH = (
    r"said|says|say|told|tells|reports|reported|adds|added|claims|claimed|notes|noted|writes|wrote|explained"
    r"|explains|thinks|thought|believes|believed|insists|insisted|warns|warned|confirms|confirmed|denies|denied"
    r"|mentioned|mentions|suggested|suggests|expects|expected|heard|hears"
)
_SPEECH_AFTER = re.compile(rf"^{_S}+(?:{_SPEECH})\b", _I)
# What may follow a code named in a phrase: the end of a clause, or a word
# that cannot be the noun the token would otherwise qualify ("MP3 files").
_CLAUSE_END = re.compile(rf"^(?:{_S}*$|{_S}*(?:[:;,.!?)\]]|--|[-–—]{_S}))")
_NAME_FOLLOWS = re.compile(
    rf"^{_S}+(?:and|or|who|whose|which|is|was|has|had|have|will|would|could|can|may|might|did|does|the|a|an"
    rf"|he|she|they|it|there|we|i|in|on|at|about|also|again|now|then|himself|herself|that|this|yesterday|today|tonight"
    rf"|last|earlier|recently|by|via|over|when|while|after|before|but|so|because|if|{_SPEECH})\b",
    _I,
)
# The word before a code that makes it a thing, not a person (for every phrase
# rule), and the determiners that do the same before "X said".
_NOUN_BEFORE = re.compile(
    r"\b(?:flights?|flt|part|parts|model|models|no\.|number|order|item|serial|postcode|zip|room|gate|seat|route"
    rf"|highway|road|platform|size|version|type){_S}+$",
    _I,
)
_DETERMINER_BEFORE = re.compile(
    rf"\b(?:the|a|an|this|that|these|those|each|every|its|his|her|their|our|my|your|new|old){_S}+$", _I
)


@dataclass(frozen=True)
class CodeMention:
    """One place a text names a coded source.

    ``where`` is the rule that accepted it ("header", "subject", "phrase");
    ``part`` is the text it is in ("subject" for the message's Subject
    header, else "body", including a forwarded ``Subject:`` line quoted in
    the body), and ``start`` an offset into that text.
    """

    code: str  # normalised: MX01 -> MX1
    written: str  # as in the text
    where: str  # "header" | "subject" | "phrase"
    start: int
    part: str = "body"  # "subject" | "body"


def normalise_code(written: str) -> str:
    """One spelling per source: upper case, no spaces, zero-padding folded.

    >>> normalise_code("MX01"), normalise_code("ve012"), normalise_code("US714")
    ('MX1', 'VE12', 'US714')
    """
    return _DIGITS.sub(lambda m: m.group().lstrip("0") or "0", "".join(written.split()).upper())


@functools.lru_cache(maxsize=32)
def compile_patterns(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a case's code patterns, matching whole tokens only.

    A code must not be part of a longer word or number ("COVID19", "MX12345"),
    whatever the pattern says. A bad pattern is a configuration error,
    reported as ``ValueError`` naming it; no text can make this raise.
    """
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as err:
            raise ValueError(f"code pattern {pattern!r}: {err}") from err
    alternatives = "|".join(f"(?:{p})" for p in patterns) or "(?!)"
    try:  # each compiles alone, but flags or group names may still clash once joined
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    except re.error as err:
        raise ValueError(f"code patterns {list(patterns)!r} do not combine: {err}") from err


def find_codes(
    subject: str,
    body: str,
    patterns: Sequence[str] = DEFAULT_PATTERNS,
    ordinary: Collection[str] = ORDINARY_TOKENS,
) -> list[CodeMention]:
    """Every mention of a coded source in a message, subject first, in text order.

    A reply's quote or a forward repeats its original's mentions; they are
    reported like any other (the caller knows what is quoted). Stripped
    insight copies name no code at all and yield nothing here.
    """
    rx = compile_patterns(tuple(patterns))
    found = list(_scan(subject, "subject", rx, ordinary))
    found.extend(_scan(body, "body", rx, ordinary))
    return found


def code_at(value: str, patterns: Sequence[str] = DEFAULT_PATTERNS) -> str | None:
    """The code a block value holds, as written ("MX01 (new)" -> "MX01"), or None.

    The same test as a ``header`` mention: the code alone, or followed by a
    bracket, comma or dash ("Source: CO2 emissions data" names no source).
    """
    value = value.strip()
    match = compile_patterns(tuple(patterns)).match(value)
    if match is None or not _HEADER_AFTER.match(value[match.end() :]):
        return None
    return match.group()


def strip_subject_prefixes(subject: str) -> tuple[str, bool, bool]:
    """The subject without [list] tags and Re:/Fwd:, and whether it was a reply or a forward.

    The first Re: or Fwd: decides: "Re: Fwd: x" is a reply to a forward.

    >>> strip_subject_prefixes("[alpha] Fwd: [secure] INSIGHT - US - x")
    ('INSIGHT - US - x', False, True)
    """
    pos = 0
    reply = forward = False
    decided = False
    while (match := _ONE_PREFIX.match(subject, pos)) is not None and match.end() > pos:
        word = (match.group("word") or "").lower()
        if word and not decided:
            reply, forward, decided = word in ("re", "aw", "sv"), word in ("fw", "fwd", "tr", "wg"), True
        pos = match.end()
    return subject[pos:].strip(), reply, forward


def _scan(text: str, part: str, rx: re.Pattern[str], ordinary: Collection[str]) -> Iterator[CodeMention]:
    for match in rx.finditer(text):
        start, end = match.span()
        before, after = _before(text, start), _after(text, end)
        written = match.group()
        code = normalise_code(written)
        where = _context(before, after, part == "subject", code in ordinary)
        if where is not None:
            yield CodeMention(code=code, written=written, where=where, start=start, part=part)


def _before(text: str, start: int) -> str:
    """The line up to ``start``; a NUL in front when cut at the window, so ``^`` fails."""
    low = max(0, start - _WINDOW)
    newline = text.rfind("\n", low, start)
    if newline >= 0:
        return text[newline + 1 : start]
    return text[:start] if low == 0 else "\x00" + text[low:start]


def _after(text: str, end: int) -> str:
    """The line from ``end``; a NUL at the end when cut at the window, so ``$`` fails."""
    high = min(len(text), end + _WINDOW)
    newline = text.find("\n", end, high)
    if newline >= 0:
        return text[end:newline]
    return text[end:] if high == len(text) else text[end:high] + "\x00"


def _context(before: str, after: str, in_subject: bool, ordinary: bool) -> str | None:
    """The rule that accepts a candidate with this line around it, or None.

    End-anchored searches look at ``tail``, the last ``_TAIL`` characters
    (behind a word character when cut, so a ``\b`` cannot match at the cut):
    the longest lead ("information from ") is far shorter, and scanning the
    whole window for each of them made a text dense with candidates slow.
    """
    tail = before if len(before) <= _TAIL else "a" + before[-_TAIL:]
    if _GLUED_BEFORE.search(tail) or _GLUED_AFTER.match(after) or _POSTCODE_AFTER.match(after):
        return None
    if _HEADER_BEFORE.match(before) and _HEADER_AFTER.match(after):
        return "header"
    subject_line = in_subject or _SUBJECT_LINE.match(before) is not None
    if subject_line and _SUFFIX_BEFORE.search(tail) and _SUFFIX_AFTER.match(after) and _INSIGHT.search(before):
        return "subject"
    if ordinary or _NOUN_BEFORE.search(tail):
        return None
    if _FROM_HEAD.match(before) and _CLAUSE_END.match(after):
        return "phrase"
    if _LINE_HEAD.match(before) and _NOTE_AFTER.match(after):
        return "phrase"
    if _LEAD.search(tail) and (_CLAUSE_END.match(after) or _NAME_FOLLOWS.match(after)):
        return "phrase"
    if _HONORIFIC.search(tail):
        return "phrase"
    if _SPEECH_AFTER.match(after) and not _DETERMINER_BEFORE.search(tail):
        return "phrase"
    return None
