"""Read insight header blocks, in every shape DESIGN.md "Insight blocks" describes.

A report from a coded source reached the firm's lists as an email whose body
opens with a loose header block (``SOURCE: MX1``, ``ATTRIBUTION: ...``,
``ITEM CREDIBILITY: 2`` ...). The block drifted over the years, so the
parser is tolerant and keeps the raw text:

- labels in any case and spacing ("SOURCE Reliability : A"), fields in any
  order, blank lines between fields, free-text values running over several
  lines, several blocks in one email (each with the text up to the next);
- ``variant`` says which copy this is: ``full`` (the block with its code),
  ``stripped`` (only ATTRIBUTION / SOURCE DESCRIPTION / PUBLICATION, code
  None: the registry links it to its full copy by body similarity, so it is
  not a second report), ``subject-only`` (no block, the code ends the
  subject), ``forwarded`` (the block or the handler's "From MX1 -- 2" note
  inside another employee's email: the speaker is the source, never the
  forwarder) and ``note`` (that informal note sent directly);
- a reply's quote is *not* an insight: it repeats its parent, which the
  archive holds, and counting it would double the report. So blocks quoted
  with ``>`` or below an "Original Message" line are skipped when the
  subject is a reply (``Re:``), and read as forwarded otherwise;
- grades are the firm's own and stay exactly as written, never mapped to
  another scale. ``credibility_scale`` is read from the value itself
  ("digits 1-6" or "letters A-F"); the date only says which scale was in
  force (letters from ``LETTER_SCALE_FROM``), and a value that contradicts
  it is kept and flagged, not corrected: the archive is evidence.

Everything works line by line with anchored regexes, so the parse is linear
in the body and raises on no text (it is fuzzed with random input).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from loupe.sources.codes import (
    DEFAULT_PATTERNS,
    CodeMention,
    code_at,
    compile_patterns,
    find_codes,
    normalise_code,
    strip_subject_prefixes,
)

#: ITEM CREDIBILITY switched from digits 1-6 to letters A-F in mid-2011.
LETTER_SCALE_FROM = dt.date(2011, 7, 1)
DIGITS = "digits 1-6"
LETTERS = "letters A-F"

#: Label as written (upper case, single spaces) -> canonical field name.
FIELD_NAMES: dict[str, str] = {
    "SOURCE": "code",
    "SOURCE CODE": "code",
    "CODE": "code",
    "ATTRIBUTION": "attribution",
    "SOURCE DESCRIPTION": "description",
    "PUBLICATION": "publication",
    "SOURCE RELIABILITY": "reliability",
    "ITEM CREDIBILITY": "credibility",
    "SPECIAL HANDLING": "special_handling",
    "DISTRIBUTION": "distribution",
    "SOURCE HANDLER": "handler",
    # short and drifting forms seen in list copies: "Reliability : B", "Credibility : 4"
    "RELIABILITY": "reliability",
    "SOURCE CREDIBILITY": "credibility",
    "CREDIBILITY": "credibility",
    "HANDLER": "handler",
}
#: Fields whose value may run over several lines; the others are one token
#: or a name, so a line after them is the report, not more of the value.
FREE_TEXT = frozenset({"attribution", "description", "publication", "special_handling", "distribution"})
#: Labels only an insight block has. "SOURCE:" and "DISTRIBUTION:" alone
#: are ordinary (a news clipping's "Source: wire"), so a block without a
#: readable code needs two of these.
DISTINCTIVE = frozenset({"attribution", "description", "publication", "reliability", "credibility", "handler"})

_I = re.IGNORECASE
_S = r"[^\S\n]"  # a space within a line, no-break spaces from HTML bodies included
_Q = r"(?:>|[^\S\n])*"  # the head of a line quoted with ">"
#: Labels as typed by hand, year after year: any case and spacing, and the tail of a long word
#: mistyped ("SOURCE RELIABILTY", "SOURCE DESCRIPTON"): each is known by its stem.
_LABEL = re.compile(
    rf"^(?P<quote>{_Q})\*?(?P<label>(?:source|item){_S}+(?:code|descri\w*|reliab\w*|credib\w*|hand\w*)"
    rf"|special{_S}+hand\w*|attrib\w*|publica\w*|distrib\w*|reliab\w*|credib\w*|handler|source|code)"
    rf"{_S}*:\*?(?P<value>.*)",
    _I,
)
#: A label's stems -> its canonical spelling in ``FIELD_NAMES``.
_STEMS = (
    ("SOURCE CODE", "SOURCE CODE"),
    ("SOURCE DESCRI", "SOURCE DESCRIPTION"),
    ("SOURCE RELIAB", "SOURCE RELIABILITY"),
    ("SOURCE CREDIB", "SOURCE CREDIBILITY"),
    ("SOURCE HAND", "SOURCE HANDLER"),
    ("ITEM RELIAB", "SOURCE RELIABILITY"),
    ("ITEM CREDIB", "ITEM CREDIBILITY"),
    ("ITEM DESCRI", "SOURCE DESCRIPTION"),
    ("ITEM HAND", "SOURCE HANDLER"),
    ("ITEM CODE", "SOURCE CODE"),
    ("SPECIAL HAND", "SPECIAL HANDLING"),
    ("ATTRIB", "ATTRIBUTION"),
    ("PUBLICA", "PUBLICATION"),
    ("DISTRIB", "DISTRIBUTION"),
    ("RELIAB", "RELIABILITY"),
    ("CREDIB", "CREDIBILITY"),
)


def canonical_label(label: str) -> str:
    """The canonical spelling of a block label as written, for ``FIELD_NAMES``.

    >>> canonical_label("Source  reliabilty"), canonical_label("CODE"), canonical_label("Attribution")
    ('SOURCE RELIABILITY', 'CODE', 'ATTRIBUTION')
    """
    spaced = " ".join(label.split()).upper()
    if spaced in FIELD_NAMES:
        return spaced
    return next((name for stem, name in _STEMS if spaced.startswith(stem)), spaced)


#: Any label at the start of any line: the quick test that a body may hold a block at all.
_ANY_LABEL = re.compile(_LABEL.pattern, _I | re.MULTILINE)
_BLANK = re.compile(r"^[\s>]*$")
_LEAD_QUOTE = re.compile(r"^[\s>]*")
_RULE = re.compile(r"^[\s>]*(?:[-_=*]{3,}|--)[^\S\n]*$")
_QUOTED = re.compile(rf"^{_S}*>")
_FORWARD_SEP = re.compile(
    rf"^{_Q}(?:-{{3,}}{_S}*(?:original message|forwarded message|forwarded by\b.*){_S}*-*"
    rf"|begin forwarded message:?){_S}*$",
    _I,
)
_FORWARD_HEADER = re.compile(rf"^{_Q}(?:subject|date|from|to|cc|sent|reply-to){_S}*:", _I)
_UNQUOTE = re.compile(r"^[^\S\n]*>+[^\S\n]?", re.MULTILINE)
_DIGIT_GRADE = re.compile(r"^[1-6](?!\w)")
_LETTER_GRADE = re.compile(r"^[A-Fa-f](?!\w)")


@dataclass(frozen=True)
class Insight:
    """One report from a coded source, as one email carries it."""

    code: str | None  # normalised (MX01 -> MX1); None for a stripped copy
    written_code: str  # as written, "" when none
    code_label: str  # the label that carried the code ("Source Code", "subject", "note"), "" when none
    variant: str  # "full" | "stripped" | "subject-only" | "forwarded" | "note"
    fields: dict[str, str]  # canonical field name -> raw value (lines joined by "\n")
    reliability: str  # as written
    credibility: str  # as written
    credibility_scale: str  # DIGITS | LETTERS, from the value; "" when none or unreadable
    text: str  # the report after the block
    start: int  # offsets into the body: the block (or the text) ...
    end: int  # ... to the end of its text
    flags: tuple[str, ...] = ()  # what looked wrong, kept rather than corrected


@dataclass
class _Block:
    start: int
    end: int
    quoted: bool
    forwarded: bool
    fields: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    last: str = ""
    blank: bool = False  # a blank line since the last field


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str
    context: bool  # quoted with ">" or below a forward separator


def parse_insights(
    subject: str,
    body: str,
    date: dt.datetime | None,
    patterns: Sequence[str] = DEFAULT_PATTERNS,
    letters_from: dt.date = LETTER_SCALE_FROM,
) -> list[Insight]:
    """Every insight a message carries, in body order; [] for ordinary mail."""
    codes = compile_patterns(tuple(patterns))
    if not _ANY_LABEL.search(body) and not codes.search(subject) and not codes.search(body):
        return []  # most mail: no block label and nothing shaped like a code (a third of the time saved)
    _stem, reply, forward = strip_subject_prefixes(subject)
    lines = _lines(body)
    blocks = [b for b in _blocks(lines) if _is_insight(b, patterns)]
    subject_mentions = find_codes(subject, "", patterns)
    subject_code = subject_mentions[-1] if subject_mentions else None
    separators = [line.start for line in lines if _FORWARD_SEP.match(line.text)]
    found: list[Insight] = []
    for n, block in enumerate(blocks):
        limit = blocks[n + 1].start if n + 1 < len(blocks) else len(body)
        after = bisect.bisect_right(separators, block.end)
        limit = min(separators[after], limit) if after < len(separators) else limit
        text = body[block.end : limit]
        text = _UNQUOTE.sub("", text) if block.quoted else text
        written = code_at(block.fields.get("code", ""), patterns) or ""
        label = block.labels.get("code", "") if written else ""
        flags: list[str] = []
        quoted = reply and block.forwarded  # a reply's quote of its parent: read, but a copy
        named = subject_code if (quoted or not reply) else None  # a reply's own subject names its parent's code
        if "code" in block.fields and not written:
            flags.append(f"code not recognised: {block.fields['code']!r}")
        if not written and named is not None:
            written, label = named.written, "subject"
        elif written and named is not None and named.code != normalise_code(written):
            flags.append(f"subject names {named.written}, block {written}")
        if quoted:
            variant = "quoted"
        elif block.forwarded or forward:
            variant = "forwarded"
        elif label == "subject":
            variant = "subject-only"
        else:
            variant = "full" if "code" in block.fields else "stripped"
        found.append(
            _insight(written, label, variant, block.fields, text.strip(), block.start, limit, date, letters_from, flags)
        )
    if found or reply:
        return found
    return _without_block(subject_code, forward, body, lines, date, patterns, letters_from)


def credibility_scale(
    value: str, when: dt.datetime | None, letters_from: dt.date = LETTER_SCALE_FROM
) -> tuple[str, list[str]]:
    """The scale a credibility grade is written in, and flags when it contradicts the date.

    >>> credibility_scale("2", dt.datetime(2010, 5, 1))
    ('digits 1-6', [])
    >>> credibility_scale("B", dt.datetime(2010, 5, 1))
    ('letters A-F', ['credibility B in letters before 2011-07-01'])
    """
    value = value.strip()
    if not value:
        return "", []
    scale = DIGITS if _DIGIT_GRADE.match(value) else LETTERS if _LETTER_GRADE.match(value) else ""
    if not scale:
        return "", [f"credibility {value!r} on no known scale"]
    if when is None:
        return scale, []
    day = when.date()
    if scale == LETTERS and day < letters_from:
        return scale, [f"credibility {value} in letters before {letters_from.isoformat()}"]
    if scale == DIGITS and day >= letters_from:
        return scale, [f"credibility {value} in digits from {letters_from.isoformat()}"]
    return scale, []


def _insight(
    written: str,
    label: str,
    variant: str,
    fields: dict[str, str],
    text: str,
    start: int,
    end: int,
    when: dt.datetime | None,
    letters_from: dt.date,
    flags: list[str],
) -> Insight:
    reliability = fields.get("reliability", "").strip()
    credibility = fields.get("credibility", "").strip()
    if reliability and not _LETTER_GRADE.match(reliability):
        flags.append(f"reliability {reliability!r} is not a letter A-F")
    scale, scale_flags = credibility_scale(credibility, when, letters_from)
    return Insight(
        code=normalise_code(written) if written else None,
        written_code=written,
        code_label=label,
        variant=variant,
        fields=dict(fields),
        reliability=reliability,
        credibility=credibility,
        credibility_scale=scale,
        text=text,
        start=start,
        end=end,
        flags=tuple(flags + scale_flags),
    )


def _lines(body: str) -> list[_Line]:
    """Lines with offsets; ``context`` once quoted or below a forward separator."""
    lines: list[_Line] = []
    pos = 0
    below = False
    for text in body.split("\n"):
        if _FORWARD_SEP.match(text):
            below = True
        lines.append(_Line(pos, pos + len(text), text, below or _QUOTED.match(text) is not None))
        pos += len(text) + 1
    return lines


def _blocks(lines: list[_Line]) -> list[_Block]:
    """Runs of labelled lines, with their continuation lines; qualification comes later."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in lines:
        match = _LABEL.match(line.text)
        if match is not None:
            label = " ".join(match.group("label").split())
            name = FIELD_NAMES[canonical_label(label)]
            if current is not None and name in current.fields:
                current = None  # a label seen twice: the next block begins
            if current is None:
                current = _Block(line.start, line.end, quoted=">" in match.group("quote"), forwarded=line.context)
                blocks.append(current)
            current.fields[name] = match.group("value").strip()
            current.labels[name] = label
            current.last, current.end, current.blank = name, line.end, False
        elif current is None:
            continue
        elif _BLANK.match(line.text):
            current.blank = True
        elif _RULE.match(line.text):  # a list footer's or signature's rule ends a value: it is not more of it
            current = None
        elif not current.blank and current.last in FREE_TEXT:
            more = _LEAD_QUOTE.sub("", line.text, count=1).rstrip()
            current.fields[current.last] = f"{current.fields[current.last]}\n{more}".strip()
            current.end = line.end
        else:
            current = None
    return blocks


