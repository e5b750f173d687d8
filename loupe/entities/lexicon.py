"""Hand-kept word lists: the cues that tell a name's kind, in English and Spanish.

These are the judgement calls no package ships: which words are titles
("Gral.", "Lic."), which end or head an organisation's name ("... LLP",
"Secretaría de ..."), which Mexican states exist (GeoNames data on PyPI has
US states only) and what Spanish calls the countries the mail is about.
Everything here is compared folded (lower case, no accents), so one
spelling covers "Secretaría" and "SECRETARIA".
"""

from __future__ import annotations

from loupe.folding import fold as fold
from loupe.folding import folded_words

words = folded_words


def listed(text: str, separator: str | None = None) -> tuple[str, ...]:
    """A list written as one string, kept as written (for what must match exactly)."""
    return tuple(part.strip() for part in text.split(separator))


def phrases(text: str) -> frozenset[str]:
    """A phrase list written one per ``;``, folded."""
    return frozenset(" ".join(fold(p).split()) for p in text.split(";") if p.strip())


#: Titles before a person's name. "Secretaria" is left out: unaccented, it is
#: also how mail spells "Secretaría" (the ministry) — the organisation rule wins.
TITLES = words(
    "mr mrs ms miss dr prof professor gen general lt lieutenant col colonel maj capt captain cmdr commander "
    "adm admiral sgt sergeant president senator sen rep representative congressman congresswoman governor gov "
    "mayor minister secretary ambassador judge sheikh prince princess king queen pope rev father sir lord dame "
    "commissioner superintendent inspector detective agent chancellor premier emir ayatollah imam bishop "
    "sr sra srta senor senora senorita don dona lic licenciado licenciada ing ingeniero ingeniera dra doctor "
    "doctora gral coronel capitan comandante teniente almirante presidente presidenta gobernador gobernadora "
    "alcalde alcaldesa senador senadora diputado diputada ministro ministra secretario procurador procuradora "
    "fiscal juez jueza embajador embajadora padre monsenor comisario subprocurador magistrado magistrada"
)
#: Words that may stand before a title and belong to it: "Vice President", "Attorney General".
TITLE_MODIFIERS = words("vice prime deputy attorney foreign interior defense defence finance former acting interim ex")
#: Title abbreviations written with a full stop; the stop does not end the sentence.
TITLE_ABBREVIATIONS = listed(
    "Mr Mrs Ms Dr Dra Gen Gral Lt Col Maj Capt Cmdr Adm Sgt Sen Rep Gov Pres Prof Rev Hon Sr Sra Srta Lic Ing "
    "St Sta Ste"
)

#: Lines that open a letter; the name after them is a person's ("Dear Björn,").
GREETINGS = words("dear hi hello hey hola estimado estimada estimados apreciable querido querida")
#: Lines that close a letter; a line holding only a name below one is a signature.
CLOSINGS = phrases(
    "best; best regards; kind regards; regards; warm regards; cheers; thanks; thank you; many thanks; sincerely; "
    "yours; yours sincerely; all the best; saludos; un saludo; saludos cordiales; atentamente; cordialmente; "
    "gracias; muchas gracias; abrazos; un abrazo"
)

#: Legal forms ending a firm's name: without them, "Salomon Smith Barney Inc." is "Salomon Smith Barney".
LEGAL_FORMS = words("inc corp corporation co company llc llp ltd limited plc gmbh ag sa sas bv nv")
#: Last words of organisations' names: "GlobalWire News", "Kessler & Rowe LLP".
ORG_SUFFIXES = LEGAL_FORMS | words(
    "group holdings bank institute institution university college academy school foundation fund trust "
    "association society council committee commission agency administration authority bureau department "
    "ministry office service services police army "
    "navy guard force forces corps command party front movement cartel federation union league alliance network "
    "partners associates capital energy petroleum airlines airways shipping logistics systems technologies "
    "communications media news times post journal herald tribune gazette gazeta review magazine press radio "
    "television broadcasting monitor consultores asociados verlag shinbun church hospital court congress senate "
    "parliament assembly club exchange organization organisation brigade battalion regiment embassy consulate "
    "son sons hijos hermanos"
)
#: First words of organisations' names, the Spanish order: "Secretaría de Marina", "Diario Norteño".
ORG_HEADS = words(
    "ministerio secretaria secretariat procuraduria fiscalia universidad instituto banco partido cartel "
    "policia ejercito fuerza fuerzas armada comision consejo camara sindicato grupo compania empresa fundacion "
    "asociacion agencia diario periodico petrolera transportes consultora direccion junta tribunal corte "
    "congreso senado embajada consulado servicio servicios"
)
#: Heads followed by "of"/"de": "Ministry of Interior", "Federal Bureau of Investigation".
ORG_HEADS_OF = words(
    "ministry department bureau office agency secretariat commission council institute university bank "
    "academy college school embassy consulate court government federation union association ministerio "
    "secretaria procuraduria gobierno banco universidad instituto"
)
#: Words in a sender's display name that make it no person ("Harbourline Newsletter", "Conference Desk").
SENDER_WORDS = words("newsletter brief desk team list support info admin helpdesk office noreply bulletin digest")
#: Lower-case words that make the capitalised name before them an organisation: "the Juarez cartel".
ORG_TAILS = words("cartel cártel gang militia")

