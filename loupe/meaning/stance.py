"""What a passage does with a claim it is close to: says it, denies it, or only asks about it.

A bag of word pieces cannot tell "the governor takes bribes" from "the
governor denies he takes bribes" or "is it true the governor takes
bribes?": the words are the same. Mail that denies a claim is evidence of a
different kind (a contradiction, listed apart), and mail that asks whether
it is true is no evidence at all; counting either as support is the error
a reporter must never make. So the passage's stance is read from cues the
embedding is blind to, in English and Spanish:

- *denial*: an explicit denial ("denies", "is not true", "no evidence
  that", "false", "niega", "no es cierto"), or a negation ("not", "never",
  "no", "nunca") in the sentence closest to the claim, a few words before
  one of the claim's own words, when the claim itself has none;
- *question*: the closest sentence asks ("?", "whether", "can anyone
  confirm", "is it true", "¿") or reports only a rumour to check.

The cues are matched on folded text (no accents, lower case).
"""

from __future__ import annotations

import re
from typing import Literal

from loupe.folding import fold

Stance = Literal["says", "denies", "asks"]

#: Words after a negation that it reaches ("not" ... "take"; "never" ... "paid").
NEGATED_SPAN = 4

#: Explicit denials: a passage holding one does not support the claim, wherever in it.
_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|refut\w*|rebut\w*|dismiss(?:es|ed)?\s+(?:the\s+)?(?:claims?|reports?|rumou?rs?|"
    r"allegations?|stor(?:y|ies))|reject(?:s|ed)?\s+(?:the\s+)?(?:claims?|reports?|allegations?)|"
    r"(?:is|are|was|were)\s+(?:not|n't)\s+(?:true|so|the\s+case|correct|accurate)|(?:isn't|aren't|wasn't|weren't)\s+"
    r"(?:true|so|the\s+case|correct|accurate)|untrue|unfounded|baseless|no\s+(?:evidence|proof|sign|truth)|"
    r"(?:is|are|was|were|proved|proven)\s+(?:false|wrong|fabricated|made\s+up)|nothing\s+to\s+(?:it|the\s+\w+)|"
    r"niega\w*|nego|negaron|desmient\w*|desminti\w*|rechaz\w*|no\s+es\s+(?:cierto|verdad)|es\s+falso|falso|"
    r"sin\s+(?:pruebas|evidencia)|no\s+hay\s+(?:pruebas|evidencia|indicios))\b"
)
#: Plain negation: counts only in the sentence closest to the claim, and only when the claim has none.
_NEGATION = re.compile(
    r"\b(?:not|never|no|none|nobody|nothing|neither|nor|cannot|n't|no\s+longer|nunca|jamas|ningun[oa]?|nadie|"
    r"nada|tampoco|ya\s+no)\b|n't\b"
)
#: Asking, not saying.
_QUESTION = re.compile(
    r"\?|\bwhether\b|\b(?:can|could)\s+(?:anyone|someone|you|we)\s+(?:confirm|check|verify)|\bis\s+it\s+true\b|"
    r"\b(?:any|what)\s+(?:truth|confirmation)\b|\bunconfirmed\b|\bunverified\b|\bif\s+true\b|\bsi\s+es\s+cierto\b|"
    r"\bconfirmar\s+si\b|¿"
)
#: Negative words that do not negate: "no doubt", "not only", "nobody doubts".
_NOT_NEGATING = re.compile(
    r"\b(?:no\s+doubt|not\s+only|not\s+just|no\s+matter|no\s+wonder|not\s+least|nobody\s+doubts|"
    r"no\s+secret|sin\s+duda|no\s+solo)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def stance(passage: str, claim: str, closest: str | None = None) -> Stance:
    """How ``passage`` stands to ``claim``; ``closest`` is its sentence nearest the claim (default: all of it)."""
    text, said = _plain(passage), _plain(claim)
    near = _plain(closest) if closest is not None else text
    if _DENIAL.search(text) and not _DENIAL.search(said):
        return "denies"
    if not _NEGATION.search(said) and _negates_claim_words(near, claim):
        return "denies"
    if _QUESTION.search(near) and not _QUESTION.search(said):
        return "asks"
    return "says"


def _negates_claim_words(sentence: str, claim: str) -> bool:
    """A negation followed, within ``NEGATED_SPAN`` words, by one of the claim's words (by stem):
    "does not take bribes" against "takes bribes", not "valid for C but not for C++"."""
    from loupe.quotes.corroborate import stems  # the claim's words as corroboration compares them

    wanted = set(stems(claim))
    text = _plain(sentence)
    for match in _NEGATION.finditer(text):
        following = " ".join(text[match.end() :].split()[:NEGATED_SPAN])
        if wanted & set(stems(following)):
            return True
    return False


def _plain(text: str) -> str:
    """Folded, with the negative words that do not negate taken out."""
    return _NOT_NEGATING.sub(" ", fold(text))


def sentences(passage: str) -> list[str]:
    """A passage's sentences (it is one line: ``passages`` joined its wraps)."""
    return [s for s in _SENTENCE_END.split(passage) if s.strip()]
