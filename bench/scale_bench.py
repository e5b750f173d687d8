"""Ingest at scale, with and without Dask (issue 19): what one machine does, and what more would.

Amplified list mail (``../shared/tools/amplify.py`` through
``tests.test_people_lists_real.amplified_list_mail``, cached in
``bench/work/lists-SIZE-PEOPLE``; the 1,000,000-message one is the
archive the other 1,000,000 benchmarks read) is ingested into fresh cases
in ``bench/work/scale-SIZE``, each stage's figures kept in ``figures.json``
there so a stage already measured is not run again (``--again`` runs all):

- plan: ``ingest.distributed.plan`` over the mail, timed (the writer's
  process names every file and cuts every large mbox: a limit of its own);
- tasks: a sample of the plan's tasks run by ``run_task`` in this process,
  one at a time: CPU seconds a task and a message, result bytes a task; and
  Dask's own cost a task (a thousand empty tasks through the scheduler);
- local: ``loupe ingest`` as by default (two parser processes), in-process,
  timed by phase (reading, linking, meaning, compact);
- dask: the same through a ``dask scheduler`` and ``dask worker --nworkers 2
  --nthreads 1`` started here as their own processes, as the README says;
  the time the writer spent waiting for results is counted apart, so its
  own busy time at full scale is known too;
- writer: the writer's ceiling, measured with prepared results: the
  workers' results for ``--prepared`` messages are made first and held in
  memory, then handed to the writer as fast as it takes them (the same
  code path: ``pipeline._cluster_results`` is replaced by the list);

then a projection of 5,500,000 messages on 1, 4 and 16 worker machines like
this one (2 cores), limited by the writer's ceiling and the plan's rate, with
the whole-case steps scaled from what they cost here.

Run: ``.venv/bin/python bench/scale_bench.py --size 1000000 --write`` (about
an hour on 2 cores); ``--size 10000`` checks it in a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from results import publish  # noqa: E402

from loupe.case import Case  # noqa: E402
from loupe.config import Settings  # noqa: E402
from loupe.entities.gazetteer import install, pickled_gazetteer  # noqa: E402
from loupe.ingest import distributed, pipeline  # noqa: E402
from loupe.ingest.containers import WalkContext  # noqa: E402
from loupe.ingest.pipeline import RunSummary, ingest  # noqa: E402
from loupe.store.compression import DICTIONARY_SAMPLES, train_dictionary  # noqa: E402

WORK = HERE / "work"
DASK = REPO / ".venv" / "bin" / "dask"
TARGET = 5_500_000  # the Stratfor leak
MACHINES = (1, 4, 16)


def mail_for(size: int, people: int) -> Path:
    folder = WORK / f"lists-{size}-{people}"
    if not (folder / "done").exists():
        from tests.test_people_lists_real import amplified_list_mail

        shutil.rmtree(folder, ignore_errors=True)
        amplified_list_mail(folder, size, people)
        (folder / "done").write_text("ok")
    return folder / "mail"


class ReadingDone(Exception):
    """Raised from the progress call when reading ends, to stop a run that measures only the writer."""


class Phases:
    """Wall time of an ingest's phases, from its progress calls (``RunSummary.phase``): reading
    (walk, parse, write), linking (the whole-case step), meaning (its vectors' index; compact after it)."""

    def __init__(self, stop_after_reading: bool = False) -> None:
        self.started = time.monotonic()
        self.marks: list[tuple[str, float]] = [("reading", self.started)]
        self.stop_after_reading = stop_after_reading

    def __call__(self, summary: RunSummary, _new: int) -> None:
        name = summary.phase.split(":")[0].split(" ")[0] if summary.phase else ""
        if name and name != self.marks[-1][0]:
            self.marks.append((name, time.monotonic()))
            if self.stop_after_reading:
                raise ReadingDone

    def seconds(self, ended: float) -> dict[str, float]:
        ends = [t for _, t in self.marks[1:]] + [ended]
        return {name: round(end - start, 1) for (name, start), end in zip(self.marks, ends, strict=True)}


def case_at(folder: Path) -> Case:
    shutil.rmtree(folder, ignore_errors=True)
    return Case.open(folder, create=True)


def cpu_of(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def timed_ingest(folder: Path, mail: Path, scheduler: str | None = None) -> dict[str, Any]:
    """One ingest, in this process, by phase; with ``scheduler``, the writer's waits counted apart."""
    case = case_at(folder)
    waited = [0.0]
    original = distributed._taken

    def taken(future: Any, address: str) -> Any:
        started = time.monotonic()
        try:
            return original(future, address)
        finally:
            waited[0] += time.monotonic() - started

    distributed._taken = taken  # type: ignore[assignment]
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    phases = Phases()
    try:
        summary = ingest(case, [mail], on_progress=phases, scheduler=scheduler)
    finally:
        distributed._taken = original  # type: ignore[assignment]
    ended = time.monotonic()
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts = case.db.status_counts().as_dict()
    case.close()
    seconds = phases.seconds(ended)
    messages = summary.indexed + summary.duplicate
    return {
        "wall": round(ended - phases.started, 1),
        "phases": seconds,
        "messages": messages,
        "indexed": summary.indexed,
        "items": counts["items"],
        "adds_up": counts["adds_up"],
        "reading_rate": round(messages / seconds["reading"], 1),
        "rate": round(messages / (ended - phases.started), 1),
        "writer_waited": round(waited[0], 1) if scheduler else None,
        "cpu_this_process": round(own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime, 1),
        "cpu_children": round(
            children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime, 1
        ),
        "analysis": summary.analysis.seconds if summary.analysis else {},
        "peak_rss_this_process_mib": round(own.ru_maxrss / 1024),
    }


class DaskProcesses:
    """``dask scheduler`` and ``dask worker`` as their own processes, as a newsroom starts them."""

    def __init__(self, workers: int = 2) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="loupe-dask-"))
        self.file = self.folder / "scheduler.json"
        self.workers = workers
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> DaskProcesses:
        log = (self.folder / "log").open("wb")
        scheduler = [str(DASK), "scheduler", "--scheduler-file", str(self.file), "--port", "0"]
        self.processes.append(subprocess.Popen([*scheduler, "--dashboard-address", ":0"], stdout=log, stderr=log))
        while not self.file.exists():
            time.sleep(0.2)
        worker = [str(DASK), "worker", "--scheduler-file", str(self.file), "--nworkers", str(self.workers)]
        self.processes.append(subprocess.Popen([*worker, "--nthreads", "1"], stdout=log, stderr=log))
        from distributed import Client

        with Client(scheduler_file=str(self.file)) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(self.workers, timeout=120)
        return self

    @property
    def address(self) -> str:
        return str(json.loads(self.file.read_text())["address"])

    def worker_processes(self) -> list[psutil.Process]:
        return psutil.Process(self.processes[1].pid).children(recursive=True)

    def __exit__(self, *_exc: object) -> None:
        for process in reversed(self.processes):
            process.terminate()
            process.wait(30)
        shutil.rmtree(self.folder, ignore_errors=True)


