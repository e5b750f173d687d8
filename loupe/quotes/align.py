"""Where a printed quote sits in an email body, and how it was edited.

The quote is aligned word by word against the passage with one semi-global
edit distance (the whole quote, any stretch of the passage), in which each
kind of quote segment gets the freedom its convention grants:

- a literal word matches an equal word for free, costs ``_SUB`` when it is
  changed and ``_GAP`` when it is added or a passage word silently left out;
- an omission (``...``) skips any number of passage words for free;
- a bracket (``[the smugglers]``) stands in for zero to ``MAX_BRACKET_WORDS``
  passage words for free, so one alignment covers insertion and replacement.

Locating folds case and accents, so the right place is found even when a
reporter changed a capital or dropped an accent; the verdict then compares
the matched words exactly, so those changes are still reported. Words are
compared without punctuation, which is why smart quotes, dashes, wraps,
``>`` markers and a changed comma are not differences (see ``editorial``).

Why a hand-written dynamic programme and not ``rapidfuzz``'s opcodes:
opcodes cannot express "this token may swallow any run of the other side",
and running them once per literal run needs the runs located first, which
is the hard half. Each row of the table is a handful of numpy operations
over the whole passage (the horizontal moves are a running minimum), so a
20-word quote against a 2,000-word mail costs about a millisecond once the
mail is split into words (~9 ms, cached), and memory is two int64 tables of
quote segments by passage words (0.6 MB for that case). rapidfuzz still
grades a changed word: a close spelling (a corrected typo) versus other wording.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np

from loupe.folding import fold
from loupe.quotes.editorial import EditedQuote, Segment, exact_key
from loupe.quotes.grade import Alignment, Matched, grade, in_order
from loupe.quotes.passage import Ints, Passage, split_passage

#: Below this score the caller should say "not in this passage": about two words in five wrong or missing.
FOUND_THRESHOLD = 0.6
#: A bracket replaces a phrase, not a paragraph: "[the smugglers]" for "the men who run the boats".
MAX_BRACKET_WORDS = 6

# Costs: a changed word is cheaper than a word added or dropped, so "cops" for "police" at the end of a quote
# is shown as a replacement rather than as a word added; and cheaper than both together.
_GAP = 3  # a word in only one of the two texts
_SUB = 2  # a word changed
_PARTIAL = 1  # a word with a bracket in it ("[T]hey") whose unbracketed letters match

K = TypeVar("K")


def best_alignment(quote: EditedQuote, passages: Iterable[tuple[K, str]]) -> tuple[K, Alignment] | None:
    """The highest-scoring passage (the first on a tie) and its alignment; None if none could be aligned."""
    best: tuple[K, Alignment] | None = None
    keys = [fold(exact_key(s.text)) for s in quote.words]
    for key, text in passages:
        known = split_passage(text).vocabulary
        bound = sum(1 for k, s in zip(keys, quote.words, strict=True) if k in known or s.glued) / max(len(keys), 1)
        if best is not None and bound <= best[1].score:
            continue  # cannot beat the best so far: skip the table
        found = align(quote, text)
        if found is not None and (best is None or found.score > best[1].score):
            best = (key, found)
    return best


def align(quote: EditedQuote, passage: str) -> Alignment | None:
    """Align a parsed quote against one passage; None when either has no words to align."""
    para = split_passage(passage)
    rows = [i for i, s in enumerate(quote.segments) if s.kind != "sic"]
    if not para.words or not quote.words:
        return None
    costs = {i: _costs(quote.segments[i], para) for i in rows if quote.segments[i].kind == "word"}
    table, pre = _fill(quote, rows, costs)
    end_j = int(np.argmin(table[-1]))
    matched, dropped = _trace(quote, rows, costs, table, pre, end_j)
    _opening_bracket(quote, rows, para, passage, matched)
    return grade(quote, para, matched, dropped, end_j)


def _opening_bracket(quote: EditedQuote, rows: list[int], para: Passage, text: str, matched: Matched) -> None:
    """A bracket opening a quote stands for the words it replaced at the start of their sentence.

    The alignment may start anywhere, so "[They] move their goods" against
    "The smugglers move their goods" costs nothing either way: as an
    insertion before "move", or as a replacement of "The smugglers". The
    reader needs the second (the bracket hides who "they" are), so when the
    words before the match run back to a sentence start within
    ``MAX_BRACKET_WORDS``, the bracket takes them. "[If] they move" against
    "... at night. They move" takes nothing: an insertion.
    """
    first = rows[0]
    if quote.segments[first].kind != "bracket" or matched[first]:
        return
    following = next((matched[i][0] for i in rows[1:] if matched.get(i)), None)
    if following is None:
        return
    k = following
    while k > 0 and not _sentence_starts_at(para, text, k):
        k -= 1
        if following - k > MAX_BRACKET_WORDS:
            return  # mid-way through a long sentence: an insertion after all
    matched[first] = list(range(k, following))


def _sentence_starts_at(para: Passage, text: str, k: int) -> bool:
    """Does passage word ``k`` open a sentence (after . ! ? or a blank line)?"""
    before = para.words[k - 1]
    ends_sentence = before.raw.rstrip("\"')”’»").endswith((".", "!", "?", ":"))
    return ends_sentence or "\n\n" in text[before.end : para.words[k].start]


def _costs(segment: Segment, para: Passage) -> Ints:
    """Cost of matching ``segment`` with each passage word: 0 equal, ``_PARTIAL``, else ``_SUB``."""
    per_key = np.full(len(para.vocabulary), _SUB, dtype=np.int64)
    if segment.glued:
        parts = segment.literal_parts
        for key, vid in para.vocabulary.items():
            per_key[vid] = _PARTIAL if in_order(parts, key) else _SUB
    same = para.vocabulary.get(fold(exact_key(segment.text)))
    if same is not None:
        per_key[same] = 0
    return per_key[para.ids]


def _fill(quote: EditedQuote, rows: list[int], costs: dict[int, Ints]) -> tuple[Ints, Ints]:
    """The cost table (after horizontal moves) and the same before them, one row per non-sic segment.

    ``table[r, j]``: the least cost of aligning the first ``r`` segments so that they end at passage word ``j``;
    row 0 is all zeros because the quote may start anywhere.
    """
    n = len(next(iter(costs.values())))
    table = np.zeros((len(rows) + 1, n + 1), dtype=np.int64)
    pre = np.zeros_like(table)
    slope = np.arange(n + 1, dtype=np.int64) * _GAP
    for r, index in enumerate(rows, 1):
        segment, prev = quote.segments[index], table[r - 1]
        row = prev.copy()
        if segment.kind == "word":
            row += _GAP
            np.minimum(row[1:], prev[:-1] + costs[index], out=row[1:])
        elif segment.kind == "bracket":
            for t in range(1, min(MAX_BRACKET_WORDS, n) + 1):
                np.minimum(row[t:], prev[:-t], out=row[t:])
        pre[r] = row
        if segment.kind == "omission":
            table[r] = np.minimum.accumulate(row)
        else:  # dropping passage words costs _GAP each: a running minimum along a slope
            table[r] = np.minimum.accumulate(row - slope) + slope
    return table, pre


def _trace(
    quote: EditedQuote, rows: list[int], costs: dict[int, Ints], table: Ints, pre: Ints, j: int
) -> tuple[Matched, Matched]:
    """Walk back from the end: which passage words each segment took, and words dropped after it."""
    matched: Matched = {index: [] for index in rows}
    dropped: Matched = {index: [] for index in rows}
    r = len(rows)
    while r > 0:
        index = rows[r - 1]
        segment, prev = quote.segments[index], table[r - 1]
        if table[r, j] < pre[r, j] and segment.kind != "omission":
            j -= 1
            dropped[index].insert(0, j)
            continue
        if segment.kind == "word":
            if j > 0 and pre[r, j] == prev[j - 1] + costs[index][j - 1]:
                j -= 1
                matched[index].append(j)
        else:
            target = table[r, j] if segment.kind == "omission" else pre[r, j]
            span = range(j, -1, -1) if segment.kind == "omission" else range(j, max(j - MAX_BRACKET_WORDS, 0) - 1, -1)
            k = next(k for k in span if prev[k] == target)
            matched[index] = list(range(k, j))
            j = k
        r -= 1
    return matched, dropped
