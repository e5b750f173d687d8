"""CPU time a message of every ingest stage, in the workers and in the main process (issue 17).

Why: issue 17 sets ingest a budget of 0.8 ms of CPU a message, all stages
together, and every later change (a compiled parser, a cheaper signature,
a leaner writer) is to be judged against it. ``ingest_bench.py`` gives wall
time on all cores, which says how fast but not where the time goes; this
script says where, in CPU time (not wall: the machine is often shared with
test runs, and CPU time is what a core spends whatever the load).

How: on an amplified Maildir (``ingest_bench.make_archive``: the real
notmuch list mail through ``../shared/tools/amplify.py``, cached in
``bench/work/``) it

1. walks and reads the input alone (``containers.walk``), as a floor for the
   main process's reading;
2. runs a real ``pipeline.ingest`` with ``workers=1``, so that the parser's
   work happens in this process and one clock sees every stage, having
   wrapped (here only: loupe is not changed) the functions the stages are:
   those ``worker.process_item`` calls on each item (compression, parsing,
   MinHash, quoted blocks, signature key, codes, insights, glossary,
   entities, meaning passages and vectors), the batch writer's parts
   (rows, blob pack, index, SQLite), and the whole-case step after reading
   (``analysis.refresh``, the meaning refresh, VACUUM). Each wrapper adds
   the CPU spent in the call less that of the wrapped calls inside it, so a
   stage is counted once: the main thread's (``time.thread_time``) and, kept
   apart then added to the stage's row, other threads' meanwhile
   (``time.process_time`` less the former: Tantivy's indexer during a
   commit, the tokenizer's thread pool during ``embed``, usearch). With
   one worker nothing crosses between processes, so the wrapper around
   ``process_chunk`` pickles its arguments and its result as a process pool
   would (dumps and loads): those rows are what crossing costs with
   ``workers > 1``;
3. checks the stages against the run's total (``time.process_time`` of the
   process and ``getrusage`` of its children): what no stage holds is shown
   in two rows, the main thread outside every stage (the loop, the ledger,
   the run's bookkeeping) and other threads while no stage ran. Cyclic
   garbage collection runs inside whichever stage allocates; its total is
   printed below the table.

What a process pays once (the gazetteer, the meaning model, first imports
such as datasketch's scipy, compiled patterns) is paid before the profiled
run, by loading both and ingesting a few hundred of the messages into a
scratch case, and reported apart: it is not a cost a message. The wrappers
cost a few microseconds a call; the script measures and prints that
overhead, which is inside the figures.

Run: ``.venv/bin/python bench/ingest_profile.py --size 10000 --write``
(``--no-meaning`` adds the same run with ``[ingest] meaning = false``).
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import pickle
import resource
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from ingest_bench import make_archive  # noqa: E402
from results import publish  # noqa: E402

import loupe.analysis as analysis  # noqa: E402
import loupe.ingest.pipeline as pipeline  # noqa: E402
import loupe.ingest.stored as stored  # noqa: E402
import loupe.ingest.worker as worker  # noqa: E402
import loupe.search.index as search_index  # noqa: E402
from loupe.case import Case  # noqa: E402
from loupe.config import Settings  # noqa: E402
from loupe.entities.gazetteer import default_gazetteer  # noqa: E402
from loupe.ingest.containers import WalkContext, walk  # noqa: E402
from loupe.meaning.index import PassageIndex  # noqa: E402
from loupe.meaning.model import _model  # noqa: E402
from loupe.store.blobs import BlobStore  # noqa: E402
from loupe.store.compression import BlobCompressor  # noqa: E402
from loupe.store.database import CaseDatabase  # noqa: E402

#: The budget issue 17 sets for all per-message stages together, in ms of CPU a message.
BUDGET_MS = 0.8
#: Messages of the warm-up ingest before the profiled ones.
WARM_UP = 200


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    where: str  # main | worker | crossing (main or worker side) | whole case
    per_message: bool = True  # False: once per run (the dictionary, the whole-case step)


#: Table rows, in order. A wrapped function's own time (less the wrapped calls inside it) is its row.
STAGES = [
    Stage("walk", "walk + read the input (`containers.walk`)", "main"),
    Stage("dictionary", "train the zstd dictionary on the first 1,000", "main", per_message=False),
    Stage("pickle_in", "pickle a chunk of items to a worker", "main, crossing"),
    Stage("unpickle_in", "unpickle the chunk", "worker, crossing"),
    Stage("compress", "compress originals (sha256 + zstd, `BlobCompressor.compress`)", "worker"),
    Stage("as_rfc822", "Outlook .msg / .emlx to RFC 822 (`as_rfc822`)", "worker"),
    Stage("parse", "parse (`parse_message`: MIME, headers, bodies, attachments)", "worker"),
    Stage("document", "parse a document (`parse_document`)", "worker"),
    Stage("minhash", "near-duplicate MinHash (`signature`)", "worker"),
    Stage("blocks", "quoted/forwarded blocks (`find_blocks`)", "worker"),
    Stage("signature_key", "signature key (`signature_key`)", "worker"),
    Stage("codes", "source codes (`find_codes`)", "worker"),
    Stage("insights", "insight blocks (`parse_insights`)", "worker"),
    Stage("glossary", "glossary pairs (`find_pairs`)", "worker"),
    Stage("entities", "named entities (`message_entities`)", "worker"),
    Stage("passages", "meaning: own passages (`own_passages`)", "worker"),
    Stage("embed", "meaning: vectors (`embed`)", "worker"),
    Stage("meaning_rest", "meaning: int8 codes, one batch a chunk (rest of `embed_outcomes`)", "worker"),
    Stage("attached", "archives attached to messages (`_attached_archive`)", "worker"),
    Stage("process_item", "rest of `process_item` (Outcome, slimming, dedup)", "worker"),
    Stage("pickle_out", "pickle the outcomes back", "worker, crossing"),
    Stage("unpickle_out", "unpickle the outcomes", "main, crossing"),
    Stage("existing", "writer: which messages exist (`existing_messages`)", "main"),
    Stage("rows", "writer: database rows and index documents (rest of `flush`)", "main"),
    Stage("blobs", "writer: append to the blob pack (`_store_blobs`)", "main"),
    Stage("blob_sync", "writer: fsync the blob pack", "main"),
    Stage("prepare", "writer: index text, NFKC and CJK (`search.index.prepare`)", "main"),
    Stage("upsert", "writer: Tantivy documents (rest of `upsert`)", "main"),
    Stage("commit", "writer: Tantivy commit", "main"),
    Stage("sqlite", "writer: SQLite transaction (`write_batch`)", "main"),
    Stage("index_close", "index close (last commit, merges) and blob pack close", "main", per_message=False),
    Stage("near_dups", "whole case: near-duplicate groups", "whole case", per_message=False),
    Stage("threads", "whole case: threads", "whole case", per_message=False),
    Stage("people", "whole case: people", "whole case", per_message=False),
    Stage("analysis", "whole case: rest of `analysis.refresh`", "whole case", per_message=False),
    Stage(
        "meaning_index", "whole case: meaning index (usearch `PassageIndex.update`)", "whole case", per_message=False
    ),
    Stage("meaning_refresh", "whole case: rest of the meaning refresh", "whole case", per_message=False),
    Stage("compact", "whole case: VACUUM (`compact`)", "whole case", per_message=False),
]
#: Stages every run of this archive goes through: none of them timed means a wrapper missed its function
#: (renamed or called another way in loupe), and the table would silently shrink.
ESSENTIAL = ("walk", "compress", "parse", "minhash", "blocks", "entities", "rows", "sqlite", "threads")
WHOLE_CASE = ("near_dups", "threads", "people", "analysis", "meaning_index", "meaning_refresh", "compact")


@dataclass
class Profile:
    """Exclusive CPU time by stage: the main thread's, and other threads' while the stage ran."""

    main: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    other: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    wall: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # inclusive
    calls: Counter[str] = field(default_factory=Counter)
    stack: list[list[float]] = field(default_factory=list)  # per open stage: [nested main, nested other]
    keys: list[str] = field(default_factory=list)  # the open stages' keys, innermost last
    gc_started: float = 0.0
    gc_stage: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # by the stage it ran in
    gc_generation: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    gc_runs: Counter[int] = field(default_factory=Counter)

    def timed(self, key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            frame = [0.0, 0.0]
            self.stack.append(frame)
            self.keys.append(key)
            wall, thread, process = time.monotonic(), time.thread_time(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                thread, process = time.thread_time() - thread, time.process_time() - process
                self.stack.pop()
                self.keys.pop()
                self.main[key] += thread - frame[0]
                self.other[key] += process - thread - frame[1]
                self.wall[key] += time.monotonic() - wall
                self.calls[key] += 1
                if self.stack:
                    self.stack[-1][0] += thread
                    self.stack[-1][1] += process - thread

        return wrapper

    def timed_iter(self, key: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        """A generator's stage: the time spent in each ``next``, not between them."""
        end = object()

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            step = self.timed(key, functools.partial(next, iter(fn(*args, **kwargs)), end))
            while (item := step()) is not end:
                yield item

        return wrapper

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.gc_started = time.thread_time()
        else:
            spent = time.thread_time() - self.gc_started
            self.gc_stage[self.keys[-1] if self.keys else "rest"] += spent
            self.gc_generation[info["generation"]] += spent
            self.gc_runs[info["generation"]] += 1

    @property
    def gc_cpu(self) -> float:
        return sum(self.gc_stage.values())


