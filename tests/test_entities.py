"""Named entities: a hand-annotated set in English and Spanish, the demo archive, and robustness.

The annotated sentences are written the way intelligence mail reads (not
taken from the demo generator, whose vocabulary the extractor must not be
tuned to); each lists every person, organisation and place a reporter would
want indexed, including ones the extractor is known to miss (a lone "Fred",
"El Universal"), so the recall below is honest. Scores count a found entity
right when its kind and its text as written both match an annotation.

The demo archive gives truth for places and people from the generator's own
lists (``loupe.demo.texts.CITIES``, the Spanish letters' cities, the source
descriptions, the cast), matched by position in each body.
``bench/entities_eval.py`` prints all of this with the per-message cost.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loupe.case import Case
from loupe.entities import Entity, Gazetteer, default_gazetteer, extract_entities

KINDS = ("person", "organisation", "place")

# (text, [(kind, name as written)]): P = person, O = organisation, L = place.
ANNOTATED: list[tuple[str, list[tuple[str, str]]]] = [
    # English
    ("Mexican President Felipe Calderon met US Ambassador Carlos Pascual in Mexico City on Tuesday.",
     [("P", "Felipe Calderon"), ("L", "US"), ("P", "Carlos Pascual"), ("L", "Mexico City")]),
    ("The Sinaloa Federation and Los Zetas are fighting over Nuevo Laredo, according to the DEA.",
     [("O", "Sinaloa Federation"), ("O", "Los Zetas"), ("L", "Nuevo Laredo"), ("O", "DEA")]),
    ("Gen. Guillermo Galvan Galvan told reporters the army would stay in Ciudad Juarez through 2011.",
     [("P", "Guillermo Galvan Galvan"), ("L", "Ciudad Juarez")]),
    ("A source at Pemex says the refinery in Salamanca was shut after the attack.",
     [("O", "Pemex"), ("L", "Salamanca")]),
    ("Thanks for the note, Fred. I'll call the client in Houston after lunch.", [("P", "Fred"), ("L", "Houston")]),
    ("Janet Napolitano flew to El Paso on Friday to meet border officials.",
     [("P", "Janet Napolitano"), ("L", "El Paso")]),
    ("Goldman Sachs and Morgan Stanley have both cut their exposure to Venezuela.",
     [("O", "Goldman Sachs"), ("O", "Morgan Stanley"), ("L", "Venezuela")]),
    ("Our man in Caracas says Hugo Chavez is ill and Nicolas Maduro is running the show.",
     [("L", "Caracas"), ("P", "Hugo Chavez"), ("P", "Nicolas Maduro")]),
    ("The Iranian Revolutionary Guard Corps has people in Beirut and Damascus.",
     [("O", "Iranian Revolutionary Guard Corps"), ("L", "Beirut"), ("L", "Damascus")]),
    ("Please send the Monterrey brief to Karen before the 3pm call.", [("L", "Monterrey"), ("P", "Karen")]),
    ("Nice to see the Washington Post finally picked up the story.", [("O", "Washington Post")]),
    ("Reading the PGR statement, it is clear the prosecutors are worried.", [("O", "PGR")]),
    ("Sheikh Hamad bin Jassim arrived in Doha from Riyadh late last night.",
     [("P", "Hamad bin Jassim"), ("L", "Doha"), ("L", "Riyadh")]),
    ("I spoke with Lt. Col. Mark Johnson at Fort Bliss this morning.", [("P", "Mark Johnson"), ("L", "Fort Bliss")]),
    ("The Gulf cartel lost three plazas in Tamaulipas last month.", [("O", "Gulf cartel"), ("L", "Tamaulipas")]),
    ("Can you ask Jennifer Richmond whether the Istanbul trip is still on?",
     [("P", "Jennifer Richmond"), ("L", "Istanbul")]),
    ("Reuters and the Associated Press both quoted Governor Jose Reyes Baeza.",
     [("O", "Reuters"), ("O", "Associated Press"), ("P", "Jose Reyes Baeza")]),
    ("Victoria said the meeting with Hezbollah officials in Lebanon went well.",
     [("P", "Victoria"), ("O", "Hezbollah"), ("L", "Lebanon")]),
    ("Mobile phone records put him in Tijuana on June 4.", [("L", "Tijuana")]),
    ("The World Bank and the IMF are pressing Islamabad on power subsidies.",
     [("O", "World Bank"), ("O", "IMF"), ("L", "Islamabad")]),
    ("Best regards,\nAnthony Sanchez\nWatch Officer", [("P", "Anthony Sanchez")]),
    ("On Mon, Mar 8, 2010 at 9:15 AM, Reva Bhalla <reva.bhalla@example.com> wrote:", [("P", "Reva Bhalla")]),
    # Spanish
    ("El secretario de Seguridad Pública, Genaro García Luna, visitó Ciudad Juárez el lunes.",
     [("P", "Genaro García Luna"), ("L", "Ciudad Juárez")]),
    ("La Secretaría de la Defensa Nacional desplegó 2,000 soldados en Michoacán.",
     [("O", "Secretaría de la Defensa Nacional"), ("L", "Michoacán")]),
    ("Según la PGR, el cártel de los Beltrán Leyva opera en Morelos y Guerrero.",
     [("O", "PGR"), ("O", "cártel de los Beltrán Leyva"), ("L", "Morelos"), ("L", "Guerrero")]),
    ("El presidente Felipe Calderón se reunió con el gobernador de Chihuahua, José Reyes Baeza.",
     [("P", "Felipe Calderón"), ("L", "Chihuahua"), ("P", "José Reyes Baeza")]),
    ("Petróleos Mexicanos reportó pérdidas por el robo de combustible en Tamaulipas.",
     [("O", "Petróleos Mexicanos"), ("L", "Tamaulipas")]),
    ("Estimado Lic. Ramírez:\nLe envío el informe sobre Monterrey.", [("P", "Ramírez"), ("L", "Monterrey")]),
    ("Nuestro corresponsal en Bogotá dice que las FARC liberarán a tres rehenes.", [("L", "Bogotá"), ("O", "FARC")]),
    ("La Policía Federal detuvo a Édgar Valdez Villarreal en el Estado de México.",
     [("O", "Policía Federal"), ("P", "Édgar Valdez Villarreal"), ("L", "Estado de México")]),
    ("El Universal publicó que Los Zetas controlan la aduana de Nuevo Laredo.",
     [("O", "El Universal"), ("O", "Los Zetas"), ("L", "Nuevo Laredo")]),
    ("Saludos,\nMaría Fernanda López", [("P", "María Fernanda López")]),
    ("La Marina abatió a Arturo Beltrán Leyva en Cuernavaca en diciembre.",
     [("O", "Marina"), ("P", "Arturo Beltrán Leyva"), ("L", "Cuernavaca")]),
    ("Hola Pedro, ¿puedes confirmar lo de Reynosa con la Procuraduría General de la República?",
     [("P", "Pedro"), ("L", "Reynosa"), ("O", "Procuraduría General de la República")]),
    ("El Banco de México mantuvo la tasa, y Hacienda no ha comentado.",
     [("O", "Banco de México"), ("O", "Hacienda")]),
    ("Llegó a Caracas desde La Habana con una delegación de PDVSA.",
     [("L", "Caracas"), ("L", "La Habana"), ("O", "PDVSA")]),
    ("Según el diario Reforma, el Ejército Mexicano patrulla Culiacán y Mazatlán.",
     [("O", "Reforma"), ("O", "Ejército Mexicano"), ("L", "Culiacán"), ("L", "Mazatlán")]),
    ("Sin novedades desde Guadalajara; el señor Ortega viaja a Madrid el martes.",
     [("L", "Guadalajara"), ("P", "Ortega"), ("L", "Madrid")]),
    ("Grupo Televisa y TV Azteca cubrieron la conferencia en Los Pinos.",
     [("O", "Grupo Televisa"), ("O", "TV Azteca"), ("O", "Los Pinos")]),
    ("El embajador Arturo Sarukhán dijo en Washington que la Iniciativa Mérida sigue en pie.",
     [("P", "Arturo Sarukhán"), ("L", "Washington")]),
    ("Los Caballeros Templarios amenazaron a alcaldes en Michoacán y Guerrero.",
     [("O", "Caballeros Templarios"), ("L", "Michoacán"), ("L", "Guerrero")]),
    ("Estimada Sra. Benítez, adjunto el análisis sobre Venezuela y Colombia.",
     [("P", "Benítez"), ("L", "Venezuela"), ("L", "Colombia")]),
    ("Marcela Turati escribió:\n> El gobierno de Sonora no responde.", [("P", "Marcela Turati"), ("L", "Sonora")]),
    ("Nadie en Torreón quiere hablar de lo que pasó en el penal de Gómez Palacio.",
     [("L", "Torreón"), ("L", "Gómez Palacio")]),
]  # fmt: skip
#: Written after the rules were settled and scored once, unchanged since: ANNOTATED shaped the rules
#: (its misses were read while writing them), so this set's figures are the fairer estimate.
HELD_OUT: list[tuple[str, list[tuple[str, str]]]] = [
    ("Colonel Ricardo Ramos of the Guatemalan army flew from Guatemala City to Tegucigalpa.",
     [("P", "Ricardo Ramos"), ("L", "Guatemala City"), ("L", "Tegucigalpa")]),
    ("Per our source, Chevron and ExxonMobil are lobbying Congress over the sanctions.",
     [("O", "Chevron"), ("O", "ExxonMobil"), ("O", "Congress")]),
    ("Laura Chinchilla won the election in Costa Rica with 47 percent.",
     [("P", "Laura Chinchilla"), ("L", "Costa Rica")]),
    ("The Mexican Navy intercepted a semi-submersible off Oaxaca on Sunday.", [("O", "Mexican Navy"), ("L", "Oaxaca")]),
    ("Please loop in Stephen Meiners before you send anything to the client in Zurich.",
     [("P", "Stephen Meiners"), ("L", "Zurich")]),
    ("Hamid Karzai's brother was seen in Kandahar with officials from the Interior Ministry.",
     [("P", "Hamid Karzai"), ("L", "Kandahar"), ("O", "Interior Ministry")]),
    ("Al-Shabaab claimed the bombing in Mogadishu, Somalia.",
     [("O", "Al-Shabaab"), ("L", "Mogadishu"), ("L", "Somalia")]),
    ("According to Bloomberg, Petrobras will raise $25 billion in Sao Paulo next month.",
     [("O", "Bloomberg"), ("O", "Petrobras"), ("L", "Sao Paulo")]),
    ("Regards,\nMichael Wilson\nTactical Analyst", [("P", "Michael Wilson")]),
    ("The Texas Department of Public Safety arrested two men near Laredo.",
     [("O", "Texas Department of Public Safety"), ("L", "Laredo")]),
    ("Turkish Prime Minister Recep Tayyip Erdogan will visit Baghdad and Erbil.",
     [("P", "Recep Tayyip Erdogan"), ("L", "Baghdad"), ("L", "Erbil")]),
    ("Summer travel to Acapulco is down sharply after the shootings.", [("L", "Acapulco")]),
    ("El alcalde de Monterrey, Fernando Larrazábal, pidió apoyo al gobierno federal.",
     [("L", "Monterrey"), ("P", "Fernando Larrazábal")]),
    ("La Comisión Nacional de los Derechos Humanos documentó abusos en Ojinaga.",
     [("O", "Comisión Nacional de los Derechos Humanos"), ("L", "Ojinaga")]),
    ("Joaquín Guzmán Loera fue visto en Badiraguato, Sinaloa.",
     [("P", "Joaquín Guzmán Loera"), ("L", "Badiraguato"), ("L", "Sinaloa")]),
    ("Un vocero de la Secretaría de Seguridad Pública confirmó la detención en Apatzingán.",
     [("O", "Secretaría de Seguridad Pública"), ("L", "Apatzingán")]),
    ("Atentamente,\nRoberto Castillo Méndez\nDirector de Análisis", [("P", "Roberto Castillo Méndez")]),
    ("Desde Caracas, el canciller Nicolás Maduro acusó a Colombia de espionaje.",
     [("L", "Caracas"), ("P", "Nicolás Maduro"), ("L", "Colombia")]),
    ("La Familia Michoacana controla la sierra entre Uruapan y Zitácuaro.",
     [("O", "La Familia Michoacana"), ("L", "Uruapan"), ("L", "Zitácuaro")]),
    ("Según Proceso, el gobernador Eugenio Hernández negoció con el cártel del Golfo.",
     [("O", "Proceso"), ("P", "Eugenio Hernández"), ("O", "cártel del Golfo")]),
    ("Los empresarios de Saltillo y Torreón temen más secuestros.", [("L", "Saltillo"), ("L", "Torreón")]),
    ("El Banco Interamericano de Desarrollo aprobó un crédito para Honduras.",
     [("O", "Banco Interamericano de Desarrollo"), ("L", "Honduras")]),
    ("María Elena Morera, de México Unido contra la Delincuencia, habló en Puebla.",
     [("P", "María Elena Morera"), ("O", "México Unido contra la Delincuencia"), ("L", "Puebla")]),
    ("El Ejército halló un narcotúnel en Nogales, Sonora, que llegaba a Arizona.",
     [("O", "Ejército"), ("L", "Nogales"), ("L", "Sonora"), ("L", "Arizona")]),
]  # fmt: skip
_LETTER = {"P": "person", "O": "organisation", "L": "place"}


def score(found: Iterable[tuple[str, str]], expected: Iterable[tuple[str, str]]) -> dict[str, list[int]]:
    """Per kind: [right, found, expected], matching (kind, name) pairs as multisets."""
    got, want = Counter(found), Counter(expected)
    out = {kind: [0, 0, 0] for kind in KINDS}
    for (kind, _), n in got.items():
        out[kind][1] += n
    for (kind, name), n in want.items():
        out[kind][2] += n
        out[kind][0] += min(n, got[(kind, name)])
    return out


def add(total: dict[str, list[int]], part: dict[str, list[int]]) -> None:
    for kind, counts in part.items():
        total[kind] = [a + b for a, b in zip(total.get(kind, [0, 0, 0]), counts, strict=True)]


def annotated_scores(
    sentences: list[tuple[str, list[tuple[str, str]]]] = ANNOTATED,
) -> tuple[dict[str, list[int]], list[str]]:
    """A set's totals, and one line per sentence where found and expected differ."""
    total: dict[str, list[int]] = {}
    misses = []
    for text, marked in sentences:
        found = [(e.kind, e.name) for e in extract_entities(text)]
        expected = [(_LETTER[k], name) for k, name in marked]
        add(total, score(found, expected))
        if Counter(found) != Counter(expected):
            extra, missing = Counter(found) - Counter(expected), Counter(expected) - Counter(found)
            misses.append(f"{text!r}: extra {sorted(extra)} missing {sorted(missing)}")
    return total, misses


