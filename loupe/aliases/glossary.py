"""Mine abbreviation/expansion pairs from text, and add them up across messages.

Four shapes, the ones reporters meet in intelligence mail (English and
Spanish), each with its own test of whether the pair is real:

``brackets``     "CDJ [Juarez]", "the PGR [Procuraduria General de la Republica]"
``parentheses``  "LE (law enforcement)", "Secretaria de la Defensa Nacional (SEDENA)"
``or``           "the Valle Norte cartel, or VNC," (also "VNC, or the Valle Norte cartel,")
``appositive``   "VCF, the Juarez cartel", "CJNG, el cártel de Jalisco"

The test in every shape is the same strict one, ``spells``: each content
word of the expansion gives a prefix of itself (one letter or more, so
"HUMINT" = HUMan INTelligence and "SEDENA" = SEcretaria DE la Defensa
NAcional), stop words (de, la, del, of, the, and ...) give their initial or
nothing ("GoM" = Government of Mexico, "PGR" = Procuraduria General de la
Republica), and together they spell the whole abbreviation. Two looser tests
exist because writers gloss in those shapes *on purpose* and a looser test
still keeps out everything the mail is full of:

- a bracket after a short all-caps token, holding a capitalised name of at
  most four words ("KSA [Saudi Arabia]", "CDJ [Juarez]"). Parentheses are
  not trusted the same way: "(Reuters)", "(see below)", "(Monday)" follow
  all-caps words constantly; square brackets in prose are editorial.
- an appositive naming a kind of organisation ("VCF, the Juarez cartel");
  without that head noun, "FYI, the meeting moved" would be a pair.

Rejected: the Schwartz-Hearst algorithm (letters anywhere in the words,
only the first at a word start). It finds more, and on mail it pairs "IT"
with "fit testing": here a gloss that fails ``spells`` is simply not shown.

>>> [(p.abbreviation, p.expansion, p.form) for p in find_pairs("talks with the FM [foreign minister] went well")]
[('FM', 'foreign minister', 'brackets')]
>>> [(p.abbreviation, p.expansion) for p in find_pairs("sources in Secretaria de la Defensa Nacional (SEDENA) say")]
[('SEDENA', 'Secretaria de la Defensa Nacional')]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from loupe.folding import fold as fold
from loupe.folding import folded_words

Form = Literal["brackets", "parentheses", "or", "appositive"]

_words = folded_words


#: Words that may give their initial to an abbreviation, or nothing ("GoM", "PGR").
STOP_WORDS = _words(
    "of the and for in on to at a an by with from de del la las el los lo y e en para por al da do das dos"
)
#: Leading articles dropped from an expansion: "the port of entry" and "port of entry" are one gloss.
ARTICLES = _words("the a an el la los las lo un una")
#: All-caps words that are not abbreviations anyone glosses, but sit before brackets and commas in mail.
NOT_ABBREVIATIONS = _words(
    "OK NO YES OR AND THE IS IN ON TO BY AT OF IF PS NB FYI FW FWD RE AW CC BCC ASAP TBD TBA TBC "
    "URGENT NOTE UPDATE DRAFT CONFIDENTIAL IMPORTANT WARNING NEW END SPAM PATCH AM PM ID OOO "
    "LOL BTW IMO IMHO AFAIK THX TIA ATTN SUBJECT FROM DATE SENT REPLY"
)
#: Bracketed words that are editorial marks, not glosses ("[Redacted]").
EDITORIAL = _words(
    "redacted translation translated name names withheld unclear inaudible note link image attachment "
    "deleted removed ed unknown sic emphasis added omitted illegible quote end begin snip"
)
#: Head nouns of an appositive that names an organisation: "VCF, the Juarez cartel".
ORGANISATION_HEADS = _words(
    "cartel organization organisation gang group party ministry agency army navy police union company "
    "militia faction network office service bureau department secretariat commission council court "
    "cártel organización grupo partido ministerio agencia ejército marina policía sindicato empresa "
    "milicia facción red oficina servicio secretaría comisión consejo tribunal procuraduría"
)
#: How many words a looked-back expansion may run to: 2 per letter covers "X de la Y" shapes.
_WORDS_PER_LETTER = 2
_MAX_EXPANSION_WORDS = 12
#: At most this many words in a bracketed gloss trusted without spelling (names are short).
_MAX_LOOSE_GLOSS_WORDS = 4
_MAX_APPOSITIVE_WORDS = 5

_LETTERS = r"[^\W\d_]"
#: Capital letters (Latin, with accents): an abbreviation starts with one, and the look-ahead on them
#: lets the engine skip everything else (a third of the time on the demo's bodies).
_CAPITALS = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper())
_ABBR = rf"(?=[{_CAPITALS}])(?<![\w&'’./@-])([{_CAPITALS}]{_LETTERS}{{1,9}})(?![\w&'’@-]|\.\w)"
_WORD = re.compile(rf"{_LETTERS}+(?:['’-]{_LETTERS}+)*")
#: Each abbreviation-shaped word is found once; what follows it decides the shape.
_ABBREVIATION = re.compile(_ABBR)
_GLOSS_AFTER = re.compile(r"[ \t]*(?:\(([^()\[\]\n]{2,80})\)|\[([^()\[\]\n]{2,80})\])")
_OR_AFTER = re.compile(r",[ \t]+(?:or|o)[ \t]+([^,.;:()\[\]\n]{2,80}?)(?=[,.;:)]|\n|$)")
_APPOSITIVE_AFTER = re.compile(r",[ \t]+((?:the|el|la|los|las)[ \t]+[^,.;:()\[\]\n]{2,60}?)(?=[,.;:)]|\n|$)")
_GLOSS_THEN_ABBR = re.compile(rf"(\(|\[)[ \t]*{_ABBR}[ \t]*(\)|\])")
_COMMA_OR_ABBR = re.compile(rf",[ \t]+(?:or|o)[ \t]+{_ABBR}(?=[\s,.;:)]|$)")
#: Where a looked-back expansion cannot reach past: a clause or paragraph break.
_BLANK_LINE = re.compile(r"\n[ \t>]*\n")


@dataclass(frozen=True)
class Pair:
    """One gloss in one text: ``start`` is where its first word begins."""

    abbreviation: str
    expansion: str
    form: Form
    start: int


def normalise(expansion: str) -> str:
    """The key an expansion is counted under: folded, hyphens as spaces, no leading article.

    >>> normalise("the Port-of-Entry ")
    'port of entry'
    """
    words = fold(expansion).replace("-", " ").split()
    while words and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words).strip(".,;: ")


def is_abbreviation(token: str) -> bool:
    """Two to ten letters, starting upper case, at least half (and two) of them capitals: "GoM", not "McDonald"."""
    if not (2 <= len(token) <= 10 and token.isalpha() and token[0].isupper()):
        return False
    capitals = sum(1 for c in token if c.isupper())
    return capitals >= 2 and capitals * 2 >= len(token) and fold(token) not in NOT_ABBREVIATIONS


def spells(abbreviation: str, words: Iterable[str]) -> bool:
    """Do the words' prefixes, in order, spell the abbreviation (stop words optional)?

    At least two content words must take part: a single word whose start is
    the abbreviation ("TEST (testing)") is a truncation, not a gloss.

    >>> spells("HUMINT", ["human", "intelligence"]), spells("GoM", ["government", "of", "Mexico"])
    (True, True)
    >>> spells("IT", ["fit", "testing"]), spells("TEST", ["testing"]), spells("ILECs", ["local", "carriers"])
    (False, False, False)
    """
    parts = tuple(p for w in words for p in fold(w).split("-") if p)
    if sum(1 for p in parts if p not in STOP_WORDS) < 2:
        return False
    letters = fold(abbreviation)
    if _spells(letters, parts):
        return True
    # A plural "s" after the capitals: "ILECs" = incumbent local-exchange carriers (seen in Enron mail).
    plural = len(abbreviation) > 2 and abbreviation[-1] == "s" and abbreviation[-2].isupper()
    return plural and parts[-1].endswith("s") and _spells(letters[:-1], parts)


@lru_cache(maxsize=4096)
def _spells(letters: str, words: tuple[str, ...]) -> bool:
    if not words:
        return not letters
    word, rest = words[0], words[1:]
    if word in STOP_WORDS:
        return _spells(letters, rest) or (bool(letters) and letters[0] == word[0] and _spells(letters[1:], rest))
    for n in range(1, min(len(word), len(letters)) + 1):
        if letters[n - 1] != word[n - 1]:
            break
        if _spells(letters[n:], rest):
            return True
    return False


def find_pairs(text: str) -> list[Pair]:
    """Every gloss in ``text`` that passes its shape's test, in text order, each pair once per place."""
    found: dict[tuple[int, str], Pair] = {}
    for pair in _pairs(text):
        found.setdefault((pair.start, pair.abbreviation), pair)
    return sorted(found.values(), key=lambda p: (p.start, p.abbreviation))


