"""People, organisations and places named in one text, by gazetteers and rules.

One regular expression finds runs of capitalised words ("Secretaría de la
Defensa Nacional", "José Dunmore", "Nuevo Laredo y Matamoros"); each run is
read left to right, and at each word the first rule that fits takes as many
words as it needs:

1. known names: organisations and acronyms everyone knows (``lexicon``), the
   archive's own glossary (``acronyms``: "PGR" -> "Procuraduria General de la
   Republica", so "PGR" is an organisation and is grouped with its long form),
   the archive's correspondents (``Gazetteer.with_people``);
2. an organisation's shape: a telling head ("Ministry of ...", "Secretaría de
   ...", "Diario ..."), a telling last word ("... LLP", "... News"), or a
   lower-case "cartel" after it ("the Juarez cartel");
3. a person: a title ("Gen.", "Sr.", "President"), the place in a letter
   where a name stands (after "Dear", before "wrote:", alone under "Best,"),
   or a known given name followed by a surname ("Rafael Ortega Villalobos");
4. a place from the gazetteer, longest name first ("Ciudad Juárez" before
   "Juárez"), with the checks ``gazetteer`` explains for the ambiguous ones.

Anything else capitalised is left alone: precision first, as everywhere in
Loupe's reading aids. The cost is a regular-expression pass plus a few
dictionary lookups per capitalised word (about 0.1 ms for a typical
message, ``bench/entities_eval.py``), so it can run once per message at
ingest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from loupe.entities import lexicon
from loupe.entities.corrections import entity_key
from loupe.entities.gazetteer import NAME_CLASH_CITY, Gazetteer, default_gazetteer, place_key
from loupe.entities.runs import UPPER, Part, find_runs, key, split_run, undot

Kind = Literal["person", "organisation", "place"]


@dataclass(frozen=True)
class Entity:
    """One mention: ``name`` is the text as written at ``start``; ``normalised`` groups mentions."""

    kind: Kind
    name: str
    normalised: str
    start: int


_WROTE = re.compile(r"[ \t]*(?:<[^>\n]{1,80}>|\[[^\]\n]{1,80}\]|\([^)\n]{1,80}\))?[ \t]*(?:wrote|escribi[oó])\b")
_AFTER_GREETING = re.compile(r"[ \t]*(?:[,:;!]|\r?\n|$)")
_WORD_BEFORE = re.compile(r"[\w'’]+")
_CARTEL_BEFORE = re.compile(r"(?<![\w])c[aá]rtel(?:es)?[ \t]+(?:del?[ \t]+)?(?:la[ \t]+|los[ \t]+)?$", re.IGNORECASE)
_TAIL_AFTER = re.compile(r"[ \t]+(\w+)")

#: Words that never open a name: articles, pronouns, prepositions (a run "The Army" is "Army").
_FUNCTION_WORDS = lexicon.words(
    "the a an this that these those our my your his her its their we i you he she it they and but or if so "
    "as at by for from in into of on to with when while after before since until per via el la los las un una "
    "lo este esta estos estas ese esa nuestro nuestra mi su sus y o pero si en de del por para con desde "
    "hasta segun sobre entre"
)
_CONTRACTION = re.compile(r"['’](?:m|ll|d|ve|re|t)$")  # "I'm", "I'll": not a surname ("Andrew I'm")
_INITIAL = re.compile(rf"[{UPPER}]\.?")  # a middle initial: "Darron C Giron", "John F. Kennedy"
_NAME_CONNECTORS = lexicon.words("de del la las los van von der den da di du bin ibn al")
_BREAKS = lexicon.words("and y or o")
_MAX_NAME_WORDS = 4
_MAX_ORG_WORDS = 8


@lru_cache(maxsize=65536)
def _place_word(key: str) -> str:
    return place_key([key])


#: Folded, without full stops, one space: "U.S. Army" and "US Army" group together.
_normalise = entity_key


def extract_entities(
    text: str, gazetteer: Gazetteer | None = None, acronyms: Mapping[str, str] | None = None
) -> list[Entity]:
    """Every person, organisation and place named in ``text``, in text order.

    ``acronyms`` is the archive's glossary (abbreviation -> expansion): an
    abbreviation whose expansion reads as an organisation or a place is one.

    >>> text = "Dear Ana,\\nGen. Salvador Cienfuegos met the PGR in Ciudad Juárez."
    >>> [(e.kind, e.name) for e in extract_entities(text)]
    [('person', 'Ana'), ('person', 'Salvador Cienfuegos'), ('organisation', 'PGR'), ('place', 'Ciudad Juárez')]
    """
    reader = _Reader(text, gazetteer or default_gazetteer(), acronyms or {})
    return _firms_not_people(sorted(reader.entities(), key=lambda e: e.start))


def _firms_not_people(found: list[Entity]) -> list[Entity]:
    """Read as people, firms the same text names in full: the firm, or nothing.

    A firm named after its founders reads as a person ("Salomon" is a given
    name), but the text gives it away where it writes the legal form:
    "Salomon Smith Barney Inc." makes "Your Salomon Smith Barney trade" the
    firm, and "Dear Salomon Smith Barney Client" or "Salomon Smith Barney
    Access" (its service) no person, wherever in the text the full name
    stands. Cores of one word are left alone: a firm "Jackson Ltd" says
    little about a "Mr. Jackson".
    """
    firms: set[str] = set()  # the firms' names without their legal form
    for e in found:
        words = e.normalised.split()
        if e.kind == "organisation" and len(words) > 2 and words[-1] in lexicon.LEGAL_FORMS:
            firms.add(" ".join(words[:-1]))
    if not firms:
        return found
    kept = []
    for e in found:
        if e.kind == "person" and e.normalised in firms:
            e = Entity("organisation", e.name, e.normalised, e.start)
        elif e.kind == "person" and any(e.normalised.startswith(core + " ") for core in firms):
            continue
        kept.append(e)
    return kept


def message_entities(subject: str, body: str) -> list[Entity]:
    """What a message names: its subject and body read as one text (what ingest indexes and
    ``loupe show`` lists; offsets count from the subject's start)."""
    return extract_entities(f"{subject}\n\n{body}")


class _Reader:
    """The rules, sharing the text and the tables (one per call: no state survives it)."""

    def __init__(self, text: str, gazetteer: Gazetteer, acronyms: Mapping[str, str]) -> None:
        self.original = text
        self.text, self.dotted = undot(text)  # dotted: start -> length as written, where "U.S." is read as "US"
        self.g = gazetteer
        self.acronyms = acronyms
        self.meanings: dict[str, tuple[Kind, str] | None] = {}
        self.cartels = "rtel" in text  # "cártel de Sinaloa": look back for it only when it is there

    def entities(self) -> Iterator[Entity]:
        for run, start, end in find_runs(self.text):
            words = split_run(run, start)
            if len(words) == 1 and (self._idle(words[0]) or self._inert(words[0], end)):
                continue  # "I", "The", "Thanks", "Friday", "Analysts": most runs are one such word
            yield from self._read(words, end)

    def _inert(self, part: Part, end: int) -> bool:
        """A lone word no table knows, with no cue around it ("el señor Ortega", "Juarez cartel")."""
        key, text = part.key, part.text
        g = self.g
        if key in g.places or key in g.given_names or key in g.people or key in lexicon.KNOWN_ORGANISATIONS:
            return False
        if text in self.acronyms or text in lexicon.KNOWN_ACRONYMS or text in g.exact_places or text in g.minor_places:
            return False
        if key in lexicon.TITLES or key in lexicon.GREETINGS:
            return False
        return not (self.cartels or self._tail(end) or self._after_title(part.start))

    def _idle(self, part: Part) -> bool:
        """A lone word no rule can use: a common word that is no name, place or known acronym."""
        key = part.key
        if key in _FUNCTION_WORDS or key in lexicon.MONTHS_AND_DAYS:
            return True
        if key in lexicon.KNOWN_ORGANISATIONS:
            return False  # "Congress" is a common word too
        common = key in self.g.common and key not in self.g.given_names and key not in self.g.places
        known = part.text in self.acronyms or part.text in lexicon.KNOWN_ACRONYMS or part.text in self.g.exact_places
        return common and not known

    def _read(self, parts: list[Part], end: int) -> Iterator[Entity]:
        in_context, person = self._context_person(parts, end)
        if in_context:
            if person is not None:
                yield person
            return
        if self._after_title(parts[0].start) and self._place(parts, 0) is None:
            names = self._name_parts(parts, 0, require=1)  # "el presidente Calderón": Spanish titles are lower case
            if names:
                yield self._entity("person", names)
                parts = parts[len(names) :]
        i = 0
        unknown = False  # the word before was capitalised, known to no rule: "Iniciativa Mérida" is no place
        while i < len(parts):
            if parts[i].connector:
                i += 1
                unknown = False
                continue
            found = self._known(parts, i) or self._organisation(parts, i, end) or self._person(parts, i)
            if found is None and not unknown:
                found = self._place(parts, i)
            if found is None:
                unknown = parts[i].key not in self.g.common or len(parts[i].key) == 1  # "Darron C Giron"
                i += 1
                continue
            entity, i = found
            unknown = False
            yield entity

    # -- helpers ------------------------------------------------------------------------------

    def _entity(self, kind: Kind, parts: list[Part], normalised: str | None = None) -> Entity:
        start, stop = parts[0].start, parts[-1].start + self.dotted.get(parts[-1].start, len(parts[-1].text))
        name = self.original[start:stop]
        if name.endswith(("'s", "’s")):
            name = name[:-2]  # "Mexico's": the name is "Mexico"
        return Entity(kind, name, normalised or _normalise(name), start)

    def _initial(self, at: int) -> bool:
        """Does a sentence (or a line) start at ``at``?"""
        j = at - 1
        while j >= 0 and self.text[j] in " \t\"“‘'(>*-•":
            j -= 1
        return j < 0 or self.text[j] in "\n.!?:;"

    def _after_greeting(self, at: int) -> bool:
        """Does the line open with a lower-case greeting before ``at`` ("Estimado señor Walter:")?"""
        line_start = self.text.rfind("\n", max(0, at - 30), at) + 1
        if at - line_start > 25 or (line_start == 0 and at > 25):
            return False
        return any(word in lexicon.GREETINGS for word in self._words_before(at))

    def _after_title(self, at: int) -> bool:
        """Is the word before ``at`` a lower-case title ("el señor Ortega")? The cheap test first."""
        if at < 3 or self.text[at - 1] != " " or not self.text[at - 2].islower():
            return False
        begin = max(self.text.rfind(" ", max(0, at - 20), at - 1), self.text.rfind("\n", max(0, at - 20), at - 1))
        return key(self.text[begin + 1 : at - 1]) in lexicon.TITLES

    def _words_before(self, at: int) -> tuple[str, str]:
        """The two words before ``at`` on its line, folded ("estimado", "señor"), nearest last."""
        line = self.text[max(0, at - 40) : at].rsplit("\n", 1)[-1]
        found = ["", ""] + [key(w) for w in _WORD_BEFORE.findall(line)[-2:]]
        return found[-2], found[-1]

    def _name_parts(self, parts: list[Part], i: int, require: int = 2) -> list[Part]:
        """Up to four capitalised words from ``i`` that can be a name, "de la" inside; [] if under ``require``."""
        taken: list[Part] = []
        count = 0
        for j in range(i, len(parts)):
            part = parts[j]
            if part.connector:
                k = j
                while k < len(parts) and parts[k].connector and parts[k].key in _NAME_CONNECTORS:
                    k += 1
                if k == j or k >= len(parts) or parts[k].connector:
                    break  # "de la" must lead to a name word: "José de la Cruz"
                taken.append(part)
                continue
            initial = count > 0 and _INITIAL.fullmatch(part.text) is not None and j + 1 < len(parts)
            if count == _MAX_NAME_WORDS or not (initial or self._name_word(part)):
                break
            taken.append(part)
            count += 0 if initial else 1
            if part.text.endswith(("'s", "’s")):
                break  # "Dean Witter's Lew Smith" is two names
        while taken and _INITIAL.fullmatch(taken[-1].text):
            taken.pop()
        while taken and taken[-1].connector:
            taken.pop()
        return taken if count >= require else []

    def _name_word(self, part: Part) -> bool:
        key = part.key
        if len(part.text) < 2 or (part.text.isupper() and len(part.text) > 1) or part.text.endswith("."):
            return False
        return (
            (key not in self.g.english or key in self.g.given_names)
            and key not in _FUNCTION_WORDS
            and key not in lexicon.GREETINGS
            and _CONTRACTION.search(part.text) is None
            and key not in lexicon.MONTHS_AND_DAYS
            and key not in lexicon.TITLES
            and key not in lexicon.ORG_SUFFIXES
        )

    # -- the rules ----------------------------------------------------------------------------

    def _context_person(self, parts: list[Part], end: int) -> tuple[bool, Entity | None]:
        """A name where letters put one: after "Dear", before "wrote:", alone under "Best,".

        The first value says whether the run stands in such a place: then it
        is a person or nothing ("Cheers,\nIsrael" is no place, "Dear
        Maintainer" no person).
        """
        first = parts[0]
        opening = 1 if first.key in lexicon.GREETINGS else 0
        start = self._skip_titles(parts, opening)
        greeted = _AFTER_GREETING.match(self.text, end) and (opening or self._after_greeting(first.start))
        if greeted:
            names = self._name_parts(parts, start, require=1)
        elif _WROTE.match(self.text, end) or (self._line_start(first.start) and self._signature(first.start, end)):
            names = self._name_parts(parts, start, require=1)
            if len(names) != len(parts[start:]):
                return len(parts) == 1, None  # "Kessler & Rowe LLP wrote:" is read by the other rules
        else:
            return False, None
        if len(names) == 1 and start == opening and names[0].key not in self.g.given_names:
            return True, None  # one word is a name only if it is a given name, or titled ("Lic. Ramírez")
        return True, (self._entity("person", names) if names else None)

    def _skip_titles(self, parts: list[Part], i: int) -> int:
        while i < len(parts) and (parts[i].key in lexicon.TITLES or parts[i].key in lexicon.TITLE_MODIFIERS):
            i += 1
        return i

    def _line_start(self, at: int) -> bool:
        return at == 0 or self.text[at - 1] == "\n"

    def _signature(self, start: int, end: int) -> bool:
        """The run is a line of its own, and the line above is a closing ("Best,", "Saludos")."""
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", end)
        line_end = len(self.text) if line_end < 0 else line_end
        if self.text[line_start:start].strip() or self.text[end:line_end].strip(" \t,."):
            return False
        above_end = line_start - 1
        while above_end > 0 and self.text[above_end - 1] in " \t\r\n":
            above_end -= 1  # over blank lines, without copying the text above (a long text has many lines)
        above = self.text[self.text.rfind("\n", 0, max(0, above_end)) + 1 : max(0, above_end)]
        return " ".join(lexicon.fold(above).strip(" \t,.!-").split()) in lexicon.CLOSINGS

    def _known(self, parts: list[Part], i: int) -> tuple[Entity, int] | None:
        part = parts[i]
        if part.text in self.acronyms:
            meaning = self._meaning(part.text)
            if meaning is not None:
                return self._entity(meaning[0], [part], meaning[1]), i + 1
        if part.text in lexicon.KNOWN_ACRONYMS:
            return self._entity("organisation", [part]), i + 1
        longer = part.key in lexicon.KNOWN_STARTS or part.key in self.g.given_names
        for stop in range(min(len(parts), i + 6) if longer else i + 1, i, -1):
            span = parts[i:stop]
            if span[-1].connector:
                continue
            key = " ".join(p.key for p in span)
            if key in lexicon.KNOWN_ORGANISATIONS:
                return self._entity("organisation", span), stop
            if stop - i >= 2 and key in self.g.people:
                return self._entity("person", span), stop
        return None

    def _meaning(self, abbreviation: str) -> tuple[Kind, str] | None:
        """What the glossary's expansion of ``abbreviation`` is, if it reads as one whole entity."""
        if abbreviation not in self.meanings:
            expansion = self.acronyms[abbreviation].strip()
            found = [e for e in extract_entities(expansion, self.g) if e.kind != "person"]
            whole = len(found) == 1 and found[0].name == expansion
            if not whole and expansion.split()[-1].casefold() in lexicon.ORG_TAILS:
                found, whole = [Entity("organisation", expansion, _normalise(expansion), 0)], True
            self.meanings[abbreviation] = (found[0].kind, found[0].normalised) if whole else None
        return self.meanings[abbreviation]

    def _opens_name(self, part: Part) -> bool:
        """Can a name start here? Not on "The", nor on a common word opening a sentence ("Thanks GlobalWire")."""
        key = part.key
        if key in _FUNCTION_WORDS:
            return False
        return not (key in self.g.common and key not in self.g.given_names and self._initial(part.start))

    def _organisation(self, parts: list[Part], i: int, end: int) -> tuple[Entity, int] | None:
        key = parts[i].key
        heads = key in lexicon.ORG_HEADS or key in lexicon.ORG_HEADS_OF or key in lexicon.ORG_OPENERS
        if not (self._opens_name(parts[i]) or (heads and key not in _FUNCTION_WORDS)):
            return None
        stop = i
        while stop < len(parts) and stop - i < _MAX_ORG_WORDS and parts[stop].key not in _BREAKS:
            stop += 1
        while stop > i and parts[stop - 1].connector:
            stop -= 1
        span = parts[i:stop]
        words = [p for p in span if not p.connector]
        if len(words) < 2 and not self.cartels and not (stop == len(parts) and self._tail(end)):
            return None
        head = parts[i].key
        of = len(span) > 2 and span[1].connector and span[1].key in ("of", "de", "del")
        led = len(span) > 3 and span[2].connector and span[2].key in ("of", "de", "del")
        if len(words) >= 2 and (head in lexicon.ORG_HEADS or (head in lexicon.ORG_HEADS_OF and of)):
            return self._entity("organisation", span), stop
        if len(words) >= 3 and led and span[1].key in lexicon.ORG_HEADS_OF and head not in self.g.places:
            return self._entity("organisation", span), stop
        for last in range(len(span) - 1, 0, -1):
            if not span[last].connector and span[last].key in lexicon.ORG_SUFFIXES:
                if not self._named(span[:last]) or all(p.connector or p.text.isupper() for p in span[: last + 1]):
                    break  # "Client Service", "ANNIVERSARY PARTY": a heading, not a name
                if last + 2 < len(span) and span[last + 1].key in ("of", "for", "de", "del"):
                    last = len(span) - 1  # "American Association of Petroleum Geologists"
                return self._entity("organisation", span[: last + 1]), i + last + 1
        if words and stop == len(parts) and self._tail(end):
            name = self.original[span[0].start : self._tail(end)]
            return Entity("organisation", name, _normalise(name), span[0].start), stop
        cartel = None
        if words and self.cartels:
            cartel = _CARTEL_BEFORE.search(self.text, max(0, span[0].start - 30), span[0].start)
        if cartel:
            name = self.original[cartel.start() : span[-1].start + len(span[-1].text)]
            return Entity("organisation", name, _normalise(name), cartel.start()), stop
        return None

    def _named(self, words: list[Part]) -> bool:
        """Words before an organisation's suffix that name one: not all common ("Client Service",
        "Natural Gas"), and no capitalised "To" or "For" (a title-case heading: "Balance To Fund")."""
        if any(not p.connector and p.key in _FUNCTION_WORDS for p in words):
            return False
        return any(not p.connector and (p.key not in self.g.english or p.text.isupper()) for p in words)

    def _tail(self, end: int) -> int:
        """Where a lower-case "cartel" right after the run ends, or 0."""
        m = _TAIL_AFTER.match(self.text, end)
        return m.end() if m and m.group(1) in lexicon.ORG_TAILS else 0

    def _person(self, parts: list[Part], i: int) -> tuple[Entity, int] | None:
        j = self._skip_titles(parts, i)
        titled = any(p.key in lexicon.TITLES for p in parts[i:j])
        if titled:
            names = self._name_parts(parts, j, require=1)
            return (self._entity("person", names), j + len(names)) if names else None
        if parts[i].key in self.g.given_names and self._opens_name(parts[i]) and not parts[i].text.isupper():
            names = self._name_parts(parts, i)
            if names:
                return self._entity("person", names), i + len(names)
        return None

    def _place(self, parts: list[Part], i: int) -> tuple[Entity, int] | None:
        exact = self.g.exact_places.get(parts[i].text)
        if exact is not None:
            return self._entity("place", parts[i : i + 1], lexicon.fold(exact.name)), i + 1
        longest = min(len(parts), i + self.g.max_place_words) if parts[i].key in self.g.place_starts else i + 1
        for stop in range(longest, i, -1):
            span = parts[i:stop]
            if span[-1].connector:
                continue
            place = self.g.places.get(place_key(p.key for p in span) if stop - i > 1 else _place_word(span[0].key))
            if place is None:
                continue
            if stop - i == 1 and place.kind == "city" and not self._lone_city_ok(parts, i, place.population):
                return None
            if self._inside_longer_name(parts, stop):
                return None
            return self._entity("place", span, lexicon.fold(place.name)), stop
        longest = min(len(parts), i + 3) if parts[i].text in self.g.minor_starts else i + 1
        for stop in range(longest, i, -1):
            minor = self.g.minor_places.get(" ".join(p.text for p in parts[i:stop]))
            if minor is not None and not parts[stop - 1].connector and self._locative(parts, i):
                return self._entity("place", parts[i:stop], lexicon.fold(minor.name)), stop
        return None

    def _inside_longer_name(self, parts: list[Part], after: int) -> bool:
        """Is the place followed by a capitalised word no table knows ("Metro Bus Passes", "Houston Chronicle")?"""
        if after >= len(parts) or parts[after].connector or parts[after - 1].text.endswith(("'s", "’s")):
            return False
        key = parts[after].key
        known = key in self.g.places or key in self.g.given_names or key in lexicon.TITLES or key in self.g.common
        return not (known or parts[after].text in self.g.exact_places or parts[after].text in lexicon.KNOWN_ACRONYMS)

    def _lone_city_ok(self, parts: list[Part], i: int, population: int) -> bool:
        """A one-word city: not a common word opening a sentence, not a given name without "in".

        Nor a common word in capitals: on real mail "Forwarding to MESA" names
        a desk (Middle East and South Asia), and capitals are how acronyms
        and list names are written; countries and states are not held to this.
        """
        key = parts[i].key
        if key in self.g.common and parts[i].text.isupper():
            return False
        if key in lexicon.AMBIGUOUS_CITIES:
            return self._locative(parts, i)
        if key in self.g.common and self._initial(parts[i].start):
            return False
        return not (key in self.g.given_names and population < NAME_CLASH_CITY and not self._locative(parts, i))

    def _locative(self, parts: list[Part], i: int) -> bool:
        if i > 0:
            return False  # inside a run of capitals the word before is a name, not "in"
        before = self._words_before(parts[i].start)[1]
        return before in lexicon.LOCATIVES and self.text[parts[i].start - 1 - len(before) : parts[i].start].islower()
