"""Search past one index (issue 19): what one Tantivy index costs as a case grows, and what a fan-out adds.

A case has one full-text index. Before planning how a search would span
several (shards), this script measures, on the kept cases (opened read
only, never written: ``bench/work/amp-100000`` and
``bench/work/lists-1000000-3000``, made by ``ingest_bench.py`` and
``people_lists_eval.py``):

- the index on disk per message, by kind of file, and its segments;
- the memory a searcher adds, in a fresh process per index (psutil):
  anonymous memory, and index pages mapped (page cache it keeps hot);
- the first page of 20 hits with the exact total, by relevance and newest
  first, through Loupe's own ``FullTextIndex.search`` (what ``Case.search``
  calls; without snippets and the database's subjects), p50/p95 of 20 runs
  after a warm-up; and the search page's two other passes over every hit,
  its facets and its timeline's day histogram;
- a fit of time = fixed part + part per hit over both sizes, and each
  query's time scaled to 5.5 and 10 million messages, against a budget of
  200 ms for a first page and 1 s for a new search's whole page;
- a fan-out over two shards (the 100,000 and the 1,000,000 index; the
  1,000,000 index opened twice): searched one after the other, by a thread
  pool, and by Dask workers holding one shard each; pages merged by score
  and by date, totals added;
- a commit of 1,000 new messages into a scratch copy of each index, and
  the merges it sets off.

Why: one index answers every case so far; the figures say whether, and
from what size, a case's index would have to be split, and what the split
itself would cost (docs/DESIGN.md, "Search past one index").

Run: ``.venv/bin/python bench/index_scale.py`` (about two minutes on two
cores; ``--write`` appends the tables to ``bench/RESULTS.md``).
"""

from __future__ import annotations

import argparse
import heapq
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from query_bench import QUERIES, percentiles  # noqa: E402
from results import publish  # noqa: E402

from loupe.config import Settings  # noqa: E402
from loupe.search.facets import day_counts, facets  # noqa: E402
from loupe.search.index import FullTextIndex  # noqa: E402
from loupe.search.paging import parse_cursor  # noqa: E402
from loupe.search.query import parse  # noqa: E402

CASES = {
    "100k": HERE / "work/amp-100000/loupe-case/index",
    "1M": HERE / "work/lists-1000000-3000/loupe-case/index",
}
SCRATCH = HERE / "work/index-scale-scratch"
#: The query benchmark's queries, then broad ones: everything (the newest-first
#: landing page), common words, a field and a flag that match much of any case.
SEARCHES = [q for q, _n, _m in QUERIES] + ["", "the", "list", "subject:re", "has:attachment"]
PAGE = 20
REPEAT = 20
TARGETS = (5_500_000, 10_000_000)
COMMIT_DOCS = 1_000
#: Budgets a split is measured against (seconds): the first page of a search; a new search's whole page.
FIRST_PAGE_BUDGET = 0.2
PAGE_BUDGET = 1.0
Row = tuple[float, str, str]  # (score, id, cursor)


# -- what is on disk ------------------------------------------------------------
def on_disk(path: Path) -> dict[str, Any]:
    """Bytes of the index folder, by file kind; segments and their documents (meta.json)."""
    kinds: Counter[str] = Counter()
    for file in path.iterdir():
        if file.is_file():
            kinds[file.suffix.lstrip(".") or file.name] += file.stat().st_size
    meta = json.loads((path / "meta.json").read_text("utf-8"))
    docs = [int(s["max_doc"]) for s in meta["segments"]]
    return {"bytes": sum(kinds.values()), "kinds": dict(kinds), "segments": len(docs), "largest": max(docs)}


# -- memory, in a fresh process -------------------------------------------------
def memory_child(path: Path) -> None:
    """Print, as JSON, this process's memory before opening ``path``, once open, and after the queries."""
    process = psutil.Process()

    def now() -> dict[str, int]:
        info = process.memory_info()
        return {"rss": info.rss, "file": info.shared}  # shared = file-backed pages (mapped index) + shmem

    before = now()
    started = time.perf_counter()
    index = FullTextIndex(path)
    index.searcher()
    seconds = time.perf_counter() - started
    opened = now()
    for query in SEARCHES:
        for by_date in (False, True):
            index.search(parse(query), limit=PAGE, by_date=by_date)
    print(json.dumps({"before": before, "opened": opened, "queried": now(), "seconds": seconds}))