def _pairs(text: str) -> Iterable[Pair]:
    for m in _ABBREVIATION.finditer(text):
        abbr, end = m.group(1), m.end()
        if not is_abbreviation(abbr):
            continue
        if gloss := _GLOSS_AFTER.match(text, end):
            yield from _glossed(abbr, gloss, m.start(1))
        elif alternative := _OR_AFTER.match(text, end):
            words = _strip_articles(_WORD.findall(alternative.group(1)))
            shaped = " ".join(words) == _squash(alternative.group(1), articles=True)
            if shaped and spells(abbr, words):
                yield Pair(abbr, " ".join(words), "or", m.start(1))
        elif appositive := _APPOSITIVE_AFTER.match(text, end):
            words = _WORD.findall(appositive.group(1))
            if " ".join(words) == _squash(appositive.group(1)):
                words = _strip_articles(words)
                if len(words) <= _MAX_APPOSITIVE_WORDS and (spells(abbr, words) or _names_organisation(words)):
                    yield Pair(abbr, " ".join(words), "appositive", m.start(1))
    for m in _GLOSS_THEN_ABBR.finditer(text):
        if (m.group(1) == "(") != (m.group(3) == ")"):
            continue
        yield from _looked_back(text, m.start(), m.group(2), "parentheses" if m.group(1) == "(" else "brackets")
    for m in _COMMA_OR_ABBR.finditer(text):
        yield from _looked_back(text, m.start(), m.group(1), "or")


