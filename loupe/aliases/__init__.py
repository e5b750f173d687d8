"""The archive's own glossary: abbreviations and what the writers said they mean.

Leaked intelligence mail is dense with in-house shorthand ("CDJ", "GoM",
"the POE") that a reporter cannot search for until someone says what it
stands for. The writers usually did, once in a while, in a gloss:
"CDJ [Juarez]", "LE (law enforcement)", "Secretaria de la Defensa Nacional
(SEDENA)", "the Valle Norte cartel, or VNC,". ``glossary.find_pairs`` mines
those shapes from one text; ``glossary.Glossary`` adds up the evidence across
messages and answers query-expansion questions (a search for CDJ can also
find Juarez).

The main choice is precision over recall: a reporter reads the glossary, and
one wrong expansion costs more trust than a missing one gains. So a pair is
kept only when the abbreviation's letters spell the initials of the
expansion, except for one shape writers use for glosses alone: a bracketed,
capitalised gloss after a short all-caps token ("KSA [Saudi Arabia]").
"""

from loupe.aliases.glossary import Entry, Glossary, Pair, find_pairs, normalise

__all__ = ["Entry", "Glossary", "Pair", "find_pairs", "normalise"]
