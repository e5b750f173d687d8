"""Find informant codes (``US714``, ``MX01``) where the context says "source".

A code's shape proves nothing: ``[A-Z]{2}\\d{1,4}`` also matches MP3, CO2,
flight AA100, the postcode SE1 and part KT220-4, which staff chat is full of.
So a token shaped like a code is accepted only where its context says so:

- ``header``: the value of a block label at the start of a line
  (``SOURCE:``, ``Source Code:``, ``CODE:``, ``SOURCE CODE :``), alone or
  followed by a bracket, comma or dash, never by more words ("Code: XY20
  expires Friday" is a coupon);
- ``subject``: the last token of an insight subject ("[alpha] INSIGHT -
  MEXICO - ... - MX01", "... (MX01)"), or a whole dash-separated segment of
  one ("INSIGHT - MX1 - cartels"), also after ``Re:``/``Fwd:``, and the ``Subject:``
  line of a forwarded message quoted in a body). The word INSIGHT is
  required: " - AB1234" ends many order-confirmation subjects;
- ``note``: the handler's "From MX1 -- 2" (subject, line head, a forward's
  ``Subject:`` line) and "MX1 -- 2:" lines, the firm's own way of passing
  on a source's words;
- ``phrase``: "From MX1:" at the head of a line, "heard this from MX1",
  "source US714", "according to MX1", "Mr. MX1", "US714 said", "MX1 is
  saying", "As EG3 put it", "ask IR3 what", "our contact (MX4) says",
  "on a call with TR41", and, in a
  roundup of notes, a line that is only "VE07 (by phone):". Phrases are
  the weakest evidence, so here the words around the code must also read
  as a name: "from MP3 files", "according to CO2 figures" and "The MX5
  said to be for sale" fail because a noun follows or a determiner
  precedes, "flight AA100 said" because of the noun before, and a few
  tokens whose meaning is universal (``ORDINARY_TOKENS``: MP3, CO2, MI6
  ...) are never taken from a phrase, only from a header or a subject,
  where their context is explicit;
- ``mention`` (only when asked for): any other code-shaped token, a
  candidate that the store counts only for a code some report established
  ("MX1 had a similar take", "Both CN12 and EA2 have mentioned", "can you
  ping PK2 on this": staff ping servers as well as sources).

Everywhere, a token glued to more of a part number or postcode ("KT220-4",
"EC1 4AB", "ab12@example.org") is rejected. Rules judge a line as it is,
then, for what they did not accept, the text as it was written: hard wraps
undone, quote marks and Outlook's emphasised labels dropped, so "... Mr." /
"MX4 stated" across a wrap and "*Subject:* Re: From RU09 -- 2" read as one
(:mod:`loupe.sources.reading`); a bracketed forward subject ("Re: [Fwd: Re:
FW: From IR3 -- 2]") is unwrapped, not skipped as a list tag.

Each candidate is judged from at most ``_WINDOW`` characters either side,
within its line (its logical line, when wraps are undone), so the scan is
linear in the text whatever it holds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from loupe.model import SOURCE_LEVELS
from loupe.sources.reading import reading_text

#: Two capitals (a country or region) and a number: MX1, MX01, US714, ME301.
DEFAULT_PATTERNS: tuple[str, ...] = (r"[A-Z]{2}\d{1,4}",)

#: Tokens never taken as a code from a phrase (headers and subjects still
#: count): so common in prose about anything that "according to MI6" or
#: "CO2 says" names the thing, not an informant.
ORDINARY_TOKENS: frozenset[str] = frozenset(
    {"MP3", "MP4", "CO2", "NO2", "SO2", "PS2", "PS3", "PS4", "EU15", "EU25", "EU27", "EU28", "MI5", "MI6"}
    | {"WW1", "WW2", "IE6", "IE7", "IE8", "IE9", "PM10", "QE1", "QE2", "QE3", "QE4"}
    # fiscal and calendar years: FY11, FY2011, CY10
    | {f"{prefix}{year:02d}" for prefix in ("FY", "CY") for year in range(100)}
    | {f"{prefix}{year}" for prefix in ("FY", "CY") for year in range(1990, 2040)}
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
_REPLY_WORDS = r"re|fwd?|aw|tr|wg|sv"
# A [list] tag is skipped whole; a bracket that opens on "Fwd:" or "Re:" is a forwarded
# subject wrapped by an old client ("Re: [Fwd: Re: FW: From IR3 -- 2]"): only "[" is skipped.
_ONE_PREFIX_TEXT = (
    rf"{_S}*(?:\[(?!{_S}*(?:{_REPLY_WORDS}){_S}*:)[^\]\n]{{0,80}}\]|\[(?={_S}*(?:{_REPLY_WORDS}){_S}*:)"
    rf"|(?P<word>{_REPLY_WORDS}){_S}*:){_S}*"
)
_ONE_PREFIX = re.compile(_ONE_PREFIX_TEXT, _I)
_PREFIXES = rf"(?:{_ONE_PREFIX_TEXT.replace('?P<word>', '')})*"
_SUBJECT_LABEL = rf"{_Q}(?:\*?subject{_S}*:\*?{_S}*)?"  # Outlook may emphasise it: "*Subject:*"

_HEADER_BEFORE = re.compile(rf"^{_Q}(?:source(?:{_S}+code)?|code){_S}*:{_S}*$", _I)
_HEADER_AFTER = re.compile(rf"^(?:{_S}*$|{_S}*[(\[,;]|{_S}+[-–—]{{1,2}}{_S})")
_SUBJECT_LINE = re.compile(rf"^{_Q}\*?subject{_S}*:", _I)
_INSIGHT = re.compile(r"\binsights?\b", _I)
_SUFFIX_BEFORE = re.compile(rf"(?:{_S}[-–—|/:]{{1,3}}|[,(]){_S}*$")
_SUFFIX_AFTER = re.compile(rf"^{_S}*[)\]]?{_S}*$")
# A whole segment of an insight subject, not its end: "INSIGHT - MX1 - cartel violence".
_SEGMENT_BEFORE = re.compile(rf"{_S}[-–—|]{{1,3}}{_S}*$")
_SEGMENT_AFTER = re.compile(rf"^{_S}*[-–—|]{{1,3}}{_S}")
_FROM_HEAD = re.compile(rf"^{_SUBJECT_LABEL}{_PREFIXES}from{_S}+$", _I)
_LINE_HEAD = re.compile(rf"^{_SUBJECT_LABEL}{_PREFIXES}$", _I)
_NOTE_AFTER = re.compile(rf"^{_S}*-{{1,2}}{_S}*\d{{1,3}}{_S}*:?{_S}*\]*{_S}*$")
# A line that is only a code and a colon, maybe with a word in brackets: "VE07 (short, by phone):".
# A source note in a roundup of them, but also an itinerary's "AA100 (DFW-LHR):", so it counts
# only beside a "From XX1 -- 2:" note in the same text.
_HEADING_AFTER = re.compile(rf"^{_S}*(?:\([^()\n]{{1,40}}\))?{_S}*:{_S}*$")
_LEAD = re.compile(
    r"(?:\b(?:heard|hear|learned|learnt|word|news|this|that|report|reports|insight|note|info|information|more"
    rf"|update|intel|got|came|comes|reply|response|email|e-mail|answer|feedback|back){_S}+from"
    rf"|\bsources?,?|\binformants?,?|\baccording{_S}+to"
    # a contact, the noun only ("please contact HR1 by Friday" is the verb)
    rf"|\b(?:our|my|his|her|their|the|a|your){_S}+(?:contacts?|friends?|guys?|man|woman)"
    # the information is the source's: "This is from TR5.", "that's from MX1"
    rf"|\b(?:this|that|it)(?:['’]s|{_S}+is|{_S}+was){_S}+from"
    # a conversation with someone: "on a call with MX1", "lunch with TR41 yesterday"
    rf"|\b(?:call|calls|phone|meeting|meetings|lunch|dinner|chat|conversation|conversations|discussion)s?{_S}+with"
    # tasking and contact: "ask IR3 what", "check in with AF7", "per MX1,". Not "ping": staff ping
    # servers too ("ping DB3 before the window"), so "ping MX1 on this" counts as a bare mention
    rf"|\b(?:ask|asked|asking|per|task|tasked|debrief|debriefed|emailed|texted|messaged|contacted)"
    rf"|\breached{_S}+out{_S}+to"
    rf"|\b(?:check|checked|checking)(?:{_S}+in)?{_S}+with|\b(?:talk|talked|talking|speak|spoke|spoken)"
    rf"{_S}+(?:to|with)|\b(?:met|meet|meeting){_S}+with){_S}+$",
    _I,
)
_HONORIFIC = re.compile(rf"\b(?:mr|mrs|ms|messrs)\.?{_S}+$", _I)
_SPEECH = (
    r"said|says|say|told|tells|reports|reported|adds|added|claims|claimed|notes|noted|writes|wrote|explained"
    r"|explains|thinks|thought|believes|believed|insists|insisted|warns|warned|confirms|confirmed|denies|denied"
    r"|mentioned|mentions|suggested|suggests|expects|expected|heard|hears"
    r"|stated|states|relayed|relays|argued|argues|stressed|emphasized|emphasised|revealed|replied|responded"
    r"|commented|predicted|acknowledged|admitted|asserted|speculated|hinted|recounted|cautioned|fears|feared"
)
#: Speech in more than one word: "MX1 is saying", "As EG3 put it", "EA2 has mentioned".
_SPEECH_PHRASE = (
    rf"(?:is|was|has{_S}+been|had{_S}+been|keeps){_S}+(?:saying|telling|claiming|insisting|warning|hearing|suggesting)"
    rf"|(?:has|have|had){_S}+(?:said|told|mentioned|claimed|confirmed|warned|suggested|denied|reported|heard)"
    rf"|(?:put|puts){_S}+it"
)
#: A word that may stand between a speaker and the verb: "MX1 also said".
_ADVERB = r"also|then|now|just|later|again|recently|previously|already|still|initially|originally|apparently"
_SPEECH_AFTER = re.compile(
    # "MX1 also said", "ME1 (a Lebanese politician) said"; not the passive "AF447 said to have gone down"
    rf"^(?:{_S}*\([^()\n]{{1,60}}\))?{_S}+(?:(?:{_ADVERB}){_S}+)?(?:{_SPEECH}|{_SPEECH_PHRASE})\b"
    rf"(?!{_S}+to{_S}+(?:be|have)\b)",
    _I,
)
#: Only people are "who": "ME1, who is close to the party, ..." (a thing would be "which").
_WHO_AFTER = re.compile(rf"^,?{_S}+who\b", _I)
# A code in apposition to a phrase that names a source: "our contact in Monterrey (MX4) says",
# "a source in the ministry, VE101, said".
_APPOSITION_BEFORE = re.compile(rf"\b(?:sources?|contacts?|informants?|insight)\b[^.;:()\n]{{0,60}}(?:\(|,){_S}*$", _I)
_APPOSITION_AFTER = re.compile(rf"^{_S}*[),]")
# What may follow a code named in a phrase: the end of a clause, or a word
# that cannot be the noun the token would otherwise qualify ("MP3 files").
_CLAUSE_END = re.compile(rf"^(?:{_S}*$|{_S}*(?:[:;,.!?)\]]|--|[-–—]{_S}))")
_NAME_FOLLOWS = re.compile(
    rf"^{_S}+(?:and|or|who|whose|which|is|was|has|had|have|will|would|could|can|may|might|did|does|the|a|an"
    rf"|he|she|they|it|there|we|i|in|on|at|about|also|again|now|then|himself|herself|that|this|yesterday|today|tonight"
    rf"|last|earlier|recently|by|via|over|when|while|after|before|but|so|because|if|what|whether|how|why|for"
    rf"|{_SPEECH})\b",
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
    rf"(?:\b(?:the|a|an|this|that|these|those|each|every|its|his|her|their|our|my|your|new|old)"
    rf"|\w['’]s){_S}+$",  # a possessive makes it a thing too: "the Fed's QE2 suggests"
    _I,
)


@dataclass(frozen=True)
class CodeMention:
    """One place a text names a coded source.

    ``where`` is the rule that accepted it (a key of ``model.SOURCE_LEVELS``);
    ``part`` is the text it is in ("subject" for the message's Subject
    header, else "body", including a forwarded ``Subject:`` line quoted in
    the body), and ``start`` an offset into that text (the original text,
    also when the rule judged it with hard wraps undone).
    """

    code: str  # normalised: MX01 -> MX1
    written: str  # as in the text
    where: str  # "header" | "subject" | "note" | "phrase" | "mention"
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
    bare: bool = False,
) -> list[CodeMention]:
    """Every mention of a coded source in a message, subject first, in text order.

    A reply's quote or a forward repeats its original's mentions; they are
    reported like any other (the caller knows what is quoted). Stripped
    insight copies name no code at all and yield nothing here. With
    ``bare``, every other code-shaped token that is not glued to more of a
    part number is returned too, as ``where="mention"``: a candidate that
    counts only once the case has established its code elsewhere (the
    store decides that; see ``model.SOURCE_LEVELS``).
    """
    rx = compile_patterns(tuple(patterns))
    found = _judged(subject, "subject", rx, ordinary, bare)
    found.extend(_judged(body, "body", rx, ordinary, bare))
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
    >>> strip_subject_prefixes("Re: [Fwd: Re: FW: From IR3 -- 2]")
    ('From IR3 -- 2', True, False)
    """
    pos = 0
    reply = forward = False
    decided = False
    brackets = 0
    while (match := _ONE_PREFIX.match(subject, pos)) is not None and match.end() > pos:
        word = (match.group("word") or "").lower()
        if word and not decided:
            reply, forward, decided = word in ("re", "aw", "sv"), word in ("fw", "fwd", "tr", "wg"), True
        brackets += match.group().strip().startswith("[") and not match.group().strip().endswith("]")
        pos = match.end()
    stem = subject[pos:].strip()
    while brackets and stem.endswith("]"):  # the closing brackets of "[Fwd: ...]" wrappers
        stem, brackets = stem[:-1].rstrip(), brackets - 1
    return stem, reply, forward