def _is_insight(block: _Block, patterns: Sequence[str]) -> bool:
    if code_at(block.fields.get("code", ""), patterns):
        return True
    return len(DISTINCTIVE & block.fields.keys()) >= 2


def _without_block(
    subject_code: CodeMention | None,
    forward: bool,
    body: str,
    lines: list[_Line],
    when: dt.datetime | None,
    patterns: Sequence[str],
    letters_from: dt.date,
) -> list[Insight]:
    """A report with no block: the code at the end of the subject, or a handler's "MX1 -- 2:" note.

    Forwarded when the subject says Fwd or the body has a forward separator
    (a ">" quote alone is too common to say so), or when the only trace is a
    note quoted in the body.
    """
    note = _note(lines, patterns)
    if subject_code is not None:
        written, label = subject_code.written, "subject" if subject_code.where == "subject" else "note"
    elif note is not None:
        written, label = note[0], "note"
    else:
        return []
    separated = any(_FORWARD_SEP.match(line.text) for line in lines)
    forwarded = forward or separated or (subject_code is None and note is not None and note[2])
    variant = "forwarded" if forwarded else "note" if note is not None else "subject-only"
    start = note[1] if note is not None else _after_forward_header(lines) if separated else 0
    text = body[start:].strip()
    return [_insight(written, label, variant, {}, text, start, len(body), when, letters_from, [])]


