"""Fuzzing: real messages mutated the ways leaks are damaged, through parsing, text readers, ingest and queries.

Every input must end as parsed or refused with a reason (ingest: indexed or
quarantined), never as another exception (``loupe.fuzzing`` says what is
checked). Counts, crashes (each with its seed and input number, so it can be
replayed and made a regression test) and the run time go to stdout and, with
``--write``, to ``bench/RESULTS.md``.
Run: ``.venv/bin/python bench/fuzz.py --inputs 100000 --ingest 5000 --seed 1 --write``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from results import publish  # noqa: E402

from loupe.case import Case  # noqa: E402
from loupe.fuzzing import check_message, check_query, mutate, random_query, seeds  # noqa: E402
from loupe.ingest.pipeline import ingest  # noqa: E402

CORPORA = REPO.parent / "shared" / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="mutated messages parsed and read")
    parser.add_argument("--queries", type=int, default=100_000, help="random queries parsed")
    parser.add_argument("--ingest", type=int, default=5_000, help="mutated messages also ingested as files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    originals = seeds(CORPORA)
    ends: Counter[str] = Counter()
    crashes: list[str] = []
    started = time.monotonic()
    kept: list[bytes] = []
    for number in range(args.inputs):  # loupe.fuzzing.replay makes input NUMBER again
        data = mutate(rng, rng.choice(originals))
        if len(kept) < args.ingest:
            kept.append(data)
        try:
            ends[check_message(data).split(":")[0]] += 1
        except Exception:
            crashes.append(f"message {number} (seed {args.seed}): {traceback.format_exc(limit=3)}")
    parse_seconds = time.monotonic() - started
    for number in range(args.queries):
        try:
            ends["query " + check_query(random_query(rng)).split(":")[0]] += 1
        except Exception:
            crashes.append(f"query {number} (seed {args.seed}): {traceback.format_exc(limit=3)}")
    with tempfile.TemporaryDirectory() as scratch:
        inbox = Path(scratch) / "inbox"
        inbox.mkdir()
        for number, data in enumerate(kept):
            (inbox / f"{number:06d}.eml").write_bytes(data)
        case = Case.open(Path(scratch) / "case", create=True)
        try:
            summary = ingest(case, [inbox], workers=2)
            counts = case.db.status_counts()
        finally:
            case.close()
    seconds = time.monotonic() - started
    lines = [
        f"### Fuzzing, {time.strftime('%Y-%m-%d')}",
        "",
        f"Command: `python bench/fuzz.py --inputs {args.inputs} --queries {args.queries} --ingest {args.ingest} "
        f"--seed {args.seed}`",
        "",
        f"- {args.inputs:,} mutated real messages parsed and read (snippet text, quote aligner): "
        f"{ends['parsed']:,} parsed, {ends['refused']:,} refused with a reason, in {parse_seconds:,.0f} s",
        f"- {args.queries:,} random queries: {ends['query parsed']:,} parsed, {ends['query refused']:,} refused "
        "naming their column",
        f"- {len(kept):,} of the mutated messages ingested as files: {summary.indexed:,} indexed, "
        f"{summary.duplicate:,} duplicates, {summary.quarantined:,} quarantined; counts add up: {counts.adds_up()}",
        f"- crashes: {len(crashes)}; whole run {seconds:,.0f} s",
    ]
    lines += [f"  - {c.splitlines()[0]} {c.splitlines()[-1]}" for c in crashes[:20]]
    publish(lines, args.write)
    if crashes:
        sys.exit(1)


if __name__ == "__main__":
    main()
