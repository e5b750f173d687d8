"""Runs of capitalised words: the only places a name can be, found in one pass.

Both languages capitalise names and little else, so one regular expression
over the text finds every candidate ("Secretaría de la Defensa Nacional",
"Gen. Salvador Cienfuegos", "Nuevo Laredo y Matamoros"): capitalised words,
joined by the small words names contain (de, la, of, y, &), and title
abbreviations whose full stop does not end a sentence ("Gen.", "Sr.").
Dotted country abbreviations ("U.S.", "EE.UU.") are read undotted,
padded to their length, so every offset still points into the original.
A word joined by a hyphen to digits is a designation (a missile, a rifle,
a helicopter: "DF-21D", "AR-15"), never a name, so no run ends on one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from loupe.entities import lexicon

_RANGE = [chr(c) for c in range(0x41, 0x250)]
#: Latin capitals and letters with their accents (not CJK: "Tara Brandt様" ends at "Brandt").
UPPER = "".join(c for c in _RANGE if c.isupper())
LETTERS = "".join(c for c in _RANGE if c.isalpha())

_TITLE_ABBR = "(?:" + "|".join(lexicon.TITLE_ABBREVIATIONS) + r")\."
_WORD = rf"[{UPPER}][{LETTERS}]*(?:['’\-][{LETTERS}]+)*"
_TOKEN = rf"(?:{_TITLE_ABBR}(?=[ \t]+[{UPPER}])|[{UPPER}]\.(?=[ \t]+[{UPPER}])|{_WORD})"
_CONNECTORS = "de del la las los of the y and & da do dos das van von der den di du le al el bin ibn"
_CONNECTOR = "(?:" + "|".join(re.escape(c) for c in _CONNECTORS.split()) + ")"
_RUN = re.compile(  # the look-ahead first lets the engine skip to capitals: a fifth faster
    rf"(?=[{UPPER}])(?<![{LETTERS}0-9_'’.@/\\-]){_TOKEN}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)*{_TOKEN})*"
    rf"(?![{LETTERS}0-9_@]|-[0-9])"  # "DF-21D", "UH-60", "S-300": a designation, not the place "DF"
)
_PART = re.compile(rf"{_TOKEN}|(?<![{LETTERS}]){_CONNECTOR}(?![{LETTERS}])")
_DOTTED = re.compile("|".join(re.escape(k) for k in sorted(lexicon.EXACT_PLACES, key=len, reverse=True) if "." in k))


class Part(NamedTuple):
    """One word of a run: a capitalised word, or a connector ("de", "of", "&") between two."""

    text: str
    start: int
    connector: bool
    key: str  # folded, without a possessive "'s" or a full stop: what every table is keyed on


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    return lexicon.fold(text.removesuffix("'s").removesuffix("’s").removesuffix("."))


def undot(text: str) -> tuple[str, dict[int, int]]:
    """The text with "U.S." read as "US  ", and where each such abbreviation starts -> its length as written."""
    lengths: dict[int, int] = {}

    def plain(match: re.Match[str]) -> str:
        lengths[match.start()] = len(match.group())
        return match.group().replace(".", "").replace(" ", "").ljust(len(match.group()))

    return _DOTTED.sub(plain, text), lengths


def find_runs(text: str) -> Iterator[tuple[str, int, int]]:
    """Each run of capitalised words: its text, start and end."""
    for match in _RUN.finditer(text):
        yield match.group(), match.start(), match.end()


def split_run(run: str, offset: int) -> list[Part]:
    """A run's words, with their offsets in the text."""
    if " " not in run and "\t" not in run:
        return [Part(run, offset, False, key(run))]
    found = [(m.group(), offset + m.start()) for m in _PART.finditer(run)]
    return [Part(t, at, t[0].islower() or t == "&", key(t)) for t, at in found]