def _judged(text: str, part: str, rx: re.Pattern[str], ordinary: Collection[str], bare: bool) -> list[CodeMention]:
    """The mentions in one text: block labels and subjects line by line, phrases as written.

    A header or subject rule needs the line as it stands ("SOURCE: MX1" with
    nothing after it); a phrase needs the sentence, which a hard wrap may cut
    ("Flight" / "AF447 said ...", "Mr." / "MX4 stated"). So phrases are judged
    on the reading text (wraps undone, quote marks and label emphasis
    dropped: :mod:`loupe.sources.reading`), which is built only when the line
    pass met, near a line's edge, a candidate it did not take as a report:
    most mail has none. Elsewhere the line holds the whole context the rules
    read (``_TAIL`` before, a word after), so its verdict stands.
    """
    first = _scan(text, part, rx, ordinary)
    found = {c.mention.start: c.mention for c in first if SOURCE_LEVELS.get(c.mention.where) == "report"}
    unsure = [c for c in first if c.mention.start not in found]  # a phrase or a rejection: the line may mislead
    if any(c.edge for c in unsure) and part == "body":
        reading = reading_text(text)  # phrases are judged on the sentence, never on a line cut by a wrap
        for again in _scan(reading.text, part, rx, ordinary):
            start = reading.original(again.mention.start)
            if again.mention.where and start not in found:
                found[start] = replace(again.mention, start=start)
    else:  # a subject is one line already, and a body's candidates sit mid-line: the line's verdict stands
        found.update((c.mention.start, c.mention) for c in unsure if c.mention.where)
    if any(m.where == "note" for m in found.values()):  # a roundup of notes: its bare "XX1 (by phone):" heads too
        for c in first:
            if c.heading and c.mention.start not in found:
                found[c.mention.start] = replace(c.mention, where="phrase")
    if bare:
        for c in first:
            if c.bare and c.mention.start not in found:
                found[c.mention.start] = replace(c.mention, where="mention")
    return [found[start] for start in sorted(found)]


