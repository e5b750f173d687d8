"""A printed quote split into what the writer wrote and what the editor marked.

Quoting conventions let a reporter change a quotation openly: ``[square
brackets]`` for words added or replaced, an ellipsis (``...``, ``. . .``,
``…``, ``[...]``) for words left out, ``[sic]`` for an error kept as written,
"(emphasis added)" for italics that were not in the original, and a changed
capital on the first word. ``parse_edits`` turns the printed quote into
segments so the aligner can match the literal words strictly and give the
marked parts the freedom the convention grants them.

This module also owns what a *word* is, for the quote and for the email alike,
because the two sides must split and compare text the same way: words are
split at whitespace, dashes and ellipses, but not at a single hyphen (a
hyphenated word broken across a mail's line wrap is rejoined by the aligner,
and "well-known" must then compare equal to "wellknown"); a word's keys drop
every mark of punctuation, so smart quotes, apostrophes and a changed comma
never count as a changed word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from loupe.folding import fold

SegmentKind = Literal["word", "bracket", "omission", "sic"]

_SMART = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
        "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u3000": " ",
        "\u00ad": None, "\u200b": None, "\u2060": None, "\ufeff": None,
        "…": "...",
    }
)  # fmt: skip
# An em dash, or an en dash not between digits (a range like 1990–2000 stays one word).
_DASH = re.compile(r"\s*(?:[—―]|(?<!\d)–|–(?!\d))\s*")
_SEPARATOR = re.compile(r"\s+|[—―…]|(?<!\d)–|–(?!\d)|-{2,}|\.{2,}")
_NOT_WORD = re.compile(r"[\W_]+")
_HAS_WORD = re.compile(r"[^\W_]")

#: "(emphasis added)", "[italics mine]": a note that the quote's italics are not the original's.
EMPHASIS_NOTE = re.compile(
    r"[(\[]\s*(?:emphasis|emphases|italics)\s+(?:added|mine|ours|supplied|in\s+(?:the\s+)?original)\s*[)\]]",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(
    r"\s*[(\[]\s*(?:emphasis|emphases|italics)\s+(?:added|mine|ours|supplied|in\s+(?:the\s+)?original)\s*[)\]]",
    re.IGNORECASE,
)
# Order matters: bracketed ellipses and [sic] before other brackets; a bracket
# glued to letters ("[T]hey", "move[d]") is part of a word, not a segment.
_MARK = re.compile(
    r"(?P<omission>\[\s*(?:\.\s*){3,}\]|(?:\.\s?){2,}\.)"
    r"|(?P<sic>\[\s*sic!?\s*\])"
    r"|(?P<bracket>(?<![^\W_])\[[^\[\]]*\](?![^\W_]))",
    re.IGNORECASE,
)


def normalise_punctuation(text: str) -> str:
    """Straight quotes and apostrophes, plain spaces, ``--`` for dashes, ``...`` for the ellipsis character."""
    return _DASH.sub(" -- ", text.translate(_SMART))


def word_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each word in ``text[start:end]``: pieces between separators holding a letter or digit."""
    end = len(text) if end is None else end
    pos = start
    for sep in _SEPARATOR.finditer(text, start, end):
        if _HAS_WORD.search(text, pos, sep.start()):
            yield pos, sep.start()
        pos = sep.end()
    if _HAS_WORD.search(text, pos, end):
        yield pos, end


def exact_key(word: str) -> str:
    """The word as compared for the verdict: case and accents kept, punctuation (and brackets) dropped."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", word))


def locate_key(word: str) -> str:
    """The word as compared to find the passage: also case- and accent-insensitive."""
    return fold(exact_key(word))


def strip_punctuation(word: str) -> str:
    """The word without the punctuation around it, for display: ``"night,"`` -> ``night``, ``[T]he,`` -> ``[T]he``."""
    match = re.search(r"(?:[^\W_]|\[)(?:.*(?:[^\W_]|\]))?", word, re.DOTALL)
    return match.group() if match else ""


@dataclass(frozen=True)
class Segment:
    """One piece of a quote: a literal word, a bracket, an omission, or a ``[sic]``."""

    kind: SegmentKind
    #: As printed, punctuation normalised: ``night,`` / ``[T]hey`` / ``[the smugglers]`` / ``...`` / ``[sic]``.
    text: str

    @property
    def glued(self) -> bool:
        """A word with a bracket inside it ("[T]hey", "move[d]"): a marked change to that one word."""
        return self.kind == "word" and "[" in self.text

    @property
    def literal_parts(self) -> list[str]:
        """The folded letters outside the brackets of a glued word: ``[T]hey`` -> ``["hey"]``."""
        return [key for piece in re.split(r"\[[^\]]*\]", self.text) if (key := locate_key(piece))]


@dataclass(frozen=True)
class EditedQuote:
    """A quote as printed, split into segments, with its emphasis notes taken out."""

    text: str
    segments: tuple[Segment, ...]
    #: Notes such as "(emphasis added)", as printed; they claim typography the aligner cannot see.
    emphasis_notes: tuple[str, ...] = ()

    @property
    def words(self) -> list[Segment]:
        return [segment for segment in self.segments if segment.kind == "word"]


def parse_edits(text: str) -> EditedQuote:
    """Split a printed quote into literal words and editorial marks.

    >>> [(s.kind, s.text) for s in parse_edits("[If] they move … no one gets hurt [sic]").segments][:4]
    [('bracket', '[If]'), ('word', 'they'), ('word', 'move'), ('omission', '...')]
    """
    normal = normalise_punctuation(text)
    notes = tuple(match.strip() for match in _EMPHASIS.findall(normal))
    normal = " ".join(_EMPHASIS.sub("", normal).split())
    segments: list[Segment] = []
    pos = 0
    for mark in _MARK.finditer(normal):
        segments.extend(_words(normal, pos, mark.start()))
        kind: SegmentKind = "sic" if mark.lastgroup == "sic" else "bracket"
        if mark.lastgroup == "omission" or _is_ellipsis(mark.group()[1:-1]):
            kind = "omission"
        segments.append(Segment(kind, mark.group().strip()))
        pos = mark.end()
    segments.extend(_words(normal, pos, len(normal)))
    return EditedQuote(normal, tuple(segments), notes)


def _words(text: str, start: int, end: int) -> Iterator[Segment]:
    for word_start, word_end in word_spans(text, start, end):
        yield Segment("word", text[word_start:word_end])


def _is_ellipsis(inner: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:\.\s*){2,}", inner))