def memory(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- one index ------------------------------------------------------------------
def timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """p50 and p95 of ``REPEAT`` calls after one warm-up (seconds), and the warm-up's result."""
    result = call()
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    p50, p95 = percentiles(samples)
    return p50, p95, result


def page(index: FullTextIndex, query: str, by_date: bool) -> tuple[int, list[Row]]:
    """One shard's first page, as Loupe asks for it: exact total, 20 hits."""
    total, hits = index.search(parse(query), limit=PAGE, by_date=by_date)
    return total, [(h.score, h.id, h.cursor) for h in hits]


def facet_pass(index: FullTextIndex, query: str) -> int:
    facets(*index.prepared(parse(query)))
    return 0


def day_pass(index: FullTextIndex, query: str) -> int:
    return day_counts(*index.prepared(parse(query)))[1]


def _mode(by_date: bool) -> str:
    return "newest" if by_date else "relevance"


def _shown(query: str) -> str:
    return f"`{query}`" if query else "(everything)"


PAGE_MODES = ("relevance", "newest")
MODES: dict[str, Callable[[FullTextIndex, str], int]] = {
    "relevance": lambda index, query: page(index, query, False)[0],
    "newest": lambda index, query: page(index, query, True)[0],
    "facets": facet_pass,
    "days": day_pass,
}


# -- a fan-out ------------------------------------------------------------------
def _newest_key(row: Row) -> tuple[int, int, str]:
    """Newest first, equal dates by id, undated last: the order of ``search.paging``."""
    stamp, message = parse_cursor(row[2])
    return (1, 0, message) if stamp is None else (0, -stamp, message)


def merge(pages: list[tuple[int, list[Row]]], by_date: bool) -> tuple[int, list[Row]]:
    """The shards' pages as one: totals added, the best 20 by score (ties by id) or the newest 20."""
    total = sum(t for t, _ in pages)
    rows = [row for _, shard_rows in pages for row in shard_rows]
    if by_date:
        return total, heapq.nsmallest(PAGE, rows, key=_newest_key)
    return total, heapq.nsmallest(PAGE, rows, key=lambda r: (-r[0], r[1]))


def in_turn(shards: list[FullTextIndex], query: str, by_date: bool) -> tuple[int, list[Row]]:
    return merge([page(index, query, by_date) for index in shards], by_date)


def in_threads(
    pool: ThreadPoolExecutor, shards: list[FullTextIndex], query: str, by_date: bool
) -> tuple[int, list[Row]]:
    return merge(list(pool.map(partial(_page_of, query=query, by_date=by_date), shards)), by_date)


def _page_of(index: FullTextIndex, query: str, by_date: bool) -> tuple[int, list[Row]]:
    return page(index, query, by_date)


def over_dask(client: Any, paths: list[Path], workers: list[str], query: str, by_date: bool) -> tuple[int, list[Row]]:
    """One task a shard, each on the worker that holds it; the pages gathered and merged here."""
    futures = [
        client.submit(dask_page, str(path), query, by_date, workers=[worker], pure=False)
        for path, worker in zip(paths, workers, strict=True)
    ]
    return merge(client.gather(futures), by_date)


def dask_page(path: str, query: str, by_date: bool) -> tuple[int, list[Row]]:
    """Run on a Dask worker: its shard, opened on first use and kept for the worker's life."""
    from distributed import get_worker

    worker = get_worker()
    shards = getattr(worker, "loupe_shards", None)
    if shards is None:
        shards = worker.loupe_shards = {}
    if path not in shards:
        shards[path] = FullTextIndex(Path(path))
    return page(shards[path], query, by_date)


def dask_nothing() -> int:
    return 0


def commit_cost(name: str, path: Path) -> dict[str, float]:
    """Upsert ``COMMIT_DOCS`` new messages into a scratch copy of the index, commit, wait for merges."""
    copy = SCRATCH / name
    shutil.rmtree(copy, ignore_errors=True)
    copy.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
    copied = time.perf_counter() - started
    index = FullTextIndex(copy)
    day = datetime(2012, 1, 1, tzinfo=UTC)
    docs = [
        {
            "id": f"index-scale-{n:06d}",
            "subject": f"Scale test {n}",
            "from": "bench@example.org",
            "to": "loupe@example.org",
            "body": f"A new message, number {n}, about notmuch, threads and mailing lists.",
            "sender": "bench@example.org",
            "date": day + timedelta(minutes=n),
            "size": 2_000,
        }
        for n in range(COMMIT_DOCS)
    ]
    started = time.perf_counter()
    index.upsert(docs, Settings().index_heap_bytes)
    upserted = time.perf_counter() - started
    started = time.perf_counter()
    index.commit()
    committed = time.perf_counter() - started
    started = time.perf_counter()
    index.close()  # commits nothing more, then waits for the merges the commit started
    merged = time.perf_counter() - started
    segments = on_disk(copy)["segments"]
    shutil.rmtree(copy, ignore_errors=True)
    return {"copy": copied, "upsert": upserted, "commit": committed, "merges": merged, "segments": segments}


# -- the run --------------------------------------------------------------------
def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _mb(size: float) -> str:
    return f"{size / 1e6:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append the tables to bench/RESULTS.md")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask workers")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    started_run = time.perf_counter()
    load_before = os.getloadavg()[0]
    ram = psutil.virtual_memory().total
    command = (
        "python bench/index_scale.py" + (" --no-dask" if args.no_dask else "") + (" --write" if args.write else "")
    )
    lines = [
        f"## Search past one index (issue 19), {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores, "
        f"{ram / 2**30:.1f} GiB RAM)\n",
        f"Command: `{command}`. Cases opened read only: 100k = `bench/work/amp-100000` (amplified notmuch "
        "mail), 1M = `bench/work/lists-1000000-3000` (amplified list mail). Queries through "
        f"`FullTextIndex.search`: first page of {PAGE} with the exact total, no snippets, {REPEAT} runs after "
        "one warm-up.\n",
    ]

    # 1. size, segments, memory
    indexes = {name: FullTextIndex(path) for name, path in CASES.items()}
    messages = {name: int(index.searcher().num_docs) for name, index in indexes.items()}
    disk = {name: on_disk(path) for name, path in CASES.items()}
    mem = {name: memory(path) for name, path in CASES.items()}
    lines += [
        "| index | messages | on disk (MB) | bytes a message | segments (largest, docs) "
        "| postings .idx | positions .pos | terms .term | fast .fast | stored .store "
        "| open (ms) | searcher RSS: anonymous open / after queries (MB) | index pages mapped after queries (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in CASES:
        d, m, n = disk[name], mem[name], messages[name]
        anon = [m[k]["rss"] - m[k]["file"] - (m["before"]["rss"] - m["before"]["file"]) for k in ("opened", "queried")]
        mapped = m["queried"]["file"] - m["before"]["file"]
        share = {k: f"{d['kinds'].get(k, 0) / d['bytes']:.0%}" for k in ("idx", "pos", "term", "fast", "store")}
        lines.append(
            f"| {name} | {n:,} | {_mb(d['bytes'])} | {d['bytes'] / n:,.0f} | {d['segments']} ({d['largest']:,}) "
            f"| {share['idx']} | {share['pos']} | {share['term']} | {share['fast']} | {share['store']} "
            f"| {m['seconds'] * 1000:.1f} | {_mb(anon[0])} / {_mb(anon[1])} | {_mb(mapped)} |"
        )
    per_message = disk["1M"]["bytes"] / messages["1M"]
    lines.append(
        "\nAt the 1M figure of "
        f"{per_message:,.0f} bytes a message: "
        + "; ".join(f"{n / 1e6:g}M messages, {per_message * n / 1e9:.1f} GB of index" for n in TARGETS)
        + f" (RAM here {ram / 1e9:.1f} GB).\n"
    )
    print("\n".join(lines), flush=True)

    # 2. latency of one index: the first page both ways, and the search page's two passes over every hit
    lat: dict[tuple[str, str, str], tuple[float, float, int]] = {}  # (index, query, mode) -> p50, p95, hits
    lines += [
        "| query | hits 100k | relevance 100k p50 / p95 (ms) | newest 100k p50 / p95 (ms) "
        "| facets / days 100k p50 (ms) | hits 1M | relevance 1M p50 / p95 (ms) | newest 1M p50 / p95 (ms) "
        "| facets / days 1M p50 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for query in SEARCHES:
        cells = [_shown(query)]
        for name, index in indexes.items():
            for mode in MODES:
                p50, p95, total = timed(partial(MODES[mode], index, query))
                lat[(name, query, mode)] = (p50, p95, total)
            cells += [f"{lat[(name, query, 'relevance')][2]:,}"]
            cells += [f"{_ms(lat[(name, query, m)][0])} / {_ms(lat[(name, query, m)][1])}" for m in PAGE_MODES]
            cells += [f"{_ms(lat[(name, query, 'facets')][0])} / {_ms(lat[(name, query, 'days')][0])}"]
        lines.append("| " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    lines.append(
        "\nFacets: the search page's five terms aggregations, top 10 each (`search.facets.facets`); days: "
        "its timeline's day histogram with the exact total (`search.facets.day_counts`).\n"
    )

    # 3. the fit: p50 = fixed + per hit, least squares over both sizes
    for mode in MODES:
        points = [(lat[(n, q, "relevance")][2], lat[(n, q, mode)][0]) for n in CASES for q in SEARCHES]
        slope, fixed = statistics.linear_regression([h for h, _ in points], [t for _, t in points])
        lines.append(
            f"Fit, {mode}: p50 = {fixed * 1000:.2f} ms + {slope * 1e9:.1f} ns a hit "
            f"({len(points)} points, both sizes). A query matching every message: "
            + ", ".join(f"{(fixed + slope * n) * 1000:.0f} ms at {n / 1e6:g}M" for n in (1e6, *TARGETS))
            + "."
        )
    # the fit's intercept mixes queries that cost more a hit (phrases) with ones that cost less; the
    # cheapest query at 1M (no hits) bounds the part that does not grow with the case instead
    floor = {m: min(lat[("1M", q, m)][0] for q in SEARCHES) for m in MODES}
    lines.append(
        "\nEach query's 1M time scaled to more messages: the part that does not grow (the cheapest query's "
        "time at 1M: " + ", ".join(f"{_ms(floor[m])} ms {m}" for m in MODES) + ") kept, the rest in proportion "
        "to the messages (hits grow with the case). A search page asks for the first page, the facets and "
        "the days (each kept per query and commit once asked: `Case.facets`, `Case.timeline`).\n"
    )
    lines += [
        "| query | "
        + " | ".join(f"{m} 1M" for m in MODES)
        + " | "
        + " | ".join(f"relevance / page {n / 1e6:g}M" for n in TARGETS)
        + " |",
        "|---|" + "---:|" * (len(MODES) + len(TARGETS)),
    ]
    worst: dict[tuple[str, int], float] = {}
    for query in SEARCHES:
        scaled = {
            (m, n): floor[m] + max(0.0, lat[("1M", query, m)][0] - floor[m]) * n / messages["1M"]
            for m in MODES
            for n in TARGETS
        }
        for (m, n), value in scaled.items():
            worst[(m, n)] = max(worst.get((m, n), 0.0), value)
        for n in TARGETS:
            whole = scaled[("relevance", n)] + scaled[("facets", n)] + scaled[("days", n)]
            worst[("page", n)] = max(worst.get(("page", n), 0.0), whole)
        lines.append(
            f"| {_shown(query)} | "
            + " | ".join(_ms(lat[("1M", query, m)][0]) for m in MODES)
            + " | "
            + " | ".join(
                f"{_ms(scaled[('relevance', n)])} / "
                f"{_ms(scaled[('relevance', n)] + scaled[('facets', n)] + scaled[('days', n)])}"
                for n in TARGETS
            )
            + " |"
        )
    lines.append(
        "\nSlowest query scaled, by what is asked: "
        + "; ".join(
            f"{n / 1e6:g}M: " + ", ".join(f"{m} {_ms(worst[(m, n)])} ms" for m in (*MODES, "page")) for n in TARGETS
        )
        + " (page = relevance + facets + days)."
    )
    # where the slowest query crosses a budget, if time keeps growing in proportion to the messages
    grows = {m: max(lat[("1M", q, m)][0] - floor[m] for q in SEARCHES) / messages["1M"] for m in MODES}
    page_grows = (
        max(sum(lat[("1M", q, m)][0] - floor[m] for m in ("relevance", "facets", "days")) for q in SEARCHES)
        / messages["1M"]
    )
    lines.append(
        f"The slowest first page (either order) reaches {FIRST_PAGE_BUDGET * 1000:.0f} ms at about "
        f"{(FIRST_PAGE_BUDGET - floor['relevance']) / max(grows['relevance'], grows['newest']) / 1e6:.1f}M messages; "
        f"the slowest whole page (first page, facets, days) reaches {PAGE_BUDGET:.0f} s at about "
        f"{PAGE_BUDGET / page_grows / 1e6:.1f}M.\n"
    )
    print("\n".join(lines[-20:]), flush=True)

    # 4. fan-out
    twin = FullTextIndex(CASES["1M"])  # the 1M index opened a second time: a second shard of the same size
    sets = {"100k + 1M": [indexes["100k"], indexes["1M"]], "1M + 1M": [indexes["1M"], twin]}
    paths = {"100k + 1M": [CASES["100k"], CASES["1M"]], "1M + 1M": [CASES["1M"], CASES["1M"]]}
    # threads first, with nothing else running in this process
    pool = ThreadPoolExecutor(max_workers=2)
    fan: dict[tuple[str, str, bool], tuple[int, float, float, float, float, float]] = {}
    for set_name, shards in sets.items():
        for query in SEARCHES:
            for by_date in (False, True):
                turn = timed(partial(in_turn, shards, query, by_date))
                threads = timed(partial(in_threads, pool, shards, query, by_date))
                pages = [page(i, query, by_date) for i in shards]
                merge_p50 = timed(partial(merge, pages, by_date))[0]
                fan[(set_name, query, by_date)] = (turn[2][0], turn[0], threads[0], threads[1], merge_p50, 0.0)
    # the engine alone, two searches at once: does tantivy-py let go of Python's lock while it searches?
    slowest = max(SEARCHES, key=lambda q: lat[("1M", q, "relevance")][0])
    compiled = indexes["1M"].compile(parse(slowest))
    searchers = [indexes["1M"].searcher(), twin.searcher()]

    def count(searcher: Any) -> int:
        return int(searcher.search(compiled, limit=PAGE, count=True).count)

    raw_turn = timed(lambda: [count(s) for s in searchers])[0]
    raw_threads = timed(lambda: list(pool.map(count, searchers)))[0]
    pool.shutdown()

    # then Dask: two worker processes, one shard open in each
    dask: dict[tuple[str, str, bool], tuple[float, float]] = {}
    dask_start = dask_nothing_p50 = 0.0
    dask_rss: dict[str, int] = {}
    if not args.no_dask:
        from distributed import Client, LocalCluster

        started = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        )
        client = Client(cluster)
        try:
            workers = sorted(client.scheduler_info()["workers"])
            dask_start = time.perf_counter() - started
            dask_nothing_p50 = timed(lambda: client.submit(dask_nothing, pure=False, workers=workers[:1]).result())[0]
            for set_name in sets:
                for query in SEARCHES:
                    for by_date in (False, True):
                        p50, p95, _ = timed(partial(over_dask, client, paths[set_name], workers, query, by_date))
                        dask[(set_name, query, by_date)] = (p50, p95)
            dask_rss = client.run(lambda: psutil.Process().memory_info().rss)
        finally:
            client.close()
            cluster.close()

    lines += [
        "Fan-out over two shards: each shard's first page, merged (totals added; best 20 by score, "
        "or newest 20). One = the 1M index alone; in turn = the shards one after the other in one "
        "thread; threads = a pool of two threads in this process; Dask = two worker processes on this "
        "machine (a local cluster), one shard open in each, the query sent and the pages gathered.\n",
        "| shards | query | mode | total | one 1M p50 (ms) | in turn p50 (ms) | threads p50 / p95 (ms) "
        "| Dask p50 / p95 (ms) | merge (µs) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (set_name, query, by_date), (total, turn_p50, thr_p50, thr_p95, merge_p50, _) in fan.items():
        d = dask.get((set_name, query, by_date))
        lines.append(
            f"| {set_name} | {f'`{query}`' if query else '(everything)'} | {'newest' if by_date else 'relevance'} "
            f"| {total:,} | {_ms(lat[('1M', query, _mode(by_date))][0])} | {_ms(turn_p50)} "
            f"| {_ms(thr_p50)} / {_ms(thr_p95)} | {f'{_ms(d[0])} / {_ms(d[1])}' if d else 'n/a'} "
            f"| {merge_p50 * 1e6:.0f} |"
        )
    lines.append("\nMedians over the queries of the table above:\n")
    for set_name in sets:
        for by_date in (False, True):
            keys = [(set_name, q, by_date) for q in SEARCHES]
            one = statistics.median(lat[("1M", q, _mode(by_date))][0] for q in SEARCHES)
            turn_m = statistics.median(fan[k][1] for k in keys)
            thr_m = statistics.median(fan[k][2] for k in keys)
            dask_m = f"{_ms(statistics.median(dask[k][0] for k in keys))} ms" if dask else "n/a"
            lines.append(
                f"- {set_name}, {'newest first' if by_date else 'relevance'}: one 1M {_ms(one)} ms, in turn "
                f"{_ms(turn_m)} ms, threads {_ms(thr_m)} ms ({turn_m / thr_m:.2f}x faster than in turn), "
                f"Dask {dask_m}"
            )
    lines.append(
        f"- Tantivy alone (`searcher.search` with the count, no Loupe code around it), `{slowest}` on the 1M "
        f"index twice: one after the other {_ms(raw_turn)} ms, two threads {_ms(raw_threads)} ms "
        f"({raw_turn / raw_threads:.2f}x)"
    )
    if dask:
        lines.append(
            f"- Dask: cluster start {dask_start:.1f} s; an empty task's round trip {_ms(dask_nothing_p50)} ms; "
            "worker RSS after the queries "
            + ", ".join(f"{_mb(v)} MB" for v in dask_rss.values())
            + " (each worker holds its shard open)"
        )

    # 5. a commit into a copy of each index
    lines += [
        f"\nA commit of {COMMIT_DOCS:,} new messages into a scratch copy of each index "
        f"(`FullTextIndex.upsert`, heap {Settings().index_heap_bytes / 2**20:.0f} MiB, one writer thread; "
        "the copy deleted after):\n",
        "| index | copy (s) | upsert (s) | commit (s) | merges after (s) | segments after |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, path in CASES.items():
        c = commit_cost(name, path)
        lines.append(
            f"| {name} | {c['copy']:.1f} | {c['upsert']:.2f} | {c['commit']:.2f} | {c['merges']:.2f} "
            f"| {c['segments']:.0f} |"
        )
    shutil.rmtree(SCRATCH, ignore_errors=True)
    lines.append(
        f"\nRun time {time.perf_counter() - started_run:.0f} s; load average (1 min) {load_before:.2f} at the "
        f"start, {os.getloadavg()[0]:.2f} at the end (other work on the machine slows the threads and Dask most)."
    )
    publish(lines, args.write)


if __name__ == "__main__":
    main()
