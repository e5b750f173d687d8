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

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein

from loupe.folding import fold
from loupe.quotes.editorial import EditedQuote, Segment, exact_key, strip_punctuation, word_spans

#: Below this score the caller should say "not in this passage": about two words in five wrong or missing.
FOUND_THRESHOLD = 0.6
#: An ellipsis hiding more than this many words is noted: a quote joined from distant sentences.
LONG_OMISSION_WORDS = 200
#: A bracket replaces a phrase, not a paragraph: "[the smugglers]" for "the men who run the boats".
MAX_BRACKET_WORDS = 6

# Costs: a changed word is cheaper than a word added or dropped, so "cops" for "police" at the end of a quote
# is shown as a replacement rather than as a word added; and cheaper than both together.
_GAP = 3  # a word in only one of the two texts
_SUB = 2  # a word changed
_PARTIAL = 1  # a word with a bracket in it ("[T]hey") whose unbracketed letters match

Verdict = Literal["verbatim", "faithful edit", "altered"]
EditKind = Literal["insertion", "replacement", "omission", "sic", "capitalisation", "emphasis note"]
DifferenceKind = Literal["case", "accents", "spelling", "wording", "added", "dropped"]
OpTag = Literal["equal", "insert", "delete", "replace", "edit"]
K = TypeVar("K")
_Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Edit:
    """An editorial change the conventions allow, with the original words it stands for ("" if none)."""

    kind: EditKind
    quoted: str
    original: str


@dataclass(frozen=True)
class Difference:
    """A change to the literal words: this is what makes a quote "altered".

    ``kind``: ``case``/``accents`` (the same word written otherwise),
    ``spelling`` (a close word: usually a corrected typo, but also a changed
    ending like moves -> moved, so a reader must look), ``wording``, or
    ``added``/``dropped`` words with no counterpart.
    """

    quoted: str
    original: str
    kind: DifferenceKind


class Op(NamedTuple):
    """One row of a side-by-side diff. ``insert``: words only in the quote; ``delete``: only in the passage."""

    tag: OpTag
    quoted: str
    original: str


