"""The case's meaning vectors: passages of each message's own text, as int8 rows.

The database holds them (one transaction with the rest of a batch, so an
interrupted ingest never leaves vectors without their message or the other
way round); the nearest-neighbour index (``loupe.meaning.index``) is a
cache built from these rows and rebuilt from them when missing or stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from loupe.store import schema
from loupe.store.batching import chunks

if TYPE_CHECKING:  # numpy is imported where vectors are read: every open case has this store, few read it
    import numpy as np

    from loupe.meaning.model import Codes

_passages = schema.passages
_done = schema.meaning_messages


@dataclass(frozen=True)
class StoredPassage:
    id: int
    message: str
    start: int
    end: int


class MeaningStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(_passages)) or 0)

    def any(self) -> bool:
        """Has the case any passage? (What ``count() > 0`` asks, without counting two million rows.)"""
        with self.engine.connect() as conn:
            return conn.scalar(select(_passages.c.id).limit(1)) is not None

    def last_id(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.max(_passages.c.id))) or 0)

    def count_after(self, last: int) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(_passages).where(_passages.c.id > last)
            return int(conn.scalar(query) or 0)

    def messages_done(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(_done)) or 0)

    def missing_messages(self, after: str, limit: int) -> list[str]:
        """Messages not embedded yet (a case from before meaning, or ingested with it off), by id
        from ``after`` on: a batch of them, read in id order so no batch scans what earlier ones did."""
        query = (
            select(schema.messages.c.id)
            .where(schema.messages.c.id > after)
            .where(~select(_done.c.message).where(_done.c.message == schema.messages.c.id).exists())
            .order_by(schema.messages.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def count_missing(self) -> int:
        query = select(func.count()).where(
            ~select(_done.c.message).where(_done.c.message == schema.messages.c.id).exists()
        )
        with self.engine.connect() as conn:
            return int(conn.scalar(query.select_from(schema.messages)) or 0)

    def add(self, done: Iterable[tuple[str, list[tuple[int, int]], Codes]]) -> None:
        """Store (message, [(start, end)], int8 vectors) for each message, in one transaction."""
        with self.engine.begin() as conn:
            self.write(conn, done)

    @staticmethod
    def write(conn: Connection, done: Iterable[tuple[str, list[tuple[int, int]], Codes]]) -> None:
        rows, marks = [], []
        for message, spans, codes in done:
            marks.append({"message": message, "passages": len(spans)})
            for (start, end), row in zip(spans, codes, strict=True):
                rows.append({"message": message, "start": start, "end": end, "vector": row.tobytes()})
        if rows:
            conn.execute(_passages.insert(), rows)
        if marks:
            conn.execute(_done.insert(), marks)

    def vectors_after(self, last: int, batch: int = 20_000) -> Iterator[tuple[np.ndarray, Codes]]:
        """(ids, int8 vectors) of the passages with an id above ``last``, in batches, by id."""
        import numpy as np

        while True:
            query = select(_passages.c.id, _passages.c.vector).where(_passages.c.id > last)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(_passages.c.id).limit(batch)).all()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
            yield ids, _codes([r[1] for r in rows])
            last = int(ids[-1])

    def passages(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        wanted = sorted({int(i) for i in ids})
        found: dict[int, StoredPassage] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(wanted, 900):
                query = select(_passages.c.id, _passages.c.message, _passages.c.start, _passages.c.end)
                for row in conn.execute(query.where(_passages.c.id.in_(chunk))):
                    found[row[0]] = StoredPassage(*row)
        return found

    def of_messages(self, messages: Iterable[str]) -> dict[str, tuple[list[StoredPassage], Codes]]:
        """Each message's passages and their vectors (messages without any are left out)."""
        columns = (_passages.c.id, _passages.c.message, _passages.c.start, _passages.c.end, _passages.c.vector)
        rows: list[Any] = []
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(messages)), 500):
                query = select(*columns).where(_passages.c.message.in_(chunk)).order_by(_passages.c.id)
                rows.extend(conn.execute(query).all())
        grouped: dict[str, list[tuple[StoredPassage, bytes]]] = {}
        for row in rows:
            grouped.setdefault(row[1], []).append((StoredPassage(*row[:4]), row[4]))
        return {m: ([p for p, _ in items], _codes([v for _, v in items])) for m, items in grouped.items()}

    def clear(self) -> None:
        """Forget every vector (the model changed): they are made again from the originals."""
        with self.engine.begin() as conn:
            conn.execute(_passages.delete())
            conn.execute(_done.delete())


def _codes(blobs: list[bytes]) -> Codes:
    import numpy as np

    from loupe.meaning.model import DIMENSIONS

    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.int8)
    return np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(blobs), DIMENSIONS)
