"""Ingest through a Dask cluster: the walk cut into tasks, parsed by Dask workers, written here.

Shape of a run with ``loupe ingest PATH --scheduler tcp://HOST:8786``:

    plan (this process: names files, finds an mbox's messages)  ->  tasks
        ->  Dask workers: read, parse, analyse, compress   (``run_task``)
        ->  results, in the walk's order  ->  the case's one writer (``pipeline``)

What travels is small: a task names files, or byte spans of an mbox, and a
worker reads them itself, so workers need the inputs at the same path (a
shared folder or the same mount); the case folder stays with the writer.
Results come back in the order of the walk, so the case is the one a run
without Dask makes, row for row: the same item is the first copy of a
message, the same blobs are written, the same threads follow.

Faults are Dask's to handle: a task whose worker dies is run again
elsewhere, and its result is taken once, in its place in the order. A
scheduler that goes away stops the run like Ctrl-C: what was written stays,
the ledger (``items``) says what that was, and ``loupe ingest`` resumes.
"""

from __future__ import annotations

import gc
import logging
import mmap
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loupe.errors import LoupeError
from loupe.ingest.containers import HEAD_BYTES, MIN_SCORE, READERS, Item, WalkContext, mbox_item, read_file, walk_files
from loupe.ingest.mbox import iter_mbox
from loupe.ingest.worker import Outcome, TextRules, process_chunk
from loupe.model import OFFSET_SEP, BadItem, RawItem
from loupe.near_duplicates.grouping import BandMapper

if TYPE_CHECKING:
    from loupe.ingest.attachments import ExtractLimits

#: ``distributed.Client`` and its futures: the library's methods are not typed.
Client = Any
Future = Any

log = logging.getLogger("loupe.ingest")

#: A task holds at most this many items ...
TASK_ITEMS = 256
#: ... and this many bytes (a larger file goes alone). A task costs the scheduler about a
#: millisecond; 256 messages of a few KB cost a worker about half a second to parse.
TASK_BYTES = 4 * 1024 * 1024
#: Workers parse a task in chunks of this many items: the meaning vectors are made a chunk at a time.
CHUNK_ITEMS = 64


class ClusterError(LoupeError):
    """The cluster cannot do the run: no scheduler at the address, workers that cannot read the inputs,
    a task that failed everywhere, or a scheduler gone mid-run (the case then resumes like after Ctrl-C)."""

    def __init__(self, scheduler: str, reason: str) -> None:
        super().__init__(f"Dask scheduler {scheduler}: {reason}")
        self.scheduler = scheduler
        self.reason = reason


@dataclass(frozen=True)
class Span:
    """One message of an mbox: its bytes are the file's from ``start``, ``length`` of them."""

    path: str
    locator: str
    start: int
    length: int


#: What a task names: a file to read as the walk would, an mbox message's bytes, or an item read already.
Piece = Path | Span | Item


@dataclass(frozen=True)
class Task:
    """Pieces of the walk, in its order; ``number`` is the task's place in it."""

    number: int
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class ItemResult:
    """What a worker made of one input item: its outcomes, or None when the case has the item already."""

    locator: str
    size: int
    outcomes: list[Outcome] | None


@dataclass(frozen=True)
class RunSetup:
    """What every task of a run needs, sent to each worker once (``Client.scatter``)."""

    run: str  # the case and run, so a worker that outlives a run starts the next afresh
    dictionary: bytes | None
    limits: ExtractLimits
    codes: TextRules
    walk: WalkContext
    gazetteer: bytes | None = field(default=None, repr=False)


# --- the plan, in the writer's process ------------------------------------------------------------


def plan(paths: list[Path], ctx: WalkContext) -> Iterator[Task]:
    """The walk of ``paths`` as tasks: files in groups, a large mbox as spans of its messages.

    Only a large mbox is read here (to find where its messages are: ``iter_mbox`` decides, as in
    the walk); other files are only named, with their size from ``stat``."""
    pieces: list[Piece] = []
    size = 0
    number = 0
    for piece, piece_size in _pieces(paths, ctx):
        if pieces and (len(pieces) >= TASK_ITEMS or size + piece_size > TASK_BYTES):
            yield Task(number, tuple(pieces))
            number += 1
            pieces, size = [], 0
        pieces.append(piece)
        size += piece_size
    if pieces:
        yield Task(number, tuple(pieces))


def _pieces(paths: list[Path], ctx: WalkContext) -> Iterator[tuple[Piece, int]]:
    for unit in walk_files(paths, ctx):
        if not isinstance(unit, Path):
            yield unit, len(unit.data)
            continue
        try:
            size = unit.stat().st_size
        except OSError:
            size = 0  # the worker's read says why, as the walk's would
        if size > TASK_BYTES and _is_mbox(unit):
            yield from _mbox_spans(unit, ctx)
        else:
            yield unit, size


