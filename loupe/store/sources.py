"""Reads and writes of coded sources: code mentions and insight blocks.

Workers fill both tables; the whole-case step links stripped copies (no code
in the text) to the full copy they were cut from, through near-duplicate
groups, so a stripped copy counts for its source without counting as a
second, independent report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from loupe.store import schema
from loupe.store.batching import chunks

#: The orders of the sources table (``loupe sources --sort``, the web's sources page).
TABLE_ORDERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "reports": lambda s: (-s["reports"], s["code"]),
    "code": lambda s: (s["code"][:2], int(s["code"][2:]) if s["code"][2:].isdigit() else 0, s["code"]),
    "first": lambda s: (s["first"] or "~", s["code"]),
    "last": lambda s: (s["last"] or "", s["code"]),
    "mentions": lambda s: (-s["messages_mentioning"], s["code"]),
}


class SourceStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def link_stripped_copies(self, group_of: dict[str, str]) -> int:
        """Give each code-less insight the code of a full copy in its near-duplicate group."""
        i = schema.insights
        with self.engine.begin() as conn:
            conn.execute(update(i).values(linked_code=None, linked_message=None))
            orphans = conn.execute(select(i.c.message, i.c.position).where(i.c.code.is_(None))).all()
            coded = conn.execute(select(i.c.message, i.c.code).where(i.c.code.is_not(None))).all()
            by_group: dict[str, list[tuple[str, str]]] = {}
            for message, code in coded:
                if message in group_of:
                    by_group.setdefault(group_of[message], []).append((message, code))
            linked = 0
            for message, position in orphans:
                full = sorted(by_group.get(group_of.get(message, ""), []))
                codes = {code for _, code in full}
                if len(codes) == 1:  # one source in the group: the copy is theirs
                    conn.execute(
                        update(i)
                        .where(and_(i.c.message == message, i.c.position == position))
                        .values(linked_code=full[0][1], linked_message=full[0][0])
                    )
                    linked += 1
        return linked

    def table(self) -> list[dict[str, Any]]:
        """Every code with its reports, copies, first and last date, lists."""
        i, m, c = schema.insights, schema.messages, schema.code_mentions
        code = func.coalesce(i.c.code, i.c.linked_code)
        query = (
            select(
                code,
                func.count().filter(i.c.code.is_not(None)),
                func.count().filter(i.c.code.is_(None)),
                func.min(m.c.date),
                func.max(m.c.date),
                func.count(func.distinct(m.c.list_id)),
            )
            .join(m, m.c.id == i.c.message)
            .where(code.is_not(None))
            .group_by(code)
        )
        mentions = select(c.c.code, func.count(func.distinct(c.c.message))).group_by(c.c.code)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            mentioned = {code: n for code, n in conn.execute(mentions)}
        out = [
            {
                "code": r[0],
                "reports": r[1],
                "stripped_copies": r[2],
                "first": (r[3] or "")[:10],
                "last": (r[4] or "")[:10],
                "lists": r[5],
                "messages_mentioning": mentioned.get(r[0], 0),
            }
            for r in rows
        ]
        known = {row["code"] for row in out}
        for code_only, n in mentioned.items():  # named where the context says source, with no insight block
            if code_only not in known:
                out.append(
                    {
                        "code": code_only,
                        "reports": 0,
                        "stripped_copies": 0,
                        "first": "",
                        "last": "",
                        "lists": 0,
                        "messages_mentioning": n,
                    }
                )
        return out

    def reports(self, code: str) -> list[dict[str, Any]]:
        """Every insight of a code (its stripped copies included), oldest first, with its message."""
        i, m = schema.insights, schema.messages
        query = (
            select(i, m.c.date, m.c.subject, m.c.list_id, m.c.from_email, m.c.from_name)
            .join(m, m.c.id == i.c.message)
            .where(or_(i.c.code == code, i.c.linked_code == code))
            .order_by(m.c.date, i.c.message, i.c.position)
        )
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        return rows

    def insight_spans(self, messages: Sequence[str]) -> dict[str, list[tuple[str | None, int, int]]]:
        """Where each message's insight blocks stand in its body, with their code (a stripped
        copy's from its full copy): a passage inside one is that source's, whoever sent it."""
        i = schema.insights
        code = func.coalesce(i.c.code, i.c.linked_code)
        spans: dict[str, list[tuple[str | None, int, int]]] = {}
        wanted = list(messages)
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 500):
                query = select(i.c.message, code, i.c.start, i.c.end).where(i.c.message.in_(chunk))
                for message, found, begin, end in conn.execute(query.order_by(i.c.message, i.c.position)):
                    spans.setdefault(message, []).append((found, begin, end))
        return spans

    def glossary_pair_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(schema.glossary_pairs)) or 0)

    def glossary_pairs(self) -> list[tuple[str, str, str, str]]:
        """(message, abbreviation, expansion as written, form) of every gloss in the case."""
        g = schema.glossary_pairs
        query = select(g.c.message, g.c.abbreviation, g.c.expansion, g.c.form).order_by(g.c.message, g.c.position)
        with self.engine.connect() as conn:
            return [(m, a, e, f) for m, a, e, f in conn.execute(query)]

    def mentions(self, code: str) -> list[str]:
        c = schema.code_mentions
        with self.engine.connect() as conn:
            return sorted(set(conn.scalars(select(c.c.message).where(c.c.code == code))))

    def codes_in(self, messages: Sequence[str]) -> dict[str, int]:
        """Codes named in these messages, with how many of them name each."""
        c = schema.code_mentions
        counts: dict[str, int] = {}
        wanted = list(messages)
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                query = (
                    select(c.c.code, func.count(func.distinct(c.c.message)))
                    .where(c.c.message.in_(wanted[start : start + 500]))
                    .group_by(c.c.code)
                )
                for code, n in conn.execute(query):
                    counts[code] = counts.get(code, 0) + n
        return counts
