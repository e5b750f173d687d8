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

The files are a cache of the ``passages`` rows: a sidecar JSON says which
model made them, the last passage id they hold, and the segments (files of
at most ``SEGMENT_PASSAGES`` passages each). Opening compares the model and
last id with the database; files from another model, or holding ids the
database no longer has, are rebuilt; files that are behind are extended,
by rewriting only the last segment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loupe.meaning.model import DIMENSIONS, MODEL_NAME, Vectors, to_codes
from loupe.store.meaning import MeaningStore

INDEX_FILE = "meaning.usearch"  # the one file of a case made before segments (read as its first segment)
STATE_FILE = "meaning.json"
#: Graph degree and build/search breadth: usearch's defaults, measured in ``bench/ann_choice.py``.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256
#: Passages a segment file holds at most: about 100 MB of int8 vectors and graph. Adding mail
#: loads and rewrites only the last segment, so the memory and the writing an ingest's meaning
#: index costs stay this size however big the case (one file of a 1,000,000-message case is 753
#: MB, and was loaded whole and written again to add ten messages).
SEGMENT_PASSAGES = 262_144


@dataclass(frozen=True)
class Segment:
    file: str  # in the case folder
    last_id: int  # the highest passage id it holds
    count: int


@dataclass(frozen=True)
class State:
    model: str
    last_id: int
    count: int
    segments: tuple[Segment, ...]


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
    """Search passages by meaning; ``update`` brings the files level with the database.

    The index is cut into segments of at most ``SEGMENT_PASSAGES`` passages, by
    id: passages are only ever added with higher ids, so every segment but
    the last is sealed, and a search asks each and keeps the nearest overall
    (each segment's graph searched as deep as one whole graph would be, so
    recall is no lower). A segment's file is written under a new name and
    the state file switched to it before the old one is removed: a run killed
    while writing leaves the previous state whole.
    """

    def __init__(self, root: Path, store: MeaningStore) -> None:
        self.root = root
        self.state_path = root / STATE_FILE
        self.store = store
        self._views: list[Any] | None = None

    def state(self) -> State | None:
        try:
            data = json.loads(self.state_path.read_text("utf-8"))
            last_id, count = int(data["last_id"]), int(data["count"])
            if "segments" in data:
                segments = tuple(Segment(str(f), int(i), int(n)) for f, i, n in data["segments"])
            else:  # made before segments: its one file is the first (sealed when full)
                segments = (Segment(INDEX_FILE, last_id, count),) if count else ()
            return State(str(data["model"]), last_id, count, segments)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def files(self) -> list[Path]:
        """The segment files the state names (some may be missing: ``is_current`` says)."""
        state = self.state()
        return [self.root / segment.file for segment in state.segments] if state is not None else []

    def reset(self) -> None:
        """Forget the files (their rows were dropped, or one cannot be read): the next update builds anew."""
        self._views = None
        for path in self._segment_files():
            path.unlink(missing_ok=True)
        self.state_path.unlink(missing_ok=True)

    def is_current(self) -> bool:
        """Do the files hold every passage? (By the last id, which costs nothing to read: rows are only
        ever removed all together, by ``refresh`` when the model changes, and it resets the files.)"""
        state = self.state()
        return (
            state is not None
            and state.model == MODEL_NAME
            and state.last_id == self.store.last_id()
            and all((self.root / segment.file).exists() for segment in state.segments)
        )

    def update(self, on_progress: Callable[[int, int], None] | None = None) -> int:
        """Add the passages the files lack (rebuild them when they cannot be extended); returns how many."""
        state = self.state()
        last, count = self.store.last_id(), self.store.count()
        files_exist = state is not None and all((self.root / s.file).exists() for s in state.segments)
        same_model = state is not None and files_exist and state.model == MODEL_NAME
        if same_model and state is not None and (state.last_id, state.count) == (last, count):
            return 0
        extendable = (
            same_model
            and state is not None
            and state.last_id <= last
            and count - self.store.count_after(state.last_id) == state.count  # nothing it holds was removed
        )
        segments = list(state.segments) if extendable and state is not None else []
        start = state.last_id if extendable and state is not None else 0
        index = None
        if segments and segments[-1].count < SEGMENT_PASSAGES:  # the last segment takes more
            index = _restored(self.root / segments[-1].file)
            if index is None:  # unreadable: everything is made again from the rows
                segments, start = [], 0
        total, added = count - (state.count if extendable and state is not None else 0), 0
        if index is None:
            index = _new_index()
            segments.append(Segment("", 0, 0))  # named when saved
        for ids, codes in self.store.vectors_after(start):
            at = 0
            while at < len(ids):
                if segments[-1].count >= SEGMENT_PASSAGES:  # full: sealed, the next one begins
                    segments[-1] = self._saved(index, len(segments), segments[-1])
                    index = _new_index()
                    segments.append(Segment("", 0, 0))  # named when saved
                room = SEGMENT_PASSAGES - segments[-1].count
                part_ids, part_codes = ids[at : at + room], codes[at : at + room]
                index.add(part_ids, part_codes, threads=0)
                segments[-1] = Segment(segments[-1].file, int(part_ids[-1]), segments[-1].count + len(part_ids))
                at += len(part_ids)
            added += len(ids)
            if on_progress is not None:
                on_progress(added, total)
        if segments[-1].count:
            segments[-1] = self._saved(index, len(segments), segments[-1])
        else:
            segments.pop()  # nothing to add after all
        self.state_path.write_text(
            json.dumps(
                {
                    "model": MODEL_NAME,
                    "last_id": last,
                    "count": count,
                    "segments": [[s.file, s.last_id, s.count] for s in segments],
                }
            ),
            "utf-8",
        )
        named = {s.file for s in segments}
        for path in self._segment_files():  # the files the new state replaced, and any a killed run left
            if path.name not in named:
                path.unlink(missing_ok=True)
        self._views = None
        return added

    def _saved(self, index: Any, number: int, segment: Segment) -> Segment:
        """The ``number``-th segment written to a file of its own name (number and last id): never over
        the file the state names now, which stays whole until the state names the new one."""
        saved = Segment(_segment_name(number, segment.last_id), segment.last_id, segment.count)
        tmp = self.root / f"{saved.file}.tmp"
        index.save(str(tmp))
        tmp.replace(self.root / saved.file)
        return saved

    def _segment_files(self) -> list[Path]:
        return [self.root / INDEX_FILE, *self.root.glob("meaning-*.usearch"), *self.root.glob("meaning*.tmp")]

    def search(self, vectors: Vectors, count: int) -> list[list[tuple[int, float]]]:
        """For each query vector, the ``count`` nearest passages as (passage id, cosine), best first."""
        if len(vectors) == 0:
            return []
        if self._views is None:
            if not self.is_current():
                self.update()
            self._views = self._opened()
            if self._views is None:  # a file is unreadable: made again from the rows
                self.reset()
                self.update()
                self._views = self._opened() or []
        views = [view for view in self._views if len(view)]
        found = []
        for vector in to_codes(vectors):
            nearest: list[tuple[int, float]] = []
            for view in views:
                matches = view.search(vector, count=min(count, len(view)))
                nearest += [(int(k), 1.0 - float(d)) for k, d in zip(matches.keys, matches.distances, strict=True)]
            found.append(sorted(nearest, key=lambda hit: (-hit[1], hit[0]))[:count])
        return found

    def _opened(self) -> list[Any] | None:
        """Every segment memory-mapped (``view``), or None when one cannot be read."""
        views = [_restored(path, view=True) for path in self.files()]
        return None if any(view is None for view in views) else views


def _segment_name(number: int, last_id: int) -> str:
    return f"meaning-{number}-{last_id}.usearch"


def _restored(path: Path, view: bool = False) -> Any:
    """The saved index, or None when the file is missing or not a usearch index (truncated, overwritten)."""
    from usearch.index import Index

    try:
        return Index.restore(str(path), view=view)
    except (ValueError, RuntimeError, OSError):
        return None
