"""Long id lists asked of the database in slices: SQLite allows a bounded number of bound parameters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Engine, select

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def by_message(engine: Engine, key: Any, value: Any, messages: Iterable[str]) -> dict[str, Any]:
    """``value`` for each of these messages (``key`` is the message column), 500 at a time."""
    found: dict[str, Any] = {}
    with engine.connect() as conn:
        for chunk in chunks(list(messages), 500):
            found.update({k: v for k, v in conn.execute(select(key, value).where(key.in_(chunk)))})
    return found
