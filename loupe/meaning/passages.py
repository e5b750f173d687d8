"""A message's own text, cut into passages of a few sentences, each with its place in the body.

Only what the author added is cut (``own_spans``): ``>`` quotes, "On ...
wrote:" intros, everything from the first forwarded or Outlook-quoted block
on (``threads.forwards``) and the signature are left out, which belong to their own authors and are found
in *their* messages. Hard-wrapped lines are read as the sentences they are
(a 72-column wrap is not a sentence break); a blank line is a paragraph
break, which no passage crosses.

A passage is up to ``PASSAGE_SENTENCES`` sentences and ``PASSAGE_WORDS``
words: long enough that a claim's reworded substance spread over two
sentences sits in one passage, short enough that the mean of its word
pieces is still about one thing. Passages of fewer than ``MIN_WORDS`` words
("Thanks,", "See below.") are not kept: they match everything a little;
nor are passages that are not prose (``is_prose``: patches, diffstats,
tables of figures, signatures with phone numbers), which a bag of word
pieces finds alike whatever they are about.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loupe.threads.forwards import QuotedBlock

#: Sentences a passage holds at most.
PASSAGE_SENTENCES = 2
#: Words a passage holds at most (a run-on sentence is one passage on its own).
PASSAGE_WORDS = 80
#: Shorter passages are greetings, sign-offs and labels.
MIN_WORDS = 5
#: A message's own text past this many characters is not cut (a pasted report is read in its first part).
MAX_CHARS = 20_000

#: A sentence: up to its final mark (kept) and the spaces after it; a paragraph break also ends one.
_SENTENCE = re.compile(r"\S.*?(?:[.!?]+[\"')\]]*(?=\s)|(?=\n[^\S\n]*\n)|$)", re.DOTALL)
#: A signature delimiter ("-- ", "--", "__"): what follows is the sender's card, not what they said.
_SIGNATURE = re.compile(r"^(?:--|__+)\s*$")
#: A word of prose: letters (any script), with an apostrophe or hyphen inside and punctuation after.
_PROSE_WORD = re.compile(r"^[(\"'“‘¿¡]*[^\W\d_]+(?:['’-][^\W\d_]+)*[.,;:!?)\"'”’]*$")
#: Share of a passage's tokens that must be words of prose.
PROSE_SHARE = 0.7


@dataclass(frozen=True)
class Passage:
    start: int  # offsets in the body
    end: int
    text: str  # the passage read as one line (wraps undone)


def own_spans(body: str, blocks: Sequence[QuotedBlock] | None = None) -> list[tuple[int, int]]:
    """(start, end) of each line of ``body`` its author wrote, in order; blank lines as empty spans.

    Cheap on purpose (it runs for every message at ingest): ``>`` lines are
    dropped, and the text stops at the first block carried with its own
    header lines (a forward, an Outlook "From: / Sent:" reply: its text is
    not ``>``-quoted) and at a signature delimiter. "On ..., Ann wrote:"
    intros over ``>`` lines are dropped, not stopped at: an answer written
    below a quote is the author's. (``threads.quoting.split_reply``, which
    the thread view uses, reads more formats but costs about 1 ms a message.)
    ``blocks``: ``find_blocks(body)`` when the caller has it already (the ingest
    worker does, for the case's forwards); used only when the body is not cut
    at ``MAX_CHARS``, where a block found past the cut could differ.
    """
    from loupe.threads.forwards import find_blocks

    text = body[:MAX_CHARS]
    if blocks is None or len(body) > MAX_CHARS:
        blocks = find_blocks(text)
    lines: list[tuple[int, int]] = []
    at = 0
    for line in text.split("\n"):
        lines.append((at, at + len(line)))
        at += len(line) + 1
    starts = {start for start, _ in lines}
    stops, intros = [], set()
    for block in blocks:
        if block.depth != 0 or block.start not in starts:
            continue
        if _quoted_below(text, lines, block.start):
            intros.add(block.start)  # "On ... wrote:" over > lines: skip the intro, keep reading
        else:
            stops.append(block.start)
    limit = min(stops, default=len(text))
    spans: list[tuple[int, int]] = []
    for start, end in lines:
        line = text[start:end]
        if start >= limit or _SIGNATURE.match(line):
            break
        if start in intros or _QUOTE_MARKS.match(line):
            continue
        spans.append((start, end) if line.strip() else (start, start))
    return spans


def _quoted_below(text: str, lines: list[tuple[int, int]], start: int) -> bool:
    """Is the first non-blank line after the one at ``start`` a ``>`` line?"""
    after = False
    for line_start, line_end in lines:
        if line_start == start:
            after = True
        elif after and text[line_start:line_end].strip():
            return bool(_QUOTE_MARKS.match(text[line_start:line_end]))
    return False


def own_passages(body: str, blocks: Sequence[QuotedBlock] | None = None) -> list[Passage]:
    """The passages of what the body's author wrote (see the module docstring; ``blocks`` as ``own_spans``)."""
    passages: list[Passage] = []
    for paragraph in _paragraphs(body, own_spans(body, blocks)):
        passages.extend(_cut(paragraph))
    return passages


def window_passages(body: str, sentences: int) -> list[Passage]:
    """Every run of up to ``sentences`` consecutive sentences of a whole body (quotes included).

    The query-time reading: a claim is compared with windows as wide as it
    is, wherever they stand, and the speaker of the best one is read from
    where it stands (a quoted passage is its quoted author's)."""
    lines, at = [], 0
    for line in body[:MAX_CHARS].split("\n"):
        lines.append((at, at + len(line)))
        at += len(line) + 1
    out: list[Passage] = []
    for paragraph in _paragraphs(body, lines, unquote=True):
        units = _sentences(paragraph)
        for i in range(len(units)):
            for j in range(i, min(i + sentences, len(units))):
                text = " ".join(u[2] for u in units[i : j + 1])
                if len(text.split()) >= MIN_WORDS or j == i:
                    out.append(Passage(units[i][0], units[j][1], text))
    return [p for p in out if len(p.text.split()) >= 3]


# -- reading -----------------------------------------------------------------------------

#: A piece of read text: (body start, body end, text) for each line joined into a paragraph.
_Piece = tuple[int, int, str]
_QUOTE_MARKS = re.compile(r"^(?:[^\S\n]*>)+[^\S\n]?")


def _paragraphs(body: str, spans: list[tuple[int, int]], unquote: bool = False) -> list[list[_Piece]]:
    """Lines grouped into paragraphs (a blank line, or a change of quote depth, ends one)."""
    paragraphs: list[list[_Piece]] = []
    current: list[_Piece] = []
    depth = 0
    for start, end in spans:
        line = body[start:end]
        marks = _QUOTE_MARKS.match(line) if unquote else None
        level = marks.group().count(">") if marks else 0
        if marks:
            start += marks.end()
            line = line[marks.end() :]
        if not line.strip() or level != depth:
            if current:
                paragraphs.append(current)
            current = []
            depth = level
        if line.strip():
            lead = len(line) - len(line.lstrip())
            current.append((start + lead, end, line.strip()))
    if current:
        paragraphs.append(current)
    return paragraphs


def _sentences(paragraph: list[_Piece]) -> list[_Piece]:
    """A paragraph's sentences, each with its body offsets, read across the wraps."""
    text = " ".join(piece[2] for piece in paragraph)
    text_starts: list[int] = []  # where each piece begins in ``text`` (ascending) ...
    body_starts: list[int] = []  # ... and in the body
    at = 0
    for start, _end, piece in paragraph:
        text_starts.append(at)
        body_starts.append(start)
        at += len(piece) + 1

    def to_body(offset: int) -> int:
        piece = bisect_right(text_starts, offset) - 1  # the last piece beginning at or before it
        return body_starts[piece] + (offset - text_starts[piece])

    found = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group().strip()
        if sentence:
            start = match.start()
            found.append((to_body(start), to_body(start + len(sentence) - 1) + 1, sentence))
    return found


def _cut(paragraph: list[_Piece]) -> list[Passage]:
    """Consecutive sentences joined up to the passage limits; short leftovers join the passage before."""
    passages: list[Passage] = []
    group: list[_Piece] = []
    words = 0
    for sentence in _sentences(paragraph):
        count = len(sentence[2].split())
        if group and (len(group) >= PASSAGE_SENTENCES or words + count > PASSAGE_WORDS):
            passages.append(_joined(group))
            group, words = [], 0
        group.append(sentence)
        words += count
    if group:
        if passages and words < MIN_WORDS:
            last = passages.pop()
            passages.append(Passage(last.start, group[-1][1], f"{last.text} {' '.join(s[2] for s in group)}"))
        else:
            passages.append(_joined(group))
    return [p for p in passages if len(p.text.split()) >= MIN_WORDS and is_prose(p.text)]


def is_prose(text: str) -> bool:
    """Mostly words, not code, paths, numbers or markup (``PROSE_SHARE`` of its tokens)."""
    tokens = text.split()
    return bool(tokens) and sum(bool(_PROSE_WORD.match(t)) for t in tokens) >= PROSE_SHARE * len(tokens)


def _joined(group: list[_Piece]) -> Passage:
    return Passage(group[0][0], group[-1][1], " ".join(s[2] for s in group))