#: Organisations without a telling word, named in this kind of mail. Acronyms match in capitals only.
KNOWN_ORGANISATIONS = phrases(
    "Kremlin; Pentagon; White House; Los Pinos; Congress; Interpol; Europol; Mossad; Hezbollah; Hamas; Taliban; "
    "al-Qaeda; al Qaeda; Al Qaeda; Los Zetas; Zetas; La Familia Michoacana; Knights Templar; Caballeros Templarios; "
    "Sinaloa Federation; Reuters; Bloomberg; Associated Press; Televisa; TV Azteca; Gazprom; Rosneft; Lukoil; "
    "Petrobras; Pemex; Aramco; Saudi Aramco; Goldman Sachs; Morgan Stanley; JPMorgan; Citigroup; Enron; "
    "World Bank; Red Cross; Cruz Roja; Amnesty International; Human Rights Watch; European Union; United Nations; "
    "Naciones Unidas; Unión Europea; Wikileaks; Stratfor"
)
#: First words of the known organisations' names, so most words need no longer lookup.
KNOWN_STARTS = frozenset(name.split()[0] for name in KNOWN_ORGANISATIONS)
KNOWN_ACRONYMS = frozenset(
    listed(
        "FBI CIA DEA DHS ATF NSA ICE CBP DOJ DoJ DOD DoD FEMA IRS UN NATO OPEC IMF WTO OAS EU OECD UNHCR "
        "INTERPOL PEMEX SEDENA SEMAR PGR SSP CISEN PRI PAN PRD FARC ELN AUC CJNG PDVSA SEBIN CNDH ISI FSB KGB GRU "
        "SVR BBC CNN IAEA"
    )
)

#: Country names in Spanish, to the English names GeoNames uses (the key the entity is grouped under).
SPANISH_COUNTRIES = {
    fold(es): en
    for es, en in (
        ("México", "Mexico"), ("Estados Unidos", "United States"), ("Canadá", "Canada"), ("Belice", "Belize"),
        ("Panamá", "Panama"), ("Haití", "Haiti"), ("República Dominicana", "Dominican Republic"),
        ("Perú", "Peru"), ("Brasil", "Brazil"), ("España", "Spain"), ("Francia", "France"),
        ("Alemania", "Germany"), ("Italia", "Italy"), ("Reino Unido", "United Kingdom"),
        ("Inglaterra", "United Kingdom"), ("Rusia", "Russia"), ("Japón", "Japan"), ("Corea del Sur", "South Korea"),
        ("Corea del Norte", "North Korea"), ("Pakistán", "Pakistan"), ("Afganistán", "Afghanistan"),
        ("Irán", "Iran"), ("Irak", "Iraq"), ("Siria", "Syria"), ("Líbano", "Lebanon"), ("Jordania", "Jordan"),
        ("Arabia Saudita", "Saudi Arabia"), ("Arabia Saudí", "Saudi Arabia"),
        ("Emiratos Árabes Unidos", "United Arab Emirates"), ("Turquía", "Turkey"), ("Egipto", "Egypt"),
        ("Marruecos", "Morocco"), ("Argelia", "Algeria"), ("Libia", "Libya"), ("Túnez", "Tunisia"),
        ("Sudáfrica", "South Africa"), ("Países Bajos", "Netherlands"), ("Holanda", "Netherlands"),
        ("Bélgica", "Belgium"), ("Suiza", "Switzerland"), ("Suecia", "Sweden"), ("Noruega", "Norway"),
        ("Dinamarca", "Denmark"), ("Polonia", "Poland"), ("Ucrania", "Ukraine"), ("Grecia", "Greece"),
        ("Filipinas", "Philippines"), ("Tailandia", "Thailand"), ("Catar", "Qatar"), ("Omán", "Oman"),
        ("Baréin", "Bahrain"), ("Yemen", "Yemen"), ("Nueva Zelanda", "New Zealand"),
    )
}  # fmt: skip
#: Other names for places, matched exactly as written (so "US" is not "us"), to their GeoNames name.
EXACT_PLACES = {
    "US": "United States", "U.S.": "United States", "USA": "United States", "U.S.A.": "United States",
    "EEUU": "United States", "EE.UU.": "United States", "EE. UU.": "United States", "UK": "United Kingdom",
    "U.K.": "United Kingdom", "Britain": "United Kingdom", "Great Britain": "United Kingdom",
    "England": "United Kingdom", "Holland": "Netherlands", "Burma": "Myanmar", "Korea": "South Korea",
    "DF": "Mexico City", "D.F.": "Mexico City",
}  # fmt: skip

