"""Making a case's meaning vectors: per message in the parser workers, and for what they missed.

At ingest each worker embeds the passages of the messages it parses
(``message_passages``), and the batch writer stores them with the message.
``refresh`` then does what is left, as its own phase with its own progress:
messages without vectors (a case from before meaning, or ingested with
``[ingest] meaning = false`` and switched on since) are read again from
their originals and embedded; then the nearest-neighbour file is extended.
The vectors of another model are dropped and made again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from loupe.meaning.model import DIMENSIONS, MODEL_NAME, Codes, embed, to_codes
from loupe.meaning.passages import own_passages

if TYPE_CHECKING:
    from loupe.case import Case

#: Messages read back and embedded per transaction by ``refresh``.
BACKFILL_BATCH = 500

#: From this many messages to embed, they are read back by a pool of processes.
PARALLEL_FROM = 5_000

#: A message and its passages: (id, [(start, end)], int8 vectors).
Embedded = tuple[str, list[tuple[int, int]], Codes]

#: (done so far, total, what is being done)
MeaningProgress = Callable[[int, int, str], None]


def message_passages(body: str) -> tuple[list[tuple[int, int]], Codes]:
    """A body's own passages, as (start, end) offsets and int8 vectors."""
    passages = own_passages(body)
    if not passages:
        return [], np.zeros((0, DIMENSIONS), dtype=np.int8)
    return [(p.start, p.end) for p in passages], to_codes(embed([p.text for p in passages]))


def refresh(case: Case, on_progress: MeaningProgress | None = None, workers: int | None = None) -> int:
    """Embed the messages that lack vectors, then bring the index level; returns messages embedded.

    Read back in parallel (``workers`` processes, one per core by default)
    when there are many: each opens the case read-only and returns vectors;
    this process alone writes."""
    store = case.db.meaning
    index = case.passage_index
    state = index.state()
    if state is not None and state.model != MODEL_NAME:
        store.clear()
        index.reset()
    missing = store.count_missing()
    workers = workers if workers is not None else case.settings.effective_workers()
    done = 0
    for rows in _embedded_batches(case, missing, workers):
        store.add(rows)
        done += len(rows)
        if on_progress is not None:
            on_progress(done, missing, "embedding passages")
    index.update(None if on_progress is None else lambda n, total: on_progress(n, total, "indexing passages"))
    return done


def _embedded_batches(case: Case, missing: int, workers: int) -> Iterator[list[Embedded]]:
    """The missing messages' passages, a batch at a time, in-process or from a pool of readers."""
    store = case.db.meaning
    last = ""

    def batches(size: int) -> Iterator[list[str]]:
        nonlocal last
        while batch := store.missing_messages(last, size):
            last = batch[-1]
            yield batch

    if workers <= 1 or missing < PARALLEL_FROM:
        for batch in batches(BACKFILL_BATCH):
            yield [_embedded(case, message) for message in batch]
        return
    context = get_context("spawn")  # as ingest: no inherited database handles
    reader = (str(case.root), case.db.url)
    with ProcessPoolExecutor(workers, context, initializer=_open_reader, initargs=reader) as pool:
        pending: deque[Future[list[Embedded]]] = deque()
        for batch in batches(BACKFILL_BATCH):
            pending.append(pool.submit(_embed_in_reader, batch))
            while len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _embedded(case: Case, message: str) -> Embedded:
    try:
        body = case.parsed(message, attachment_text=False).body_text
    except Exception:  # an original that cannot be read again: no passages; the message itself stays
        body = ""
    spans, codes = message_passages(body)
    return message, spans, codes


_READER: Case | None = None


def _open_reader(root: str, db_url: str) -> None:
    global _READER
    from loupe.case import Case

    _READER = Case.open(Path(root), db_url=db_url)


def _embed_in_reader(batch: list[str]) -> list[Embedded]:
    assert _READER is not None, "the pool's initializer opens the case"
    return [_embedded(_READER, message) for message in batch]
