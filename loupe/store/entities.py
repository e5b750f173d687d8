"""Reads and writes of named entities: how each is written, and users' corrections.

Which messages name an entity is not here but in the full-text index (one
exact-value field per kind), where counting them for any query is an
aggregation. The database keeps the small rest: one display name per entity
(the first way the archive wrote it, accents and capitals included) and the
corrections, which ingest never touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select

from loupe.entities.corrections import KINDS, Corrections, Ident, entity_key
from loupe.errors import Ambiguous, NotFound
from loupe.store import schema
from loupe.store.batching import chunks


def insert_new_names(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Keep the first written form of each entity: rows already stored (from earlier batches) are left alone."""
    fresh: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        fresh.setdefault((row["kind"], row["key"]), row)
    # the dialect modules are imported here, by ingest only: PostgreSQL's costs every command 85 ms to load
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement: Any = postgresql.insert(schema.entity_names).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(schema.entity_names).on_conflict_do_nothing()
    conn.execute(statement, list(fresh.values()))


#: The corrections a user can make to an entity.
CORRECTIONS = ("hide", "unhide", "merge", "unmerge", "rename")


class EntityStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def names(self, idents: Iterable[Ident]) -> dict[Ident, str]:
        """The written form of each of these entities that the archive names."""
        e = schema.entity_names
        found: dict[Ident, str] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(idents)), 300):
                wanted = or_(*(and_(e.c.kind == kind, e.c.key == key) for kind, key in chunk))
                for kind, key, name in conn.execute(select(e.c.kind, e.c.key, e.c.name).where(wanted)):
                    found[(kind, key)] = name
        return found

    def keys_written(self, name: str, kinds: Sequence[str]) -> list[Ident]:
        """Entities first written exactly so (in any case): "Juarez" -> the place ``ciudad juarez``,
        whose key is not the name's own; what a facet shows can then be searched for."""
        e = schema.entity_names
        query = select(e.c.kind, e.c.key).where(func.lower(e.c.name) == name.strip().lower(), e.c.kind.in_(kinds))
        with self.engine.connect() as conn:
            return [(kind, key) for kind, key in conn.execute(query)]

    def resolve(self, name: str, kind: str | None = None) -> Ident:
        """The entity a user means by a name (as written, folded, or their own new name for it)."""
        key = entity_key(name)
        kinds = (kind,) if kind else KINDS
        found = set(self.names((k, key) for k in kinds)) | set(self.corrections().renamed_to(kind, key))
        found |= set(self.keys_written(name, kinds))  # "Juarez", as lists show the place ciudad juarez
        if not found:
            raise NotFound(kind or "entity", name)
        if len(found) > 1:
            raise Ambiguous(name, [f"--kind {k} ({key})" for k, key in sorted(found)])
        return found.pop()

    def correct(
        self, action: str, name: str, kind: str | None = None, target: str = "", target_kind: str | None = None
    ) -> tuple[Ident, Ident | None]:
        """One user's correction, as ``loupe entity`` and the names page make it: names resolved as
        lists show them; ``target`` is the entity merged into, or the new name. Returns the entity
        corrected and, for a merge, the one it joined. A correction that makes no sense is a
        ``ValueError`` (the caller says so in its own words: a usage error, a 400)."""
        if action not in CORRECTIONS:
            raise ValueError(f"action must be one of {', '.join(CORRECTIONS)}, not {action!r}")
        ident = self.resolve(name, kind)
        if action == "merge":
            into = self.resolve(target, target_kind)
            if into == ident:
                raise ValueError(f"{name!r} and {target!r} are already one entity")
            self.add_edit("merge", ident, into)
            return ident, into
        if action == "rename":
            if not target.strip():
                raise ValueError("rename needs the new name")
            self.add_edit("rename", ident, name=target.strip())
        else:
            self.add_edit("show" if action == "unhide" else action, ident)  # the replay's word for unhide
        return ident, None

    def add_edit(self, action: str, ident: Ident, target: Ident = ("", ""), name: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(schema.entity_edits).values(
                    action=action,
                    kind=ident[0],
                    key=ident[1],
                    target_kind=target[0],
                    target_key=target[1],
                    name=name,
                    created=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            )

    def edits(self) -> list[dict[str, Any]]:
        """Every correction, oldest first (for ``loupe entities edits`` and the replay)."""
        x = schema.entity_edits
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(x).order_by(x.c.id))]

    def corrections(self, automatic: Sequence[tuple[Ident, Ident]] = ()) -> Corrections:
        """The users' edits replayed over ``automatic`` merges (the glossary's: see ``Case.entity_corrections``),
        so a user's unmerge or rename wins."""
        merges = [("merge", a[0], a[1], b[0], b[1]) for a, b in automatic]
        edits = [
            (r["action"], r["kind"], r["key"], r["target_kind"], r["target_key"] or r["name"]) for r in self.edits()
        ]
        return Corrections.replay([*merges, *edits])

    def glossary_merges(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[Ident, Ident]]:
        """(abbreviation, expansion) pairs the archive glosses, as merges of entities it names both ways:
        "PGR" joins "Procuraduria General de la Republica" when both were read as organisations."""
        wanted = [
            ((kind, entity_key(abbreviation)), (kind, entity_key(expansion)))
            for abbreviation, expansion in pairs
            for kind in ("organisation", "place")
            if entity_key(abbreviation) != entity_key(expansion)
        ]
        known = self.names({i for pair in wanted for i in pair})
        return [(a, b) for a, b in wanted if a in known and b in known]
