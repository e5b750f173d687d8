"""Body text: topical prose with glossary glosses and look-alike tokens planted.

The text is templated: sentence templates with several slots each (who,
which organisation, which city, what object, a number, a weekday, a time),
so two unrelated messages share a stock phrase now and then but are not
word-for-word the same, as real mail is not. Outsiders' letters in Spanish,
Russian and Japanese are assembled the same way, in their own words. The
text carries the features later features must find: abbreviations glossed
in the three shapes the aliases miner looks for (brackets, parentheses,
"X, or Y"), and tokens shaped like source codes that are *not* sources
(MP3, CO2, flight AA100), so source detection can be tested for false
positives. Every plant is noted in ``Prose.notes`` so the generator can
record it in the ground truth; the templates themselves hold no brackets,
parentheses, ", or " and no letter-digit tokens, so nothing unrecorded
looks like a gloss or a code.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
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

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June",
          "July", "August", "September", "October", "November", "December"]  # fmt: skip

#: Slot values for the English templates; ``city`` comes from CITIES by prefix.
# fmt: off
_WORDS: dict[str, list[str]] = {
    "weekday": WEEKDAYS,
    "month": MONTHS,
    "time": ["8:30", "9", "10:15", "11", "noon", "1:30", "2", "3", "3:45", "4:30", "5", "6"],
    "actor": [
        "the desk", "the night editor", "the watch office", "the copy desk", "the sales team", "legal",
        "the London office", "the regional director", "our stringer", "the tactical team", "the research interns",
        "the VP for analysis", "the client services team",
    ],
    "team": ["Graphics", "Research", "Legal", "Sales", "Design", "Production", "Editing"],
    "client": [
        "the client", "the London bank", "the oil client", "the Houston shipping client", "the insurance people",
        "our newest client", "the hedge fund", "the mining client", "the law firm in Chicago",
    ],
    "org": [
        "the state police", "the federal police", "the army", "the navy", "the customs service", "the mayor's office",
        "the attorney general's office", "the governor's office", "the prison administration", "the transport union",
        "the energy ministry", "the tax authority", "the central bank", "the ruling party", "the opposition",
        "the local cartel", "the rival faction", "the port authority", "the chamber of commerce",
    ],
    "official": [
        "a deputy governor", "the regional army commander", "a customs chief", "the state security minister",
        "a senior prosecutor", "the police chief", "a city councilman", "an aide to the president",
        "a retired general", "the port director", "a union boss",
    ],
    "obj": [
        "the timeline", "the map", "the draft", "the client memo", "the risk matrix", "the travel advisory",
        "the incident table", "the executive summary", "the footnotes", "the chart", "the source list",
        "the country brief",
    ],
    "section": ["the second paragraph", "the lede", "the table", "the last bullet", "the headline", "the summary"],
    "detail": ["date", "casualty count", "spelling of the governor's name", "map legend", "exchange rate", "year"],
    "graphic": ["map", "chart", "timeline", "table", "locator map", "bar chart"],
    "verb": ["update", "trim", "rewrite", "double-check", "fact-check", "shorten", "finish", "reread"],
    "meeting": ["morning meeting", "weekly", "Friday round-up", "client call", "afternoon huddle", "monthly review"],
    "period": ["week", "ten days", "fortnight", "month", "two weeks"],
    "outlet": [
        "one local paper", "a single blog post", "a police press release", "an anonymous caller to a radio show",
        "two posts on a forum", "a wire story nobody else picked up", "a columnist with an axe to grind",
    ],
    "site": [
        "the port", "the airport", "the main border crossing", "the industrial park", "the old customs warehouse",
        "the federal highway", "the rail yard", "the refinery", "the bus terminal", "the fish market",
    ],
    "goods": ["fuel", "cash", "weapons", "cigarettes", "medicine", "cement", "copper wire", "stolen cars"],
    "few": ["two", "three", "four", "half a dozen", "a couple of", "several", "five"],
}
# fmt: on

_NUMBERS: dict[str, tuple[int, int]] = {"n": (3, 40), "big": (40, 900), "pct": (5, 60)}

_SOURCE_SENTENCES = [
    "Things in {city} are worse than the press is reporting.",
    "The federal people in {city} have not talked to the state people since the {weekday} meeting.",
    "There were at least {n} incidents in {city} last {period} that never made the papers.",
    "My contacts say the decision was taken at a meeting on {weekday} and will be announced in {month}.",
    "Nobody at {org} expects this to change before {month}.",
    "The money is moving through {few} front companies registered in {city}.",
    "{few} senior people at {org} were quietly replaced after the {weekday} meeting.",
    "The official line from {org} is that everything is under control, which nobody believes.",
    "I would watch {site} in {city}; that is where the real fight is.",
    "People in {city} are tired and scared, and {few} families on my street have left since {month}.",
    "{official} met people from {org} twice in {month}, both times without aides.",
    "Shipments of {goods} through {site} doubled after {month}, according to a clerk there.",
    "{org} has stopped sharing its patrol schedules with {org2}.",
    "A friend at {org} says {n} officers were suspended on {weekday} and the list is still growing.",
    "The road between {city} and {city2} is closed at night now, and the checkpoints move every {weekday}.",
    "{official} is telling friends he will not last until {month}.",
    "Prices for {goods} in {city} are up {pct} percent since {month}.",
    "The new commander in {city} is close to {org2}, which worries people here.",
    "Nobody is saying it publicly, but {org} is negotiating with the other side in {city}.",
    "I heard a figure of {big} thousand dollars paid to {official} to look the other way.",
    "{few} trucks crossed at {site} on {weekday} night with no inspection at all.",
    "Reporters in {city} have been told not to write about {org}.",
    "My man inside {org} is nervous and asked me not to call before {weekday}.",
    "Expect {org2} to take over {site} in {city} before the end of {month}.",
    "It is an open secret in {city} that {official} owns part of the bus company.",
    "Since {month} at least {n} businesses near {site} in {city} pay for protection.",
    "The meeting on {weekday} ended early after {official} walked out.",
    "{org} lost {n} men around {city} last {period}, more than they admit.",
    "A cousin who works at {site} says the cameras there have been off since {month}.",
    "The governor's people blame {org2}, but everything points to {org}.",
    "Soldiers arrived in {city} on {weekday} morning, about {big} of them by my count.",
    "Everyone I talked to in {city} expects more violence before {month}.",
    "There is talk of a deal between {org} and {org2}, brokered by {official}.",
    "Hospital staff in {city} counted {n} gunshot cases on {weekday} alone.",
    "{official} flies to {city2} on {weekday} to smooth things over.",
    "Business owners in {city} are moving their families to {city2}.",
    "The numbers {org} published for {month} are fiction; the real count is close to {big}.",
    "I cannot confirm it yet, but {org} may announce arrests in {city} this {weekday}.",
    "Those who talk in {city} end up dead or in jail, so nobody talks.",
    "The tension at {site} is about {goods}, not politics, whatever {org} says.",
]

_CHAT_SENTENCES = [
    "Can {actor} take a second look at {obj} before we publish?",
    "I think we are overstating the {city} angle; the trend line is flat if you look at two years.",
    "Agreed. Let's keep it short and flag it for the {meeting}.",
    "{client} asked for this by {weekday}, so please prioritise it.",
    "I have a call with {actor} at {time} and will {verb} the piece after that.",
    "Good catch - the {detail} in {section} is wrong.",
    "We covered something similar in {month}; worth linking to it.",
    "This needs a {graphic}. {team}, can you help?",
    "Not convinced. The only source for the {city} story is {outlet}.",
    "Let's discuss at the {meeting}.",
    "There were {n} reports on this in the last {period} alone.",
    "Nobody at {org} in {city} has commented yet; I will try them again on {weekday}.",
    "Does anyone have a way to confirm the {n} arrests in {city}?",
    "I would cut the paragraph on {org}; it tells the client nothing new.",
    "My contact at {org} expects an announcement before {weekday}.",
    "Sending the revised draft at {time}; it is {n} lines shorter than the last one.",
    "The {city} piece sits in the queue behind the {city2} one, so expect it {weekday}.",
    "Please {verb} the figures against the {month} table before this goes out.",
    "Who covers {city} while the regular analyst is travelling?",
    "{client} wants a call about {city} on {weekday} at {time}.",
    "The wires have {n} dead in {city}; the local press says {big}. Which do we use?",
    "I put {obj} on the shared drive, in the {month} folder.",
    "Can we get this out before the markets open on {weekday}?",
    "Keep {org} out of the headline until we have a second source.",
    "The {weekday} call moves to {time}; same dial-in as last time.",
    "Heads up, {org} is holding a press conference in {city} at {time}.",
    "I'll take the {city} section if someone else can do {city2}.",
    "Our last piece on {city} drew {n} questions from clients; worth a follow-up.",
    "Thanks, that works for me.",
    "Looks fine to me, ship it.",
    "I disagree with the forecast; {org} has backed down from fights like this before.",
    "We said the opposite in {month}, so the piece needs a line explaining the change.",
    "The {graphic} still puts {city2} in the wrong place; {team} is on it.",
    "Copying {actor} so they see this before the {meeting}.",
    "Is {n} percent the right figure? I get closer to {pct} from the {month} data.",
    "Word from {actor} is that {org} shut its {city} office for {n} days.",
    "Let's hold this until {weekday}; there is too much we don't know about {city}.",
    "The headline on the {city} piece promises more than the text delivers; can we tone it down?",
    "Nice work on the {city} piece, {client} liked it.",
    "I spoke with {official} yesterday, who says {org} is split on this.",
    "Two of our clients have staff in {city}; they will want a travel note by {time}.",
    "Who wrote {section}? It reads like a press release from {org}.",
    "Please use the {month} numbers, not the ones from {outlet}.",
    "We need a sentence on what this means for {site} in {city}.",
    "I'll be offline from {time} until {weekday} morning; {actor} has the file.",
    "The translation of the statement from {org} is off in two places.",
    "Moving this to the {meeting}; not enough time today.",
    "If {org} really moved {n} trucks into {city}, somebody local will have seen it.",
    "This contradicts what {official} told us in {month}.",
    "Quick one: does {city2} count as part of the {city} region for the table?",
    "Fine by me. I will {verb} {obj} tonight.",
    "{team} needs the final text by {time} to make the {weekday} layout.",
    "We have {n} items for the weekly already; this one can wait.",
    "Sorry, I missed this. Back at my desk at {time}.",
]
_GLOSS_FRAMES = [
    "According to people close to {g} the matter is being handled quietly.",
    "Someone who deals with {g} every week says it will blow over by {month}.",
    "People who know {g} well say the plan changed on {weekday}.",
    "Even insiders at {g} were surprised by what happened in {city}.",
]
_FROM_LINES = [
    "From what I hear, the client is happy with the last report.",
    "From time to time we get these requests; just file it.",
]

# -- letters from outside, in their own languages ------------------------------------------
# Each language's slot values are in the case its templates need (Russian
# ``gorod`` is prepositional: "в Москве"), and every character fits the
# charsets the letters travel in (Latin-1, KOI8-R and windows-1251, ISO-2022-JP).

# fmt: off
_LETTER_WORDS: dict[str, dict[str, list[str]]] = {
    "es": {
        "ciudad": [
            "Ciudad Juárez", "Monterrey", "Culiacán", "Tijuana", "Nuevo Laredo", "Reynosa", "Chihuahua",
            "Torreón", "Matamoros", "Mazatlán",
        ],
        "dia": ["lunes", "martes", "miércoles", "jueves", "viernes"],
        "mes": [
            "enero", "febrero", "marzo", "abril", "mayo", "junio",
            "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
        ],
        "org": [
            "la policía estatal", "la policía federal", "el ejército", "la Marina", "la aduana",
            "la procuraduría del estado", "el ayuntamiento", "la cámara de comercio", "el gobierno del estado",
            "el sindicato de transportistas",
        ],
        "hora": ["9:00", "10:30", "12:00", "13:15", "16:00", "17:30"],
    },
    "ru": {
        "gorod": ["Москве", "Санкт-Петербурге", "Новосибирске", "Екатеринбурге", "Казани", "Самаре", "Тюмени"],
        "v_den": ["в понедельник", "во вторник", "в среду", "в четверг", "в пятницу"],
        "den": ["понедельник", "вторник", "среду", "четверг", "пятницу"],
        "mesyaca": [
            "января", "февраля", "марта", "апреля", "мая", "июня",
            "июля", "августа", "сентября", "октября", "ноября", "декабря",
        ],
        "mesyace": [
            "январе", "феврале", "марте", "апреле", "мае", "июне",
            "июле", "августе", "сентябре", "октябре", "ноябре", "декабре",
        ],
        "org": [
            "министерства энергетики", "администрации президента", "регионального правительства",
            "таможенной службы", "налоговой службы", "министерства финансов", "городской администрации",
            "крупной нефтяной компании", "газовой компании",
        ],
        "vremya": ["10:00", "11:30", "14:00", "15:00", "16:30"],
    },
    "ja": {
        "city": ["横浜", "神戸", "名古屋", "大阪", "博多", "東京", "上海", "香港", "釜山"],
        "weekday": ["月曜日", "火曜日", "水曜日", "木曜日", "金曜日"],
        "month": [f"{m}月" for m in range(1, 13)],
        "org": ["港湾局", "海上保安庁", "税関", "県警", "国土交通省", "船会社各社", "保険会社", "地元の商工会議所"],
        "time": ["10時", "11時半", "午後2時", "午後3時", "午後4時半"],
    },
}
# fmt: on

_LETTERS: dict[str, dict[str, list[str]]] = {
    "es": {
        "greeting": [
            "Estimado señor {name}:",
            "Señor {name}, le escribo desde {ciudad}.",
            "Buenos días, señor {name}.",
            "Apreciable {name}:",
            "Hola {name}, espero que se encuentre bien.",
        ],
        "body": [
            "La situación en {ciudad} empeoró esta semana; hubo más detenciones de lo habitual.",
            "Según nuestros corresponsales, el ejército llegó a {ciudad} el {dia} por la mañana.",
            "¿Podría enviarnos el informe sobre {ciudad} antes del {dia}?",
            "Le comparto las cifras de {mes}: {n} incidentes registrados en la zona de {ciudad}.",
            "{org} no ha querido hacer declaraciones sobre lo ocurrido en {ciudad}.",
            "Nuestro equipo en {ciudad} contó {n} bloqueos en las carreteras el {dia} pasado.",
            "Los empresarios de {ciudad} están muy preocupados por las extorsiones.",
            "Me gustaría saber si ustedes tienen información sobre {org} en {ciudad2}.",
            "El {dia} hubo una reunión en {ciudad} con {org}, pero nadie sabe qué se acordó.",
            "Los fletes entre {ciudad} y {ciudad2} subieron un {pct} por ciento desde {mes}.",
            "Le agradecería una llamada el {dia} a las {hora} para comentar su último informe.",
            "En {mes} cerraron {n} negocios en el centro de {ciudad}.",
            "La prensa local de {ciudad} ya no publica nada sobre la violencia.",
            "Un colega de {org} me dijo que habrá cambios importantes antes de {mes}.",
            "Nos interesa un análisis sobre la seguridad en {ciudad} para nuestros empleados.",
            "¿Sería posible reunirnos en {ciudad2} durante la próxima semana?",
            "Desde {mes}, {org} revisa todos los camiones que salen de {ciudad}.",
        ],
        "closing": [
            "Quedamos a su disposición para cualquier aclaración adicional.",
            "Muchas gracias por su atención.",
            "Reciba un cordial saludo.",
            "Sin otro particular, le envío un saludo afectuoso.",
            "Quedo atento a sus comentarios.",
            "Le agradezco de antemano su ayuda.",
        ],
    },
    "ru": {
        "greeting": ["Уважаемый {name}!", "Добрый день, {name}!", "Здравствуйте, {name}.", "Уважаемые коллеги!"],
        "body": [
            "Высылаю обещанный обзор по переговорам о ценах на газ.",
            "По нашим данным, решение будет принято в {gorod} до конца {mesyaca}.",
            "Встреча с представителями {org} перенесена на {den}.",
            "В руководстве {org} ожидают серьезных кадровых перестановок.",
            "Цены на топливо в {gorod} выросли на {pct}% с начала года.",
            "Наш коллега в {gorod} сообщает о новых задержаниях за последнюю неделю.",
            "Переговоры в {gorod} идут тяжело, стороны не могут договориться о цене.",
            "Представители {org} отказались от комментариев.",
            "{v_den} состоится совещание, на котором обсудят новые тарифы.",
            "Будем признательны, если вы пришлете ваш отчет до конца недели.",
            "Источник в руководстве {org} считает, что сделка будет подписана в {mesyace}.",
            "В {gorod} прошли обыски в офисах нескольких компаний.",
            "Ситуация в {gorod2} остается напряженной, но стабильной.",
            "Мы готовы обсудить условия сотрудничества {v_den} в {vremya}.",
            "По слухам, в {gorod} готовят отставку нескольких чиновников.",
            "Проверка {org} в {gorod2} продлится до конца {mesyaca}.",
        ],
        "closing": [
            "С уважением и благодарностью за сотрудничество.",
            "С уважением.",
            "Заранее благодарю за ответ.",
            "Всего доброго, до связи.",
            "Буду рад ответить на ваши вопросы.",
        ],
    },
    "ja": {
        "greeting": [
            "{name}様、お世話になっております。",
            "{name}様、いつも大変お世話になっております。",
            "{name}様、突然のご連絡失礼いたします。",
            "{name}様、先日はありがとうございました。",
        ],
        "body": [
            "{city}港の警備状況について報告いたします。",
            "{weekday}に{org}との打ち合わせがあり、{n}件の案件について話し合いました。",
            "{city}では先月から貨物の検査が厳しくなっています。",
            "{org}によると、{month}以降、不審な船舶が{n}隻確認されました。",
            "保険料は{month}から約{pct}%上がる見込みです。",
            "{city}と{city2}の間の輸送に遅れが出ています。",
            "詳細は{weekday}の会議でご説明します。",
            "{org}の担当者が{month}に交代する予定です。",
            "{city}の倉庫で{weekday}に小さな火災がありましたが、被害は限定的でした。",
            "為替の動きについて、{org}は慎重な姿勢を崩していません。",
            "御社の報告書を{city}の関係者と共有してもよろしいでしょうか。",
            "来週{weekday}の{time}にお電話を差し上げてもよろしいでしょうか。",
            "港湾労働者の間で{month}にストライキの話が出ています。",
            "{city}の新しい監視システムは{month}に稼働する予定です。",
        ],
        "closing": [
            "よろしくお願いいたします。",
            "引き続きよろしくお願い申し上げます。",
            "ご検討のほど、よろしくお願いいたします。",
            "取り急ぎご報告まで。",
        ],
    },
}
#: The greeting when the name does not fit the letter's charset (a Russian letter to "Björn").
_NAMELESS = {"es": "Estimado señor:", "ru": "Уважаемые коллеги!", "ja": "ご担当者様、お世話になっております。"}
_LETTER_CHARSETS = {"es": "iso-8859-1", "ru": "koi8-r", "ja": "iso-2022-jp"}

#: Slot name -> its values, or a function drawing one (the numbers).
_Vocabulary = Mapping[str, Sequence[str] | Callable[[], str]]


class _Slots(dict[str, str]):
    """Slot values for one sentence, drawn when first asked for.

    ``city2`` (``org2`` ...) is another value of ``city``: a name ending in
    a digit draws from its base's list, avoiding the values already drawn.
    """

    def __init__(self, rng: random.Random, vocabulary: _Vocabulary, **given: str) -> None:
        super().__init__(given)
        self.rng = rng
        self.vocabulary = vocabulary

    def __missing__(self, key: str) -> str:
        base = key.rstrip("0123456789")
        choices = self.vocabulary[base]
        if callable(choices):
            value = choices()
        else:
            taken = {v for k, v in self.items() if k.rstrip("0123456789") == base}
            value = self.rng.choice([c for c in choices if c not in taken] or list(choices))
        self[key] = value
        return value


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


@dataclass
class Prose:
    """Writes text and remembers what was planted in it (for the ground truth)."""

    rng: random.Random
    notes: list[tuple[str, str]] = field(default_factory=list)

    def take_notes(self) -> list[tuple[str, str]]:
        notes, self.notes = self.notes, []
        return notes

    def _vocabulary(self, words: Mapping[str, Sequence[str]]) -> _Vocabulary:
        """``words`` and the numeric slots (``{n}``, ``{big}``, ``{pct}``), drawn from ``self.rng``."""
        vocabulary: dict[str, Sequence[str] | Callable[[], str]] = dict(words)
        for name, (lo, hi) in _NUMBERS.items():
            vocabulary[name] = functools.partial(self._number, lo, hi)
        return vocabulary

    def _number(self, lo: int, hi: int) -> str:
        return str(self.rng.randrange(lo, hi))

    def fill(self, template: str, prefix: str = "MX", **given: str) -> str:
        """A template with each slot filled (``{city}`` from the prefix's cities)."""
        vocabulary = self._vocabulary({**_WORDS, "city": CITIES.get(prefix, CITIES["MX"])})
        return template.format_map(_Slots(self.rng, vocabulary, **given))

    def sentence(self, template: str, prefix: str = "MX") -> str:
        """A filled template that starts with a capital, as a sentence does ("{org} said" -> "The army said")."""
        return _capital(self.fill(template, prefix))

    def topic(self, prefix: str) -> str:
        return self.fill(self.rng.choice(TOPICS[prefix]), prefix)

    def gloss(self, prefix: str) -> str:
        """A sentence carrying one glossed abbreviation (Mexican ones for MX)."""
        pool = GLOSSARY[:7] if prefix in ("MX", "US") else GLOSSARY[6:]
        abbr, _expansion, _form, text = self.rng.choice(pool)
        self.notes.append(("glossary", abbr))
        return self.fill(self.rng.choice(_GLOSS_FRAMES), prefix, g=text)

    def lookalike(self) -> str:
        token, _kind, sentence = self.rng.choice(LOOKALIKES)
        self.notes.append(("lookalike", token))
        return sentence

    def source_report(self, prefix: str, sentences: int) -> str:
        """What an informant says: a paragraph or two, often with a gloss."""
        rng = self.rng
        parts = [self.sentence(s, prefix) for s in rng.sample(_SOURCE_SENTENCES, sentences)]
        if rng.random() < 0.5:
            parts.insert(rng.randrange(len(parts) + 1), self.gloss(prefix))
        cut = max(1, len(parts) // 2)
        return " ".join(parts[:cut]) + "\n\n" + " ".join(parts[cut:])

    def chat(self, prefix: str, sentences: int) -> str:
        """Staff discussion; sometimes with a look-alike or a line starting "From "."""
        rng = self.rng
        lines = [self.sentence(s, prefix) for s in rng.sample(_CHAT_SENTENCES, min(sentences, len(_CHAT_SENTENCES)))]
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
        """A letter from outside in Spanish, Russian or Japanese: greeting, a paragraph or two, closing."""
        rng = self.rng
        parts = _LETTERS[lang]
        vocabulary = self._vocabulary(_LETTER_WORDS[lang])

        def fill(template: str) -> str:
            return _capital(template.format_map(_Slots(rng, vocabulary, name=name)))

        try:
            name.encode(_LETTER_CHARSETS[lang])
            greeting = fill(rng.choice(parts["greeting"]))
        except UnicodeEncodeError:
            greeting = _NAMELESS[lang]
        body = [fill(s) for s in rng.sample(parts["body"], rng.randrange(3, 7))]
        cut = rng.randrange(1, len(body) + 1)
        joiner = "" if lang == "ja" else " "
        paragraphs = [greeting, joiner.join(body[:cut]), joiner.join(body[cut:]), rng.choice(parts["closing"])]
        return "\n\n".join(p for p in paragraphs if p)
