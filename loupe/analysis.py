"""What is computed over the whole case after each ingest: threads, near duplicates, people.

Each needs every message at once (a reply may arrive in a later run than
what it answers), so none can be done item by item in the ingest workers.
The workers prepare what is per message (near-duplicate signatures, quoted
blocks, Thread-Index); this module joins it up and replaces the derived
tables. Users' corrections (people edits) are inputs here, never outputs.

The first ingest of a case (and ``loupe rebuild``) computes the three over
every message. A later ingest redoes only what its new messages reach, and
ends exactly where a pass over every message would (tested on real mail
added in parts: ``tests/test_analysis_incremental.py``); adding 10,000
messages to 1,000,000 took the step from 143 s to 20 s
(``bench/add_to_big_case.py``). Each step records the run it has seen
up to, in the transaction that writes its results, so a run killed at any
point leaves each step either before or after the new messages, and the next
run's step sees them (``ConversationStore.runs_of_messages``).

- *Near duplicates*: the components the new signatures join are grouped
  again, whole (``near_duplicates.grouping.regroup``).
- *Threads*: the threads the new messages join are threaded again, whole
  (``_thread_region``): by Message-ID and references both ways, Thread-Index,
  and the subject fallback, whose links can move when a message arrives
  between a reply and what it answered.
- *People*: grouping is global by nature (users' edits replay in order,
  and persons are numbered in address order), but it reads sums per
  address, kept and added to (``store.people.Kept``), not every message;
  the people table's figures are added to, and worked out again only for
  persons whose addresses changed.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from loupe.near_duplicates.grouping import BandMapper, Grouping, link_near_duplicates, regroup
from loupe.people.identities import PEOPLE_RULES, Edit, Usage, group_addresses, is_relay_name
from loupe.people.signatures import MAX_ADDRESSES, names_agree
from loupe.store.conversations import ANALYSIS_STEPS
from loupe.store.database import CaseDatabase
from loupe.store.people import Figures, Kept, add_figures, tally
from loupe.threads.jwz import ThreadInput, conversation_of, thread_messages
from loupe.threads.subjects import answered, base_subject, is_reply_subject, subject_hash

#: The steps, in the order ``refresh`` runs them, each keeping the run it saw up to.
STEPS = ANALYSIS_STEPS
#: New messages up to this share of those a step has seen are linked where they reach;
#: past it, the step goes over every message (the same result; less bookkeeping when
#: most of the case is new).
INCREMENTAL_SHARE = 1.0


@dataclass(frozen=True)
class AnalysisSummary:
    threads: int
    near_duplicate_groups: int
    near_duplicate_messages: int
    persons: int
    lists: int
    seconds: dict[str, float]  # per step: threads, near_duplicates, people
    #: per step, how many new messages it linked where they reach; absent: it went over every message
    incremental: dict[str, int] | None = None


def refresh(
    db: CaseDatabase, through: int | None = None, full: bool | None = None, map_bands: BandMapper | None = None
) -> AnalysisSummary:
    """Threads, near-duplicate groups and people for the whole case.

    ``through``: the last run whose messages are all written (default: the last run).
    ``full``: True goes over every message, False redoes what the messages written since
    each step last ran reach (where a step has run before), None picks whichever costs less.
    ``map_bands``: where a pass over every message verifies its near-duplicate candidates,
    band by band (a Dask cluster's workers, ``ingest.distributed.band_mapper``); default here.
    """
    through = db.conversations.last_run() if through is None else through
    seen = {step: None if full else db.conversations.analysed_run(step) for step in STEPS}
    known = [run for run in seen.values() if run is not None]
    written = db.conversations.runs_of_messages(min(known), through) if known else {}
    total = db.conversations.message_count()
    new: dict[str, list[str] | None] = {}
    for step, run in seen.items():
        fresh = None if run is None else sorted(m for m, r in written.items() if r > run)
        if fresh is not None and full is None and len(fresh) > INCREMENTAL_SHARE * (total - len(fresh)):
            fresh = None
        new[step] = fresh
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
    groups, grouped = refresh_near_duplicates(db, new["near_duplicates"], through, map_bands)
    lap("near_duplicates")
    thread_count = refresh_threads(db, new["threads"], through)
    lap("threads")
    people = refresh_people(db, new["people"], through)
    lap("people")
    db.conversations.mark_analysed()
    return AnalysisSummary(
        threads=thread_count,
        near_duplicate_groups=groups,
        near_duplicate_messages=grouped,
        persons=sum(1 for _, kind, _ in people if kind == "person"),
        lists=sum(1 for _, kind, _ in people if kind == "list"),
        seconds=seconds,
        incremental={step: len(fresh) for step, fresh in new.items() if fresh is not None} or None,
    )


# -- near duplicates --------------------------------------------------------------------
def refresh_near_duplicates(
    db: CaseDatabase, new: Sequence[str] | None, run: int, map_bands: BandMapper | None = None
) -> tuple[int, int]:
    """Group near-duplicate messages (``new``: regroup only what these reach); returns how many
    groups there are and how many messages they hold."""
    conversations = db.conversations
    grouping: Grouping
    if new is None:
        grouping = link_near_duplicates(conversations.signatures(), map_bands=map_bands)
    else:
        grouping = regroup(
            conversations.signatures(), new, conversations.near_components_of, conversations.near_component_members
        )
    dates = conversations.dates([member for group in grouping.groups for member in group])
    first_of = {g[0]: min(g, key=lambda member: (dates.get(member) or "~", member)) for g in grouping.groups}
    if new is None:
        conversations.replace_near_duplicates(grouping.groups, first_of, grouping.components, run)
    else:
        conversations.update_near_duplicates(grouping.region, grouping.groups, first_of, grouping.components, run)
    del grouping
    stored = conversations.near_duplicate_groups()
    db.sources.link_stripped_copies({member: group for group, members in stored.items() for member in members})
    return len(stored), sum(len(members) for members in stored.values())


# -- threads --------------------------------------------------------------------------
def refresh_threads(db: CaseDatabase, new: Sequence[str] | None = None, run: int | None = None) -> int:
    """Thread the case (``new``: again only the threads these join); returns how many threads
    there are. A function of its own so that its working set (the largest of the whole-case
    step) is freed before the next."""
    if new is not None:
        count = _thread_region(db, new, run if run is not None else db.conversations.last_run())
        if count is not None:
            return count
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
    rows = [
        (m.id, threads.thread_of[m.id], threads.parent_of[m.id]) for m in inputs if sizes[threads.thread_of[m.id]] > 1
    ]
    present = {m.message_id for m in inputs}  # the interned strings threading holds already
    del inputs, threads
    run = db.conversations.last_run() if run is None else run
    keys = (key for row in db.conversations.threading_rows() for key in _thread_keys(row, present))
    subjects = (entry for row in db.conversations.threading_rows() for entry in _subject_rows(row))
    db.conversations.replace_threads(rows, keys, subjects, len(sizes), run)
    return len(sizes)


def _thread_region(db: CaseDatabase, new: Sequence[str], run: int) -> int | None:
    """Thread again the threads the ``new`` messages join, and store what changed; returns how
    many threads the case has (None when that was never counted: then the whole case is threaded).

    A stored thread is closed: every message sharing a key with one of its messages (its
    Message-ID, a reference, an Outlook conversation), and every reply its subject fallback
    joins, is in it. So the threads to redo are found from the new messages alone:

    - the messages sharing a key with a new one: in either direction (what it cites, who
      cites it, who cites what it cites, through ``thread_keys`` for ids the case lacks);
    - for each base subject of the new messages that a reference-less reply carries, the
      replies whose answered message (``subjects.answered``) the new messages change, with
      the message they answered and the one they answer now;
    - the stored threads of all of these, whole.

    A message outside them keeps its thread and parent: nothing it shares a key with is new,
    and what its subject fallback answers is unchanged (the answered message of a reply
    outside is outside too, or the reply would be in the answered message's thread).
    """
    conversations = db.conversations
    count = conversations.thread_count()
    if count is None:
        return None
    fresh = set(new)
    known: dict[str, ThreadInput] = {}  # every message read, in the region or not
    _read(db, fresh, known)
    keys = {key for m in fresh for key in _keys_of(known[m])}
    present = conversations.with_message_ids(k for k in keys if not k.startswith("\x00"))
    reached = {m for ids in present.values() for m in ids}
    reached.update(conversations.key_holders(keys).values())
    subjects = {h for m in fresh if (h := _subject_of(known[m])) is not None}
    for child, (now, before) in _answered_in(db, subjects, fresh, known).items():
        if now != before:
            reached.update(m for m in (child, now, before) if m is not None)
    stored = conversations.stored_threads(reached - fresh)
    region = fresh | reached | stored.keys()
    _read(db, region, known)
    inputs = sorted((known[m] for m in region), key=lambda m: m.id)
    del known
    threads = thread_messages(inputs, conversations.participants)
    sizes = Counter(threads.thread_of.values())
    rows = [
        (m.id, threads.thread_of[m.id], threads.parent_of[m.id]) for m in inputs if sizes[threads.thread_of[m.id]] > 1
    ]
    alone = sum(1 for m in region if m not in stored and m not in fresh)
    count += len(sizes) - len({thread for thread, _ in stored.values()}) - alone
    new_rows = list(conversations.threading_rows(sorted(fresh)))
    keys_of_new = [key for row in new_rows for key in _thread_keys(row, set(present))]
    subjects_of_new = [entry for row in new_rows for entry in _subject_rows(row)]
    conversations.update_threads(region, stored, rows, keys_of_new, subjects_of_new, count, run)
    return count


def _read(db: CaseDatabase, messages: set[str], known: dict[str, ThreadInput]) -> None:
    missing = sorted(messages - known.keys())
    for row in db.conversations.threading_rows(missing):
        known[row[0]] = _thread_input(row)


def _keys_of(m: ThreadInput) -> Iterator[str]:
    """What joins a message to others: its Message-ID, its references, its Outlook conversation."""
    yield m.message_id
    yield from m.references
    conversation = conversation_of(m.thread_index) if m.thread_index else None
    if conversation is not None:
        yield _conversation_key(conversation)


def _conversation_key(conversation: bytes) -> str:
    """As ``jwz.thread_messages`` numbers it (NUL cannot occur in a Message-ID: no clash)."""
    return "\x00" + conversation[:22].hex()


def _subject_of(m: ThreadInput) -> int | None:
    base = base_subject(m.subject) if m.date is not None and m.subject else ""
    return subject_hash(base) if base else None


def _answered_in(
    db: CaseDatabase, subjects: set[int], fresh: set[str], known: dict[str, ThreadInput]
) -> dict[str, tuple[str | None, str | None]]:
    """For each child of these subjects (those a reference-less reply carries), what it answers
    with every message and without the ``fresh`` ones."""
    conversations = db.conversations
    children = {h for m in fresh if (h := _subject_of(known[m])) is not None and _is_child(known[m])}
    wanted = (subjects & children) | conversations.subjects_with_children(subjects - children)
    if not wanted:
        return {}
    members = set(conversations.subject_members(wanted)) | {m for m in fresh if _subject_of(known[m]) in wanted}
    _read(db, members, known)
    fetched = conversations.participants(sorted(members))
    groups: dict[str, list[ThreadInput]] = {}
    for m in members:
        message = known[m]
        base = base_subject(message.subject) if message.date is not None and message.subject else ""
        if base and subject_hash(base) in wanted:  # the base subject itself, not only its hash
            groups.setdefault(base, []).append(replace(message, participants=fetched.get(m, frozenset())))
    found: dict[str, tuple[str | None, str | None]] = {}
    for group in groups.values():
        now = answered(group)
        before = answered([m for m in group if m.id not in fresh])
        for child in {m.id for m in group if _is_child(m)}:
            found[child] = (now.get(child), before.get(child))
    return found


def _is_child(m: ThreadInput) -> bool:
    """A reference-less reply: what the subject fallback may join to an earlier message."""
    return m.date is not None and not m.references and is_reply_subject(m.subject)


def _thread_keys(row: tuple[Any, ...], present: set[str]) -> Iterator[tuple[str, str]]:
    """``thread_keys`` rows of a message: its references the case has no message for, and its
    Outlook conversation."""
    mid, _, references_text, in_reply_to, *_, thread_index = row
    for ref in {*str(references_text or "").split(), *str(in_reply_to or "").split()}:
        if ref not in present:
            yield ref, mid
    conversation = conversation_of(thread_index) if thread_index else None
    if conversation is not None:
        yield _conversation_key(conversation), mid


def _subject_rows(row: tuple[Any, ...]) -> Iterator[tuple[int, bool, str]]:
    """The ``thread_subjects`` row of a message, when it is dated and has a base subject."""
    mid, _, references_text, in_reply_to, subject, date, *_ = row
    base = base_subject(subject) if date and subject else ""
    if base:
        child = not str(references_text or "").split() and not str(in_reply_to or "").split()
        yield subject_hash(base), child and is_reply_subject(subject), mid


# -- people ---------------------------------------------------------------------------
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


People = list[tuple[str, str, tuple[str, ...]]]


def refresh_people(db: CaseDatabase, new: Sequence[str] | None = (), run: int | None = None) -> People:
    """Regroup addresses into persons and lists, replaying the users' edits.

    ``new=None`` reads every message's addresses (the case's first whole-case step); else
    the sums the last people step kept, plus what the ``new`` messages add. Without ``run``
    (a user's correction, the list rules changed) no message is added and nothing says
    the step saw further: a run writing meanwhile is seen by its own whole-case step."""
    seen = db.conversations.analysed_run("people")
    if new is None or seen is None:
        kept = db.people.sums()
        grouped = _group_people(db, kept)
        db.people.replace_people(grouped, PEOPLE_RULES, kept, run if new is None else None)
        return [(name, kind, tuple(emails)) for name, kind, emails, _ in grouped]
    kept = db.people.kept()
    added = db.people.sums(new) if new else Kept()
    who = db.people.correspondents()
    grouped = _group_people(db, kept.add(added), who)
    # a person's figures over the messages seen before come only from its addresses that those
    # messages use (as written: the figures join on it); a stored person with the same of
    # them had the same figures, and a person with none of them had none
    used = {who[cid][0] for (cid, _), n in kept.usage.items() if n}
    before = {tuple(sorted(set(emails) & used)): figures for *_, emails, figures in db.people.stored_people()}
    contributions = _contributions(db, new or (), grouped)
    figures: list[Figures | None] = []
    recount: list[int] = []
    for number, (_, _, emails, _) in enumerate(grouped, start=1):
        key = tuple(sorted(set(emails) & used))
        if not key or key in before:
            figures.append(add_figures(before.get(key) if key else None, contributions.get(number)))
        else:  # addresses seen before, grouped anew (a merge or a split): counted from their rows
            figures.append(None)
            recount.append(number)
    db.people.update_people(grouped, figures, recount, added, PEOPLE_RULES, run, None if run is not None else seen)
    return [(name, kind, tuple(emails)) for name, kind, emails, _ in grouped]


def _group_people(
    db: CaseDatabase, kept: Kept, who: dict[int, tuple[str, str]] | None = None
) -> list[tuple[str, str, tuple[str, ...], str]]:
    usages: dict[str, Usage] = {}
    for email, name, role, count in db.people.usage_rows(kept.usage, who):
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
    signers = db.people.signer_table(kept.signers)
    edits = shared_signature_merges(signers) + [Edit(a, tuple(emails), name) for a, emails, name in db.people.edits()]
    grouped = group_addresses(list(usages.values()), edits, kept.lists)
    return [(p.name, p.kind, p.emails, "; ".join(p.evidence)) for p in grouped]


def _contributions(
    db: CaseDatabase, new: Sequence[str], grouped: Sequence[tuple[str, str, tuple[str, ...], str]]
) -> dict[int, Figures]:
    """What the new messages add to each person's figures (as ``fill_person_counts`` joins them:
    an address as written must equal the person's, which is lower-cased)."""
    if not new:
        return {}
    owner = {email: number for number, (_, _, emails, _) in enumerate(grouped, start=1) for email in emails}
    rows = db.people.addresses_of(new)
    return tally((owner[email], m, role, date) for m, role, email, date in rows if email in owner)


def shared_signature_merges(users: dict[str, dict[str, set[str]]]) -> list[Edit]:
    """Merges proposed by personal signature blocks shared by a few addresses (users' edits come
    after); ``users``: signature key -> {sender: display names} (``PeopleStore.signer_table``)."""
    merges = []
    for signers in users.values():
        if 2 <= len(signers) <= MAX_ADDRESSES and names_agree(list(signers.values())):
            emails = tuple(sorted(signers))
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