def _is_mbox(path: Path) -> bool:
    """Whether the walk would read this file as an mbox (the best-scoring reader, as in ``read_source``)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return False
    score, best = max(((reader.score(head), reader) for reader in READERS), key=lambda pair: pair[0])
    return score >= MIN_SCORE and best.name == "mbox"


def _mbox_spans(path: Path, ctx: WalkContext) -> Iterator[tuple[Piece, int]]:
    """Each message of an mbox as a span (or an item, when it is over the size limit).

    ``iter_mbox`` finds the messages, exactly as the walk does; each message's bytes are then
    found in the file (after its separator line, or at the start for a head of file without
    one). Should one not be found where it should be, the whole file goes to one task."""
    spans: list[tuple[Piece, int]] = []
    with (
        path.open("rb") as handle,
        mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as whole,
        path.open("rb") as reading,
    ):
        for offset, data in iter_mbox(reading, limit=ctx.max_message_bytes):
            locator = f"{path}{OFFSET_SEP}{offset}"
            item = mbox_item(locator, data, ctx)
            if isinstance(item, BadItem):  # over the size limit: quarantined as the walk would, no bytes to read
                spans.append((item, 0))
                continue
            start = _start_of(whole, offset, data)
            if start is None:
                yield path, len(whole)
                return
            spans.append((Span(str(path), locator, start, len(data)), len(data)))
    yield from spans


def _start_of(whole: mmap.mmap, offset: int, data: bytes) -> int | None:
    """Where ``data`` starts in the file: right after the separator line at ``offset``, or at ``offset``."""
    after_separator = whole.find(b"\n", offset) + 1
    for start in (after_separator, offset) if after_separator else (offset,):
        if whole[start : start + len(data)] == data:
            return start
    return None


# --- on a worker ----------------------------------------------------------------------------------


class SeenBefore:
    """Content keys this worker process has analysed in the run, with the first task that did.

    A copy of a message is not analysed again (``worker.process_item``'s ``seen``) only when
    the writer is sure to meet the analysed one first: it came earlier in this task, or in a
    task earlier in the walk. Dask runs tasks in any order and runs a task again after a
    worker dies, so "seen by this process" alone would not say that."""

    def __init__(self) -> None:
        self.first: dict[str, int] = {}
        self.task = 0
        self.now: set[str] = set()

    def start(self, task: int) -> None:
        self.task, self.now = task, set()

    def __contains__(self, key: object) -> bool:
        return key in self.now or self.first.get(str(key), self.task) < self.task

    def add(self, key: str) -> None:
        self.now.add(key)
        self.first[key] = min(self.first.get(key, self.task), self.task)

    def __len__(self) -> int:
        return len(self.first)

    def clear(self) -> None:
        self.first.clear()


_RUN: dict[str, Any] = {}  # the run this worker process is in: its name and what it has seen


def run_task(task: Task, setup: RunSetup, known: frozenset[str]) -> list[ItemResult]:
    """Read, parse, analyse and compress one task's items, in order (a Dask task).

    ``known``: the locators the case has already (sent once per run); they are read, to be
    counted as the walk counts them, but not parsed."""
    if _RUN.get("run") != setup.run:
        from loupe.entities.gazetteer import install

        install(setup.gazetteer)
        if not _RUN:
            gc.freeze()  # as ``worker.start_worker``: the modules and the gazetteer, never collected again
        _RUN.update(run=setup.run, seen=SeenBefore())
    seen: SeenBefore = _RUN["seen"]
    seen.start(task.number)
    results: list[ItemResult] = []
    fresh: list[Item] = []
    for item in _items(task, setup.walk):
        if item.locator in known:
            results.append(ItemResult(item.locator, len(item.data), None))
        else:
            results.append(ItemResult(item.locator, len(item.data), []))
            fresh.append(item)
    outcomes: list[list[Outcome]] = []
    for at in range(0, len(fresh), CHUNK_ITEMS):
        chunk = fresh[at : at + CHUNK_ITEMS]
        outcomes += process_chunk(chunk, setup.dictionary, setup.limits, setup.codes, setup.walk, seen)
    parsed = iter(outcomes)
    return [r if r.outcomes is None else ItemResult(r.locator, r.size, next(parsed)) for r in results]


def _items(task: Task, ctx: WalkContext) -> Iterator[Item]:
    handles: dict[str, Any] = {}
    try:
        for piece in task.pieces:
            if isinstance(piece, Path):
                yield from read_file(piece, ctx)
            elif isinstance(piece, Span):
                if piece.path not in handles:  # one open file an mbox for the task's spans, closed below
                    handles[piece.path] = open(piece.path, "rb")  # noqa: SIM115
                handle = handles[piece.path]
                handle.seek(piece.start)
                data = handle.read(piece.length)
                if len(data) != piece.length:  # the file changed since the plan: quarantined, with why
                    yield BadItem(piece.locator, f"message cut short: {len(data)} of {piece.length} bytes readable")
                else:
                    yield RawItem(piece.locator, data)
            else:
                yield piece
    finally:
        for handle in handles.values():
            handle.close()


def missing_inputs(paths: list[str]) -> list[str]:
    """The inputs this worker cannot see (run on every worker before a run)."""
    return [path for path in paths if not os.path.exists(path)]


# --- the run, in the writer's process -------------------------------------------------------------


def connect(scheduler: str) -> Client:
    """A client of the scheduler at ``scheduler``, or a ``ClusterError`` saying why not."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=10, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ClusterError(scheduler, f"cannot connect ({exc})") from None


def results(
    client: Client, scheduler: str, paths: list[Path], setup: RunSetup, known: set[str]
) -> Iterator[ItemResult]:
    """Every item of the walk, as workers made it, in the walk's order.

    At most ``2 * threads + 2`` tasks are out at once (threads: the cluster's, when the run
    starts), so memory stays bounded however large the input."""
    from distributed import CancelledError

    workers = client.scheduler_info()["workers"]
    if not workers:
        raise ClusterError(scheduler, "no workers are connected (start some with `dask worker`)")
    inputs = [str(path.resolve()) for path in paths]
    unseen = {worker: missing for worker, missing in client.run(missing_inputs, inputs).items() if missing}
    if unseen:
        worker, missing = next(iter(unseen.items()))
        raise ClusterError(
            scheduler,
            f"worker {worker} cannot read {missing[0]} ({len(unseen)} of {len(workers)} workers cannot read "
            "some input): workers need the inputs at the same path, on a shared folder or the same mount",
        )
    threads = sum(client.nthreads().values())
    window = 2 * threads + 2
    # in a list: a bare set would be scattered as one future for each of its members
    shared_setup, shared_known = client.scatter([setup, frozenset(known)], broadcast=True, hash=False)
    in_flight: deque[Future] = deque()
    try:
        for task in plan(paths, setup.walk):  # streams, as the walk does
            key = f"loupe-ingest-{setup.run}-{task.number}"
            in_flight.append(client.submit(run_task, task, shared_setup, shared_known, key=key, pure=False))
            while len(in_flight) > window:
                yield from _taken(in_flight.popleft(), scheduler)
        while in_flight:
            yield from _taken(in_flight.popleft(), scheduler)
    except CancelledError:
        raise ClusterError(scheduler, _GONE) from None
    finally:
        for future in in_flight:
            future.release()


_GONE = "the scheduler went away; what was written is kept, and `loupe ingest` again resumes the run"


def _taken(future: Future, scheduler: str) -> list[ItemResult]:
    from distributed import CancelledError
    from distributed.scheduler import KilledWorker

    try:
        taken: list[ItemResult] = future.result()
    except KilledWorker as exc:
        raise ClusterError(scheduler, f"a task killed every worker that ran it ({exc})") from None
    except CancelledError:
        raise ClusterError(scheduler, _GONE) from None
    except OSError as exc:  # the connection to the scheduler
        raise ClusterError(scheduler, f"{_GONE} ({exc})") from None
    future.release()
    return taken


def band_mapper(client: Client, scheduler: str) -> BandMapper:
    """The near-duplicate step's bands verified on the cluster's workers (``grouping._verified_pairs``):
    the signatures sent once, a task a band. Should the cluster fail meanwhile, the bands not
    done yet are verified here: the ingest's mail is all written by then, and its step finishes."""

    def map_bands(step: Callable[[Any, int, int], Any], nodes: Any, need: int, bands: int) -> Iterator[Any]:
        from distributed import as_completed

        done: set[int] = set()
        try:
            [shared] = client.scatter([nodes], hash=False)
            futures = {client.submit(step, shared, band, need, pure=False): band for band in range(bands)}
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                pairs = future.result()
                done.add(futures[future])
                yield pairs
        except Exception as exc:  # any fault of the cluster: the step is finished here
            log.warning("Dask scheduler %s: near-duplicate bands verified here instead (%s)", scheduler, exc)
        for band in range(bands):
            if band not in done:
                yield step(nodes, band, need)

    return map_bands


def dictionary_samples(paths: list[Path], ctx: WalkContext, known: set[str], count: int) -> list[Item]:
    """The first ``count`` items of the walk the case does not have: what the compression
    dictionary learns from, the same as a run without Dask (read here; workers read them again)."""
    from loupe.ingest.containers import walk

    return list(islice((item for item in walk(paths, ctx) if item.locator not in known), count))
