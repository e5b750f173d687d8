"""Grading an aligned quote: what each of its pieces took from the mail, as a verdict, edits and a diff.

``align`` decides which passage words each quote segment stands for; this
module reads that as a fact-checker would: words equal (as printed, bar
punctuation), editorial marks the conventions allow (each listed with the
words it stands for), and changed words (each a ``Difference``, with a kind
that tells a corrected typo from other wording). Consecutive changed words
become one difference, so "speak to us" for "talk to us" reads as one change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from rapidfuzz.distance import Levenshtein

from loupe.folding import fold
from loupe.quotes.editorial import EditedQuote, Segment, exact_key, strip_punctuation
from loupe.quotes.passage import Passage, Word

#: An ellipsis hiding more than this many words is noted: a quote joined from distant sentences.
LONG_OMISSION_WORDS = 200

Verdict = Literal["verbatim", "faithful edit", "altered"]
EditKind = Literal["insertion", "replacement", "omission", "sic", "capitalisation", "emphasis note"]
DifferenceKind = Literal["case", "accents", "spelling", "wording", "added", "dropped"]
OpTag = Literal["equal", "insert", "delete", "replace", "edit"]
Matched = dict[int, list[int]]  # segment index -> passage word indices it took


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


def in_order(parts: list[str], word: str) -> bool:
    pos = 0
    for part in parts:
        pos = word.find(part, pos)
        if pos < 0:
            return False
        pos += len(part)
    return True


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


def grade(quote: EditedQuote, para: Passage, matched: Matched, dropped: Matched, end_j: int) -> Alignment:
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


def _word(rep: _Report, segment: Segment, word: Word | None, *, first: bool, after_omission: bool) -> None:
    """A literal word against the passage word it was aligned with (None: the quote added it)."""
    if word is None:
        rep.differ(segment.text, None)
        return
    quoted = exact_key(segment.text)
    if segment.glued:  # "[T]hey", "move[d]": a marked change to this word
        if fold(quoted) == word.key or in_order(segment.literal_parts, word.key):
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