def crossing(profile: Profile, process_chunk: Callable[..., Any]) -> Callable[..., Any]:
    """``process_chunk`` with its arguments and result pickled and unpickled, as a process pool's
    ``submit`` and ``result`` do (the same protocol): what ``workers > 1`` adds, with its bytes."""

    def dumps(value: Any) -> bytes:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    pickle_in, unpickle_in = profile.timed("pickle_in", dumps), profile.timed("unpickle_in", pickle.loads)
    pickle_out, unpickle_out = profile.timed("pickle_out", dumps), profile.timed("unpickle_out", pickle.loads)

    def crossed(*args: Any) -> Any:
        sent = pickle_in(args)
        PICKLED["to workers"] += len(sent)
        back = pickle_out(process_chunk(*unpickle_in(sent)))
        PICKLED["back"] += len(back)
        return unpickle_out(back)

    return crossed


#: Bytes pickled across, by direction.
PICKLED: Counter[str] = Counter()


def wrapped(profile: Profile) -> ExitStack:
    """Every stage's function replaced by its timed wrapper, until the stack closes."""
    stack = ExitStack()

    def wrap(target: Any, name: str, key: str) -> None:
        stack.enter_context(mock.patch.object(target, name, profile.timed(key, getattr(target, name))))

    stack.enter_context(mock.patch.object(pipeline, "walk", profile.timed_iter("walk", walk)))
    wrap(pipeline, "_train_dictionary", "dictionary")
    timed_chunk = profile.timed("process_item", worker.process_chunk)  # what the pipeline calls
    stack.enter_context(mock.patch.object(pipeline, "process_chunk", crossing(profile, timed_chunk)))
    wrap(BlobCompressor, "compress", "compress")
    wrap(stored, "as_rfc822", "as_rfc822")  # the worker parses through ``ingest.stored.parse_item``
    wrap(stored, "parse_message", "parse")
    wrap(stored, "parse_document", "document")
    wrap(worker, "signature", "minhash")
    wrap(worker, "find_blocks", "blocks")
    wrap(worker, "signature_key", "signature_key")
    wrap(worker, "find_codes", "codes")
    wrap(worker, "parse_insights", "insights")
    wrap(worker, "find_pairs", "glossary")
    wrap(worker, "message_entities", "entities")
    wrap(worker, "embed_outcomes", "meaning_rest")
    wrap(worker, "own_passages", "passages")
    wrap(worker, "embed", "embed")
    wrap(worker, "_attached_archive", "attached")
    wrap(CaseDatabase, "existing_messages", "existing")
    wrap(pipeline._BatchWriter, "flush", "rows")
    wrap(pipeline._BatchWriter, "_store_blobs", "blobs")
    wrap(BlobStore, "sync", "blob_sync")
    wrap(search_index, "prepare", "prepare")
    wrap(search_index.FullTextIndex, "upsert", "upsert")
    wrap(search_index.FullTextIndex, "commit", "commit")
    wrap(CaseDatabase, "write_batch", "sqlite")
    wrap(search_index.FullTextIndex, "close", "index_close")
    wrap(BlobStore, "close", "index_close")
    wrap(analysis, "refresh_near_duplicates", "near_dups")
    wrap(analysis, "refresh_threads", "threads")
    wrap(analysis, "refresh_people", "people")
    wrap(pipeline, "refresh", "analysis")
    wrap(PassageIndex, "update", "meaning_index")
    wrap(pipeline, "refresh_meaning", "meaning_refresh")
    wrap(CaseDatabase, "compact", "compact")
    return stack


