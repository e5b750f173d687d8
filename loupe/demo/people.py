"""The fictional cast of the demo leak: the firm, its staff, its lists, outsiders.

Everything here is invented and lives under ``.example`` domains (RFC 2606),
so the demo can never be mistaken for, or collide with, a real organisation.
The cast is drawn from a seeded ``random.Random`` so the same seed always
yields the same people, which the byte-identical output depends on.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

FIRM = "Meridian Risk Analysis"
DOMAIN = "meridian-risk.example"

# Name pools: common given and family names mixed at random, with a few
# non-ASCII ones so display names need RFC 2047 encoding.
_FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Frank",
    "Grace",
    "Hector",
    "Irene",
    "Jonah",
    "Karen",
    "Luis",
    "Marta",
    "Nathan",
    "Olga",
    "Peter",
    "Rosa",
    "Samuel",
    "Tara",
    "Victor",
    "Walter",
    "Yusuf",
    "Zoë",
    "José",
    "Inés",
    "Björn",
    "Chloé",
    "Declan",
    "Farah",
    "Gideon",
    "Hannah",
    "Ivan",
    "Julia",
    "Kenji",
    "Lena",
    "Marcus",
    "Nadia",
    "Owen",
    "Priya",
    "Quentin",
]
_LAST = [
    "Abbott",
    "Barrow",
    "Calder",
    "Dunmore",
    "Ellery",
    "Fairbank",
    "Garland",
    "Hollis",
    "Ingram",
    "Jessup",
    "Kendrick",
    "Lockhart",
    "Marlowe",
    "Norcross",
    "Oakley",
    "Pendleton",
    "Quimby",
    "Radcliffe",
    "Sayer",
    "Thorne",
    "Underhill",
    "Vance",
    "Whitlock",
    "Yardley",
    "Ramírez",
    "Núñez",
    "Brandt",
    "Okafor",
    "Castellanos",
    "Halloran",
    "Szabo",
    "Mendel",
    "Varga",
    "Lindqvist",
]

#: (role, title, how many) for the staff of about sixty.
_STAFF = [
    ("exec", "Chief Executive Officer", 1),
    ("exec", "President", 1),
    ("exec", "Chief Financial Officer", 1),
    ("vp", "Vice President of Intelligence", 1),
    ("vp", "Vice President of Tactical Intelligence", 1),
    ("handler", "Senior Analyst and Source Handler", 8),
    ("analyst", "Analyst", 36),
    ("watch", "Watch Officer", 5),
    ("it", "Systems Administrator", 2),
    ("sales", "Client Relations", 4),
]


@dataclass(frozen=True)
class Person:
    """Someone who sends or receives mail; ``lang`` picks the language they write in."""

    name: str
    address: str
    role: str
    title: str
    org: str
    lang: str = "en"

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class MailingList:
    """An internal list: its address, List-Id and the footer its software appends."""

    name: str
    description: str

    @property
    def address(self) -> str:
        return f"{self.name}@{DOMAIN}"

    @property
    def list_id(self) -> str:
        return f"{self.description} <{self.name}.{DOMAIN}>"

    @property
    def footer(self) -> str:
        return (
            "\n_______________________________________________\n"
            f"{self.name.capitalize()} mailing list\n{self.address}\n"
            f"http://lists.{DOMAIN}/mailman/listinfo/{self.name}\n"
        )


LISTS = {
    "alpha": MailingList("alpha", "Alpha - all analysts and executives"),
    "analysts": MailingList("analysts", "Analysts discussion"),
    "secure": MailingList("secure", "Secure - source reporting, restricted"),
    "os": MailingList("os", "Open source clippings"),
}

#: Outside correspondents: (name, address, org, lang). Organisations are invented.
_EXTERNALS = [
    ("Rafael Ortega Villalobos", "rortega@halcon-consultores.example", "Halcón Consultores", "es"),
    ("María Fernanda Quiroga", "mfquiroga@diario-norteno.example", "Diario Norteño", "es"),
    ("Señor Alberto Cañas", "acanas@petrolera-andina.example", "Petrolera Andina", "es"),
    ("Lucía Benítez", "lbenitez@univ-sierra.example", "Universidad de la Sierra", "es"),
    ("Gustavo Peñaloza", "gpenaloza@transportes-golfo.example", "Transportes del Golfo", "es"),
    ("Дмитрий Соколов", "d.sokolov@severnaya-gazeta.example", "Severnaya Gazeta", "ru"),
    ("Ирина Волкова", "volkova@baltic-logistics.example", "Baltic Logistics", "ru"),
    ("山田 太郎", "t.yamada@kaiyo-shinbun.example", "Kaiyo Shinbun", "ja"),
    ("Helen Ashcombe", "hashcombe@globalwire-news.example", "GlobalWire News", "en"),
    ("Tom Reddick", "treddick@globalwire-news.example", "GlobalWire News", "en"),
    ("Priscilla Vaughn", "pvaughn@northfield-univ.example", "Northfield University", "en"),
    ("Colin Mayhew", "cmayhew@harbourline-shipping.example", "Harbourline Shipping", "en"),
    ("Diane Kessler", "dkessler@kessler-law.example", "Kessler & Rowe LLP", "en"),
    ("Arjun Mehta", "amehta@corvid-capital.example", "Corvid Capital", "en"),
    ("Samira Haddad", "shaddad@levant-monitor.example", "Levant Monitor", "en"),
    ("Owen Pritchard", "opritchard@bluestone-energy.example", "Bluestone Energy", "en"),
    ("Grace Whitfield", "gwhitfield@civic-defense.example", "Civic Defense Institute", "en"),
    ("Martin Albers", "malbers@rheinblick.example", "Rheinblick Verlag", "en"),
    ("Naomi Sterling", "nsterling@sterling-pr.example", "Sterling PR", "en"),
    ("Conference Desk", "events@security-summit.example", "Security Summit", "en"),
    ("GlobalWire Morning Brief", "brief@globalwire-news.example", "GlobalWire News", "en"),
    ("Harbourline Newsletter", "news@harbourline-shipping.example", "Harbourline Shipping", "en"),
]


def ascii_fold(text: str) -> str:
    """Strip accents so an address built from a name stays plain ASCII."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@dataclass
class Cast:
    """All the people, grouped the ways the generator needs to pick them."""

    employees: list[Person]
    externals: list[Person]
    by_role: dict[str, list[Person]] = field(default_factory=dict)

    def role(self, *roles: str) -> list[Person]:
        return [p for r in roles for p in self.by_role.get(r, [])]


def make_cast(rng: random.Random) -> Cast:
    """Draw the staff (unique names and addresses) and attach the fixed outsiders."""
    employees: list[Person] = []
    used_names: set[str] = set()
    used_addresses: set[str] = set()
    for role, title, count in _STAFF:
        for _ in range(count):
            while True:
                name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
                if name not in used_names:
                    break
            used_names.add(name)
            first, last = name.split()
            local = ascii_fold(f"{first[0]}{last}").lower()
            address = f"{local}@{DOMAIN}"
            n = 2
            while address in used_addresses:
                address = f"{local}{n}@{DOMAIN}"
                n += 1
            used_addresses.add(address)
            employees.append(Person(name, address, role, title, FIRM))
    externals = [Person(n, a, "external", "", org, lang) for n, a, org, lang in _EXTERNALS]
    by_role: dict[str, list[Person]] = {}
    for person in employees + externals:
        by_role.setdefault(person.role, []).append(person)
    return Cast(employees, externals, by_role)
