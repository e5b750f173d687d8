"""Addresses into persons, by safe rules only, and users' corrections on top.

Merging two correspondents wrongly is worse than leaving them apart: it puts
one person's words in another's mouth. So the automatic rules are narrow:
the same address in any letter case is one person (``Ann@X.org`` =
``ann@x.org``), and an address is a **mailing list**, kept apart from
people, only when something names it as one:

- a ``List-Id`` in the case names it: ``<analysts.meridian.example>`` is
  ``analysts@meridian.example``. This wins even when the address is in From:
  lists send digests and notices under their own address, and rewrite a
  poster's From to theirs ("Ann Lee via analysts");
- its local part is list machinery, which never speaks for a person, in From
  or not: ``owner-foo@``, ``foo-request@``, ``foo-bounces@``, ``foo-owner@``,
  ``foo+owner@`` (mlmmj), ``listserv@``, ``majordomo@``, ``mailman@``;
- mail comes from it under someone else's name, ``Ann Lee via analysts``
  (Google Groups, Mailman's DMARC rewriting, request trackers): it is a
  relay carrying other people's words;
- its local part reads like a list's name (``fans-l@``, ``foo-users@``,
  ``foo-dev@``, ``aur-general@``) and it never writes under its own name
  (a person's ``jean-l@`` who writes is a person).

Rejected, because they filed people as lists: the share of an address's
received mail that carries a List-Id (a kernel maintainer receives mostly
list copies, and so does every analyst of a leak whose internal mail goes
through alpha@; on a 3,000-message amplification of real list mail every
correspondent passed it and the people page was empty, as reported at
1,000,000), and "never writes and receives only list copies" (three silent people
Cc'd on list mail in the real corpora, next to the list's own address). A list
older than List-Id (RFC 2919) is named by its envelope, ``Sender:
owner-foo@host``, which ingest reads as the List-Id ``<foo.host>``
(``ingest.headers.list_id_of``). Lists that nothing names stay persons until
the user marks them (bug-tracker addresses, a list whose copies the leak
does not hold). ``tests/test_people_lists_real.py``
measures this on hand-annotated real list mail.

Everything else is the user's call, recorded as edits (merge, split, rename,
mark as list or person) that are replayed in order after each recompute, so
they survive re-ingests and win over the rules.

>>> people = group_addresses([Usage("ann@x.org", {"Ann": 2}, sent=2, received=1)], [])
>>> (people[0].name, people[0].kind, people[0].emails)
('Ann', 'person', ('ann@x.org',))
>>> list_reason(Usage("analysts@x.org", {}, sent=3, received=9), {"analysts.x.org"})
'a List-Id names it'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

#: Bump when a change to the rules below can change how a case's addresses are
#: filed: a case classified under older rules is reclassified when it is opened.
PEOPLE_RULES = 2

#: Local parts of a list's machinery: never a person's, whatever they write.
LIST_MACHINERY = re.compile(
    r"^(?:owner-.+|.+[-+](?:request|bounces?|owner)(?:\+.*)?|listserv|majordomo|mailman)$", re.IGNORECASE
)
#: Local parts that read like a list's name; a list only while the address never writes as itself.
LIST_NAME = re.compile(r"^.+-(?:l|list|users|devel|dev|announce|discuss|general)$", re.IGNORECASE)
#: A From display name that says the mail came through a relay: "Ann Lee via analysts", " via RT".
RELAY_NAME = re.compile(r"(?:^|[\s(])via\s+\S")


def is_relay_name(name: str) -> bool:
    """Whether a From display name names someone else, relayed ("Ann Lee via analysts").

    Lower-case ``via`` only, as the relays write it: "Maria Via Lactea" is a name.

    >>> is_relay_name("'Ann Lee' via analysts"), is_relay_name(" via RT"), is_relay_name("Maria Via Lactea")
    (True, True, False)
    """
    return bool(RELAY_NAME.search(name.strip()))


@dataclass
class Usage:
    """How one lower-cased address is used across the case."""

    email: str
    names: dict[str, int]  # display name -> messages (relay names left out: they name the poster)
    sent: int  # messages from it under its own name
    received: int
    relayed: int = 0  # messages from it under someone else's name ("Ann Lee via analysts")


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


def list_reason(usage: Usage, list_ids: Collection[str] = ()) -> str:
    """Why an address is a mailing list ("" when nothing says it is).

    ``list_ids``: every List-Id of the case, without display name (``notmuch.notmuchmail.org``).
    """
    local, _, domain = usage.email.rpartition("@")
    if local and f"{local}.{domain}" in list_ids:
        return "a List-Id names it"
    if LIST_MACHINERY.match(local):
        return "its name is a list's machinery"
    if usage.relayed:
        return "mail comes from it under other people's names (via)"
    if usage.sent == 0 and LIST_NAME.match(local):
        return "its name reads like a list's and it never writes as itself"
    return ""


def looks_like_list(usage: Usage, list_ids: Collection[str] = ()) -> bool:
    return bool(list_reason(usage, list_ids))


def group_addresses(usages: Sequence[Usage], edits: Sequence[Edit], list_ids: Collection[str] = ()) -> list[Person]:
    """Persons and lists for a case: one per address, then the users' edits."""
    owner: dict[str, int] = {}
    groups: dict[int, Person] = {}
    by_email = {u.email: u for u in usages}
    for number, usage in enumerate(sorted(usages, key=lambda u: u.email)):
        kind = "list" if looks_like_list(usage, list_ids) else "person"
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