def setup_for(mail: Path, settings: Settings, dictionary_case: Case | None = None) -> distributed.RunSetup:
    ctx = WalkContext(settings.archive_limits, settings.max_message_bytes)
    samples = distributed.dictionary_samples([mail], ctx, set(), DICTIONARY_SAMPLES)
    dictionary = train_dictionary([item.data[: pipeline.SAMPLE_BYTES] for item in samples])
    if dictionary_case is not None:
        dictionary_case.blobs.save_dictionary(dictionary)
        dictionary = dictionary_case.blobs.dictionary() or b""
    return distributed.RunSetup(
        run=f"bench-{time.time_ns()}",
        dictionary=dictionary or None,
        limits=settings.extract_limits,
        codes=pipeline._text_rules(settings),
        walk=ctx,
        gazetteer=pickled_gazetteer(),
    )


def stage_plan(mail: Path) -> dict[str, Any]:
    settings = Settings()
    ctx = WalkContext(settings.archive_limits, settings.max_message_bytes)
    started = time.monotonic()
    tasks = pieces = 0
    for task in distributed.plan([mail], ctx):
        tasks += 1
        pieces += len(task.pieces)
    seconds = time.monotonic() - started
    return {"seconds": round(seconds, 1), "tasks": tasks, "pieces": pieces, "rate": round(pieces / seconds)}


def stage_plan_mbox(mail: Path, folder: Path, count: int = 100_000) -> dict[str, Any]:
    """The plan of one large mbox (``count`` messages of the mail written one after another, as an
    mbox writer would): here the writer's process reads every byte, to find where messages are."""
    mbox = folder / "mail.mbox"
    folder.mkdir(parents=True, exist_ok=True)
    with mbox.open("wb") as out:
        written = 0
        for path in sorted(mail.rglob("*")):
            if path.is_file():
                out.write(b"From loupe@bench.example Thu Jan  1 00:00:00 2009\n" + path.read_bytes() + b"\n")
                written += 1
                if written >= count:
                    break
    settings = Settings()
    ctx = WalkContext(settings.archive_limits, settings.max_message_bytes)
    started = time.monotonic()
    spans = sum(len(task.pieces) for task in distributed.plan([mbox], ctx))
    seconds = time.monotonic() - started
    size = mbox.stat().st_size
    return {
        "messages": spans,
        "megabytes": round(size / 1e6),
        "seconds": round(seconds, 1),
        "rate": round(spans / seconds),
        "mb_s": round(size / 1e6 / seconds),
    }


