"""The lookup tables the extractor consults, built once per process from the word lists.

Places come in two tiers, because a name list of 34,000 cities is full of
words ("Best", "Date", "Marina", "Federal" are towns):

- ``places``: countries, US and Mexican states, regions, and cities of at
  least ``MAJOR_CITY`` people, matched case- and accent-insensitively
  ("Juarez" = "JUÁREZ"), with some alternate names ("Juárez" for "Ciudad
  Juárez", "Moscú" for "Moscow" — alternates only for cities of a million
  or more, where exonyms matter and GeoNames lists them).
- ``minor_places``: smaller cities, matched only as GeoNames spells them and
  only after a word that says "place" ("in", "near", "desde"), which the
  extractor checks.

Any key that is one of the thousand commonest English words is dropped, so
"Nice work on the piece" names no city; commoner still in Spanish, they are
only refused at the start of a sentence (``common``).

Building costs about a second (GeoNames' JSON); ``default_gazetteer`` keeps
one per process, and ``with_people`` adds the archive's own correspondents'
names (from message headers) on top.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from loupe.entities import lexicon, sources
from loupe.entities.lexicon import fold

#: Cities at least this big are matched anywhere; smaller ones only after "in", "near" and the like.
MAJOR_CITY = 100_000
#: Alternate names (exonyms, old names) are taken only for cities this big: few are written about otherwise.
ALTERNATES_CITY = 1_000_000
#: A lone city name that is also a given name ("Florence", "Jackson") needs "in"/"near" below this size.
NAME_CLASH_CITY = 1_000_000
#: Longer alternate names are descriptions ("Sao Sebastiao do Rio de Janeiro"), not what mail writes.
_MAX_ALTERNATE_WORDS = 4
#: Prefixes GeoNames keeps and mail drops: "Ciudad Juárez" is "Juárez", "Heroica Matamoros" is "Matamoros".
_DROPPED_PREFIXES = ("ciudad ", "heroica ", "city of ")

#: How strongly a key is held, lower first: a country's name beats a city's alternate name.
_RANK = {"country": 0, "state": 1, "region": 2, "city": 3, "city-short": 4, "city-alternate": 5}


@dataclass(frozen=True)
class Place:
    name: str  # the name GeoNames (or the lexicon) gives it: the normalised form is fold(name)
    kind: str  # country | state | region | city
    population: int = 0


@dataclass(frozen=True)
class Gazetteer:
    places: Mapping[str, Place]  # place_key -> place, matched case- and accent-insensitively
    minor_places: Mapping[str, Place]  # the name as GeoNames writes it -> small city
    exact_places: Mapping[str, Place]  # abbreviations matched as written ("US", "EE.UU.")
    given_names: frozenset[str]  # folded
    common: frozenset[str]  # the commonest English and Spanish words, folded (Spanish's include "josé")
    english: frozenset[str]  # the English ones alone: a surname is never one of these, "García" may be
    people: Mapping[str, str]  # folded full name -> as written: the archive's own correspondents
    max_place_words: int
    place_starts: frozenset[str]  # first words of the places named in several words: only these look further
    minor_starts: frozenset[str]  # the same for small towns, as written ("Palo" of "Palo Alto")

    def with_people(self, names: Iterable[str]) -> Gazetteer:
        """This gazetteer knowing ``names`` ("Kenji Mendel") as people, and their first names as given names."""
        people = dict(self.people)
        given = set(self.given_names)
        for name in names:
            parts = name.split()
            while parts and fold(parts[0]).rstrip(".") in lexicon.TITLES:
                parts = parts[1:]  # "Señor Alberto Cañas" is written "Alberto Cañas" after a title
            keys = [fold(p) for p in parts]
            nameless = self.english | lexicon.ORG_SUFFIXES | lexicon.SENDER_WORDS
            if any(k in nameless for k in keys if k not in self.given_names):
                continue  # "GlobalWire Morning Brief", "Conference Desk": a sender, not a person
            if len(parts) >= 2 and all(p[:1].isupper() for p in parts):
                people[" ".join(fold(p) for p in parts)] = " ".join(parts)
                first = fold(parts[0])
                if len(first) > 1 and first not in self.places and first not in lexicon.NOT_GIVEN_NAMES:
                    given.add(first)
        return dataclasses.replace(self, people=people, given_names=frozenset(given))


def place_key(words: Iterable[str]) -> str:
    """The key a run of words is looked up under: folded, "St." as "saint", no full stops or hyphens."""
    out = []
    for word in words:
        w = fold(word).replace(".", "").replace("-", " ")
        out.append({"st": "saint", "ste": "sainte", "sta": "santa"}.get(w, w))
    return " ".join(" ".join(out).split())


_installed: list[Gazetteer] = []


def default_gazetteer() -> Gazetteer:
    """This process's gazetteer: one handed over by ``install``, else built here once."""
    if not _installed:
        _installed.append(build_gazetteer())
    return _installed[0]


