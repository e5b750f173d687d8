"""The nearest-neighbour index of passage vectors: a usearch HNSW graph of int8 vectors in one file.

Why usearch (``bench/ann_choice.py`` measures it against hnswlib and
faiss-cpu on wordllama vectors of real mail): it stores int8 vectors natively
(hnswlib keeps float32 only: three times the disk), saves to one file that
opens memory-mapped (``view``: in 20 ms, with the pages the system may drop
again; queries bring the rest of the file in), takes new vectors as mail
arrives, and is actively released on PyPI for Linux, macOS and Windows.
faiss-cpu's HNSWSQ8 builds twice as fast, but cannot remove vectors, keys
them by position and learns its 8-bit ranges from a first batch. At 200,000
passages, recall@100 at ``EXPANSION_SEARCH`` 256 is about 0.87 for every
library: the graph, not the library, sets it.

The file is a cache of the ``passages`` rows: a sidecar JSON says which
model made them and the last passage id it holds. Opening compares both
with the database; a file from another model, or holding ids the database
no longer has, is rebuilt; one that is behind is extended.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loupe.meaning.model import DIMENSIONS, MODEL_NAME, Vectors, to_codes
from loupe.store.meaning import MeaningStore

INDEX_FILE = "meaning.usearch"
STATE_FILE = "meaning.json"
#: Graph degree and build/search breadth: usearch's defaults, measured in ``bench/ann_choice.py``.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256


@dataclass(frozen=True)
class State:
    model: str
    last_id: int
    count: int


def _new_index() -> Any:
    from usearch.index import Index

    return Index(
        ndim=DIMENSIONS,
        metric="cos",
        dtype="i8",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


class PassageIndex:
    """Search passages by meaning; ``update`` brings the file level with the database."""

    def __init__(self, root: Path, store: MeaningStore) -> None:
        self.path = root / INDEX_FILE
        self.state_path = root / STATE_FILE
        self.store = store
        self._index: Any = None
        self._opened: float | None = None  # the state file's mtime when the view was opened

    def state(self) -> State | None:
        try:
            data = json.loads(self.state_path.read_text("utf-8"))
            return State(str(data["model"]), int(data["last_id"]), int(data["count"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def reset(self) -> None:
        """Forget the file (its rows were dropped, or it cannot be read): the next update builds it anew."""
        self._index = None
        self.path.unlink(missing_ok=True)
        self.state_path.unlink(missing_ok=True)

    def is_current(self) -> bool:
        """Does the file hold every passage? (By the last id, which costs nothing to read: rows are only
        ever removed all together, by ``refresh`` when the model changes, and it resets the file.)"""
        state = self.state()
        return (
            state is not None
            and self.path.exists()
            and state.model == MODEL_NAME
            and state.last_id == self.store.last_id()
        )

    def update(self, on_progress: Callable[[int, int], None] | None = None) -> int:
        """Add the passages the file lacks (rebuild it when it cannot be extended); returns how many."""

        state = self.state()
        last, count = self.store.last_id(), self.store.count()
        same_model = state is not None and self.path.exists() and state.model == MODEL_NAME
        if same_model and state is not None and (state.last_id, state.count) == (last, count):
            return 0
        extendable = (
            same_model
            and state is not None
            and state.last_id <= last
            and count - self.store.count_after(state.last_id) == state.count  # nothing it holds was removed
        )
        index = _restored(self.path) if extendable else None
        start = state.last_id if index is not None and state is not None else 0
        if index is None:
            index = _new_index()
        total = count - len(index)
        added = 0
        for ids, codes in self.store.vectors_after(start):
            index.add(ids, codes, threads=0)
            added += len(ids)
            if on_progress is not None:
                on_progress(added, total)
        tmp = self.path.with_suffix(".tmp")
        index.save(str(tmp))
        tmp.replace(self.path)  # the old file stays whole until the new one is complete
        self.state_path.write_text(json.dumps({"model": MODEL_NAME, "last_id": last, "count": count}), "utf-8")
        self._index = None
        return added

    def search(self, vectors: Vectors, count: int) -> list[list[tuple[int, float]]]:
        """For each query vector, the ``count`` nearest passages as (passage id, cosine), best first."""
        if len(vectors) == 0:
            return []
        if self._index is None:
            if not self.is_current():
                self.update()

            self._index = _restored(self.path, view=True)
            if self._index is None:  # unreadable: made again from the rows
                self.reset()
                self.update()
                self._index = _restored(self.path, view=True)
        if self._index is None or len(self._index) == 0:
            return [[] for _ in vectors]
        found = []
        for vector in to_codes(vectors):
            matches = self._index.search(vector, count=min(count, len(self._index)))
            found.append([(int(k), 1.0 - float(d)) for k, d in zip(matches.keys, matches.distances, strict=True)])
        return found


def _restored(path: Path, view: bool = False) -> Any:
    """The saved index, or None when the file is missing or not a usearch index (truncated, overwritten)."""
    from usearch.index import Index

    try:
        return Index.restore(str(path), view=view)
    except (ValueError, RuntimeError, OSError):
        return None


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None
