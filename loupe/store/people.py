"""Reads and writes of people: address usage, persons, users' edits, who wrote to whom.

Persons are derived data (recomputed after each ingest from address usage
and the edits); ``people_edits`` is the users' own record and is never
recomputed. What grouping reads is kept summed (``correspondent_usage``,
``signature_users``, ``list_ids``: ``Kept``), so that added mail adds to it
rather than every message being read again.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, func, insert, or_, select

from loupe.errors import Ambiguous, NotFound
from loupe.store import schema
from loupe.store.batching import chunks
from loupe.store.conversations import set_state, step_state

RECEIVING = ("to", "cc", "bcc")
#: The ``analysis_state`` row holding which version of the list rules filed the stored persons.
RULES_STATE = "people_rules"


#: The orders of the people table (``loupe people --sort``, the web's people page).
TABLE_ORDERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "messages": lambda p: -(p["sent"] + p["received"]),
    "sent": lambda p: -p["sent"],
    "received": lambda p: -p["received"],
    "name": lambda p: p["name"].casefold(),
    "first": lambda p: p["first"] or "~",
}


def _figures(person: Any) -> Select[Any]:
    """A person's row of the people table, grouped by ``person``: messages sent and received
    (each counted once, whatever its number of addresses) and the first and last date over every
    role; ``fill_person_counts`` and ``count_persons`` join the tables to it each their own way."""
    ma, m = schema.message_addresses, schema.messages
    sent = func.count(func.distinct(ma.c.message)).filter(ma.c.role == "from")
    received = func.count(func.distinct(ma.c.message)).filter(ma.c.role.in_(RECEIVING))
    return select(person, sent, received, func.min(m.c.date), func.max(m.c.date))


def fill_person_counts(conn: Connection) -> None:
    """Work out the people table's figures from the persons and every message's addresses
    (in SQL, in one statement). Persons with no message stay out, as they would from a join."""
    p, pa, c, ma, m, pc = (
        schema.persons,
        schema.person_addresses,
        schema.correspondents,
        schema.message_addresses,
        schema.messages,
        schema.person_counts,
    )
    figures = (
        _figures(p.c.id)
        .select_from(
            p.join(pa, pa.c.person == p.c.id)
            .join(c, c.c.email == pa.c.email)
            .join(ma, ma.c.correspondent == c.c.id)
            .join(m, m.c.id == ma.c.message)
        )
        .group_by(p.c.id)
    )
    conn.execute(delete(pc))
    conn.execute(insert(pc).from_select(["person", "sent", "received", "first", "last"], figures))


#: A person's figures in the people table: sent, received, first and last date.
Figures = tuple[int, int, str | None, str | None]


#: Correspondents whose rows one statement of ``count_persons`` gathers (bound parameters).
COUNTED_AT_ONCE = 5000


def count_persons(conn: Connection, persons: Collection[int], seen_through: int | None = None) -> None:
    """``fill_person_counts`` for these persons only (their rows must be absent): the addresses
    of their correspondents gathered in one scan (there is no index of addresses by
    correspondent: it would cost a tenth of the database), in SQL (2 s at 1,000,000 messages
    for a person holding half their addresses; 13 s read into Python). ``seen_through``:
    messages of later runs are left out (the people step has not seen them yet)."""
    p, pa, c, ma, m, pc, i = (
        schema.persons,
        schema.person_addresses,
        schema.correspondents,
        schema.message_addresses,
        schema.messages,
        schema.person_counts,
        schema.items,
    )
    owned: dict[int, list[int]] = {}
    for chunk in chunks(sorted(persons), 500):
        query = select(pa.c.person, c.c.id).join(c, c.c.email == pa.c.email).where(pa.c.person.in_(chunk))
        for person, cid in conn.execute(query):
            owned.setdefault(person, []).append(cid)
    figures = (
        _figures(pa.c.person)
        .select_from(  # addresses first: the one scan, the rest found by key
            ma.join(c, c.c.id == ma.c.correspondent)
            .join(pa, pa.c.email == c.c.email)
            .join(p, p.c.id == pa.c.person)
            .join(m, m.c.id == ma.c.message)
        )
        .group_by(pa.c.person)
    )
    if seen_through is not None:
        later = select(i.c.message).where(i.c.status == "indexed", i.c.run > seen_through)
        figures = figures.where(ma.c.message.not_in(later))
    batch: list[int] = []
    last = max(owned, default=None)
    for person in sorted(owned):  # a person's correspondents all in one statement
        batch.extend(owned[person])
        if len(batch) >= COUNTED_AT_ONCE or person == last:
            conn.execute(
                insert(pc).from_select(
                    ["person", "sent", "received", "first", "last"], figures.where(ma.c.correspondent.in_(batch))
                )
            )
            batch = []


def tally(rows: Iterable[tuple[int, str, str, str | None]]) -> dict[int, Figures]:
    """(person, message, role, date) rows into each person's figures, as ``fill_person_counts``
    aggregates them: messages sent and received counted once each, dates over every role."""
    sent: dict[int, set[str]] = {}
    received: dict[int, set[str]] = {}
    first: dict[int, str | None] = {}
    last: dict[int, str | None] = {}
    for person, message, role, date in rows:
        sent.setdefault(person, set())
        received.setdefault(person, set())
        if role == "from":
            sent[person].add(message)
        elif role in RECEIVING:
            received[person].add(message)
        first[person] = _earlier(first.get(person), date)
        last[person] = _later(last.get(person), date)
    return {k: (len(sent[k]), len(received[k]), first[k], last[k]) for k in sent}


def _earlier(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else min(a, b)


def _later(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else max(a, b)


def add_figures(a: Figures | None, b: Figures | None) -> Figures | None:
    """A person's figures over two disjoint sets of messages."""
    if a is None or b is None:
        return a or b
    return (a[0] + b[0], a[1] + b[1], _earlier(a[2], b[2]), _later(a[3], b[3]))


