"""Forwarded and quoted blocks in a body, each attributed to the person who first wrote it.

A forwarded insight is its first writer's words, not the forwarder's (and no
independent corroboration), so each block with its own header lines or intro
is read for its own author and date, in one linear pass over the lines:

- *Header blocks*: an optional separator (Outlook's "-----Original
  Message-----", Thunderbird's "-------- Original Message --------", Gmail's
  "---------- Forwarded message ---------", Apple Mail's "Begin forwarded
  message:", a rule), then ``From:``/``Sent:``/``Date:``/``To:``/``Subject:``
  lines (``*From:*`` too). After a separator a From line is enough; without
  one, From and Sent/Date are needed, so a memo saying "From: the desk" is none.
- *Quote intros*: "On <date>, <name> <addr> wrote:" or "<name> wrote:" (up to
  three lines) above ``>`` lines, which are read with one ``>`` less.

``kind`` names the shape, not the intent (Outlook writes the same block to
reply as to forward). Clients put the original below, so a header block runs
to the end of its text and a later one is nested in it (``depth`` + 1), as are
blocks inside a ``>`` run. A block's ``text`` stops where the first block
nested in it starts. Later ``>`` runs under one intro (inline answers) repeat
its author; a run with no intro has no author and gives no block itself.
Names, addresses and dates are read by ``loupe.threads.authorship``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Literal

from loupe.threads.authorship import INTRO_START, WROTE, parse_date, parse_intro, parse_person

#: Quote levels read; deeper ones are left as text (real threads rarely pass ten).
MAX_QUOTE_LEVELS = 24
#: Header lines read per block (a To: list may fold over several); stops runaway scans.
MAX_HEADER_LINES = 40
#: Longer lines are never an intro or a header, and are not handed to the regexes that look for one.
MAX_INTRO_CHARS = 1000

_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Forwarded message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|"
    r"Messaggio originale)\s*-{2,}|Begin forwarded message:|Anfang der weitergeleiteten Nachricht:)\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*(-{5,}|_{5,})\s*$")
_HEADER = re.compile(
    r"^\s*\*?(From|Sent|Date|To|Cc|Bcc|Subject|Reply-To|Von|Gesendet|An|Betreff|Datum|De|Envoyé|Objet|Para|"
    r"Enviado|Asunto|Fecha)\*?\s*:\s*\*?\s*(.*)$",
    re.IGNORECASE,
)
_KEYS = {"von": "from", "de": "from", "sent": "date", "gesendet": "date", "datum": "date", "envoyé": "date"}
_KEYS |= {"enviado": "date", "fecha": "date", "betreff": "subject", "objet": "subject", "asunto": "subject"}
_KEYS |= {"an": "to", "para": "to"}

Line = tuple[int, str]  # (offset in the body, text with outer quote markers removed)


@dataclass(frozen=True)
class QuotedBlock:
    """A forwarded or quoted passage and who first wrote it (not who forwarded it)."""

    kind: Literal["forward", "reply-quote"]
    author_name: str
    author_address: str
    date_text: str
    subject: str
    text: str  # the author's own text in the block, without the blocks nested in it
    depth: int  # 0 for the outermost
    start: int  # offset in the body of the block's separator, first header line or intro

    @cached_property
    def date(self) -> datetime | None:
        """The UTC instant of ``date_text``; read on first use, as free-form dates cost
        more to read than the rest of the scan, and ingest keeps only some blocks."""
        return parse_date(self.date_text)


@dataclass
class _Found:
    """A block while scanning: its text is cut when the block after it is known."""

    kind: Literal["forward", "reply-quote"]
    fields: dict[str, str]
    depth: int
    start: int
    content: list[Line]
    first: int  # index in ``content`` where the block's text begins


def find_blocks(body: str) -> list[QuotedBlock]:
    """Every forwarded or quoted block with its own author, outermost first (document order)."""
    lines: list[Line] = []
    offset = 0
    for raw in body.splitlines(keepends=True):
        lines.append((offset, raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")))
        offset += len(raw)
    found: list[_Found] = []
    _scan(lines, 0, 0, found)
    blocks = []
    for index, block in enumerate(found):
        stop = found[index + 1].start if index + 1 < len(found) else offset + 1
        own: list[str] = []
        for i in range(block.first, len(block.content)):  # no slice: a chain of blocks shares one list
            if block.content[i][0] >= stop:
                break
            own.append(block.content[i][1])
        filled = [text for text in own if text.strip()]
        if filled and block.kind == "forward" and all(_is_quoted(text) for text in filled):
            own = [_unquote((0, text))[1] for text in own]  # an Outlook block whose body is all "> " lines
        name, address = parse_person(block.fields.get("from", ""))
        when = block.fields.get("date", "")
        subject = block.fields.get("subject", "")
        text = "\n".join(own).strip("\n").rstrip()
        blocks.append(QuotedBlock(block.kind, name, address, when, subject, text, block.depth, block.start))
    return blocks


def _scan(lines: list[Line], depth: int, level: int, found: list[_Found]) -> None:
    index, floor, intro = 0, 0, None
    while index < len(lines):
        end, fields = _header_block(lines, index)
        if fields is not None:
            found.append(_Found("forward", fields, depth, lines[index][0], lines, end))
            index, floor, intro, depth = end, end, None, depth + 1  # the rest of the text is inside it
            continue
        if end > index + 1:  # header lines that make no block: no line among them starts one either
            index = end
            continue
        if not _is_quoted(lines[index][1]):
            index += 1
            continue
        end = _run_end(lines, index)
        inner = [_unquote(line) for line in lines[index:end]]
        here = _intro_before(lines, index, floor)
        if here is not None:
            intro = here
        if intro is not None and level < MAX_QUOTE_LEVELS:
            start = here[0] if here is not None else inner[0][0]
            found.append(_Found("reply-quote", intro[1], depth, start, inner, 0))
            _scan(inner, depth + 1, level + 1, found)
        elif level < MAX_QUOTE_LEVELS:
            _scan(inner, depth, level + 1, found)
        index = floor = end


def _is_quoted(text: str) -> bool:
    return text.lstrip(" ").startswith(">")


def _unquote(line: Line) -> Line:
    offset, text = line
    cut = len(text) - len(text.lstrip(" "))
    if text[cut : cut + 1] == ">":
        cut += 2 if text[cut + 1 : cut + 2] == " " else 1
    return offset + cut, text[cut:]


def _run_end(lines: list[Line], index: int) -> int:
    """End (exclusive) of the ``>`` run at ``index``; blank lines inside a run belong to it."""
    end = probe = index
    while probe < len(lines):
        text = lines[probe][1]
        if _is_quoted(text):
            end = probe + 1
        elif text.strip():
            break
        probe += 1
    return end


def _header_block(lines: list[Line], index: int) -> tuple[int, dict[str, str] | None]:
    """Where the header lines at ``index`` end, and their values if they make a block (else None)."""
    first = lines[index][1][:MAX_INTRO_CHARS]
    separated = bool(_SEPARATOR.match(first))
    ruled = bool(_RULE.match(first))
    if not (separated or ruled or _HEADER.match(first)):
        return index + 1, None
    cursor = index + 1 if separated or ruled else index
    while cursor < len(lines) and cursor < index + 4 and not lines[cursor][1].strip():
        cursor += 1
    fields: dict[str, str] = {}
    key = ""
    limit = min(len(lines), cursor + MAX_HEADER_LINES)
    while cursor < limit:
        text = lines[cursor][1][:MAX_INTRO_CHARS]
        match = _HEADER.match(text)
        if match:
            key = _KEYS.get(match.group(1).lower(), match.group(1).lower())
            fields.setdefault(key, match.group(2).strip())
        elif key and text[:1] in (" ", "\t") and text.strip():
            fields[key] = f"{fields[key]} {text.strip()}"  # a folded To: or Subject: line
        else:
            break
        cursor += 1
    if "from" in fields and (separated or ruled or "date" in fields):
        return cursor, fields
    if separated:
        return index + 1, {}  # a named separator with no readable headers: a block with no author
    return (index + 1 if ruled else max(cursor, index + 1)), None


def _intro_before(lines: list[Line], index: int, floor: int) -> tuple[int, dict[str, str]] | None:
    """The "... wrote:" intro just above a ``>`` run (no further up than ``floor``): its offset and fields."""
    filled: list[int] = []
    probe = index - 1
    while probe >= floor and len(filled) < 3:
        if lines[probe][1].strip():
            filled.append(probe)
        probe -= 1
    if not filled or len(lines[filled[0]][1]) > MAX_INTRO_CHARS or not WROTE.search(lines[filled[0]][1]):
        return None
    first = next((i for i in filled if INTRO_START.match(lines[i][1][:MAX_INTRO_CHARS])), filled[0])
    text = " ".join(lines[i][1][:MAX_INTRO_CHARS] for i in range(first, filled[0] + 1))
    return lines[first][0], parse_intro(" ".join(text.split()))