def _note(lines: list[_Line], patterns: Sequence[str]) -> tuple[str, int, bool] | None:
    """The handler's "MX1 -- 2:" line: (code as written, where the text after it starts, in a forward)."""
    rx = _note_regex(tuple(patterns))
    for n, line in enumerate(lines):
        match = rx.match(line.text)
        if match is not None:
            nxt = lines[n + 1].start if n + 1 < len(lines) else line.end
            return match.group("code"), nxt, line.context
    return None


@functools.lru_cache(maxsize=32)
def _note_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """Case-sensitive: the case's patterns say which letters a code has."""
    codes = compile_patterns(patterns).pattern
    tail = rf"{_S}*-{{1,2}}{_S}*\d{{1,3}}{_S}*:?{_S}*$"  # " -- 2:"
    return re.compile(rf"^{_Q}(?:[Ff]rom{_S}+)?(?P<code>{codes}){tail}")


def _after_forward_header(lines: list[_Line]) -> int:
    """Where a forwarded message's own text starts: past its separator and header lines."""
    seen_separator = False
    for n, line in enumerate(lines):
        if _FORWARD_SEP.match(line.text):
            seen_separator = True
        elif seen_separator and not line.text.strip() and n > 0 and _FORWARD_HEADER.match(lines[n - 1].text):
            return line.end + 1 if n + 1 < len(lines) else line.end
    return 0