@dataclass(frozen=True)
class _Candidate:
    """A code-shaped token, judged once: the rule that accepts it (``mention.where``, "" when
    none does), whether it heads a note in a roundup, and whether it may be a bare mention."""

    mention: CodeMention
    heading: bool
    bare: bool
    edge: bool  # near the start or at the end of its line: a wrap may have cut its context


def _scan(text: str, part: str, rx: re.Pattern[str], ordinary: Collection[str]) -> list[_Candidate]:
    """Every code-shaped token of ``text`` with what each rule says of it; the line around
    a token is cut once, whatever the number of rules."""
    found = []
    for match in rx.finditer(text):
        start, end = match.span()
        before, after = _before(text, start), _after(text, end)
        written = match.group()
        code = normalise_code(written)
        plain = code in ordinary
        where = _context(before, after, part == "subject", plain) or ""
        mention = CodeMention(code=code, written=written, where=where, start=start, part=part)
        edge = len(before) <= _TAIL or not after.strip()
        found.append(_Candidate(mention, _heading(before, after, plain), _candidate(before, after, plain), edge))
    return found


def _tail(before: str) -> str:
    return before if len(before) <= _TAIL else "a" + before[-_TAIL:]


def _glued(tail: str, after: str) -> bool:
    return bool(_GLUED_BEFORE.search(tail) or _GLUED_AFTER.match(after) or _POSTCODE_AFTER.match(after))