def stage_bands(size: int, people: int) -> dict[str, Any]:
    """The near-duplicate step's costly part (verifying each LSH band's candidates), here and on
    two Dask workers, on the signatures of the kept case of the same mail (``people_lists_eval.py``)."""
    from loupe.near_duplicates.grouping import BANDS, _needed, _Nodes, _verified_pairs

    kept = Case.open(WORK / f"lists-{size}-{people}" / "loupe-case")
    try:
        signatures = list(kept.db.conversations.signatures())
    finally:
        kept.close()
    nodes = _Nodes(signatures).matrix
    need = _needed(0.78)
    started = time.monotonic()
    here = _verified_pairs(nodes, need)
    here_s = time.monotonic() - started
    with DaskProcesses() as cluster:
        from distributed import Client

        with Client(cluster.address) as client:  # type: ignore[no-untyped-call]
            started = time.monotonic()
            there = _verified_pairs(nodes, need, distributed.band_mapper(client, cluster.address))
            there_s = time.monotonic() - started
    assert np.array_equal(here, there), "the same pairs either way"
    return {
        "signatures": len(nodes),
        "pairs": len(here),
        "bands": BANDS,
        "here_s": round(here_s, 1),
        "dask_s": round(there_s, 1),
        "matrix_mb": round(nodes.nbytes / 1e6),
    }