@dataclass
class Run:
    """One profiled ingest."""

    name: str
    messages: int
    profile: Profile
    total: float  # CPU of this process and its children during the run
    main_thread: float
    children: float
    wall: float
    summary: Any
    pickled: Counter[str]

    def cpu(self, key: str) -> float:
        """A stage's CPU: the main thread's in it, and other threads' while it ran."""
        return self.profile.main[key] + self.profile.other[key]

    def other_threads(self) -> float:
        return self.total - self.main_thread - self.children

    def rest(self) -> float:
        """The main thread's CPU outside every stage."""
        return self.main_thread - sum(self.profile.main.values())

    def other_outside(self) -> float:
        """Other threads' CPU while no stage ran."""
        return self.other_threads() - sum(self.profile.other.values())


def profiled_ingest(mail: Path, case_dir: Path, meaning: bool) -> Run:
    shutil.rmtree(case_dir, ignore_errors=True)
    case_dir.mkdir(parents=True)
    (case_dir / "case.toml").write_text(f"[ingest]\nmeaning = {'true' if meaning else 'false'}\n", "utf-8")
    case = Case.open(case_dir, create=True)
    profile = Profile()
    PICKLED.clear()
    gc.collect()
    gc.callbacks.append(profile.on_gc)
    try:
        with wrapped(profile):
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, thread, process = time.monotonic(), time.thread_time(), time.process_time()
            summary = pipeline.ingest(case, [mail], workers=1)
            thread, process = time.thread_time() - thread, time.process_time() - process
            wall = time.monotonic() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        gc.callbacks.remove(profile.on_gc)
    case.close()
    if missed := [key for key in ESSENTIAL if not profile.calls[key]]:
        raise SystemExit(f"no time recorded for {', '.join(missed)}: the wrappers no longer match loupe's functions")
    child = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    name = "meaning on" if meaning else "meaning off"
    return Run(name, summary.seen, profile, process + child, thread, child, wall, summary, Counter(PICKLED))