def _glossed(abbr: str, match: re.Match[str], start: int) -> Iterable[Pair]:
    """ "LE (law enforcement)", "CDJ [Juarez]": the abbreviation first, its gloss in brackets."""
    gloss = match.group(1) or match.group(2)
    form: Form = "parentheses" if match.group(1) else "brackets"
    words = _strip_articles(_WORD.findall(gloss))
    if not words or " ".join(words) != _squash(gloss, articles=True):
        return
    if spells(abbr, words) or (form == "brackets" and _loose_gloss(abbr, words)):
        yield Pair(abbr, " ".join(words), form, start)


def _looked_back(text: str, end: int, abbr: str, form: Form) -> Iterable[Pair]:
    """The shortest run of words right before ``end`` that the abbreviation spells, if any.

    Only an unbroken run of words counts: a digit, a quote mark, a comma or
    a blank line stops it, so the expansion stays in the clause it was
    written in.
    """
    if not is_abbreviation(abbr):
        return
    window_start = max(0, end - 400)
    window = text[window_start:end]
    blank = list(_BLANK_LINE.finditer(window))
    if blank:
        window_start += blank[-1].end()
        window = text[window_start:end]
    words = list(_WORD.finditer(window))
    run: list[re.Match[str]] = []
    tail = len(window)
    for w in reversed(words):
        if window[w.end() : tail].strip():
            break
        run.insert(0, w)
        tail = w.start()
    limit = min(len(run), _MAX_EXPANSION_WORDS, _WORDS_PER_LETTER * len(abbr) + 2)
    for k in range(2, limit + 1):
        chosen = run[-k:]
        first = chosen[0].group().casefold()
        if first in STOP_WORDS:
            continue
        if spells(abbr, [w.group() for w in chosen]):
            yield Pair(abbr, " ".join(w.group() for w in chosen), form, window_start + chosen[0].start())
            return


def _strip_articles(words: list[str]) -> list[str]:
    while words and words[0].casefold() in ARTICLES:
        words = words[1:]
    return words