def figures(total: dict[str, list[int]]) -> dict[str, tuple[float, float]]:
    """Per kind: (precision, recall)."""
    return {k: (r / f if f else 1.0, r / e if e else 1.0) for k, (r, f, e) in total.items()}


def report(title: str, total: dict[str, list[int]]) -> str:
    rows = [f"{title}:"]
    for kind, (right, found, expected) in total.items():
        p, r = figures({kind: [right, found, expected]})[kind]
        rows.append(f"  {kind:<12} precision {right}/{found} = {p:.2f}  recall {right}/{expected} = {r:.2f}")
    return "\n".join(rows)


# -- the demo archive's truth, from the generator's lists ----------------------------------------


def demo_truth_patterns() -> dict[str, re.Pattern[str]]:
    """Per kind, a pattern finding every mention the generator wrote (places and people)."""
    from loupe.demo import people, sources, texts

    places = {c for cities in texts.CITIES.values() for c in cities}
    places |= set(texts._LETTER_WORDS["es"]["ciudad"])  # the Spanish letters' cities, with accents
    places |= {name.removeprefix("the ") for _label, name in sources.REGIONS.values()}
    places |= {label for label, _name in sources.REGIONS.values()}  # "MEXICO" in subject-like labels
    # Named in the source descriptions and glosses: what a reader would call a place there.
    places |= {
        "Tamaulipas",
        "Cauca",
        "Gulf",
        "Juarez",
        "Juárez",
        "Saudi Arabia",
        "Mexico",
        "London",
        "Chicago",
        "KSA",
        "CDJ",
    }
    firsts = "|".join(map(re.escape, people._FIRST))
    lasts = "|".join(map(re.escape, people._LAST))
    outsiders = [n.removeprefix("Señor ") for n, _a, _o, lang in people._EXTERNALS if lang in ("en", "es")]
    outsiders = [
        n for n in outsiders if n not in ("Conference Desk", "GlobalWire Morning Brief", "Harbourline Newsletter")
    ]
    person = (
        rf"(?:{firsts}) (?:{lasts})|" + "|".join(map(re.escape, outsiders)) +
        rf"|(?<=Dear )(?:{firsts})(?=,)|(?<=Thanks,\n)(?:{firsts})(?=\n)"
    )  # fmt: skip
    place = "|".join(map(re.escape, sorted(places, key=len, reverse=True)))
    latin = r"A-Za-zÀ-ɏ0-9_"  # a Japanese honorific may follow a name directly: "Tara Brandt様"
    return {
        "place": re.compile(rf"(?<![\w-])(?:{place})(?![{latin}])"),
        "person": re.compile(rf"(?<!\w)(?:{person})(?![{latin}])"),
    }


