"""Read a body as its writer wrote it: hard wraps undone, quote marks and emphasis dropped.

Mail clients of 2010 wrapped every line near 72 columns, so a context and
its code often sit on two lines ("... Mr." / "MX4 stated ..."); a reply adds
"> " in front of each; Outlook's forwards wrap header labels in asterisks
("*Subject:* Re: From RU09 -- 2"). Rules that judge a code by the words
around it must see the sentence, not the line, so :func:`reading_text`
joins each paragraph's continuation lines into one logical line and keeps
a map back to the original offsets (a mention found here is still reported
where it stands in the stored body).

A line is *not* joined to the one before it when it starts something of its
own: a header or block label ("From:", "SOURCE CODE :"), a list item, a
forward separator, a signature delimiter; nor when the line before it ends
with a colon (a label whose value follows, "From CO6 -- 2:"). Lines of
different quote depth never join. This is the same judgement a reader
makes, and it keeps the insight block's one-field-a-line layout intact.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

#: The ">" marks (and spaces) in front of a quoted line.
_QUOTE = re.compile(r"^(?:[^\S\n]*>)+[^\S\n]?")
#: A line that starts a new item: a label of up to four words ("From:", "*Sent:*", "SOURCE CODE :"), a list
#: item, a separator ("-----Original Message-----", "--", "___"), a quoted-header line.
_STARTS_ITEM = re.compile(
    r"^[^\S\n]*(?:\*?[A-Za-z][\w.'/-]*(?:[^\S\n][\w.'/-]+){0,3}\*?[^\S\n]*:\*?(?:[^\S\n]|$)"
    r"|[-*•·o][^\S\n]|\d{1,2}[.)][^\S\n]|[-_=*]{2,}|begin forwarded message|on .{0,80} wrote:?$)",
    re.IGNORECASE,
)
#: Outlook's emphasis around a label at the head of a line: "*From:*", "*Subject:*".
_EMPHASIS = re.compile(r"^([^\S\n]*)\*([A-Za-z][\w .-]{0,30}?[^\S\n]*:)\*")


@dataclass(frozen=True)
class ReadingText:
    """The body as logical lines, and where each of its characters came from."""

    text: str
    _starts: tuple[int, ...]  # offsets in ``text`` where a run copied from the original begins
    _origins: tuple[int, ...]  # ... and where that run begins in the original

    def original(self, offset: int) -> int:
        """The offset in the original body of this offset in :attr:`text`."""
        run = bisect.bisect_right(self._starts, offset) - 1
        if run < 0:
            return 0
        return self._origins[run] + (offset - self._starts[run])


def reading_text(body: str) -> ReadingText:
    """``body`` with each paragraph's wrapped lines joined, quote marks and label emphasis removed.

    >>> r = reading_text("Lunch was long. Mr.\\nMX4 stated that\\n> quoted\\n> More.\\n\\nFrom: x")
    >>> r.text
    'Lunch was long. Mr. MX4 stated that\\nquoted More.\\n\\nFrom: x'
    >>> body = "Lunch was long. Mr.\\nMX4 stated that"
    >>> body[reading_text(body).original(20):][:3]
    'MX4'
    """
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    length = 0
    previous_depth: int | None = None
    previous_text = ""
    pos = 0
    for line in body.split("\n"):
        line_start = pos
        pos += len(line) + 1
        quote = _QUOTE.match(line)
        depth = quote.group().count(">") if quote else 0
        skip = quote.end() if quote else 0
        content = line[skip:]
        emphasis = _EMPHASIS.match(content)
        pieces: list[tuple[str, int]]
        if emphasis is not None:  # "*Subject:* x" -> "Subject: x", dropping the two asterisks
            lead, label = emphasis.group(1), emphasis.group(2)
            pieces = [(lead, line_start + skip), (label, line_start + skip + len(lead) + 1)]
            pieces.append((content[emphasis.end() :], line_start + skip + emphasis.end()))
            content = lead + label + content[emphasis.end() :]
        else:
            pieces = [(content, line_start + skip)]
        blank = not content.strip()
        joins = (
            previous_depth == depth
            and not blank
            and previous_text.strip() != ""
            and not previous_text.rstrip().endswith(":")
            and _STARTS_ITEM.match(content) is None
        )
        if previous_depth is not None:  # the line break before this line: a space when joined
            starts.append(length)
            origins.append(line_start - 1)
            parts.append(" " if joins else "\n")
            length += 1
        for piece, origin in pieces:
            if piece:
                starts.append(length)
                origins.append(origin)
                parts.append(piece)
                length += len(piece)
        previous_depth, previous_text = depth, content
    return ReadingText("".join(parts), tuple(starts), tuple(origins))
