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

from sqlalchemy import CompoundSelect, Engine, Select, and_, func, or_, select, update

from loupe.model import LEVEL_ORDER, SOURCE_LEVELS
from loupe.store import schema
from loupe.store.batching import by_message, chunks

#: The orders of the sources table (``loupe sources --sort``, the web's sources page).
TABLE_ORDERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "reports": lambda s: (-s["reports"], s["code"]),
    "code": lambda s: (s["code"][:2], int(s["code"][2:]) if s["code"][2:].isdigit() else 0, s["code"]),
    "first": lambda s: (s["first"] or "~", s["code"]),
    "last": lambda s: (s["last"] or "", s["code"]),
    "mentions": lambda s: (-s["messages_mentioning"], s["code"]),
}


#: The rules whose mention establishes a code for the whole case (the ``report`` level).
_REPORT_RULES = tuple(rule for rule, level in SOURCE_LEVELS.items() if level == "report")


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

    def established(self) -> CompoundSelect[Any]:
        """The codes some report established: an insight block, an insight subject or a
        handler's note names them (``model.SOURCE_LEVELS``). A query, to nest in others."""
        c, i = schema.code_mentions, schema.insights
        strong = select(c.c.code).where(c.c.where.in_(_REPORT_RULES))
        return strong.union(select(i.c.code).where(i.c.code.is_not(None)))

    def _counted(self) -> Select[Any]:
        """(code, message, rule) of every mention that counts: bare ones only for established codes."""
        c = schema.code_mentions
        established = self.established().subquery()
        return select(c.c.code, c.c.message, c.c.where).where(
            or_(c.c.where != "mention", c.c.code.in_(select(established.c.code)))
        )

    def named_in(self, code: str | None = None) -> dict[str, dict[str, str]]:
        """code -> {message: level}: each message counted once, at the strongest level it names
        the code (an insight of its own, or its stripped copy, is a report)."""
        i = schema.insights
        counted = self._counted()
        blocks = select(func.coalesce(i.c.code, i.c.linked_code), i.c.message)
        if code is not None:
            counted = counted.where(schema.code_mentions.c.code == code)
            blocks = blocks.where(or_(i.c.code == code, i.c.linked_code == code))
        levels: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for found, message in conn.execute(blocks):
                if found is not None:
                    levels.setdefault(found, {})[message] = "report"
            for found, message, rule in conn.execute(counted):
                level = SOURCE_LEVELS.get(rule, "mention")
                held = levels.setdefault(found, {})
                current = held.get(message)
                if current is None or LEVEL_ORDER.index(level) < LEVEL_ORDER.index(current):
                    held[message] = level
        return levels

    def table(self) -> list[dict[str, Any]]:
        """Every code with its reports, copies, first and last date, lists, and the messages
        naming it at each level, by code; a code only ever met bare (never established) is no source."""
        i, m = schema.insights, schema.messages
        code = func.coalesce(i.c.code, i.c.linked_code)
        query = (
            select(
                code,
                func.count().filter(and_(i.c.code.is_not(None), i.c.variant != "quoted")),
                func.count().filter(i.c.code.is_(None)),
                func.count().filter(i.c.variant == "quoted"),
                func.count(func.distinct(m.c.list_id)),
            )
            .join(m, m.c.id == i.c.message)
            .where(code.is_not(None))
            .group_by(code)
        )
        with self.engine.connect() as conn:
            blocks = {r[0]: r[1:] for r in conn.execute(query)}
        named = self.named_in()
        m = schema.messages
        dates = by_message(
            self.engine, m.c.id, m.c.date, {message for messages in named.values() for message in messages}
        )
        out = []
        for found, messages in sorted(named.items()):  # the rows' order is not the backend's
            reports, stripped, quoted, lists = blocks.get(found, (0, 0, 0, 0))
            when = sorted(dates[message] for message in messages if dates.get(message))
            out.append(
                {
                    "code": found,
                    "reports": reports,
                    "stripped_copies": stripped,
                    "quoted_copies": quoted,
                    "first": when[0][:10] if when else "",
                    "last": when[-1][:10] if when else "",
                    "lists": lists,
                    "messages_mentioning": len(messages),
                    # messages naming it, each at its strongest level (flat, so CSV has a column each)
                    **{f"{level}_messages": sum(1 for v in messages.values() if v == level) for level in LEVEL_ORDER},
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
        """Every message naming the code at any level that counts (``mention:CODE`` searches these)."""
        return sorted(self.named_in(code).get(code, {}))

    def codes_in(self, messages: Sequence[str]) -> dict[str, int]:
        """Codes named in these messages, with how many of them name each."""
        counted = self._counted().subquery()
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(messages), 500):
                query = (
                    select(counted.c.code, func.count(func.distinct(counted.c.message)))
                    .where(counted.c.message.in_(chunk))
                    .group_by(counted.c.code)
                )
                for code, n in conn.execute(query):
                    counts[code] = counts.get(code, 0) + n
        return counts