def demo_scores(
    bodies: Iterable[str], acronyms: dict[str, str] | None = None, gazetteer: Gazetteer | None = None
) -> dict[str, list[int]]:
    """Places and people on demo bodies: a found mention is right when its kind, start and text match."""
    patterns = demo_truth_patterns()
    total = {kind: [0, 0, 0] for kind in patterns}
    for body in bodies:
        found = [e for e in extract_entities(body, gazetteer, acronyms) if e.kind in patterns]
        for kind, pattern in patterns.items():
            truth = {(m.start(), m.group()) for m in pattern.finditer(body)}
            mine = {(e.start, e.name) for e in found if e.kind == kind}
            total[kind] = [a + b for a, b in zip(total[kind], [len(truth & mine), len(mine), len(truth)], strict=True)]
    return total


def demo_bodies(case: Case) -> list[str]:
    return [case.parsed(loupe_id).body_text for loupe_id in sorted(case.db.message_ids())]


# -- tests ------------------------------------------------------------------------------------------


def test_annotated_set_precision_and_recall() -> None:
    total, misses = annotated_scores()
    print("\n" + report(f"annotated set ({len(ANNOTATED)} sentences)", total))
    print("\n".join(misses))
    scores = figures(total)
    assert all(p >= 0.9 for p, _ in scores.values()), scores
    assert scores["place"][1] >= 0.85 and scores["person"][1] >= 0.75 and scores["organisation"][1] >= 0.6, scores


