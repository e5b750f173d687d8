"""Case and accent folding for word lists and keys: "Secretaría" = "SECRETARIA".

Shared by the glossary miner and the entity rules, which compare words the
same way. (Near-duplicate normalisation folds a wider set of combining marks
on purpose, and the full-text index folds in its own analyzer.)
"""

from __future__ import annotations

import re
import unicodedata

_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower case without accents: "Juárez" and "JUAREZ" are one key."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


def folded_words(text: str) -> frozenset[str]:
    """A word list written as one string, folded as the words it is checked against are."""
    return frozenset(fold(w) for w in text.split())