def install(pickled: bytes | None) -> None:
    """Use a gazetteer built elsewhere (``pickled_gazetteer``): an ingest worker's initialiser."""
    if pickled is not None:
        _installed[:] = [pickle.loads(pickled)]


def pickled_gazetteer() -> bytes:
    """A gazetteer built in a short-lived child process, pickled (about 1.7 MB).

    Reading GeoNames' JSON takes some 70 MiB that the allocator keeps after
    the tables are built; each ingest worker that builds its own holds it
    to the end of the run. Built once in a child that then exits, and
    unpickled in each worker (0.06 s), a worker holds about 19 MiB instead.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_build_pickled).result()


def _build_pickled() -> bytes:
    return pickle.dumps(build_gazetteer(), protocol=pickle.HIGHEST_PROTOCOL)


def build_gazetteer() -> Gazetteer:
    english = frozenset(fold(w) for w in sources.common_words("en_US"))
    common = english | {fold(w) for w in sources.common_words("es_ES")}
    ranked: dict[str, tuple[int, int, Place]] = {}

    def add(key: str, place: Place, rank: str) -> None:
        if not key or (rank.startswith("city") and key in english):
            return
        held = ranked.get(key)
        candidate = (_RANK[rank], -place.population, place)
        if held is None or candidate[:2] < held[:2]:
            ranked[key] = candidate

    for name in sources.countries().values():
        add(place_key(name.split()), Place(name, "country"), "country")
    for folded, english_name in lexicon.SPANISH_COUNTRIES.items():
        add(place_key(folded.split()), Place(english_name, "country"), "country")
    for name in sources.us_states():
        add(place_key(name.split()), Place(name, "state"), "state")
    for name in lexicon.MEXICAN_STATES:
        add(place_key(name.split()), Place(name, "state"), "state")
    for folded, canonical in lexicon.REGIONS.items():
        add(place_key(folded.split()), Place(canonical, "region"), "region")

    minor: dict[str, Place] = {}
    by_name: dict[str, Place] = {}
    for city in sources.cities():
        place = Place(city.name, "city", city.population)
        if city.population < MAJOR_CITY:
            held = minor.get(city.name)
            if held is None or held.population < city.population:
                minor[city.name] = place
            continue
        key = place_key(city.name.split())
        add(key, place, "city")
        by_name.setdefault(city.name, place)
        for prefix in _DROPPED_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix) + 3:
                add(key[len(prefix) :], place, "city-short")
        # "Acapulco de Juárez" is "Acapulco"; a bigger city's own name still wins. Not when the head is a
        # common word: "Plaza de la Revolución" and "Ciudad de Villa de Álvarez" made "Plaza" and "Ciudad"
        # places on real mail ("Plaza fight along the river", "Ciudad" at a line's end before "Juarez").
        head = key.split(" de ")[0]
        if head != key and len(head) > 3 and head not in common:
            add(head, place, "city-short")
        if city.population >= ALTERNATES_CITY:
            for alternate in city.alternates:
                if _usable_alternate(alternate):
                    add(place_key(alternate.split()), place, "city-alternate")
    for alias, name in lexicon.CITY_ALIASES.items():
        if name in by_name:
            ranked.setdefault(place_key(alias.split()), (_RANK["city-alternate"], 0, by_name[name]))

    places = {key: held[2] for key, held in ranked.items()}
    named = by_name | {p.name: p for p in places.values() if p.kind == "country"}
    exact = {alias: named[name] for alias, name in lexicon.EXACT_PLACES.items() if name in named}
    given = {fold(n) for n in sources.given_names()}
    given -= english | lexicon.MONTHS_AND_DAYS | lexicon.NOT_GIVEN_NAMES
    given -= {k for k, p in places.items() if p.kind in ("country", "state", "region")}
    return Gazetteer(
        places=places,
        minor_places={k: v for k, v in minor.items() if fold(k) not in english},
        exact_places=exact,
        given_names=frozenset(given),
        common=common,
        english=english,
        people={},
        max_place_words=max(len(k.split()) for k in places),
        place_starts=frozenset(k.split()[0] for k in places if " " in k),
        minor_starts=frozenset(k.split()[0] for k in minor if " " in k),
    )


def _usable_alternate(name: str) -> bool:
    """Latin letters, capitalised, not an airport code ("MTY") and not two letters."""
    letters = name.replace(" ", "").replace("-", "").replace("'", "").replace(".", "")
    if len(name.split()) > _MAX_ALTERNATE_WORDS:
        return False
    latin = all("A" <= c <= "z" or "\u00c0" <= c <= "\u024f" for c in letters)
    return latin and len(letters) >= 4 and name[:1].isupper() and not name.isupper() and letters.isalpha()