def test_held_out_set() -> None:
    """Scored once when written (person 1.00/1.00, organisation 1.00/0.59, place 1.00/0.90, precision/recall);
    two bugs it showed were fixed after ("Congress" read as a common word, "Acapulco de Juárez")."""
    total, misses = annotated_scores(HELD_OUT)
    print("\n" + report(f"held-out set ({len(HELD_OUT)} sentences)", total))
    print("\n".join(misses))
    scores = figures(total)
    assert all(p >= 0.9 for p, _ in scores.values()), scores
    assert scores["place"][1] >= 0.85 and scores["person"][1] >= 0.85 and scores["organisation"][1] >= 0.55, scores


def test_demo_places_and_people(demo_case: tuple[Case, dict[str, Any]]) -> None:
    from loupe.aliases import Glossary

    case, _truth = demo_case
    bodies = demo_bodies(case)
    glossary = Glossary()
    for n, body in enumerate(bodies):
        glossary.add_text(str(n), body)
    acronyms = {e.abbreviation: e.expansion for e in glossary.entries(min_evidence=2)}
    plain, with_glossary = demo_scores(bodies), demo_scores(bodies, acronyms)
    print("\n" + report("demo archive", plain) + "\n" + report("demo archive, with its glossary", with_glossary))
    for total in (plain, with_glossary):
        scores = figures(total)
        assert scores["place"][0] >= 0.98 and scores["person"][0] >= 0.95, scores
        assert scores["person"][1] >= 0.9, scores
    assert figures(plain)["place"][1] >= 0.9 and figures(with_glossary)["place"][1] >= 0.95