@dataclass(frozen=True)
class Alignment:
    """How one quote matches one passage.

    ``verbatim``: every literal word identical and no editorial mark;
    ``faithful edit``: only the conventions (a capital changed on the first
    word, or after an ellipsis, is one of them), each listed in
    ``edits``; ``altered``: at least one entry in ``differences``. Whether the
    quote is there at all is the caller's call, on ``score``.
    """

    verdict: Verdict
    #: Matched literal words over (literal words + passage words silently dropped): 1.0 for a faithful quote.
    score: float
    #: Character offsets of the matched span in the passage string as given (first to last word's letters).
    start: int
    end: int
    edits: tuple[Edit, ...]
    differences: tuple[Difference, ...]
    ops: tuple[Op, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Word:
    raw: str  # as in the mail, without line-wrap hyphen; for display
    exact: str
    key: str
    start: int  # offsets of the word's letters (surrounding punctuation excluded)
    end: int


@dataclass(frozen=True)
class _Passage:
    words: tuple[_Word, ...]
    vocabulary: dict[str, int]  # distinct keys -> the ids in ``ids``
    ids: _Ints


_NEWLINE = re.compile(r"\r\n|\r|\n")
_MARKERS = re.compile(r"[ \t]*(?:>[ \t]*)*")
_LETTER = re.compile(r"[^\W_]")


@functools.lru_cache(maxsize=32)
def _passage(text: str) -> _Passage:
    """Words of a mail body, ``>`` markers skipped, "smug-/glers" across a line wrap rejoined.

    Cached because the caller aligns every quote of an article against the same few candidate bodies.
    """
    spans: list[tuple[str, int, int]] = []
    hyphen_pending = False
    pos = 0
    while True:
        newline = _NEWLINE.search(text, pos)
        line_end = newline.start() if newline else len(text)
        content = _MARKERS.match(text, pos, line_end)
        line_spans = list(word_spans(text, content.end() if content else pos, line_end))
        had_words = bool(line_spans)
        if hyphen_pending and line_spans:
            raw, start, _ = spans.pop()
            first_start, first_end = line_spans.pop(0)
            spans.append((raw[:-1] + text[first_start:first_end], start, first_end))
        spans.extend((text[s:e], s, e) for s, e in line_spans)
        last = spans[-1][0] if had_words else ""
        hyphen_pending = len(last) > 1 and last.endswith("-") and last[-2].isalpha()
        if newline is None:
            break
        pos = newline.end()
    words: list[_Word] = []
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    for raw, start, end in spans:
        letters = [m.start() for m in _LETTER.finditer(text, start, end)]
        exact = exact_key(raw)
        word = _Word(raw, exact, fold(exact), letters[0], letters[-1] + 1)
        words.append(word)
        ids.append(vocabulary.setdefault(word.key, len(vocabulary)))
    return _Passage(tuple(words), vocabulary, np.array(ids, dtype=np.int64))


def best_alignment(quote: EditedQuote, passages: Iterable[tuple[K, str]]) -> tuple[K, Alignment] | None:
    """The highest-scoring passage (the first on a tie) and its alignment; None if none could be aligned."""
    best: tuple[K, Alignment] | None = None
    keys = [fold(exact_key(s.text)) for s in quote.words]
    for key, text in passages:
        known = _passage(text).vocabulary
        bound = sum(1 for k, s in zip(keys, quote.words, strict=True) if k in known or s.glued) / max(len(keys), 1)
        if best is not None and bound <= best[1].score:
            continue  # cannot beat the best so far: skip the table
        found = align(quote, text)
        if found is not None and (best is None or found.score > best[1].score):
            best = (key, found)
    return best


def align(quote: EditedQuote, passage: str) -> Alignment | None:
    """Align a parsed quote against one passage; None when either has no words to align."""
    para = _passage(passage)
    rows = [i for i, s in enumerate(quote.segments) if s.kind != "sic"]
    if not para.words or not quote.words:
        return None
    costs = {i: _costs(quote.segments[i], para) for i in rows if quote.segments[i].kind == "word"}
    table, pre = _fill(quote, rows, costs)
    end_j = int(np.argmin(table[-1]))
    matched, dropped = _trace(quote, rows, costs, table, pre, end_j)
    _opening_bracket(quote, rows, para, passage, matched)
    return _report(quote, para, matched, dropped, end_j)


def _opening_bracket(quote: EditedQuote, rows: list[int], para: _Passage, text: str, matched: _Matched) -> None:
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


def _sentence_starts_at(para: _Passage, text: str, k: int) -> bool:
    """Does passage word ``k`` open a sentence (after . ! ? or a blank line)?"""
    before = para.words[k - 1]
    ends_sentence = before.raw.rstrip("\"')”’»").endswith((".", "!", "?", ":"))
    return ends_sentence or "\n\n" in text[before.end : para.words[k].start]


def _costs(segment: Segment, para: _Passage) -> _Ints:
    """Cost of matching ``segment`` with each passage word: 0 equal, ``_PARTIAL``, else ``_SUB``."""
    per_key = np.full(len(para.vocabulary), _SUB, dtype=np.int64)
    if segment.glued:
        parts = segment.literal_parts
        for key, vid in para.vocabulary.items():
            per_key[vid] = _PARTIAL if _in_order(parts, key) else _SUB
    same = para.vocabulary.get(fold(exact_key(segment.text)))
    if same is not None:
        per_key[same] = 0
    return per_key[para.ids]


def _in_order(parts: list[str], word: str) -> bool:
    pos = 0
    for part in parts:
        pos = word.find(part, pos)
        if pos < 0:
            return False
        pos += len(part)
    return True


def _fill(quote: EditedQuote, rows: list[int], costs: dict[int, _Ints]) -> tuple[_Ints, _Ints]:
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


_Matched = dict[int, list[int]]  # segment index -> passage word indices it took


def _trace(
    quote: EditedQuote, rows: list[int], costs: dict[int, _Ints], table: _Ints, pre: _Ints, j: int
) -> tuple[_Matched, _Matched]:
    """Walk back from the end: which passage words each segment took, and words dropped after it."""
    matched: _Matched = {index: [] for index in rows}
    dropped: _Matched = {index: [] for index in rows}
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


class _Report:
    """Collects ops, edits and differences in quote order; consecutive changed words become one difference."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.edits: list[Edit] = []
        self.differences: list[Difference] = []
        self.notes: list[str] = []
        self.changed: tuple[list[str], list[str]] = ([], [])
        self.matches = 0
        self.dropped = 0
        self.marked = False  # an editorial mark beyond a capital on the first word

    def equal(self, quoted: str, original: str) -> None:
        self.flush()
        self.matches += 1
        if self.ops and self.ops[-1].tag == "equal":
            last = self.ops.pop()
            quoted, original = f"{last.quoted} {quoted}", f"{last.original} {original}"
        self.ops.append(Op("equal", quoted, original))

    def edit(self, edit: Edit, shown: str | None = None, *, marked: bool = True) -> None:
        self.flush()
        self.edits.append(edit)
        self.marked = self.marked or marked
        self.ops.append(Op("edit", edit.quoted if shown is None else shown, edit.original if shown is None else ""))

    def differ(self, quoted: str | None, original: str | None) -> None:
        """Note a changed word, shown without the punctuation around it ("police." -> police)."""
        for side, word in zip(self.changed, (quoted, original), strict=True):
            if word is not None:
                side.append(strip_punctuation(word))

    def flush(self) -> None:
        quoted, original = (" ".join(side) for side in self.changed)
        if not quoted and not original:
            return
        self.differences.append(Difference(quoted, original, _difference_kind(*self.changed)))
        self.ops.append(Op("replace" if quoted and original else "insert" if quoted else "delete", quoted, original))
        self.changed = ([], [])


def _difference_kind(quoted: list[str], original: list[str]) -> DifferenceKind:
    if not original:
        return "added"
    if not quoted:
        return "dropped"
    if len(quoted) != 1 or len(original) != 1:
        return "wording"
    q, o = exact_key(quoted[0]), exact_key(original[0])
    if q.casefold() == o.casefold():
        return "case"
    if fold(q) == fold(o):
        return "accents"
    close = Levenshtein.distance(fold(q), fold(o)) <= 2 and Levenshtein.normalized_similarity(fold(q), fold(o)) >= 0.6
    return "spelling" if close else "wording"


def _report(quote: EditedQuote, para: _Passage, matched: _Matched, dropped: _Matched, end_j: int) -> Alignment:
    """Classify what each segment took from the passage: the verdict, edits, differences and diff rows."""
    rep = _Report()
    first, after_omission = True, False
    previous: tuple[str, str] = ("", "")
    for index, segment in enumerate(quote.segments):
        took = [para.words[j] for j in matched.get(index, [])]
        original = " ".join(word.raw for word in took)
        if segment.kind == "word":
            _word(rep, segment, took[0] if took else None, first=first, after_omission=after_omission)
            first = after_omission = False
            previous = (strip_punctuation(segment.text), strip_punctuation(original))
        elif segment.kind == "bracket":
            rep.edit(Edit("replacement" if took else "insertion", segment.text, original))
        elif segment.kind == "omission":
            rep.edit(Edit("omission", segment.text, original))
            after_omission = True
            if len(took) > LONG_OMISSION_WORDS:
                rep.notes.append(f"the ellipsis after {previous[0]!r} leaves out {len(took)} words")
        else:
            rep.edit(Edit("sic", *previous), segment.text)
        for j in dropped.get(index, []):
            rep.dropped += 1
            rep.differ(None, para.words[j].raw)
    rep.flush()
    for note in quote.emphasis_notes:
        rep.edit(Edit("emphasis note", note, ""))
    taken = sorted(j for took in (*matched.values(), *dropped.values()) for j in took)
    at = para.words[end_j - 1].end if end_j else 0
    start, end = (para.words[taken[0]].start, para.words[taken[-1]].end) if taken else (at, at)
    verdict: Verdict = "altered" if rep.differences else "faithful edit" if rep.marked else "verbatim"
    score = rep.matches / (len(quote.words) + rep.dropped)
    return Alignment(
        verdict, score, start, end, tuple(rep.edits), tuple(rep.differences), tuple(rep.ops), tuple(rep.notes)
    )


def _word(rep: _Report, segment: Segment, word: _Word | None, *, first: bool, after_omission: bool) -> None:
    """A literal word against the passage word it was aligned with (None: the quote added it)."""
    if word is None:
        rep.differ(segment.text, None)
        return
    quoted = exact_key(segment.text)
    if segment.glued:  # "[T]hey", "move[d]": a marked change to this word
        if fold(quoted) == word.key or _in_order(segment.literal_parts, word.key):
            same_but_case = quoted != word.exact and quoted.casefold() == word.exact.casefold()
            rep.matches += 1
            shown = (strip_punctuation(segment.text), strip_punctuation(word.raw))
            rep.edit(Edit("capitalisation" if same_but_case else "replacement", *shown))
        else:
            rep.differ(segment.text, word.raw)
    elif quoted == word.exact:
        rep.equal(segment.text, word.raw)
    elif (first or after_omission) and _capital_only(quoted, word.exact):
        rep.matches += 1
        rep.edit(Edit("capitalisation", strip_punctuation(segment.text), strip_punctuation(word.raw)))
    else:
        rep.differ(segment.text, word.raw)


def _capital_only(quoted: str, original: str) -> bool:
    """Only the first letter's case differs: "They" for "they"."""
    return quoted != original and quoted[1:] == original[1:] and quoted[:1].casefold() == original[:1].casefold()