def warm_up(mail: Path, case_dir: Path, messages: int) -> float:
    """CPU of a first small ingest in this process, not profiled: what any process pays once (imports
    such as datasketch's scipy, compiled patterns, Tantivy's and SQLAlchemy's first use), kept out of
    the per-message figures."""
    files = sorted(p for p in mail.rglob("*") if p.is_file() and p.parent.name in ("cur", "new"))[:messages]
    shutil.rmtree(case_dir, ignore_errors=True)
    cpu = time.process_time()
    case = Case.open(case_dir, create=True)
    pipeline.ingest(case, files, workers=1)
    case.close()
    shutil.rmtree(case_dir, ignore_errors=True)
    return time.process_time() - cpu


def walk_alone(mail: Path) -> tuple[int, int, float, float]:
    """Items, bytes, CPU and wall of walking and reading the input with nothing else."""
    settings = Settings()
    ctx = WalkContext(settings.archive_limits, settings.max_message_bytes)
    wall, cpu = time.monotonic(), time.process_time()
    count = size = 0
    for item in walk([mail], ctx):
        count += 1
        size += len(item.data)
    return count, size, time.process_time() - cpu, time.monotonic() - wall


def setup_costs() -> dict[str, float]:
    """CPU of what each worker process loads once: the gazetteer and the meaning model."""
    costs = {}
    for what, load in (("gazetteer", default_gazetteer), ("meaning model", _model)):
        cpu = time.process_time()
        load()
        costs[what] = time.process_time() - cpu
    return costs