@dataclass
class Kept:
    """What grouping people reads, summed over messages (``correspondent_usage`` and the rest)."""

    usage: Counter[tuple[int, str]] = field(default_factory=Counter)  # (correspondent, role) -> messages
    signers: set[tuple[str, str, str]] = field(default_factory=set)  # (signature key, email, display name)
    lists: set[str] = field(default_factory=set)  # List-Ids

    def add(self, other: Kept) -> Kept:
        return Kept(self.usage + other.usage, self.signers | other.signers, self.lists | other.lists)


def _kept_query(messages: Sequence[str] | None) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The sums of ``Kept`` over every message, or over ``messages``."""
    ma, c, sk, m = schema.message_addresses, schema.correspondents, schema.signature_keys, schema.messages
    usage = select(ma.c.correspondent, ma.c.role, func.count()).group_by(ma.c.correspondent, ma.c.role)
    signers = (
        select(sk.c.key, func.lower(c.c.email), c.c.name)
        .select_from(sk.join(ma, ma.c.message == sk.c.message).join(c, c.c.id == ma.c.correspondent))
        .where(ma.c.role == "from", c.c.email != "")
        .distinct()
    )
    lists = select(m.c.list_id).where(m.c.list_id != "").distinct()
    if messages is not None:
        usage = usage.where(ma.c.message.in_(messages))
        signers = signers.where(sk.c.message.in_(messages))
        lists = lists.where(m.c.id.in_(messages))
    return usage, signers, lists


def _add_kept(conn: Connection, kept: Kept, added: Kept) -> None:
    """Add ``added`` to the kept sums, whose stored value is ``kept``."""
    cu, su, li = schema.correspondent_usage, schema.signature_users, schema.list_ids
    changed = sorted({cid for (cid, _), n in added.usage.items() if n})
    for chunk in chunks(changed, 500):  # each changed correspondent's rows, every role, written again
        conn.execute(delete(cu).where(cu.c.correspondent.in_(chunk)))
    summed = kept.usage + added.usage
    wanted = set(changed)
    rows = [{"correspondent": cid, "role": r, "messages": n} for (cid, r), n in sorted(summed.items()) if cid in wanted]
    _insert_rows(conn, cu, rows)
    _insert_rows(conn, su, [{"key": k, "email": e, "name": n} for k, e, n in sorted(added.signers - kept.signers)])
    _insert_rows(conn, li, [{"list_id": x} for x in sorted(added.lists - kept.lists)])


def _insert_rows(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in chunks(rows, 5000):
        conn.execute(insert(table), list(chunk))


class PeopleStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def address_usage(self) -> list[tuple[str, str, str, int]]:
        """(email, display name, role, messages), aggregated in SQL (reply-to left out: it names
        where answers go, not who wrote or received)."""
        ma, c = schema.message_addresses, schema.correspondents
        query = (
            select(c.c.email, c.c.name, ma.c.role, func.count())
            .select_from(ma.join(c, c.c.id == ma.c.correspondent))
            .where(c.c.email != "", ma.c.role != "reply-to")
            .group_by(c.c.email, c.c.name, ma.c.role)
        )
        with self.engine.connect() as conn:
            return [(e, n, r, k) for e, n, r, k in conn.execute(query)]

    def list_ids(self) -> set[str]:
        """Every List-Id of the case, as stored (``notmuch.notmuchmail.org``)."""
        m = schema.messages
        with self.engine.connect() as conn:
            return set(conn.scalars(select(m.c.list_id).where(m.c.list_id != "").distinct()))

    def rules(self) -> int | None:
        """The version of the list rules the stored persons were filed by: None when the case
        has none, 1 when they were filed before the version was recorded."""
        s, p = schema.analysis_state, schema.persons
        with self.engine.connect() as conn:
            found = conn.scalar(select(s.c.value).where(s.c.name == RULES_STATE))
            if found is not None:
                return int(found)
            return None if conn.scalar(select(p.c.id).limit(1)) is None else 1

    def signature_users(self) -> dict[str, dict[str, set[str]]]:
        """Signature key -> {sender email (lower-cased): display names used with it}."""
        sk, ma, c = schema.signature_keys, schema.message_addresses, schema.correspondents
        query = (
            select(sk.c.key, func.lower(c.c.email), c.c.name)
            .select_from(sk.join(ma, ma.c.message == sk.c.message).join(c, c.c.id == ma.c.correspondent))
            .where(ma.c.role == "from", c.c.email != "")
            .distinct()
        )
        users: dict[str, dict[str, set[str]]] = {}
        with self.engine.connect() as conn:
            for key, email, name in conn.execute(query):
                users.setdefault(key, {}).setdefault(email, set()).add(name)
        return users

    def edits(self) -> list[tuple[str, list[str], str]]:
        e = schema.people_edits
        with self.engine.connect() as conn:
            rows = conn.execute(select(e.c.action, e.c.emails, e.c.name).order_by(e.c.id))
            return [(action, json.loads(emails), name) for action, emails, name in rows]

    def add_edit(self, action: str, emails: Sequence[str], name: str = "") -> None:
        row = {
            "action": action,
            "emails": json.dumps([x.lower() for x in emails]),
            "name": name,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(schema.people_edits), [row])

    def replace_people(
        self,
        people: Sequence[tuple[str, str, Sequence[str], str]],
        rules: int,
        kept: Kept | None = None,
        run: int | None = None,
    ) -> None:
        """(name, kind, emails, evidence) for every person and list of the case, filed by
        version ``rules`` of the list rules (``people.identities.PEOPLE_RULES``); with ``run``,
        also what grouping them read (``kept``, over every message) and the run it saw up to."""
        p, pa = schema.persons, schema.person_addresses
        persons = [
            {"id": n, "name": name, "kind": kind, "evidence": evidence}
            for n, (name, kind, _, evidence) in enumerate(people, start=1)
        ]
        addresses = [{"email": e, "person": n} for n, (_, _, emails, _) in enumerate(people, start=1) for e in emails]
        with self.engine.begin() as conn:
            conn.execute(delete(pa))
            conn.execute(delete(p))
            for start in range(0, len(persons), 5000):
                conn.execute(insert(p), persons[start : start + 5000])
            for start in range(0, len(addresses), 5000):
                conn.execute(insert(pa), addresses[start : start + 5000])
            fill_person_counts(conn)
            set_state(conn, RULES_STATE, rules)
            if run is not None and kept is not None:
                for table in (schema.correspondent_usage, schema.signature_users, schema.list_ids):
                    conn.execute(delete(table))
                _add_kept(conn, Kept(), kept)
                set_state(conn, step_state("people"), run)

    # -- what grouping reads, kept summed ----------------------------------------------
    def sums(self, messages: Sequence[str] | None = None) -> Kept:
        """``Kept`` summed over every message (an aggregate of all their addresses: 6 s at
        1,000,000), or over ``messages``."""
        kept = Kept()
        with self.engine.connect() as conn:
            for chunk in [None] if messages is None else chunks(list(messages), 500):
                usage, signers, lists = _kept_query(None if chunk is None else list(chunk))
                kept.usage.update({(cid, role): n for cid, role, n in conn.execute(usage)})
                kept.signers.update((k, e, n) for k, e, n in conn.execute(signers))
                kept.lists.update(conn.scalars(lists))
        return kept

    def kept(self) -> Kept:
        """``Kept`` as the last people step stored it."""
        cu, su, li = schema.correspondent_usage, schema.signature_users, schema.list_ids
        with self.engine.connect() as conn:
            usage = Counter({(cid, role): n for cid, role, n in conn.execute(select(cu))})
            signers = {(k, e, n) for k, e, n in conn.execute(select(su))}
            lists = set(conn.scalars(select(li.c.list_id)))
        return Kept(usage, signers, lists)

    def correspondents(self) -> dict[int, tuple[str, str]]:
        """Every correspondent: its address as written and display name."""
        c = schema.correspondents
        with self.engine.connect() as conn:
            return {cid: (email, name) for cid, email, name in conn.execute(select(c.c.id, c.c.email, c.c.name))}

    def usage_rows(
        self, usage: Counter[tuple[int, str]], who: dict[int, tuple[str, str]] | None = None
    ) -> list[tuple[str, str, str, int]]:
        """``address_usage`` from kept sums: (email, display name, role, messages), reply-to and
        correspondents without an address left out (``who``: ``correspondents()``)."""
        who = self.correspondents() if who is None else who
        rows: Counter[tuple[str, str, str]] = Counter()
        for (cid, role), n in usage.items():
            email, name = who[cid]
            if email != "" and role != "reply-to" and n:
                rows[(email, name, role)] += n
        return [(e, name, r, n) for (e, name, r), n in rows.items()]

    def signer_table(self, signers: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, set[str]]]:
        """``signature_users`` from kept rows."""
        users: dict[str, dict[str, set[str]]] = {}
        for key, email, name in signers:
            users.setdefault(key, {}).setdefault(email, set()).add(name)
        return users

    def stored_people(self) -> list[tuple[int, str, str, str, tuple[str, ...], Figures | None]]:
        """(id, name, kind, evidence, emails, figures) of every stored person and list."""
        p, pa, pc = schema.persons, schema.person_addresses, schema.person_counts
        emails: dict[int, list[str]] = {}
        with self.engine.connect() as conn:
            for email, person in conn.execute(select(pa.c.email, pa.c.person)):
                emails.setdefault(person, []).append(email)
            figures = {r[0]: (r[1], r[2], r[3], r[4]) for r in conn.execute(select(pc))}
            rows = conn.execute(select(p.c.id, p.c.name, p.c.kind, p.c.evidence)).all()
        return [(i, n, k, e, tuple(sorted(emails.get(i, ()))), figures.get(i)) for i, n, k, e in rows]

    def addresses_of(self, messages: Sequence[str]) -> list[tuple[str, str, str, str | None]]:
        """(message, role, address as written, date) of every address of these messages."""
        ma, c, m = schema.message_addresses, schema.correspondents, schema.messages
        found: list[tuple[str, str, str, str | None]] = []
        query = select(ma.c.message, ma.c.role, c.c.email, m.c.date).select_from(
            ma.join(c, c.c.id == ma.c.correspondent).join(m, m.c.id == ma.c.message)
        )
        with self.engine.connect() as conn:
            for chunk in chunks(list(messages), 500):
                found.extend((a, b, e, d) for a, b, e, d in conn.execute(query.where(ma.c.message.in_(chunk))))
        return found

    def update_people(
        self,
        people: Sequence[tuple[str, str, Sequence[str], str]],
        figures: Sequence[Figures | None],
        recount: Collection[int],
        added: Kept,
        rules: int,
        run: int | None,
        seen_through: int | None = None,
    ) -> None:
        """Persons and lists as ``replace_people`` files them, writing only what changed:
        ``figures`` for each (None: no message), except the persons numbered ``recount``
        (from 1), worked out again from the addresses (``count_persons``); ``added`` is
        what the new messages add to the kept sums. With ``run``, the run seen up to."""
        p, pa, pc = schema.persons, schema.person_addresses, schema.person_counts
        before = self.stored_people()
        old_rows = {i: (n, k, e) for i, n, k, e, _, _ in before}
        old_owner = {email: i for i, *_, emails, _ in before for email in emails}
        old_figures = {i: f for i, *_, f in before if f is not None}
        new_rows = {n: (name, kind, evidence) for n, (name, kind, _, evidence) in enumerate(people, start=1)}
        new_owner = {e: n for n, (_, _, emails, _) in enumerate(people, start=1) for e in emails}
        new_figures = {n: f for n, f in enumerate(figures, start=1) if f is not None and n not in recount}
        with self.engine.begin() as conn:
            _add_kept(conn, self.kept(), added)
            stale = [i for i, row in old_rows.items() if new_rows.get(i) != row]
            for chunk in chunks(stale, 500):
                conn.execute(delete(p).where(p.c.id.in_(chunk)))
            persons = [
                {"id": i, "name": a, "kind": b, "evidence": c}
                for i, (a, b, c) in new_rows.items()
                if old_rows.get(i) != (a, b, c)
            ]
            _insert_rows(conn, p, persons)
            moved = [e for e, i in old_owner.items() if new_owner.get(e) != i]
            for emails in chunks(moved, 500):
                conn.execute(delete(pa).where(pa.c.email.in_(emails)))
            _insert_rows(conn, pa, [{"email": e, "person": i} for e, i in new_owner.items() if old_owner.get(e) != i])
            redo = [i for i, f in old_figures.items() if new_figures.get(i) != f]
            for chunk in chunks(redo, 500):
                conn.execute(delete(pc).where(pc.c.person.in_(chunk)))
            rows = [
                {"person": i, "sent": f[0], "received": f[1], "first": f[2], "last": f[3]}
                for i, f in new_figures.items()
                if old_figures.get(i) != f
            ]
            _insert_rows(conn, pc, rows)
            if recount:
                count_persons(conn, recount, seen_through)
            set_state(conn, RULES_STATE, rules)
            if run is not None:
                set_state(conn, step_state("people"), run)

    def resolve(self, key: str) -> int:
        """A person from an address, a person number, or a unique part of a name."""
        p, pa = schema.persons, schema.person_addresses
        text = key.strip()
        with self.engine.connect() as conn:
            if text.isdigit() and conn.scalar(select(p.c.id).where(p.c.id == int(text))) is not None:
                return int(text)
            found = conn.scalar(select(pa.c.person).where(pa.c.email == text.lower()))
            if found is not None:
                return int(found)
            like = f"%{text.lower()}%"
            matches = list(
                conn.execute(
                    select(p.c.id, p.c.name)
                    .where(
                        or_(
                            func.lower(p.c.name).like(like),
                            p.c.id.in_(select(pa.c.person).where(pa.c.email.like(like))),
                        )
                    )
                    .limit(6)
                )
            )
        if len(matches) == 1:
            return int(matches[0].id)
        if not matches:
            raise NotFound("person or list with this address or name", key)
        raise Ambiguous(key, [f"{row.name} ({row.id})" for row in matches[:5]])

    def person(self, number: int) -> dict[str, Any]:
        p, pa = schema.persons, schema.person_addresses
        with self.engine.connect() as conn:
            row = conn.execute(select(p).where(p.c.id == number)).one()
            emails = sorted(conn.scalars(select(pa.c.email).where(pa.c.person == number)))
        return {"id": row.id, "name": row.name, "kind": row.kind, "emails": emails, "evidence": row.evidence}

    def emails_of(self, number: int) -> list[str]:
        pa = schema.person_addresses
        with self.engine.connect() as conn:
            return sorted(conn.scalars(select(pa.c.email).where(pa.c.person == number)))

    def table(self) -> list[dict[str, Any]]:
        """Every person and list with sent, received, first and last date (as stored by ``replace_people``),
        by id: the ``TABLE_ORDERS`` keep that order among equals, the same on every backend."""
        p, pc = schema.persons, schema.person_counts
        query = (
            select(p.c.id, p.c.name, p.c.kind, pc.c.sent, pc.c.received, pc.c.first, pc.c.last)
            .select_from(p.join(pc, pc.c.person == p.c.id))
            .order_by(p.c.id)
        )
        counts = self._address_counts()
        with self.engine.connect() as conn:
            return [
                {
                    "id": row[0],
                    "name": row[1],
                    "kind": row[2],
                    "sent": row[3],
                    "received": row[4],
                    "first": (row[5] or "")[:10],
                    "last": (row[6] or "")[:10],
                    "addresses": counts.get(row[0], 0),
                }
                for row in conn.execute(query)
            ]

    def _address_counts(self) -> dict[int, int]:
        pa = schema.person_addresses
        with self.engine.connect() as conn:
            return {pid: n for pid, n in conn.execute(select(pa.c.person, func.count()).group_by(pa.c.person))}

    def edges(self, messages: Sequence[str] | None, with_bcc: bool) -> list[tuple[str, str, str, str, int]]:
        """(message, sender email, recipient email, role) rows, as (from, to, role, date, 1) per message.

        ``messages`` limits them to a query's result; None means the whole case.
        """
        ma_from, ma_to = schema.message_addresses.alias("f"), schema.message_addresses.alias("t")
        c_from, c_to = schema.correspondents.alias("cf"), schema.correspondents.alias("ct")
        m = schema.messages
        roles = ["to", "cc", "bcc"] if with_bcc else ["to", "cc"]
        base = (
            select(func.lower(c_from.c.email), func.lower(c_to.c.email), ma_to.c.role, m.c.date, ma_from.c.message)
            .select_from(
                ma_from.join(c_from, c_from.c.id == ma_from.c.correspondent)
                .join(ma_to, ma_to.c.message == ma_from.c.message)
                .join(c_to, c_to.c.id == ma_to.c.correspondent)
                .join(m, m.c.id == ma_from.c.message)
            )
            .where(ma_from.c.role == "from", ma_to.c.role.in_(roles), c_from.c.email != "", c_to.c.email != "")
        )
        rows: list[tuple[str, str, str, str, int]] = []
        with self.engine.connect() as conn:
            if messages is None:
                rows.extend((a, b, r, d or "", 1) for a, b, r, d, _ in conn.execute(base))
            else:
                wanted = list(messages)
                for start in range(0, len(wanted), 500):
                    chunk = wanted[start : start + 500]
                    query = base.where(ma_from.c.message.in_(chunk))
                    rows.extend((a, b, r, d or "", 1) for a, b, r, d, _ in conn.execute(query))
        return rows

    def person_of_emails(self) -> dict[str, tuple[int, str, str]]:
        """email -> (person number, name, kind), for labelling graph nodes."""
        p, pa = schema.persons, schema.person_addresses
        with self.engine.connect() as conn:
            rows = conn.execute(select(pa.c.email, p.c.id, p.c.name, p.c.kind).join(p, p.c.id == pa.c.person))
            return {email: (pid, name, kind) for email, pid, name, kind in rows}

    def persons_of(self, emails: Sequence[str]) -> dict[str, tuple[int, str]]:
        """email (lower case) -> (person number, name), for those of ``emails`` the case knows."""
        p, pa = schema.persons, schema.person_addresses
        wanted = sorted({e.lower() for e in emails})
        found: dict[str, tuple[int, str]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                query = select(pa.c.email, p.c.id, p.c.name).join(p, p.c.id == pa.c.person).where(pa.c.email.in_(chunk))
                found.update({email: (pid, name) for email, pid, name in conn.execute(query)})
        return found

    def persons_named(self, names: Sequence[str]) -> dict[str, tuple[int, str]]:
        """name (lower case) -> (person number, name), for names exactly one person of the case has."""
        p = schema.persons
        wanted = sorted({n.strip().lower() for n in names if n.strip()})
        seen: dict[str, list[tuple[int, str]]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                query = select(p.c.id, p.c.name).where(func.lower(p.c.name).in_(chunk))
                for pid, name in conn.execute(query.where(p.c.kind == "person")):
                    seen.setdefault(name.lower(), []).append((pid, name))
        return {name: found[0] for name, found in seen.items() if len(found) == 1}

    def profile(self, number: int, sent: Sequence[str], received: Sequence[str], top: int = 10) -> dict[str, Any]:
        """Addresses, names, sent/received, first/last, top correspondents, lists.

        ``sent`` and ``received`` are the person's messages, found by the
        caller in the full-text index (its sender and recipient fields); the
        rows here are then read by message, the order they are stored in, so
        no index by correspondent is needed (it would cost a tenth of the database).
        """
        ma, c, m = schema.message_addresses, schema.correspondents, schema.messages
        person = self.person(number)
        emails = set(person["emails"])
        sent_set, received_set = set(sent), set(received)
        mine = sorted(sent_set | received_set)
        named: set[tuple[str, str]] = set()
        wrote_to: Counter[str] = Counter()
        heard_from: Counter[str] = Counter()
        list_ids: Counter[str] = Counter()
        dates: list[str] = []
        with self.engine.connect() as conn:
            for start in range(0, len(mine), 500):
                chunk = mine[start : start + 500]
                rows = conn.execute(
                    select(ma.c.message, ma.c.role, c.c.email, c.c.name)
                    .join(c, c.c.id == ma.c.correspondent)
                    .where(ma.c.message.in_(chunk))
                )
                for message, role, email, name in rows:
                    if email in emails:
                        if name and role != "reply-to":
                            named.add((message, name))
                    elif role in RECEIVING and message in sent_set and email:
                        wrote_to[email] += 1
                    elif role == "from" and message in received_set and email:
                        heard_from[email] += 1
                for date, list_id in conn.execute(select(m.c.date, m.c.list_id).where(m.c.id.in_(chunk))):
                    if date:
                        dates.append(date)
                    if list_id:
                        list_ids[list_id] += 1
        owners = self.person_of_emails()
        exchanged: dict[int, dict[str, Any]] = {}
        for counts, direction in ((wrote_to, "to"), (heard_from, "from")):
            for email, count in counts.items():
                pid, name, kind = owners.get(email, (0, email, "person"))
                if pid == number:
                    continue
                entry = exchanged.setdefault(pid, {"id": pid, "name": name, "kind": kind, "to": 0, "from": 0})
                entry[direction] += count
        ranked = sorted(exchanged.values(), key=lambda e: (-(e["to"] + e["from"]), e["name"]))
        # lists: by List-Id header, and list addresses written to (list copies often lose the header)
        by_list = dict(list_ids)
        for entry in ranked:
            if entry["kind"] == "list":
                label = self.emails_of(entry["id"])[0] if entry["id"] else entry["name"]
                by_list[label] = max(by_list.get(label, 0), entry["to"] + entry["from"])
        names = Counter(name for _, name in named)
        return {
            **person,
            "names": [{"name": n, "messages": k} for n, k in names.most_common()],
            "sent": len(sent_set),
            "received": len(received_set),
            "first": min(dates, default=""),
            "last": max(dates, default=""),
            "correspondents": [e for e in ranked if e["kind"] != "list"][:top],
            "lists": [{"list": n, "messages": k} for n, k in sorted(by_list.items(), key=lambda x: -x[1])][:top],
        }
