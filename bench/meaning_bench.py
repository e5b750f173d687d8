"""Meaning vectors: what they cost at ingest and on disk, and how fast ``corroborate`` answers.

For a case (``--case DIR``, e.g. the 1,000,000-message archive that
``people_lists_eval.py`` builds) or an amplified archive of ``--size``
messages (``ingest_bench.make_archive``: real notmuch list mail via
``../shared/tools/amplify.py``, ingested here with meaning on), it measures:

- **CPU per message** of the meaning step alone (cutting the author's own
  text into passages and embedding them), in-process on a sample of the
  case's bodies, and the wall time and CPU of ``loupe.meaning.build.refresh``
  (the separate phase: messages without vectors read back from their
  originals by a pool, then the usearch index extended), when it has work;
- **disk per message**: the ``passages`` and ``meaning_messages`` tables
  (SQLite's ``dbstat``) and the ``meaning-*.usearch`` segment files;
- **corroborate** in-process, warm (as the web UI's process is): median and
  p95 over a fixed set of claims, hybrid and ``--lexical``.

No peer tool counts corroboration (notmuch and mu search words), so there is
no ratio here; ``query_bench.py`` compares search itself.
Run: ``.venv/bin/python bench/meaning_bench.py --size 100000 --write`` or
``--case bench/work/lists-1000000-3000/loupe-case --write``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from ingest_bench import make_archive  # noqa: E402
from results import publish  # noqa: E402

from loupe.case import Case  # noqa: E402
from loupe.meaning.build import message_passages, refresh  # noqa: E402
from loupe.meaning.index import PassageIndex  # noqa: E402
from loupe.meaning.model import embed  # noqa: E402
from loupe.meaning.passages import own_passages  # noqa: E402
from loupe.quotes.in_case import corroborate  # noqa: E402

#: Claims asked: the real-mail claims (about the notmuch list, which the amplified archives are made of)
#: and a few shorter ones.
CLAIMS = [c["claim"] for c in json.loads((REPO / "tests/fixtures/corroboration_real.json").read_text())["claims"]]
CLAIMS += [
    "notmuch is much faster than sup at indexing mail",
    "the emacs interface needs a way to archive a whole thread",
    "searching by tag is broken after the last patch",
]
SAMPLE_BODIES = 2000
REPEAT = 3


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def step_cost(case: Case) -> dict[str, float]:
    """ms of CPU per message for the meaning step, and for its two parts, on sampled bodies."""
    ids = sorted(case.db.message_ids())
    sample = random.Random(1).sample(ids, min(SAMPLE_BODIES, len(ids)))
    bodies = [case.parsed(m, attachment_text=False).body_text for m in sample]
    embed(["warm up"])
    started = time.process_time()
    cut = [own_passages(b) for b in bodies]
    cutting = time.process_time() - started
    started = time.process_time()
    for passages in cut:
        embed([p.text for p in passages])
    embedding = time.process_time() - started
    started = time.process_time()
    for body in bodies:
        message_passages(body)
    whole = time.process_time() - started
    n = len(bodies)
    return {
        "cut_ms": 1000 * cutting / n,
        "embed_ms": 1000 * embedding / n,
        "step_ms": 1000 * whole / n,
        "passages_per_message": sum(len(c) for c in cut) / n,
    }


def disk(case: Case) -> dict[str, int]:
    with case.db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, SUM(pgsize) FROM dbstat WHERE name IN "
            "('passages', 'passages_by_message', 'meaning_messages') GROUP BY name"
        ).all()
    tables = {name: int(size) for name, size in rows}
    files = PassageIndex(case.root, case.db.meaning).files()
    return {**tables, "index": sum(f.stat().st_size for f in files if f.exists())}


def query_times(case: Case, lexical: bool) -> list[float]:
    for claim in CLAIMS[:2]:
        corroborate(case, claim, lexical=lexical)  # warm: index opened, model loaded
    times = []
    for _ in range(REPEAT):
        for claim in CLAIMS:
            started = time.perf_counter()
            corroborate(case, claim, lexical=lexical)
            times.append(time.perf_counter() - started)
    return times


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=Path, help="an existing case (vectors made here when missing)")
    parser.add_argument("--size", type=int, help="or: amplify and ingest this many messages")
    parser.add_argument("--write", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    if args.case is None and args.size is None:
        parser.error("give --case or --size")
    command = "python bench/meaning_bench.py " + " ".join(sys.argv[1:])
    lines = [f"### Meaning vectors and corroborate, {time.strftime('%Y-%m-%d')}", "", f"Command: `{command}`", ""]
    if args.case is None:
        archive = make_archive(args.size)
        root = archive / "loupe-case-meaning"
        if not (root / "case.db").exists():
            started, before = time.monotonic(), cpu()
            loupe = str(REPO / ".venv/bin/loupe")
            subprocess.run([loupe, "ingest", str(archive / "mail"), "--case", str(root), "--quiet"], check=True)
            lines.append(
                f"- ingest with meaning on (all cores), {args.size:,} messages: {time.monotonic() - started:,.0f} s "
                f"wall, {cpu() - before:,.0f} s CPU"
            )
    else:
        root = args.case
    case = Case.open(root)
    messages = len(case.db.message_ids())
    lines.append(f"- case: `{root}`, {messages:,} messages")
    started, before = time.monotonic(), cpu()
    done = refresh(case, lambda d, t, what: print(f"\r{what} {d:,}/{t:,}", end="", file=sys.stderr))
    print(file=sys.stderr)
    if done:
        spent = cpu() - before
        lines.append(
            f"- separate phase (`refresh`: read back, embed, index) for {done:,} messages: "
            f"{time.monotonic() - started:,.0f} s wall, {spent:,.0f} s CPU = {1000 * spent / done:.2f} ms CPU a message"
        )
    cost = step_cost(case)
    lines.append(
        f"- the meaning step alone, in-process, {SAMPLE_BODIES:,} sampled bodies: {cost['step_ms']:.2f} ms CPU a "
        f"message (cutting own text {cost['cut_ms']:.2f} ms, embedding {cost['embed_ms']:.2f} ms), "
        f"{cost['passages_per_message']:.2f} passages a message"
    )
    sizes = disk(case)
    total = sum(sizes.values())
    lines.append(
        f"- disk: {case.db.meaning.count():,} passages; {total / 2**20:,.1f} MiB = {total / max(messages, 1):,.0f} "
        f"bytes a message (" + ", ".join(f"{k} {v / 2**20:,.1f} MiB" for k, v in sizes.items()) + ")"
    )
    lines += ["", "| corroborate (in-process, warm) | median | p95 |", "|---|---|---|"]
    for lexical in (False, True):
        times = query_times(case, lexical)
        label = "--lexical (words only)" if lexical else "hybrid (words and meaning)"
        lines.append(f"| {label}, {len(CLAIMS)} claims x {REPEAT} | {1000 * statistics.median(times):.0f} ms | "
                     f"{1000 * p(times, 0.95):.0f} ms |")  # fmt: skip
    case.close()
    publish(lines, args.write)


if __name__ == "__main__":
    main()