def _heading(before: str, after: str, ordinary: bool) -> bool:
    """A line that is only the code and a colon ("VE07 (short, by phone):")."""
    return not ordinary and _LINE_HEAD.match(before) is not None and _HEADING_AFTER.match(after) is not None


def _candidate(before: str, after: str, ordinary: bool) -> bool:
    tail = _tail(before)
    return not (ordinary or _glued(tail, after) or _NOUN_BEFORE.search(tail))


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
    tail = _tail(before)
    if _glued(tail, after):
        return None
    if _HEADER_BEFORE.match(before) and _HEADER_AFTER.match(after):
        return "header"
    subject_line = in_subject or _SUBJECT_LINE.match(before) is not None
    if subject_line and _SUFFIX_BEFORE.search(tail) and _SUFFIX_AFTER.match(after) and _INSIGHT.search(before):
        return "subject"
    segment = _SEGMENT_BEFORE.search(tail) and _SEGMENT_AFTER.match(after)
    if subject_line and segment and not ordinary and _INSIGHT.search(before):  # not "INSIGHT - EU27 - summit"
        return "subject"
    if ordinary or _NOUN_BEFORE.search(tail):
        return None
    if _FROM_HEAD.match(before) and _CLAUSE_END.match(after):
        return "note" if _NOTE_AFTER.match(after) else "phrase"
    if _LINE_HEAD.match(before) and _NOTE_AFTER.match(after):
        return "note"
    if _LEAD.search(tail) and (_CLAUSE_END.match(after) or _NAME_FOLLOWS.match(after)):
        return "phrase"
    if _HONORIFIC.search(tail):
        return "phrase"
    if _APPOSITION_AFTER.match(after) and _APPOSITION_BEFORE.search(before):
        return "phrase"
    if _WHO_AFTER.match(after):
        return "phrase"
    if _SPEECH_AFTER.match(after) and not _DETERMINER_BEFORE.search(tail):
        return "phrase"
    return None
