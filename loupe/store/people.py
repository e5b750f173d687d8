"""Reads and writes of people: address usage, persons, users' edits, who wrote to whom.

Persons are derived data (recomputed after each ingest from address usage
and the edits); ``people_edits`` is the users' own record and is never
recomputed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select

from loupe.errors import Ambiguous, NotFound
from loupe.store import schema
from loupe.store.batching import chunks

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
    sent = func.count(func.distinct(ma.c.message)).filter(ma.c.role == "from")
    received = func.count(func.distinct(ma.c.message)).filter(ma.c.role.in_(RECEIVING))
    figures = (
        select(p.c.id, sent, received, func.min(m.c.date), func.max(m.c.date))
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

    def replace_people(self, people: Sequence[tuple[str, str, Sequence[str], str]], rules: int) -> None:
        """(name, kind, emails, evidence) for every person and list of the case, filed by
        version ``rules`` of the list rules (``people.identities.PEOPLE_RULES``)."""
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
            conn.execute(delete(schema.analysis_state).where(schema.analysis_state.c.name == RULES_STATE))
            conn.execute(insert(schema.analysis_state).values(name=RULES_STATE, value=rules))

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
        """Every person and list with sent, received, first and last date (as stored by ``replace_people``)."""
        p, pc = schema.persons, schema.person_counts
        query = select(p.c.id, p.c.name, p.c.kind, pc.c.sent, pc.c.received, pc.c.first, pc.c.last).select_from(
            p.join(pc, pc.c.person == p.c.id)
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
