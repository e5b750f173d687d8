"""A mail body as the aligner reads it: its words, with where each stands in the original text.

Reply markers (``>`` at any depth) are skipped, a word hyphenated across a
line wrap ("smug-/glers") is rejoined, and each word keeps three forms: as
printed (for display), exact (punctuation stripped, for grading) and folded
(case and accents, for locating), plus the offsets of its letters so a match
can be highlighted in the original.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loupe.folding import fold
from loupe.quotes.editorial import exact_key, word_spans

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Word:
    raw: str  # as in the mail, without line-wrap hyphen; for display
    exact: str
    key: str
    start: int  # offsets of the word's letters (surrounding punctuation excluded)
    end: int


@dataclass(frozen=True)
class Passage:
    words: tuple[Word, ...]
    vocabulary: dict[str, int]  # distinct keys -> the ids in ``ids``
    ids: Ints


_NEWLINE = re.compile(r"\r\n|\r|\n")
_MARKERS = re.compile(r"[ \t]*(?:>[ \t]*)*")
_LETTER = re.compile(r"[^\W_]")


@functools.lru_cache(maxsize=32)
def split_passage(text: str) -> Passage:
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
    words: list[Word] = []
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    for raw, start, end in spans:
        letters = [m.start() for m in _LETTER.finditer(text, start, end)]
        exact = exact_key(raw)
        word = Word(raw, exact, fold(exact), letters[0], letters[-1] + 1)
        words.append(word)
        ids.append(vocabulary.setdefault(word.key, len(vocabulary)))
    return Passage(tuple(words), vocabulary, np.array(ids, dtype=np.int64))
