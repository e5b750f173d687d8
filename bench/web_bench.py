"""Web page latency: how long the workbench takes to render its pages, in-process.

Builds (or reuses) a demo case of N messages under ``bench/work/web-N/``,
then renders each page through Starlette's test client (the whole app:
routing, the case, templates and security headers; no network), after one
warm-up, and appends p50 and p95 over the runs to ``bench/RESULTS.md``.
Run: ``.venv/bin/python bench/web_bench.py --messages 10000``.

``--case DIR`` measures an existing case instead, such as the amplified
1,000,000-message case ``ingest_bench.py`` builds (``bench/work/amp-1000000/
loupe-case``), with the query benchmark's queries: that mail has no coded
sources, so the source pages are left out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from starlette.testclient import TestClient

from loupe.case import Case
from loupe.demo.generator import generate_demo
from loupe.ingest.pipeline import ingest
from loupe.web.app import create_app

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
QUERIES = ["juarez", "kidnapping OR extortion", "to:analysts date:2010..2011-06", "source:MX1", 'place:"Monterrey"']
#: For a case of other mail (``--case``): the query benchmark's questions.
AMPLIFIED_QUERIES = ["notmuch", "patch email", "from:carl", "thread OR threading", "emac*"]


def demo_case(messages: int) -> Case:
    base = WORK / f"web-{messages}"
    if not (base / "case" / "case.db").exists():
        generate_demo(base / "demo", n_messages=messages)
        case = Case.open(base / "case", create=True)
        ingest(case, [base / "demo" / "archive"])
        case.close()
    return Case.open(base / "case")


def timed(client: TestClient, url: str, runs: int) -> tuple[float, float]:
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--case", type=Path, help="measure this case instead of a generated demo")
    args = parser.parse_args()
    case = Case.open(args.case) if args.case else demo_case(args.messages)
    queries = AMPLIFIED_QUERIES if args.case else QUERIES
    client = TestClient(create_app(case, allowed_hosts=["testserver"]))
    message = case.search(queries[0], limit=1, snippets=False)[1][0].id
    thread = case.db.conversations.thread_sizes_top(1)[0][0]
    pages = [(f"search {q!r}", "/?" + urlencode({"q": q})) for q in queries]
    pages += [("message", f"/message/{message}"), ("thread (longest)", f"/thread/{thread}")]
    if not args.case:
        pages += [("sources", "/sources"), ("source MX1", "/source/MX1")]
    pages += [("people", "/people")]
    rows = []
    for label, url in pages:
        p50, p95 = timed(client, url, args.runs)
        rows.append(f"| {label} | {p50:.1f} | {p95:.1f} |")
        print(rows[-1], file=sys.stderr)
    size = case.index.count()
    case.close()
    what = f"case {args.case} of {size:,} messages" if args.case else f"demo case of {args.messages:,} messages"
    command = f"--case {args.case}" if args.case else f"--messages {args.messages}"
    report = [
        f"\n## Web pages, {date.today().isoformat()} ({what})\n",
        f"Command: `python bench/web_bench.py {command}`. Whole app in-process (Starlette test "
        f"client: routing, case, templates, headers), {args.runs} runs after one warm-up.\n",
        "| page | p50 ms | p95 ms |",
        "|---|---|---|",
        *rows,
    ]
    with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