def wrapper_overhead() -> float:
    """CPU seconds a wrapped call adds, measured on a function that does nothing."""
    calls = 200_000
    bare = Profile().timed("noop", lambda: None)
    cpu = time.process_time()
    for _ in range(calls):
        bare()
    return (time.process_time() - cpu) / calls


def ms(seconds: float, messages: int) -> str:
    return f"{1000 * seconds / messages:.3f}"


def stage_cpu(run: Run, key: str) -> float:
    return run.cpu(key)


def table(runs: list[Run]) -> list[str]:
    first = runs[0]
    extra = [f"ms / message, {run.name}" for run in runs[1:]]
    header = ["stage", "where", "CPU s", "ms / message", "share", *extra]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]

    def row(label: str, where: str, measure: Callable[[Run], float]) -> None:
        def seconds(run: Run) -> float:
            value = measure(run)
            return 0.0 if abs(value) < 0.01 else value  # two clocks' rounding over the run, not a negative time

        cells = [label, where, f"{seconds(first):.2f}", ms(seconds(first), first.messages)]
        cells.append(f"{100 * seconds(first) / first.total:.1f}%")
        cells += [ms(seconds(run), run.messages) for run in runs[1:]]
        lines.append("| " + " | ".join(cells) + " |")

    for stage in STAGES:
        if any(run.profile.calls[stage.key] for run in runs):
            row(stage.label, stage.where, functools.partial(stage_cpu, key=stage.key))
    row("main loop and the rest (main thread, in no stage above)", "main", Run.rest)
    row("other threads while no stage ran", "main", Run.other_outside)
    if any(run.children for run in runs):
        row("child processes (OCR)", "main", lambda run: run.children)
    row("**total CPU of the run**", "", lambda run: run.total)
    return lines


def budget_lines(run: Run) -> list[str]:
    """The per-message stages against the budget, split by process, and the whole-case step."""
    per_message = [s for s in STAGES if s.per_message]
    work = sum(run.cpu(s.key) for s in per_message if s.where.startswith("worker"))
    main = sum(run.cpu(s.key) for s in per_message if s.where.startswith("main")) + run.rest() + run.other_outside()
    crossing = sum(run.cpu(s.key) for s in STAGES if "crossing" in s.where)
    once = sum(run.cpu(s.key) for s in STAGES if not s.per_message)
    whole = sum(run.cpu(key) for key in WHOLE_CASE)
    whole_wall = sum(run.profile.wall[key] for key in ("analysis", "meaning_refresh", "compact"))
    labels = {s.key: s.label for s in STAGES}
    prof = run.profile
    laps = run.summary.analysis.seconds if run.summary.analysis else {}
    n = run.messages
    return [
        f"- {run.name}: per-message stages {ms(main + work, n)} ms a message against the budget of {BUDGET_MS} "
        f"(workers {ms(work, n)}, main process {ms(main, n)}; of these, crossing between processes "
        f"{ms(crossing, n)}, which only `workers > 1` pays); once-per-run steps {once:.2f} s CPU "
        f"({ms(once, n)} ms a message at this size)",
        f"- {run.name}: whole-case step after reading (threads, near duplicates, people, meaning index, VACUUM): "
        f"{whole:.2f} s CPU, {whole_wall:.2f} s wall ({ms(whole, n)} ms a message at this size); "
        "`analysis.refresh`'s own wall laps: " + ", ".join(f"{k} {v:.2f} s" for k, v in laps.items()),
        f"- {run.name}: the run took {run.wall:.1f} s wall for {run.total:.1f} s CPU; pickled "
        f"{run.pickled['to workers'] / n / 1024:.1f} KiB a message to the workers and "
        f"{run.pickled['back'] / n / 1024:.1f} KiB back",
        f"- {run.name}: cyclic garbage collection {prof.gc_cpu:.2f} s ({ms(prof.gc_cpu, n)} ms a message, inside the "
        "stages above): "
        + ", ".join(
            f"generation {g} {prof.gc_generation[g]:.2f} s in {prof.gc_runs[g]:,} runs" for g in sorted(prof.gc_runs)
        )
        + "; most during "
        + ", ".join(
            f"{labels.get(k, 'no stage')} {v:.2f} s"
            for k, v in sorted(prof.gc_stage.items(), key=lambda kv: -kv[1])[:3]
        ),
    ]


