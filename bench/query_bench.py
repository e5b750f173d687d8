"""Query latency: Loupe in-process and through the CLI, vs notmuch and mu, same mail.

Uses the amplified Maildir and the Loupe case that ``ingest_bench.py`` builds
(``bench/work/amp-N/``; run that first, or this script ingests). For each
query of a fixed set it measures, in the same run:

- Loupe in-process: ``Case.search`` for the first page of 20 hits with the
  exact total (what the web UI does in its warm process), repeated; once
  without snippets (the query itself) and once with them (each hit's
  original re-parsed for its snippet);
- Loupe CLI: ``loupe search QUERY --format ids`` (a fresh process: start-up
  included, every id printed);
- ``notmuch search --output=messages`` and ``mu find --fields i`` (fresh
  processes, every match printed).

p50 and p95 over the repetitions are appended to ``bench/RESULTS.md``.
Run: ``.venv/bin/python bench/query_bench.py --sizes 100000``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from ingest_bench import WORK, make_archive  # noqa: E402

#: (Loupe query, notmuch query, mu query): the same question in each syntax.
QUERIES = [
    ("notmuch", "notmuch", "notmuch"),
    ("patch email", "patch and email", "patch AND email"),
    ('"mailing list"', '"mailing list"', '"mailing list"'),
    ("from:carl", "from:carl", "from:carl"),
    ("subject:notmuch date:2010", "subject:notmuch and date:2010", "subject:notmuch AND date:2010"),
    ("thread OR threading", "thread or threading", "thread OR threading"),
    ("notmuch -patch", "notmuch and not patch", "notmuch AND NOT patch"),
    ("emac*", "emac*", "emac*"),
]
REPEAT_IN_PROCESS = 20
REPEAT_PROCESS = 3
#: The CLI runs as an installed Loupe would: with its bytecode cached. A shell
#: that sets PYTHONDONTWRITEBYTECODE makes every run compile Loupe's modules
#: again (0.15 s here), which no user pays.
CLI_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def process_median(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Median wall time of a fresh process, after one warm-up run (page cache; Loupe's bytecode)."""
    timed(cmd, env)
    return statistics.median(timed(cmd, env) for _ in range(REPEAT_PROCESS))


def ensure_case(archive: Path) -> Path:
    case = archive / "loupe-case"
    if not (case / "case.db").exists():
        subprocess.run(
            [str(REPO / ".venv/bin/loupe"), "ingest", str(archive / "mail"), "--case", str(case), "--quiet"], check=True
        )
    return case


def ensure_notmuch(archive: Path) -> dict[str, str] | None:
    if shutil.which("notmuch") is None:
        return None
    home = archive / "notmuch-home"
    home.mkdir(exist_ok=True)
    config = home / "notmuch-config"
    config.write_text(f"[database]\npath={archive / 'mail'}\n[new]\ntags=inbox;\n[maildir]\nsynchronize_flags=false\n")
    env = {**os.environ, "NOTMUCH_CONFIG": str(config), "HOME": str(home)}
    if not (archive / "mail" / ".notmuch").exists():
        subprocess.run(["notmuch", "new", "--quiet"], env=env, check=True)
    return env


def ensure_mu(archive: Path) -> Path | None:
    if shutil.which("mu") is None:
        return None
    muhome = archive / "mu-home"
    if not muhome.exists():
        subprocess.run(
            ["mu", "init", f"--muhome={muhome}", f"--maildir={archive / 'mail'}"], check=True, capture_output=True
        )
        subprocess.run(["mu", "index", f"--muhome={muhome}", "--quiet"], check=True)
    return muhome


def in_process(case: Any, query: str, snippets: bool) -> tuple[float, float]:
    samples = []
    for _ in range(REPEAT_IN_PROCESS):
        started = time.perf_counter()
        case.search(query, snippets=snippets)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def _ms(seconds: float | None) -> str:
    return f"{seconds * 1000:.0f}" if seconds is not None else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--loupe-only", action="store_true", help="skip notmuch and mu (their 1M-message index takes an hour here)"
    )
    parser.add_argument("--no-mu", action="store_true", help="skip mu only")
    args = parser.parse_args()
    from loupe.case import Case

    command = "python bench/query_bench.py --sizes " + " ".join(map(str, args.sizes))
    command += " --loupe-only" if args.loupe_only else ""
    command += " --no-mu" if args.no_mu else ""
    lines = [
        f"\n## Query latency, {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores)\n",
        f"Command: `{command}`. In-process: first page of 20 with the exact total, "
        f"{REPEAT_IN_PROCESS} runs after one warm-up. Processes: every match printed, "
        f"{REPEAT_PROCESS} runs after one warm-up.\n",
        "| messages | query | hits | loupe in-process p50 / p95 (ms) | with snippets p50 / p95 (ms) "
        "| loupe CLI p50 (ms) | notmuch p50 (ms) | mu p50 (ms) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    medians: dict[int, float] = {}
    for size in args.sizes:
        archive = make_archive(size)
        case_dir = ensure_case(archive)
        notmuch_env = None if args.loupe_only else ensure_notmuch(archive)
        muhome = None if args.loupe_only or args.no_mu else ensure_mu(archive)
        case = Case.open(case_dir)
        all_p50 = []
        for loupe_q, notmuch_q, mu_q in QUERIES:
            total, _ = case.search(loupe_q)  # warm-up
            p50, p95 = in_process(case, loupe_q, snippets=False)
            s50, s95 = in_process(case, loupe_q, snippets=True)
            all_p50.append(p50)
            loupe_cmd = [str(REPO / ".venv/bin/loupe"), "search", loupe_q, "--format", "ids", "--case", str(case_dir)]
            cli = process_median(loupe_cmd, CLI_ENV)
            notmuch_cmd = ["notmuch", "search", "--output=messages", notmuch_q]
            nm = process_median(notmuch_cmd, notmuch_env) if notmuch_env else None
            mu = process_median(["mu", "find", f"--muhome={muhome}", "--fields", "i", mu_q]) if muhome else None
            row = (
                f"| {size:,} | `{loupe_q}` | {total:,} | {p50 * 1000:.1f} / {p95 * 1000:.1f} | "
                f"{s50 * 1000:.1f} / {s95 * 1000:.1f} | {cli * 1000:.0f} | "
                f"{_ms(nm)} | {_ms(mu)} |"
            )
            lines.append(row)
            print(row, flush=True)
        case.close()
        medians[size] = statistics.median(all_p50)
        lines.append(f"| {size:,} | **median of the queries** | | {medians[size] * 1000:.1f} | | | | |")
    sizes = sorted(medians)
    for smaller, larger in itertools.pairwise(sizes):
        # the scaling target compares the medians of one run
        lines.append(
            f"\nIn-process median at {larger:,} / at {smaller:,} messages, same run: "
            f"{medians[larger] / medians[smaller]:.1f}x.\n"
        )
    with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    WORK.mkdir(exist_ok=True)
    main()
