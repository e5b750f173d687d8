"""What is computed over the whole case after each ingest: threads, near duplicates, people.

Each needs every message at once (a reply may arrive in a later run than
what it answers), so none can be done item by item in the ingest workers.
The workers prepare what is per message (near-duplicate signatures, quoted
blocks, Thread-Index); this module joins it up and replaces the derived
tables. Users' corrections (people edits) are inputs here, never outputs.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loupe.near_duplicates.grouping import group_near_duplicates
from loupe.people.identities import PEOPLE_RULES, Edit, Usage, group_addresses, is_relay_name
from loupe.people.signatures import MAX_ADDRESSES, names_agree
from loupe.store.database import CaseDatabase
from loupe.threads.jwz import ThreadInput, thread_messages
from loupe.threads.subjects import base_subject, is_reply_subject


@dataclass(frozen=True)
class AnalysisSummary:
    threads: int
    near_duplicate_groups: int
    near_duplicate_messages: int
    persons: int
    lists: int
    seconds: dict[str, float]  # per step: threads, near_duplicates, people


def refresh(db: CaseDatabase) -> AnalysisSummary:
    """Recompute threads, near-duplicate groups and people for the whole case."""
    started = time.monotonic()
    seconds: dict[str, float] = {}

    def lap(step: str) -> None:
        nonlocal started
        now = time.monotonic()
        seconds[step] = round(now - started, 3)
        started = now

    # near duplicates first: their large numpy arrays go back to the system when
    # freed, while threading's many small objects leave the heap at its high-water
    # mark; in the other order the two peaks added up (1.3 GiB at 1,000,000)
    groups = group_near_duplicates(db.conversations.signatures())
    dates = db.conversations.dates([member for group in groups for member in group])
    first_of = {group[0]: min(group, key=lambda member: (dates.get(member) or "~", member)) for group in groups}
    db.conversations.replace_near_duplicates(groups, first_of)
    db.sources.link_stripped_copies({member: first_of[g[0]] for g in groups for member in g})
    lap("near_duplicates")
    thread_count = refresh_threads(db)
    lap("threads")
    people = refresh_people(db)
    lap("people")
    db.conversations.mark_analysed()
    return AnalysisSummary(
        threads=thread_count,
        near_duplicate_groups=len(groups),
        near_duplicate_messages=sum(len(g) for g in groups),
        persons=sum(1 for _, kind, _ in people if kind == "person"),
        lists=sum(1 for _, kind, _ in people if kind == "list"),
        seconds=seconds,
    )


def refresh_threads(db: CaseDatabase) -> int:
    """Recompute every thread; returns how many there are. A function of its own so
    that its working set (the largest of the whole-case step) is freed before the next."""
    # a first pass finds the subjects a reference-less reply carries; only messages
    # with those subjects keep theirs (and their sender) for the subject fallback,
    # which saves a sixth of threading's memory on a million messages
    wanted = {
        base_subject(row[4])
        for row in db.conversations.threading_rows()
        if row[5] and not row[2] and not row[3] and row[4] and is_reply_subject(row[4])
    }
    wanted.discard("")
    inputs = [_thread_input(row, wanted) for row in db.conversations.threading_rows()]
    threads = thread_messages(inputs, db.conversations.participants)
    sizes = Counter(threads.thread_of.values())
    db.conversations.replace_threads(
        [(m.id, threads.thread_of[m.id], threads.parent_of[m.id]) for m in inputs if sizes[threads.thread_of[m.id]] > 1]
    )
    return len(sizes)


#: The corrections a user can make to people (``loupe people merge`` ..., the person page).
PEOPLE_ACTIONS = ("merge", "split", "rename", "list", "person")


def edit_people(db: CaseDatabase, action: str, keys: Sequence[str], name: str = "") -> dict[str, Any]:
    """Record one correction and regroup: each key (an address, a person number or part of a
    name) must be known now, so a typo is refused rather than stored. Returns the person the
    first key belongs to afterwards."""
    if action not in PEOPLE_ACTIONS:
        raise ValueError(f"unknown correction {action!r}")
    addresses = [key if "@" in key else db.people.emails_of(db.people.resolve(key))[0] for key in keys]
    for address in addresses:
        db.people.resolve(address)
    db.people.add_edit(action, addresses, name)
    refresh_people(db)
    return db.people.person(db.people.resolve(addresses[0]))


def refresh_people(db: CaseDatabase) -> list[tuple[str, str, tuple[str, ...]]]:
    """Regroup addresses into persons and lists, replaying the users' edits."""
    usages: dict[str, Usage] = {}
    for email, name, role, count in db.people.address_usage():
        usage = usages.setdefault(email.lower(), Usage(email.lower(), {}, 0, 0))
        relayed = role == "from" and is_relay_name(name)
        if name and not relayed:  # "Ann Lee via analysts" names Ann, not the list
            usage.names[name] = usage.names.get(name, 0) + count
        if role != "from":
            usage.received += count
        elif relayed:
            usage.relayed += count
        else:
            usage.sent += count
    edits = shared_signature_merges(db) + [Edit(a, tuple(emails), name) for a, emails, name in db.people.edits()]
    grouped = group_addresses(list(usages.values()), edits, db.people.list_ids())
    db.people.replace_people([(p.name, p.kind, p.emails, "; ".join(p.evidence)) for p in grouped], PEOPLE_RULES)
    return [(p.name, p.kind, p.emails) for p in grouped]


def shared_signature_merges(db: CaseDatabase) -> list[Edit]:
    """Merges proposed by personal signature blocks shared by a few addresses (users' edits come after)."""
    merges = []
    for users in db.people.signature_users().values():
        if 2 <= len(users) <= MAX_ADDRESSES and names_agree(list(users.values())):
            emails = tuple(sorted(users))
            merges.append(Edit("merge", emails, evidence=f"the same signature block from {', '.join(emails)}"))
    return sorted(merges, key=lambda e: e.emails)


def _thread_input(row: tuple[Any, ...], subjects: set[str] | None = None) -> ThreadInput:
    mid, message_id, references_text, in_reply_to, subject, date, sender, thread_index = row
    # Message-IDs are interned: each is named by its message and by every
    # reply's References, and one shared string per id halves threading's memory
    references = tuple(sys.intern(r) for r in str(references_text or "").split())
    for parent in str(in_reply_to or "").split():
        if parent not in references:  # In-Reply-To names the direct parent: it goes last
            references += (sys.intern(parent),)
    if subjects is not None and (not subject or base_subject(subject) not in subjects):
        subject, sender = "", ""  # no reference-less reply shares it: the fallback cannot use it
    return ThreadInput(
        id=mid,
        message_id=sys.intern(message_id),
        references=references,
        subject=subject or "",
        date=datetime.fromisoformat(date) if date else None,
        thread_index=thread_index or "",
        sender=(sender or "").lower(),
    )
