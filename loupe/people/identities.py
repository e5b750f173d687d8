"""Addresses into persons, by safe rules only, and users' corrections on top.

Merging two correspondents wrongly is worse than leaving them apart: it puts
one person's words in another's mouth. So the automatic rules are narrow:

- the same address in any letter case is one person (``Ann@X.org`` =
  ``ann@x.org``);
- an address is a **mailing list**, kept apart from people, when most mail
  sent to it carries a ``List-Id`` (it is a list's posting address); or it
  never writes, receives from several domains, and some of that mail
  carries a ``List-Id`` (list copies kept by subscribers often lose the
  header); or its local part reads like one (``analysts-l@``,
  ``foo-request@``, ``owner-foo@``, ``...-bounces@``, ``listserv@``).

Everything else is the user's call, recorded as edits (merge, split, rename,
mark as list or person) that are replayed in order after each recompute, so
they survive re-ingests.

>>> people = group_addresses([Usage("ann@x.org", {"Ann": 2}, sent=2, received=1, via_list=0)], [])
>>> (people[0].name, people[0].kind, people[0].emails)
('Ann', 'person', ('ann@x.org',))
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Local parts that name a list rather than a person.
LIST_LOCAL_PART = re.compile(
    r"^(?:owner-.+|.+-(?:l|list|request|bounces?|owner|users|devel|announce|discuss)|listserv|majordomo|mailman)$",
    re.IGNORECASE,
)
#: A posting address: at least this many messages to it, and this share of them carry a List-Id.
LIST_MIN_MESSAGES = 3
LIST_SHARE = 0.6
#: A silent address written to from this many domains, with some List-Id mail, is a list.
LIST_SENDER_DOMAINS = 3


@dataclass
class Usage:
    """How one lower-cased address is used across the case."""

    email: str
    names: dict[str, int]  # display name -> messages
    sent: int
    received: int
    via_list: int  # received messages that carry a List-Id
    sender_domains: int = 0  # distinct domains of the senders writing to it


@dataclass(frozen=True)
class Edit:
    action: str  # merge | split | rename | list | person
    emails: tuple[str, ...]
    name: str = ""
    evidence: str = ""  # for merges made by a rule rather than a user: why


@dataclass
class Person:
    name: str
    kind: str  # person | list
    emails: tuple[str, ...]
    names: Counter[str] = field(default_factory=Counter)
    evidence: list[str] = field(default_factory=list)


def looks_like_list(usage: Usage) -> bool:
    local = usage.email.partition("@")[0]
    if LIST_LOCAL_PART.match(local):
        return True
    if usage.received >= LIST_MIN_MESSAGES and usage.via_list >= LIST_SHARE * usage.received:
        return True
    return usage.sent == 0 and usage.via_list > 0 and usage.sender_domains >= LIST_SENDER_DOMAINS


def group_addresses(usages: Sequence[Usage], edits: Sequence[Edit]) -> list[Person]:
    """Persons and lists for a case: one per address, then the users' edits."""
    owner: dict[str, int] = {}
    groups: dict[int, Person] = {}
    by_email = {u.email: u for u in usages}
    for number, usage in enumerate(sorted(usages, key=lambda u: u.email)):
        kind = "list" if looks_like_list(usage) else "person"
        groups[number] = Person("", kind, (usage.email,), Counter(usage.names))
        owner[usage.email] = number
    chosen_names: dict[int, str] = {}
    for edit in edits:
        present = [e for e in edit.emails if e in owner]
        if not present:
            continue  # an address no longer in the case; the edit waits for it
        if edit.action == "merge":
            keep = owner[present[0]]
            for email in present[1:]:
                gone = owner[email]
                if gone == keep:
                    continue
                moved = groups.pop(gone)
                target = groups[keep]
                target.emails += moved.emails
                target.names.update(moved.names)
                target.evidence += moved.evidence
                if edit.evidence:
                    target.evidence.append(edit.evidence)
                for e in moved.emails:
                    owner[e] = keep
                if gone in chosen_names and keep not in chosen_names:
                    chosen_names[keep] = chosen_names.pop(gone)
        elif edit.action == "split":
            for email in present:
                old = owner[email]
                if len(groups[old].emails) == 1:
                    continue
                groups[old].emails = tuple(e for e in groups[old].emails if e != email)
                groups[old].names.subtract(by_email[email].names)
                new = max(groups) + 1
                groups[new] = Person("", groups[old].kind, (email,), Counter(by_email[email].names))
                owner[email] = new
        elif edit.action == "rename":
            chosen_names[owner[present[0]]] = edit.name
        elif edit.action in ("list", "person"):
            for email in present:
                groups[owner[email]].kind = edit.action
    people = []
    for number, person in groups.items():
        person.emails = tuple(sorted(person.emails))
        person.name = chosen_names.get(number) or _best_name(person)
        people.append(person)
    return sorted(people, key=lambda p: p.emails[0])


def _best_name(person: Person) -> str:
    """The display name used most, ignoring names that are just an address."""
    candidates = [(count, name) for name, count in person.names.items() if count > 0 and name and "@" not in name]
    if not candidates:
        return person.emails[0]
    return max(candidates, key=lambda pair: (pair[0], pair[1]))[1]