def other_thread_lines(run: Run) -> list[str]:
    """Where other threads' CPU fell (in the rows above): during which stages. They run concurrently,
    so this says when, which is nearly always whose (the stage waits for them, as a commit does)."""
    during = sorted(((v, k) for k, v in run.profile.other.items() if v > 0.02), reverse=True)[:5]
    if not during:
        return []
    labels = {s.key: s.label for s in STAGES}
    return [
        f"- {run.name}: threads other than the main one spent {run.other_threads():.2f} s, counted in the rows of "
        "the stages they ran during: " + ", ".join(f"{labels[k]} {v:.2f} s" for v, k in during)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="messages in the amplified Maildir")
    parser.add_argument("--write", action="store_true", help="append the section to bench/RESULTS.md")
    parser.add_argument("--no-meaning", action="store_true", help="also profile a run with [ingest] meaning = false")
    args = parser.parse_args()
    command = f"python bench/ingest_profile.py --size {args.size}" + " --no-meaning" * args.no_meaning
    load_before = os.getloadavg()
    archive = make_archive(args.size)
    mail = archive / "mail"
    items, size, walk_cpu, walk_wall = walk_alone(mail)
    setup = setup_costs()
    overhead = wrapper_overhead()
    warm = warm_up(mail, archive / "profile-warm-up", WARM_UP)
    runs = [profiled_ingest(mail, archive / "profile-case", meaning=True)]
    if args.no_meaning:
        runs.append(profiled_ingest(mail, archive / "profile-case-no-meaning", meaning=False))
    load_after = os.getloadavg()
    first = runs[0]
    wrapped_calls = sum(first.profile.calls.values())
    lines = [
        f"## Ingest profile: CPU a message by stage, {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores)",
        "",
        f"Command: `{command}`. One `ingest` with `workers=1` into a fresh case, every stage's function wrapped "
        f"in the script (CPU of the main thread in the stage and of other threads meanwhile, nested stages counted "
        f"once); {first.messages:,} messages "
        f"({size / 2**20:.1f} MiB, {first.summary.indexed:,} indexed, {first.summary.duplicate:,} duplicates, "
        f"{first.summary.quarantined:,} quarantined, {first.summary.embedded:,} embedded). Load average "
        f"{load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end.",
        "",
        *table(runs),
        "",
        *[line for run in runs for line in budget_lines(run)],
        *[line for run in runs for line in other_thread_lines(run)],
        f"- walk + read alone (`containers.walk`, nothing else): {walk_cpu:.2f} s CPU, {walk_wall:.2f} s wall for "
        f"{items:,} items = {ms(walk_cpu, items)} ms a message",
        "- once per process, before the run (each worker pays it): "
        + ", ".join(f"{what} {cpu:.2f} s CPU" for what, cpu in setup.items())
        + f"; then an ingest of {WARM_UP} of the messages, not profiled, {warm:.2f} s CPU (first imports and uses)",
        f"- the wrappers: {wrapped_calls:,} timed calls, {1e6 * overhead:.2f} µs each = "
        f"{ms(wrapped_calls * overhead, first.messages)} ms a message inside the figures above",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