def stage_tasks(mail: Path, sample: int) -> dict[str, Any]:
    """``sample`` tasks spread over the plan, run here one at a time (no other work on the machine)."""
    settings = Settings()
    setup = setup_for(mail, settings)
    install(setup.gazetteer)
    tasks = list(distributed.plan([mail], setup.walk))
    chosen = tasks[:: max(1, len(tasks) // sample)][:sample]
    distributed.run_task(chosen[0], setup, frozenset())  # warm: the meaning model and the gazetteer load once
    cpu = messages = result_bytes = 0.0
    for task in chosen:
        before = time.process_time()
        results = distributed.run_task(task, setup, frozenset())
        cpu += time.process_time() - before
        messages += len(results)
        result_bytes += len(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    overhead = dask_overhead()
    return {
        "sample": len(chosen),
        "items_a_task": round(messages / len(chosen), 1),
        "cpu_a_task_s": round(cpu / len(chosen), 3),
        "cpu_a_message_ms": round(1000 * cpu / messages, 3),
        "result_bytes_a_task": round(result_bytes / len(chosen)),
        "result_bytes_a_message": round(result_bytes / messages),
        "dask_ms_a_task": overhead,
    }


def _nothing(number: int) -> int:
    return number


def dask_overhead(count: int = 1000) -> float:
    """What Dask itself costs a task here: ``count`` empty tasks through a scheduler, wall ms each."""
    with DaskProcesses() as cluster:
        from distributed import Client

        with Client(cluster.address) as client:  # type: ignore[no-untyped-call]
            client.gather(client.map(_nothing, range(50), pure=False))  # warm
            started = time.monotonic()
            client.gather(client.map(_nothing, range(count), pure=False))
            return round(1000 * (time.monotonic() - started) / count, 3)


def stage_dask(mail: Path, folder: Path) -> dict[str, Any]:
    with DaskProcesses() as cluster:
        figures = timed_ingest(folder, mail, scheduler=cluster.address)
        figures["cpu_workers"] = round(cpu_of(cluster.worker_processes()), 1)
    return figures


def stage_writer(mail: Path, folder: Path, prepared: int) -> dict[str, Any]:
    """The writer alone, fed ``prepared`` messages' results made beforehand by the workers."""
    settings = Settings()
    case = case_at(folder)
    setup = setup_for(mail, settings, dictionary_case=case)
    held: list[distributed.ItemResult] = []
    with DaskProcesses() as cluster:
        from distributed import Client

        made = time.monotonic()
        with Client(cluster.address) as client:  # type: ignore[no-untyped-call]
            for result in distributed.results(client, cluster.address, [mail], setup, set()):
                held.append(result)
                if len(held) >= prepared:
                    break
        made = time.monotonic() - made
    original = pipeline._cluster_results

    def prepared_results(*_args: Any) -> Iterator[distributed.ItemResult]:
        yield from held

    class NoCluster:
        def close(self) -> None:
            pass

    connect = distributed.connect
    pipeline._cluster_results = prepared_results  # type: ignore[assignment]
    distributed.connect = lambda _address: NoCluster()  # type: ignore[assignment]
    phases = Phases(stop_after_reading=True)
    try:
        ingest(case, [mail], on_progress=phases, scheduler="prepared")
    except ReadingDone:
        pass  # the last batch is written before the whole-case step starts: what is measured is all in
    finally:
        pipeline._cluster_results = original  # type: ignore[assignment]
        distributed.connect = connect  # type: ignore[assignment]
    seconds = phases.seconds(phases.marks[-1][1])
    counts = case.db.status_counts()
    case.close()
    messages = counts.items
    return {
        "prepared": len(held),
        "preparing_s": round(made, 1),
        "writing_s": seconds["reading"],
        "ceiling": round(messages / seconds["reading"], 1),
    }


def projection(figures: dict[str, Any], size: int) -> list[str]:
    """5,500,000 messages on 1, 4 and 16 worker machines like this one, by the measured figures."""
    tasks, writer, plan, dask = figures["tasks"], figures["writer"], figures["plan"], figures["dask"]
    per_message = tasks["cpu_a_message_ms"] / 1000 + tasks["dask_ms_a_task"] / 1000 / tasks["items_a_task"]
    machine = 2 / per_message  # two cores, each busy with tasks
    writer_full = dask["messages"] / max(dask["phases"]["reading"] - dask["writer_waited"], 1e-9)
    after = {name: s for name, s in dask["phases"].items() if name != "reading"}
    after_scaled = sum(after.values()) * TARGET / size
    lines = [
        f"Worker cost a message {1000 * per_message:.2f} ms CPU (task's own {tasks['cpu_a_message_ms']:.2f} ms + "
        f"Dask's {tasks['dask_ms_a_task']:.2f} ms a task of {tasks['items_a_task']:.0f}): "
        f"a 2-core worker machine takes about {machine:,.0f} msg/s. "
        f"Writer ceiling {writer['ceiling']:,.0f} msg/s with prepared results ({writer['prepared']:,} messages); "
        f"in the {size:,} run through Dask it was busy {dask['phases']['reading'] - dask['writer_waited']:.0f} s "
        f"of {dask['phases']['reading']:.0f} s reading ({writer_full:,.0f} msg/s when busy). "
        f"Plan {plan['rate']:,} files/s. After reading, the whole-case steps took "
        f"{sum(after.values()):.0f} s at {size:,} ({', '.join(f'{k} {v:.0f} s' for k, v in after.items())}), "
        f"scaled linearly {after_scaled / 60:.0f} min at {TARGET:,} (on the writer's machine, one process).",
        "",
        f"| worker machines | reading rate (msg/s) | limited by | reading {TARGET:,} | with whole-case steps |",
        "|---|---|---|---|---|",
    ]
    for count in MACHINES:
        rates = {"workers": count * machine, "writer": writer["ceiling"], "plan": plan["rate"]}  # Maildir
        limit = min(rates, key=lambda k: rates[k])
        reading = TARGET / rates[limit]
        whole = (reading + after_scaled) / 60
        lines.append(f"| {count} | {rates[limit]:,.0f} | {limit} | {reading / 60:.0f} min | {whole:.0f} min |")
    bands = figures["bands"]
    lines += [
        "",
        f"The near-duplicate step's band verification ({bands['bands']} bands, independent) took "
        f"{bands['here_s']:.0f} s in one process and {bands['dask_s']:.0f} s as one Dask task a band on the two "
        f"workers here ({bands['signatures']:,} signatures, {bands['matrix_mb']} MB sent once; the same "
        f"{bands['pairs']:,} pairs). With 8 or more 2-core worker machines every band runs at once: about "
        f"{bands['here_s'] / bands['bands']:.0f} s at {size:,} plus the transfer. The rest of the linking "
        "(threads, people, the groups' rows) and the meaning index stay on the writer's machine.",
    ]
    mbox = figures["plan_mbox"]["rate"]
    lines += [
        "",
        f"For a Maildir (as here) the plan only names files ({plan['rate']:,}/s). A leak that is one large mbox "
        f"is read through once by the plan to find its messages ({mbox:,} messages/s), which then limits "
        f"instead wherever it is below the other two.",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--prepared", type=int, default=100_000, help="messages the writer ceiling is measured on")
    parser.add_argument("--tasks", type=int, default=40, help="tasks sampled for the per-task costs")
    parser.add_argument("--only", nargs="+", choices=("plan", "plan_mbox", "tasks", "bands", "local", "dask", "writer"))
    parser.add_argument("--again", action="store_true", help="measure every stage again")
    parser.add_argument("--keep", action="store_true", help="keep the cases made")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    mail = mail_for(args.size, args.people)
    work = WORK / f"scale-{args.size}"
    work.mkdir(parents=True, exist_ok=True)
    kept = work / "figures.json"
    figures: dict[str, Any] = json.loads(kept.read_text()) if kept.exists() and not args.again else {}
    stages = {
        "plan": lambda: stage_plan(mail),
        "plan_mbox": lambda: stage_plan_mbox(mail, work / "plan_mbox"),
        "tasks": lambda: stage_tasks(mail, args.tasks),
        "bands": lambda: stage_bands(args.size, args.people),
        "local": lambda: timed_ingest(work / "local", mail),
        "dask": lambda: stage_dask(mail, work / "dask"),
        "writer": lambda: stage_writer(mail, work / "writer", min(args.prepared, args.size)),
    }
    for name, run in stages.items():
        if (args.only and name not in args.only) or name in figures:
            continue
        print(f"{name} ...", flush=True)
        figures[name] = run()
        figures[name]["date"] = time.strftime("%Y-%m-%d")
        kept.write_text(json.dumps(figures, indent=1))
        print(json.dumps(figures[name]), flush=True)
        if not args.keep:
            shutil.rmtree(work / name, ignore_errors=True)
    if set(stages) - set(figures):
        return
    local, dask = figures["local"], figures["dask"]
    overhead = local["phases"]["reading"] and dask["phases"]["reading"] / local["phases"]["reading"] - 1
    lines = [
        f"## Ingest at scale, with and without Dask (issue 19), {args.size:,} messages, {time.strftime('%Y-%m-%d')}",
        "",
        f"Command: `python bench/scale_bench.py --size {args.size} --write`. Amplified list mail "
        f"(`bench/work/lists-{args.size}-{args.people}`), Maildir; this machine: {os.cpu_count()} cores. "
        "Dask: `dask scheduler` and `dask worker --nworkers 2 --nthreads 1` on this machine; without: two "
        "parser processes. Both in one process each for the writer, meaning on as by default.",
        "",
        "| | reading (msg/s) | reading | linking | meaning | total | msg/s in all | CPU, workers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run in (("without Dask", local), ("with Dask", dask)):
        p = run["phases"]
        cpu = run.get("cpu_workers", run["cpu_children"])
        lines.append(
            f"| {name} | {run['reading_rate']:,.0f} | {p['reading']:.0f} s | {p.get('linking', 0):.0f} s | "
            f"{p.get('meaning', 0):.0f} s | {run['wall']:.0f} s | {run['rate']:,.0f} | "
            f"{cpu:,.0f} s |"
        )
    tasks = figures["tasks"]
    lines += [
        "",
        f"Dask's overhead on one machine, reading phase: {100 * overhead:+.1f}% (target under 15%). "
        f"Messages {dask['messages']:,} either way; items {dask['items']:,} (adds up: {dask['adds_up']}).",
        "",
        f"Per task ({tasks['sample']} tasks of the plan run alone, after one to warm up): "
        f"{tasks['items_a_task']:.0f} items, {tasks['cpu_a_task_s']:.2f} s CPU "
        f"({tasks['cpu_a_message_ms']:.2f} ms a message), {tasks['result_bytes_a_task'] / 1024:.0f} KiB of results "
        f"({tasks['result_bytes_a_message']:,} bytes a message) sent back to the writer; Dask's own cost "
        f"{tasks['dask_ms_a_task']:.2f} ms a task (1,000 empty tasks). The plan: {figures['plan']['tasks']:,} tasks "
        f"in {figures['plan']['seconds']:.0f} s ({figures['plan']['rate']:,} files/s, in the writer's process); "
        f"one mbox of {figures['plan_mbox']['messages']:,} messages ({figures['plan_mbox']['megabytes']:,} MB) in "
        f"{figures['plan_mbox']['seconds']:.0f} s ({figures['plan_mbox']['rate']:,} messages/s, "
        f"{figures['plan_mbox']['mb_s']} MB/s: every byte read here to find the messages).",
        "",
        *projection(figures, args.size),
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
