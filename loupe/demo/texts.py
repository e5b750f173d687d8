"""Body text: topical prose with glossary glosses and look-alike tokens planted.

The text is templated, not realistic, but it carries the features later
features must find: abbreviations glossed in the three shapes the aliases
miner looks for (brackets, parentheses, "X, or Y"), and tokens shaped like
source codes that are *not* sources (MP3, CO2, flight AA100), so source
detection can be tested for false positives. Every plant is noted in
``Prose.notes`` so the generator can record it in the ground truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: (abbreviation, expansion, form, the text as planted).
GLOSSARY: list[tuple[str, str, str, str]] = [
    ("CDJ", "Juarez", "brackets", "CDJ [Juarez]"),
    ("LE", "law enforcement", "parentheses", "LE (law enforcement)"),
    ("SEDENA", "Secretaria de la Defensa Nacional", "parentheses", "Secretaria de la Defensa Nacional (SEDENA)"),
    ("PGR", "Procuraduria General de la Republica", "brackets", "the PGR [Procuraduria General de la Republica]"),
    ("GoM", "government of Mexico", "parentheses", "GoM (government of Mexico)"),
    ("VNC", "Valle Norte cartel", "or", "the Valle Norte cartel, or VNC,"),
    ("MOI", "Ministry of Interior", "parentheses", "MOI (Ministry of Interior)"),
    ("FM", "foreign minister", "brackets", "the FM [foreign minister]"),
    ("KSA", "Saudi Arabia", "brackets", "KSA [Saudi Arabia]"),
    ("HUMINT", "human intelligence", "parentheses", "HUMINT (human intelligence)"),
    ("POE", "port of entry", "parentheses", "the POE (port of entry)"),
    ("TCO", "transnational criminal organization", "parentheses", "TCO (transnational criminal organization)"),
]

#: (token, what it really is, a sentence carrying it). None of these is a source.
LOOKALIKES: list[tuple[str, str, str]] = [
    ("MP3", "audio file format", "The MP3 of the press conference is on the shared drive."),
    ("A4", "paper size", "Please print the country briefs on A4 paper for the London client."),
    ("F16", "fighter aircraft", "The F16 sale is still stuck in committee, per the trade press."),
    ("G20", "summit", "The G20 summit will eat most of the news cycle next week."),
    ("AA100", "flight number", "I land on flight AA100 at 6:40, so I will miss the morning call."),
    ("CO2", "chemical formula", "The CO2 figures the energy desk quoted look off by a factor of ten."),
    ("MX5", "car model", "Someone left a silver MX5 in the client parking spot again."),
    ("KT220", "part number", "Part no. KT220-4 is the fan the server room needs replaced."),
    ("QZ7731", "part number", "Order QZ7731 (replacement toner) went to the wrong office."),
    ("EU27", "group of states", "The EU27 ministers meet again in March on the sanctions file."),
    ("B52", "bomber aircraft", "Yes, the B52 photo in the slide deck is a stock image."),
    ("PS3", "game console", "The watch office PS3 is not a work computer, whatever IT says."),
]

CITIES = {
    "MX": ["Juarez", "Monterrey", "Culiacan", "Tijuana", "Nuevo Laredo", "Reynosa", "Chihuahua"],
    "US": ["El Paso", "Washington", "Houston", "San Diego", "Phoenix"],
    "VE": ["Caracas", "Maracaibo", "Valencia"],
    "CO": ["Bogota", "Cali", "Medellin", "Popayan"],
    "ME": ["Beirut", "Riyadh", "Dubai", "Amman", "Baghdad"],
    "EA": ["Seoul", "Hong Kong", "Shanghai", "Taipei"],
    "RU": ["Moscow", "St Petersburg", "Novosibirsk"],
    "TR": ["Ankara", "Istanbul"],
    "PK": ["Islamabad", "Karachi", "Peshawar"],
    "BR": ["Sao Paulo", "Brasilia", "Rio"],
    "EU": ["Brussels", "Berlin", "Paris"],
}

TOPICS = {
    "MX": [
        "cartel violence in {city}",
        "army deployment to {city}",
        "police purge in {city}",
        "plaza dispute near {city}",
        "kidnapping trend in {city}",
    ],
    "US": ["border security funding", "DHS reorganisation", "arms trafficking probe in {city}"],
    "VE": ["oil output at the state company", "election preparations in {city}", "power cuts in {city}"],
    "CO": ["guerrilla activity near {city}", "extradition talks", "coca eradication around {city}"],
    "ME": ["succession talk in the royal court", "militia movements near {city}", "talks mediated in {city}"],
    "EA": ["shipping insurance rates", "currency intervention", "port security in {city}"],
    "RU": ["gas pricing talks", "Kremlin personnel changes", "energy ministry reshuffle"],
    "TR": ["FM visit to the region", "border incidents"],
    "PK": ["militant attacks near {city}", "civil-military tensions"],
    "BR": ["bank regulation", "oil auction rules"],
    "EU": ["sanctions debate", "bailout negotiations"],
}

_SOURCE_SENTENCES = [
    "Things in {city} are worse than the press is reporting.",
    "The federal people in {city} are not talking to the state people at all.",
    "There were at least {n} incidents last week that never made the papers.",
    "My contacts say the decision was taken at a meeting on {weekday} and will be announced later.",
    "Nobody expects this to change before the end of the year.",
    "The money is moving through a couple of front companies registered in {city}.",
    "Two senior people were quietly replaced after the {weekday} meeting.",
    "The official line is that everything is under control, which nobody believes.",
    "I would watch the ports; that is where the real fight is.",
    "People here are tired and scared, and they are starting to leave.",
]
_CHAT_SENTENCES = [
    "Can someone take a second look at the {city} numbers before we publish?",
    "I think we are overstating this; the trend line is flat if you look at two years.",
    "Agreed. Let's keep it short and flag it for the weekly.",
    "The client asked for this by {weekday}, so please prioritise it.",
    "I have a call with the desk at 3 and will update the piece after that.",
    "Good catch - the date in the second paragraph is wrong.",
    "We covered something similar in March; worth linking to it.",
    "This needs a map. Graphics, can you help?",
    "Not convinced. The only source for this is one local paper.",
    "Let's discuss at the morning meeting.",
    "There were {n} reports on this in the last week alone.",
]
_FROM_LINES = [
    "From what I hear, the client is happy with the last report.",
    "From time to time we get these requests; just file it.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

SPANISH = [
    "Señor {name}, le escribo desde Ciudad Juárez.",
    "La situación en la frontera empeoró esta semana; hubo más detenciones de lo habitual.",
    "¿Podría enviarnos el informe antes del jueves? Muchas gracias por su atención.",
    "Según nuestros corresponsales, el ejército llegó a Juárez el martes por la mañana.",
    "Quedamos a su disposición para cualquier aclaración adicional.",
]
RUSSIAN = [
    "Добрый день! Высылаю обещанный обзор по газовым переговорам.",
    "По нашим данным, решение будет принято в Москве до конца месяца.",
    "С уважением и благодарностью за сотрудничество.",
]
JAPANESE = [
    "お世話になっております。港湾の警備状況について報告いたします。",
    "詳細は来週の会議でご説明します。よろしくお願いいたします。",
]


@dataclass
class Prose:
    """Writes text and remembers what was planted in it (for the ground truth)."""

    rng: random.Random
    notes: list[tuple[str, str]] = field(default_factory=list)

    def take_notes(self) -> list[tuple[str, str]]:
        notes, self.notes = self.notes, []
        return notes

    def fill(self, template: str, prefix: str = "MX") -> str:
        rng = self.rng
        return template.format(
            city=rng.choice(CITIES.get(prefix, CITIES["MX"])),
            n=rng.randrange(3, 40),
            weekday=rng.choice(WEEKDAYS),
        )

    def topic(self, prefix: str) -> str:
        return self.fill(self.rng.choice(TOPICS[prefix]), prefix)

    def gloss(self, prefix: str) -> str:
        """A sentence carrying one glossed abbreviation (Mexican ones for MX)."""
        pool = GLOSSARY[:7] if prefix in ("MX", "US") else GLOSSARY[6:]
        abbr, _expansion, _form, text = self.rng.choice(pool)
        self.notes.append(("glossary", abbr))
        return f"According to people close to {text} the matter is being handled quietly."

    def lookalike(self) -> str:
        token, _kind, sentence = self.rng.choice(LOOKALIKES)
        self.notes.append(("lookalike", token))
        return sentence

    def source_report(self, prefix: str, sentences: int) -> str:
        """What an informant says: a paragraph or two, often with a gloss."""
        rng = self.rng
        parts = [self.fill(s, prefix) for s in rng.sample(_SOURCE_SENTENCES, sentences)]
        if rng.random() < 0.5:
            parts.insert(rng.randrange(len(parts) + 1), self.gloss(prefix))
        cut = max(1, len(parts) // 2)
        return " ".join(parts[:cut]) + "\n\n" + " ".join(parts[cut:])

    def chat(self, prefix: str, sentences: int) -> str:
        """Staff discussion; sometimes with a look-alike or a line starting "From "."""
        rng = self.rng
        lines = [self.fill(s, prefix) for s in rng.sample(_CHAT_SENTENCES, min(sentences, len(_CHAT_SENTENCES)))]
        if rng.random() < 0.12:
            lines.insert(rng.randrange(len(lines) + 1), self.lookalike())
        if rng.random() < 0.06:
            lines.insert(rng.randrange(len(lines) + 1), self.gloss(prefix))
        text = " ".join(lines)
        if rng.random() < 0.03:
            self.notes.append(("from_line", "From "))
            text += "\n\n" + rng.choice(_FROM_LINES)
        return text

    def foreign(self, lang: str, name: str) -> str:
        pool = {"es": SPANISH, "ru": RUSSIAN, "ja": JAPANESE}[lang]
        return "\n\n".join(s.format(name=name) for s in pool)
