"""Does a passage say the claim, in its words or in others? The hybrid judgement, one message at a time.

Two readings of a message are asked for a claim, and either can find it:

- **words**: its window of sentences holding the most of the claim's
  rarity-weighted words (``quotes.corroborate.best_passage``, unchanged);
  it supports the claim from ``support`` of them (0.65 by default);
- **meaning**: the window, within a passage the nearest-neighbour index
  returned, whose vector is closest to the claim's. Static embeddings rate
  any two texts about the same place and subject as somewhat alike, so a
  window supports the claim by meaning only when it is close
  (``MEANING_SUPPORT``) *and* names most of what the claim names (its
  places, organisations, codes: ``names``), or when it is very close
  (``MEANING_ALONE``).

Whatever found it, the window's ``stance`` decides what it is: support,
a contradiction (it denies the claim), or a question (it asks whether the
claim is true): the last two are never counted as support.

The thresholds were set on the demo's planted claims and the real-mail
claims of ``tests/fixtures/corroboration_real.json`` (see
``bench/RESULTS.md``): they are calibrated, not derived, and a case in
another register of language may need others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from loupe.folding import fold
from loupe.meaning.model import Vectors, embed
from loupe.meaning.passages import Passage, window_passages
from loupe.meaning.stance import Stance, sentences, stance
from loupe.quotes.corroborate import Claim, best_passage, window_support, word_stems

#: Cosine from which a window naming what the claim names says the claim.
MEANING_SUPPORT = 0.40
#: Least cosine between what the claim says that the window lacks and what the window says instead
#: (``residual_meaning``): a restatement, not another sentence about the same place.
RESIDUAL_SUPPORT = 0.26
#: Share of the claim's names a window must hold for ``MEANING_SUPPORT`` to be enough.
NAMES_HELD = 0.5
#: Cosine from which a window says the claim whatever it names.
MEANING_ALONE = 0.55
#: Nearest passages asked of the index per claim, the cosine below which they are not read (a window's
#: cosine is within a few hundredths of its passage's), and how many messages they are read from at most.
MEANING_CANDIDATES = 300
MEANING_FLOOR = 0.38
MEANING_READS = 40

_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b(?:[A-ZÁÉÍÓÚÑ][\w'’-]*[a-záéíóúñ0-9][\w'’-]*|[A-Z]{2,}\d*|[A-Z]+\d+)\b")
_NOT_NAMES = frozenset({"i", "i'm", "i've", "mr", "mrs", "ms", "dr"})


@dataclass(frozen=True)
class ClaimReading:
    """A claim read both ways: its weighted words and its vector, and the names it holds."""

    lexical: Claim
    vector: Vectors  # (256,)
    names: tuple[str, ...]  # folded

    @classmethod
    def of(cls, lexical: Claim) -> ClaimReading:
        return cls(lexical, embed([lexical.text])[0], names(lexical.text))

    @property
    def text(self) -> str:
        return self.lexical.text


@dataclass(frozen=True)
class Judged:
    """A message's best window for a claim, and how it was found."""

    start: int
    end: int
    passage: str
    words: float  # share of the claim's weighted words it holds
    meaning: float  # cosine to the claim
    found_by: str  # "words", "meaning" or "both"
    stance: Stance


def names(text: str) -> tuple[str, ...]:
    """The claim's names (capitalised words other than the first, codes), folded, possessive dropped."""
    found = []
    for match in _NAME.finditer(text.strip()):
        word = re.sub(r"['’]s$", "", fold(match.group()))
        if word not in _NOT_NAMES and word not in found:
            found.append(word)
    return tuple(found)


def names_held(claim: ClaimReading, text: str) -> float:
    """Share of the claim's names the text holds (0 when the claim names nothing)."""
    if not claim.names:
        return 0.0
    folded = fold(text)
    return sum(bool(re.search(rf"\b{re.escape(name)}", folded)) for name in claim.names) / len(claim.names)


def judge(claim: ClaimReading, body: str, support: float, near: tuple[int, int] | None = None) -> Judged | None:
    """The message's supporting (or denying, or asking) window, or None when it says nothing of the claim.

    ``near``: the span of the passage the index found, where the meaning
    reading looks (the words reading always reads the whole body)."""
    options: list[tuple[Passage, float]] = []
    score, start, end = best_passage(claim.lexical, body)
    if score >= support:
        options.append((Passage(start, end, " ".join(body[start:end].split())), score))
    if near is not None:
        windows = [
            w for w in window_passages(body, claim.lexical.sentences + 1) if w.start < near[1] and w.end > near[0]
        ]
        options.extend((w, window_support(claim.lexical, w.text)) for w in windows)
    if not options:
        return None
    cosines = embed([w.text for w, _ in options]) @ claim.vector
    best: Judged | None = None
    for (window, words), cosine in zip(options, cosines, strict=True):
        found = _found_by(claim, window.text, words, float(cosine), support)
        if found == "" and float(cosine) >= MEANING_SUPPORT:
            found = _found_by(claim, window.text, words, float(cosine), support, residual_meaning(claim, window.text))
        if not found:
            continue
        candidate = Judged(window.start, window.end, window.text, words, float(cosine), found, "says")
        if best is None or _rank(candidate) > _rank(best):
            best = candidate
    if best is None:
        return None
    closest = _closest_sentence(claim, best.passage)
    return Judged(**{**best.__dict__, "stance": stance(best.passage, claim.text, closest)})


def residual_meaning(claim: ClaimReading, text: str) -> float | None:
    """Cosine between the claim's words the text lacks and the text's words the claim lacks.

    What a restatement in other words must carry: where the claim says
    "launders money for the cartel" and the text does not, the text's own
    other words must mean that ("washes the gang's cash"), not something
    else about the same place ("the wires have 22 dead in Monterrey"). None
    when either side has nothing left (the text holds all the claim's words:
    the words reading judges it)."""
    claim_words, text_words = word_stems(claim.text), word_stems(text)
    in_claim, in_text = {s for _, s in claim_words}, {s for _, s in text_words}
    claim_rest = [w for w, s in claim_words if s not in in_text]
    text_rest = [w for w, s in text_words if s not in in_claim]
    if not claim_rest or not text_rest:
        return None
    ours, theirs = embed([" ".join(claim_rest), " ".join(text_rest)])
    return float(ours @ theirs)


def _found_by(
    claim: ClaimReading, text: str, words: float, cosine: float, support: float, residual: float | None = None
) -> str:
    """How the window was found; meaning is only weighed once ``residual`` was worked out (it costs two
    embeddings: only windows close enough by their whole vector get it)."""
    by_words = words >= support
    by_meaning = (
        residual is not None
        and residual >= RESIDUAL_SUPPORT
        and (cosine >= MEANING_ALONE or (cosine >= MEANING_SUPPORT and names_held(claim, text) >= NAMES_HELD))
    )
    if by_words and by_meaning:
        return "both"
    return "words" if by_words else "meaning" if by_meaning else ""


def _rank(judged: Judged) -> tuple[int, float, int]:
    """Both readings over one; then the closer; then the shorter window."""
    return (judged.found_by == "both", judged.meaning + judged.words, -(judged.end - judged.start))


def _closest_sentence(claim: ClaimReading, passage: str) -> str:
    parts = sentences(passage)
    if len(parts) <= 1:
        return passage
    return parts[int(np.argmax(embed(parts) @ claim.vector))]
