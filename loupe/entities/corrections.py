"""Users' corrections to named entities: hide, merge, rename, replayed on every read.

Entity extraction is rules and lists, so it makes mistakes a reporter sees
at once: "Meridian" read as a place, "PGR" and "Procuraduria General de la
Republica" as two organisations, "Gral. Ortega" and "Rafael Ortega" as two
people. The corrections are kept as a list of edits, in the order they were
made, and never applied to what ingest stored: the index keeps every
mention as extracted, and this module decides, at read time, what a mention
stands for. That is why they survive re-ingests (nothing to redo) and can
be undone (``show`` after ``hide``, ``unmerge`` after ``merge``).

An entity is named by ``(kind, key)``: its kind (person, organisation,
place) and its key, the folded form the index holds ("ciudad juarez").

>>> c = Corrections.replay([("merge", "organisation", "pgr", "organisation", "procuraduria general"),
...                         ("rename", "organisation", "procuraduria general", "", "PGR (attorney general)"),
...                         ("hide", "place", "meridian", "", "")])
>>> c.canonical(("organisation", "pgr"))
('organisation', 'procuraduria general')
>>> c.name(("organisation", "pgr"), "PGR")
'PGR (attorney general)'
>>> c.hidden(("place", "meridian"))
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from loupe.folding import fold

Ident = tuple[str, str]  # (kind, key)

KINDS = ("person", "organisation", "place")
#: Each kind's exact-value field in the full-text index.
INDEX_FIELDS = {"person": "named_people", "organisation": "organisations", "place": "places"}


def entity_key(name: str) -> str:
    """The index key of a name as a user types it: folded, without full stops, one space.

    The same rule as extraction's (``extract._normalise``), so "U.S. Army",
    "us army" and "US Army" all find the one entity.
    """
    return " ".join(fold(name.replace(".", "")).split())


@dataclass
class Corrections:
    """The state the edits leave: what is hidden, what joins what, what is called what."""

    _hidden: set[Ident] = field(default_factory=set)
    _target: dict[Ident, Ident] = field(default_factory=dict)
    _names: dict[Ident, str] = field(default_factory=dict)

    def fingerprint(self) -> tuple[frozenset[Ident], frozenset[tuple[Ident, Ident]], frozenset[tuple[Ident, str]]]:
        """The whole state, hashable: counts made under equal fingerprints are equal (``Case._remembered``)."""
        return frozenset(self._hidden), frozenset(self._target.items()), frozenset(self._names.items())

    @classmethod
    def replay(cls, edits: Iterable[tuple[str, str, str, str, str]]) -> Corrections:
        """Apply ``(action, kind, key, target_kind or name, target_key)`` rows in order.

        For ``rename`` the fourth value is unused and the fifth is the new
        name; for ``merge`` they name the entity that absorbs this one.
        """
        state = cls()
        for action, kind, key, fourth, fifth in edits:
            ident = (kind, key)
            if action == "hide":
                state._hidden.add(ident)
            elif action == "show":
                state._hidden.discard(ident)
            elif action == "merge" and (fourth, fifth) != ident:
                state._target[ident] = (fourth, fifth)
            elif action == "unmerge":
                state._target.pop(ident, None)
            elif action == "rename":
                state._names[ident] = fifth
        return state

    def canonical(self, ident: Ident) -> Ident:
        """The entity this one stands for after merges (itself when none); cycles stop where they loop."""
        seen = {ident}
        while ident in self._target:
            ident = self._target[ident]
            if ident in seen:
                break
            seen.add(ident)
        return ident

    def members(self, ident: Ident) -> list[Ident]:
        """Every entity that stands for ``ident``: the one it joined, and all that joined that one."""
        head = self.canonical(ident)
        candidates = {head, *self._target}
        return sorted(i for i in candidates if self.canonical(i) == head)

    def hidden(self, ident: Ident) -> bool:
        return self.canonical(ident) in self._hidden or ident in self._hidden

    def name(self, ident: Ident, written: str) -> str:
        """What to call an entity: the user's name for it (or for what it joined), else as written."""
        head = self.canonical(ident)
        return self._names.get(head) or self._names.get(ident) or written

    def renamed_to(self, kind: str | None, key: str) -> list[Ident]:
        """Entities the user renamed so that their new name has this key (a search by the new name)."""
        return [i for i, n in self._names.items() if entity_key(n) == key and (kind is None or i[0] == kind)]

    @property
    def hidden_entities(self) -> frozenset[Ident]:
        return frozenset(self._hidden)

    @property
    def merges(self) -> dict[Ident, Ident]:
        return {i: self.canonical(i) for i in self._target}
