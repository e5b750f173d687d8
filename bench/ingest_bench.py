"""End-to-end ingest benchmark: Loupe vs ``notmuch new`` (and ``mu index``) on the same mail.

For each size, makes a realistic Maildir from the real corpora with
``../shared/tools/amplify.py`` (deterministic), then, in the same run:

- ``loupe ingest`` into a fresh case (all cores): messages/s, MB/s, peak RSS
  of the whole process tree, and the case's size on disk vs the mail's;
- ``notmuch new`` on the same Maildir (a fresh database each time);
- ``mu index`` when mu is installed.

Peak RSS is the sum over the process tree, sampled every 50 ms with psutil
(Loupe's parser workers are separate processes). Results are appended to
``bench/RESULTS.md`` with the exact command. Run: ``make bench`` or
``.venv/bin/python bench/ingest_bench.py --sizes 10000 100000``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
WORK = HERE / "work"


@dataclass
class Measure:
    tool: str
    seconds: float
    peak_rss: int
    messages: int
    store_bytes: int
    cpu_seconds: float = 0.0  # user + system, the process and every descendant it waited for


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def count_files(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file() and p.parent.name in ("cur", "new"))


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Wall time, peak RSS (summed over the process tree) and CPU seconds (all processes) of a command.

    CPU is ``getrusage(RUSAGE_CHILDREN)`` before and after: it counts every
    descendant that was waited for (Loupe's parser processes are, by the pool
    that started them), user and system time together."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                procs = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.decode(errors='replace')[-2000:]}")
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak, cpu


def make_archive(size: int) -> Path:
    target = WORK / f"amp-{size}"
    if not (target / "done").exists():
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "tools" / "amplify.py"),
                str(SHARED / "corpora" / "notmuch-default"),
                str(target / "mail"),
                "-n",
                str(size),
                "--seed",
                "1",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (target / "done").write_text("ok")
    return target


def bench_loupe(archive: Path) -> Measure:
    case = archive / "loupe-case"
    shutil.rmtree(case, ignore_errors=True)
    seconds, peak, cpu = run_measured(
        [str(REPO / ".venv" / "bin" / "loupe"), "ingest", str(archive / "mail"), "--case", str(case), "--quiet"]
    )
    out = subprocess.run(
        [str(REPO / ".venv" / "bin" / "loupe"), "status", "--case", str(case), "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    import json

    status = json.loads(out)
    LINKING.append(_linking_line(case))
    return Measure("loupe ingest", seconds, peak, status["items"], dir_size(case), cpu)


#: One line per Loupe run: what the whole-case step after reading (threads,
#: near duplicates, people) found and how long each part took; it is inside
#: the ingest time above.
LINKING: list[str] = []


def _linking_line(case: Path) -> str:
    import json
    import sqlite3

    with sqlite3.connect(case / "case.db") as db:
        (summary,) = db.execute("SELECT summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    a = json.loads(summary).get("analysis") or {}
    took = ", ".join(f"{step} {secs:.1f} s" for step, secs in (a.get("seconds") or {}).items())
    return (
        f"- {case.parent.name}: {a.get('threads', 0):,} threads, {a.get('near_duplicate_groups', 0):,} near-duplicate "
        f"groups ({a.get('near_duplicate_messages', 0):,} messages), {a.get('persons', 0):,} people, "
        f"{a.get('lists', 0):,} lists; linking step: {took}"
    )


def bench_notmuch(archive: Path) -> Measure | None:
    if shutil.which("notmuch") is None:
        return None
    home = archive / "notmuch-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    shutil.rmtree(archive / "mail" / ".notmuch", ignore_errors=True)
    config = home / "notmuch-config"
    config.write_text(
        f"[database]\npath={archive / 'mail'}\n[new]\ntags=unread;inbox;\n[maildir]\nsynchronize_flags=false\n"
    )
    env = {**os.environ, "NOTMUCH_CONFIG": str(config), "HOME": str(home)}
    seconds, peak, cpu = run_measured(["notmuch", "new", "--quiet"], env=env)
    db = archive / "mail" / ".notmuch"
    size = dir_size(db)
    count = int(
        subprocess.run(
            ["notmuch", "count", "--output=files", "*"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    shutil.rmtree(db, ignore_errors=True)
    return Measure("notmuch new", seconds, peak, count, size, cpu)


def bench_mu(archive: Path) -> Measure | None:
    if shutil.which("mu") is None:
        return None
    muhome = archive / "mu-home"
    shutil.rmtree(muhome, ignore_errors=True)
    subprocess.run(
        ["mu", "init", f"--muhome={muhome}", f"--maildir={archive / 'mail'}"], check=True, capture_output=True
    )
    seconds, peak, cpu = run_measured(["mu", "index", f"--muhome={muhome}", "--quiet"])
    return Measure("mu index", seconds, peak, count_files(archive / "mail"), dir_size(muhome), cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--loupe-only", action="store_true", help="skip notmuch and mu (hours at 1M messages)")
    args = parser.parse_args()
    command = "python bench/ingest_bench.py --sizes " + " ".join(map(str, args.sizes))
    command += " --loupe-only" if args.loupe_only else ""
    lines = [
        f"\n## Ingest, {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores)\n",
        f"Command: `{command}`\n",
        "| messages | tool | seconds | msg/s | MB/s | CPU ms / msg | peak RSS (MiB) | store / mail "
        "| loupe speed vs this |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in args.sizes:
        archive = make_archive(size)
        mail_bytes = dir_size(archive / "mail")
        results = [bench_loupe(archive)]  # first, with the machine to itself
        if not args.loupe_only:
            results += [m for m in (bench_notmuch(archive), bench_mu(archive)) if m]
        loupe_rate = results[0].messages / results[0].seconds
        for m in results:
            rate = m.messages / m.seconds
            lines.append(
                f"| {size:,} | {m.tool} | {m.seconds:.1f} | {rate:,.0f} | {mail_bytes / m.seconds / 1e6:.1f} | "
                f"{m.cpu_seconds / m.messages * 1e3:.2f} | {m.peak_rss / 2**20:,.0f} | "
                f"{m.store_bytes / mail_bytes:.2f} | {loupe_rate / rate:.2f}x |"
            )
            print(lines[-1], flush=True)
    if LINKING:
        lines += ["", "Threads, near duplicates and people, linked at the end of each Loupe ingest above:", ""]
        lines += LINKING
    print("\n".join(LINKING))
    with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
