"""The coded informants: codes, countries, handlers and descriptions that drift.

Real leaks name a source by a code and describe it afresh in each report, so
the description a parser sees changes over time ("Mexican government
official", later "Senior official at the Mexican interior ministry"). Each
source here carries a dated series of descriptions so the ground truth can
say which one was in force on a given day, and later source profiles can be
checked against it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from loupe.demo.people import Cast, Person

#: Region prefix -> (region label for subjects, country or area).
REGIONS: dict[str, tuple[str, str]] = {
    "MX": ("MEXICO", "Mexico"), "US": ("US", "the United States"), "VE": ("VENEZUELA", "Venezuela"),
    "CO": ("COLOMBIA", "Colombia"), "ME": ("MIDDLE EAST", "the Middle East"), "EA": ("EAST ASIA", "East Asia"),
    "RU": ("RUSSIA", "Russia"), "TR": ("TURKEY", "Turkey"), "PK": ("PAKISTAN", "Pakistan"),
    "BR": ("BRAZIL", "Brazil"), "EU": ("EUROPE", "Europe"),
}  # fmt: skip

#: Description lineages per prefix: the same person described ever more (or
#: less) precisely over time, stages separated by " | ".
LINEAGES: dict[str, list[str]] = {
    "MX": [
        "Mexican government official | Senior official at the Mexican interior ministry",
        "Journalist in Monterrey | Editor at a regional newspaper in Monterrey"
        " | Former editor, now freelance security writer in Monterrey",
        "Mexican military officer | Colonel attached to SEDENA in Chihuahua state",
        "Businessman in Juarez | Owner of a trucking firm operating across the Juarez crossings",
        "Mexican LE contact | Federal police commander in Tamaulipas",
    ],
    "US": [
        "US law enforcement source | Retired federal drug agent with contacts on the border",
        "Congressional staffer | Senior staffer on a House homeland security subcommittee",
        "US defense contractor | Program manager at a mid-size defense contractor",
    ],
    "VE": [
        "Venezuelan oil industry contact | Mid-level manager at the state oil company",
        "Opposition politician in Caracas | Opposition deputy and party strategist in Caracas",
    ],
    "CO": [
        "Colombian security official | Intelligence officer in the Colombian national police",
        "NGO worker in Cauca | Human rights investigator for a Cauca-based NGO",
    ],
    "ME": [
        "Gulf-based businessman | Gulf businessman with ties to a royal court",
        "Lebanese journalist | Beirut journalist close to a militia's media office",
        "Diplomat in the region | Senior Arab diplomat posted to Washington",
    ],
    "EA": [
        "East Asian trade official | Official at a regional trade promotion agency in Seoul",
        "Shipping executive in Hong Kong | Hong Kong shipping executive with mainland contacts",
    ],
    "RU": [
        "Russian energy analyst | Analyst at a Moscow think tank close to the energy ministry",
        "Russian journalist | Moscow correspondent for a regional business daily",
    ],
    "TR": ["Turkish foreign policy expert | Adviser at a think tank close to the Turkish FM"],
    "PK": ["Pakistani security source | Retired Pakistani intelligence officer in Islamabad"],
    "BR": ["Brazilian banker | Executive at a Sao Paulo investment bank"],
    "EU": ["EU official | Official in the EU external action service in Brussels"],
}

#: Forty-two codes. Hand-picked so none collides with a look-alike token
#: planted in ordinary text (CO2, MX5, ...), which must never be a source.
CODES: list[tuple[str, int]] = [
    (code[:2], int(code[2:]))
    for code in [
        "MX1",
        "MX2",
        "MX3",
        "MX7",
        "MX12",
        "MX40",
        "MX201",
        "MX77",
        "US2",
        "US5",
        "US33",
        "US88",
        "US714",
        "US718",
        "VE4",
        "VE9",
        "VE12",
        "VE101",
        "CO3",
        "CO8",
        "CO21",
        "CO150",
        "ME1",
        "ME6",
        "ME9",
        "ME22",
        "ME301",
        "EA5",
        "EA9",
        "EA14",
        "EA120",
        "RU2",
        "RU11",
        "RU70",
        "TR4",
        "TR17",
        "PK3",
        "PK100",
        "BR6",
        "BR21",
        "EU8",
        "EU400",
    ]
]

START = date(2009, 1, 1)
END = date(2011, 12, 31)


@dataclass(frozen=True)
class Description:
    """A description of a source, in force from ``since`` until the next one."""

    since: date
    text: str


@dataclass(frozen=True)
class CodedSource:
    """One informant: its canonical code and everything a profile should recover."""

    prefix: str
    number: int
    region: str
    country: str
    handler: Person
    descriptions: tuple[Description, ...]
    reliability: str
    active_from: date

    @property
    def code(self) -> str:
        """Canonical form: prefix and number without zero-padding ("MX1")."""
        return f"{self.prefix}{self.number}"

    def description_at(self, day: date) -> str:
        current = self.descriptions[0].text
        for item in self.descriptions:
            if item.since <= day:
                current = item.text
        return current

    def written(self, rng: random.Random, padded: bool | None = None) -> str:
        """The code as an email writes it: sometimes zero-padded ("MX01", "VE012")."""
        if padded is None:
            padded = rng.random() < 0.3
        if not padded or self.number >= 100:
            return self.code
        width = 2 if self.number < 10 and rng.random() < 0.8 else 3
        return f"{self.prefix}{self.number:0{width}d}"


def make_sources(rng: random.Random, cast: Cast) -> list[CodedSource]:
    """Assign each code a handler, a start date and a drifting description."""
    handlers = cast.role("handler") + cast.role("vp")
    sources: list[CodedSource] = []
    lineage_use: dict[str, int] = {}
    span = (END - START).days
    for prefix, number in CODES:
        region, country = REGIONS[prefix]
        k = lineage_use.get(prefix, 0)
        lineage_use[prefix] = k + 1
        lineage = LINEAGES[prefix][k % len(LINEAGES[prefix])].split(" | ")
        active_from = date.fromordinal(START.toordinal() + rng.randrange(0, span // 2))
        remaining = (END - active_from).days
        cuts = sorted(rng.sample(range(60, remaining - 60), len(lineage) - 1))
        descriptions = [Description(active_from, lineage[0])]
        for cut, text in zip(cuts, lineage[1:], strict=True):
            descriptions.append(Description(date.fromordinal(active_from.toordinal() + cut), text))
        sources.append(
            CodedSource(
                prefix=prefix,
                number=number,
                region=region,
                country=country,
                handler=rng.choice(handlers),
                descriptions=tuple(descriptions),
                reliability=rng.choice("AABBBCCD"),
                active_from=active_from,
            )
        )
    return sources