def _squash(text: str, articles: bool = False) -> str:
    """The gloss's words alone, as ``_WORD`` would join them: unequal means it held digits or signs."""
    words = text.split()
    return " ".join(_strip_articles(words) if articles else words).strip()


def _loose_gloss(abbr: str, words: list[str]) -> bool:
    """A bracketed name after an all-caps token: "KSA [Saudi Arabia]", not "URL [Redacted]"."""
    if not (abbr.isupper() and len(abbr) <= 6 and len(words) <= _MAX_LOOSE_GLOSS_WORDS):
        return False
    content = [w for w in words if w.casefold() not in STOP_WORDS]
    if not content or words[0].casefold() in STOP_WORDS:
        return False
    if any(not w[0].isupper() or w.isupper() for w in content):
        return False
    return not any(fold(w) in EDITORIAL for w in words)


def _names_organisation(words: list[str]) -> bool:
    """Two words or more, headed (English last, Spanish first) by a kind of organisation."""
    if len(words) < 2:
        return False
    return fold(words[-1]) in ORGANISATION_HEADS or fold(words[0]) in ORGANISATION_HEADS


@dataclass(frozen=True)
class Entry:
    """One line of the glossary: a pair and the messages that gloss it."""

    abbreviation: str
    expansion: str  # the spelling written most often
    normalised: str
    evidence: int  # messages glossing it
    forms: tuple[str, ...]  # shapes seen, most common first
    examples: tuple[str, ...]  # the first few message ids, in the order added


@dataclass
class _Tally:
    messages: set[str] = field(default_factory=set)
    spellings: Counter[str] = field(default_factory=Counter)
    forms: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


class Glossary:
    """Evidence per (abbreviation, normalised expansion), counted in messages, not mentions.

    A message repeating a gloss three times is one witness; ten messages
    glossing it are ten. Abbreviations keep their case ("GoM" is not
    "GOM"); lookups fold case and accents, since users type "cdj".

    >>> g = Glossary()
    >>> g.add_text("m1", "the PGR [Procuraduría General de la República] said")
    >>> g.add_text("m2", "la Procuraduria General de la Republica (PGR) dijo")
    >>> [(e.abbreviation, e.evidence) for e in g.entries()], g.expansions("pgr")
    ([('PGR', 2)], ['Procuraduría General de la República'])
    """

    def __init__(self, examples: int = 3) -> None:
        self.examples = examples
        self._tallies: dict[tuple[str, str], _Tally] = {}

    def add(self, message_id: str, pairs: Iterable[Pair]) -> None:
        for pair in pairs:
            key = (pair.abbreviation, normalise(pair.expansion))
            tally = self._tallies.setdefault(key, _Tally())
            tally.spellings[pair.expansion] += 1
            tally.forms[pair.form] += 1
            if message_id not in tally.messages:
                tally.messages.add(message_id)
                if len(tally.examples) < self.examples:
                    tally.examples.append(message_id)

    def add_text(self, message_id: str, text: str) -> None:
        self.add(message_id, find_pairs(text))

    def entries(self, min_evidence: int = 1) -> list[Entry]:
        """Pairs with at least ``min_evidence`` messages, best attested first."""
        rows = [
            Entry(
                abbreviation=abbr,
                expansion=tally.spellings.most_common(1)[0][0],
                normalised=norm,
                evidence=len(tally.messages),
                forms=tuple(f for f, _ in tally.forms.most_common()),
                examples=tuple(tally.examples),
            )
            for (abbr, norm), tally in self._tallies.items()
            if len(tally.messages) >= min_evidence
        ]
        return sorted(rows, key=lambda e: (-e.evidence, e.abbreviation.casefold(), e.normalised))

    def expansions(self, term: str, min_evidence: int = 1) -> list[str]:
        """What ``term``, an abbreviation in any case, was glossed as: for query expansion."""
        key = fold(term.strip())
        return [e.expansion for e in self.entries(min_evidence) if fold(e.abbreviation) == key]

    def abbreviations(self, expansion: str, min_evidence: int = 1) -> list[str]:
        """The abbreviations glossed as ``expansion`` (compared normalised)."""
        key = normalise(expansion)
        found = [e.abbreviation for e in self.entries(min_evidence) if e.normalised == key]
        return list(dict.fromkeys(found))
