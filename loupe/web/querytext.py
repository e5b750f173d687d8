"""Facet clicks as edits of the query text: the query box always shows exactly what is searched.

A reporter who clicks a sender sees ``from:ann@x.example`` appear in the
box, can copy it into ``loupe search``, and learns the syntax by using it.
One click adds the clause, a second turns it into an exclusion, a third
removes it again. Pure functions: no case, no index.

>>> toggle("juarez", "from", "ann@x.example")
'juarez from:ann@x.example'
>>> toggle("juarez from:ann@x.example", "from", "ann@x.example")
'juarez -from:ann@x.example'
>>> toggle("juarez -from:ann@x.example", "from", "ann@x.example")
'juarez'
"""

from __future__ import annotations

import re
from typing import Literal

from loupe.errors import QueryError
from loupe.search.query import parse

State = Literal["", "include", "exclude"]

#: Facet name (``Case.facets``) -> the query field that selects one of its values.
FACET_FIELDS = {
    "senders": "sender",
    "recipients": "recipient",
    "lists": "list",
    "attachment types": "mimetype",
    "sources": "source",
    "tags": "tag",
    # names the mail mentions (loupe.entities): offered only while the query language knows the field
    "places": "place",
    "organisations": "org",
    "people named": "entity",
}

_PLAIN = re.compile(r"[\w@.+/\-]+")


def clause(field: str, value: str) -> str:
    """``field:value``, quoted when the value has spaces or query punctuation."""
    if _PLAIN.fullmatch(value):
        return f"{field}:{value}"
    return f'{field}:"{value.replace(chr(34), "")}"'


def _excluded(text: str) -> str:
    return f"-{text}"


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\S)(?:(?P<neg>-|NOT\s+))?{re.escape(text)}(?!\S)", re.IGNORECASE)


def state(query: str, field: str, value: str) -> State:
    """Whether this value is filtered in, filtered out, or not mentioned."""
    found = _pattern(clause(field, value)).search(query)
    if found is None:
        return ""
    return "exclude" if found.group("neg") else "include"


def toggle(query: str, field: str, value: str) -> str:
    """The query after one click on this facet value: add, then exclude, then remove."""
    text = clause(field, value)
    pattern = _pattern(text)
    found = pattern.search(query)
    if found is None:
        return f"{query.strip()} {text}".strip()
    if found.group("neg"):
        return " ".join(pattern.sub(" ", query, count=1).split())
    return pattern.sub(lambda _m: _excluded(text), query, count=1).strip()


def mentioned(query: str, field: str) -> list[tuple[str, State]]:
    """Every value of ``field`` the query filters on, as written, with its state."""
    pattern = re.compile(rf'(?<!\S)(?P<neg>-|NOT\s+)?{re.escape(field)}:(?:"(?P<quoted>[^"]*)"|(?P<plain>[^\s()]+))')
    return [
        (
            m.group("quoted") if m.group("quoted") is not None else m.group("plain"),
            "exclude" if m.group("neg") else "include",
        )
        for m in pattern.finditer(query)
    ]


def facet_field(name: str) -> str | None:
    """The query field for a facet, or None when the query language has none for it (yet).

    Facets added by later capabilities are clickable as soon as the query
    language accepts their field (named above, or the facet's singular).
    """
    for field in (FACET_FIELDS.get(name), name.removesuffix("s").replace(" ", "-")):
        if field is None:
            continue
        try:
            parse(f"{field}:x")
        except QueryError:
            continue
        return field
    return None