CASES = [
    # (text, [(kind, name, normalised)]): how mentions are grouped
    ("Juarez, JUAREZ and Ciudad Juárez", [("place", "Juarez", "ciudad juarez"), ("place", "JUAREZ", "ciudad juarez"),
                                          ("place", "Ciudad Juárez", "ciudad juarez")]),
    ("desde México y Estados Unidos hasta EE.UU.", [("place", "México", "mexico"),
                                                   ("place", "Estados Unidos", "united states"),
                                                   ("place", "EE.UU.", "united states")]),
    ("the U.S. Army and the US Army", [("organisation", "U.S. Army", "us army"),
                                       ("organisation", "US Army", "us army")]),
    ("Mexico's Sedena said", [("place", "Mexico", "mexico")]),
    ("Kessler & Rowe LLP wrote to Sr. José de la Cruz Pérez.",
     [("organisation", "Kessler & Rowe LLP", "kessler & rowe llp"),
      ("person", "José de la Cruz Pérez", "jose de la cruz perez")]),
    ("Thanks, see you in March. Best, the desk.", []),
    ("Can we meet? Nice work. Date: today", []),
    ("It happened in Marion.", [("place", "Marion", "marion")]),  # a small city, after "in"
    ("Marion said so.", []),  # the same word, no "in": unknown
    # Errors found on real mail (test_entities_real.py), one case each:
    ("the DF-21D and the UH-60 over Mexico", [("place", "Mexico", "mexico")]),  # designations, not "DF"
    ("Forwarding to MESA, then to Mesa.", [("place", "Mesa", "mesa")]),  # a desk's name in capitals
    ("INSIGHT - MEXICO - Plaza fight", [("place", "MEXICO", "mexico")]),  # no "Plaza" (de la Revolución)
    ("killed in Ciudad\nJuarez on Friday", [("place", "Juarez", "ciudad juarez")]),  # no "Ciudad" (de Villa...)
    ("Dear Salomon Smith Barney Client:\nYour Salomon Smith Barney trade went to Salomon Smith Barney Access, "
     "a mark of Salomon Smith Barney Inc.",
     [("organisation", "Salomon Smith Barney", "salomon smith barney"),
      ("organisation", "Salomon Smith Barney Inc", "salomon smith barney inc")]),  # a firm, not a person
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_cases(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(e.kind, e.name, e.normalised) for e in extract_entities(text)] == expected


def test_glossary_acronyms_take_their_expansions_kind() -> None:
    acronyms = {"CDJ": "Juarez", "MOI": "Ministry of Interior", "VNC": "Valle Norte cartel", "LE": "law enforcement"}
    found = extract_entities("CDJ is calm; MOI and VNC met LE there.", acronyms=acronyms)
    assert [(e.kind, e.name, e.normalised) for e in found] == [
        ("place", "CDJ", "ciudad juarez"),
        ("organisation", "MOI", "ministry of interior"),
        ("organisation", "VNC", "valle norte cartel"),
    ]


def test_archive_people_are_known_in_full() -> None:
    gazetteer = default_gazetteer().with_people(["Kenji Mendel", "Zoë Barrow"])
    assert [e.name for e in extract_entities("Ask Kenji Mendel.", gazetteer)] == ["Kenji Mendel"]
    assert [e.name for e in extract_entities("Ask Kenji Mendel.")] == []  # not a given name Faker knows


def _check(entities: list[Entity], text: str) -> None:
    for e in entities:
        assert text[e.start : e.start + len(e.name)] == e.name
        assert e.kind in KINDS and e.normalised


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Aa Mé.,;:\n'-&ÜJuarez Dear Sr. de la LLP Ciudad wrote\t(")), max_size=80))
def test_never_raises_and_names_are_where_they_say(text: str) -> None:
    _check(extract_entities(text), text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    _check(extract_entities(text), text)


def test_docstring_examples() -> None:
    import doctest

    from loupe.entities import extract

    assert doctest.testmod(extract).failed == 0
