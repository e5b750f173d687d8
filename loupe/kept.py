"""A bounded memory of answers that do not change, for a long-lived process (the web server).

The least recently used entry goes when the bound is passed. A plain dict
keeps insertion order, so moving an entry to the end on each use is all the
bookkeeping: no lock (the web server's case is used by one request at a
time, ``web.workbench``) and no dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._entries: dict[K, V] = {}

    def get(self, key: K, work: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``work()``'s, then kept."""
        value = self._entries.pop(key) if key in self._entries else work()
        self._entries[key] = value  # most recent last
        if len(self._entries) > self.bound:
            del self._entries[next(iter(self._entries))]
        return value

    def find(self, key: K) -> V | None:
        """The value kept for ``key`` (now the most recent), or None."""
        if key not in self._entries:
            return None
        value = self._entries.pop(key)
        self._entries[key] = value
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, replacing what was kept."""
        self._entries.pop(key, None)
        self.get(key, lambda: value)

    def __len__(self) -> int:
        return len(self._entries)