#: The 32 Mexican states (GeoNames on PyPI ships US states only), as the mail writes them.
MEXICAN_STATES = listed(
    "Aguascalientes; Baja California; Baja California Sur; Campeche; Chiapas; Chihuahua; Coahuila; Colima; "
    "Durango; Guanajuato; Guerrero; Hidalgo; Jalisco; Estado de México; Michoacán; Morelos; Nayarit; Nuevo León; "
    "Oaxaca; Puebla; Querétaro; Quintana Roo; San Luis Potosí; Sinaloa; Sonora; Tabasco; Tamaulipas; Tlaxcala; "
    "Veracruz; Yucatán; Zacatecas; Distrito Federal; Ciudad de México",
    ";",
)
#: Regions the mail reports on, English and Spanish, to one English name.
REGIONS = {
    fold(name): canonical
    for canonical, names in (
        ("Middle East", "Middle East; Medio Oriente; Oriente Medio"),
        ("East Asia", "East Asia; Asia Oriental; Extremo Oriente; Far East"),
        ("South Asia", "South Asia"), ("Southeast Asia", "Southeast Asia; Sudeste Asiático"),
        ("Central Asia", "Central Asia; Asia Central"),
        ("Latin America", "Latin America; América Latina; Latinoamérica"),
        ("Central America", "Central America; Centroamérica"), ("South America", "South America; Sudamérica"),
        ("North America", "North America; Norteamérica"), ("Caribbean", "Caribbean; Caribe"),
        ("Europe", "Europe; Europa"), ("Africa", "Africa; África"), ("Asia", "Asia"), ("Balkans", "Balkans"),
        ("Caucasus", "Caucasus; Cáucaso"), ("Sahel", "Sahel"), ("Persian Gulf", "Persian Gulf; Golfo Pérsico"),
        ("Gulf of Mexico", "Gulf of Mexico; Golfo de México"),
    )
    for name in names.split("; ")
}  # fmt: skip
#: Everyday names for cities that GeoNames files under a longer one.
CITY_ALIASES = {"Rio": "Rio de Janeiro", "Washington DC": "Washington", "Washington D.C.": "Washington"}

#: Cities of 100,000 people or more whose names are everyday words (GeoNames names that Webster's
#: lists in lower case, checked by hand): places only after "in", "near" and the like, as small towns
#: are. "Reading the memo" and "Mobile phone records" name no city; "in Reading" does.
AMBIGUOUS_CITIES = words(
    "reading mobile split bath sale orange surprise independence enterprise concord providence paradise "
    "commonwealth delta vista corona aurora boulder harrow slough barking archway bush warren newton cork derby "
    "buffalo hub lander mage pare bade vine wawa pest peste oral dual riant logos soul lime limo mango natal male "
    "tyre centurion poblacion esperanza soledad libertad progreso mascara codo sari samba para kali gonia anda "
    "marka timon guna mau bole koto tanga tana bo ho ann nada batman mesa tula serra perm bender duma chico van "
    "gilbert chandler garland lafayette davenport chesterfield mary nancy sophia kent norman florence metro port"
)
#: Words before a small town's name that say it is a place ("in Ojinaga", "desde Parral"). Not "of"
#: or "and": "Bank of", "Live Long and Prosper".
LOCATIVES = words(
    "in at near from to into outside around across via toward towards through between en desde hacia cerca entre"
)
#: Common words that still open organisations' names at the start of a sentence ("International
#: Business Machines Corporation"), where other common words are the sentence's ("Thanks GlobalWire").
ORG_OPENERS = words(
    "international national federal central united general royal american european british mexican new first "
    "global world supreme public popular democratic revolutionary"
)
#: Spanish words that Faker's name lists also hold (from other locales): never read as given names.
NOT_GIVEN_NAMES = words(
    "del ante pero una uno nada tan lo ella durante alla segundo mira cara campo salud amor nino america francia"
)
MONTHS_AND_DAYS = words(
    "january february march april may june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday enero febrero marzo abril mayo junio julio agosto septiembre "
    "octubre noviembre diciembre lunes martes miercoles jueves viernes sabado domingo"
)
