"""Whole-process time of ``loupe search`` and ``loupe count`` against notmuch's, side by side.

Issue 17, item 4: a command that answers in a blink. For each query of a
fixed set, hyperfine times, in one run and each as a fresh process:

- ``loupe search QUERY`` (the first page of 20 hits, with snippets, as a
  person types it) against ``notmuch search --limit=20 QUERY``;
- ``loupe count QUERY`` (the total, with its facets and years) against
  ``notmuch count QUERY``;

and, once, the floors under any Loupe command: the interpreter starting
(``python -c pass``), ``loupe --help`` (the command table, no command
imported) and ``import sqlalchemy``. Prints a markdown table of medians and
ratios; hyperfine's JSON goes to ``bench/work/cli-bench-N.json``.

The notmuch database of the same Maildir is made once (a couple of minutes
at 100,000 messages) in ``amp-N/notmuch-cli/``, apart from the mail folder
(``database.mail_root`` and ``database.path``): nothing else's notmuch
database is touched.

Run: ``.venv/bin/python bench/cli_bench.py --size 100000`` (needs hyperfine
and notmuch: ``apt-get install hyperfine notmuch``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from ingest_bench import WORK, make_archive  # noqa: E402

LOUPE = REPO / ".venv" / "bin" / "loupe"
PYTHON = REPO / ".venv" / "bin" / "python"
#: (Loupe query, notmuch query): the same question in each syntax.
QUERIES = [
    ("kernel", "kernel"),
    ("from:carl", "from:carl"),
    ('"mailing list"', '"mailing list"'),
    ("patch email", "patch and email"),
]
#: Loupe's commands run as an installed Loupe would, bytecode cached: a shell that sets
#: PYTHONDONTWRITEBYTECODE makes every run compile Loupe's modules again, which no user pays.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def find_case(archive: Path) -> Path:
    """The case of this archive (the one ``meaning_bench.py`` made, else ``ingest_bench.py``'s),
    ingested now if there is none."""
    for name in ("loupe-case-meaning", "loupe-case"):
        if (archive / name / "case.db").exists():
            return archive / name
    case = archive / "loupe-case"
    subprocess.run([str(LOUPE), "ingest", str(archive / "mail"), "--case", str(case), "--quiet"], check=True, env=ENV)
    return case


def notmuch_env(archive: Path) -> dict[str, str]:
    """Environment for notmuch on this archive's mail, its database made first if missing."""
    home = archive / "notmuch-cli"
    (home / "db").mkdir(parents=True, exist_ok=True)
    config = home / "notmuch-config"
    config.write_text(
        f"[database]\nmail_root={archive / 'mail'}\npath={home / 'db'}\n"
        "[new]\ntags=unread;inbox;\n[maildir]\nsynchronize_flags=false\n"
    )
    env = {**ENV, "NOTMUCH_CONFIG": str(config), "HOME": str(home)}
    if not (home / "db" / "xapian").exists():
        print(f"notmuch new: indexing {archive / 'mail'} (a couple of minutes at 100,000)", file=sys.stderr)
        subprocess.run(["notmuch", "new", "--quiet"], env=env, check=True)
    return env


def hyperfine(commands: dict[str, list[str]], out: Path, env: dict[str, str], runs: int, warmup: int) -> dict[str, Any]:
    """hyperfine's result for each named command (no shell between: ``-N``)."""
    args = ["hyperfine", "-N", "--warmup", str(warmup), "--runs", str(runs), "--export-json", str(out)]
    for name, cmd in commands.items():
        args += ["-n", name, shlex.join(cmd)]
    subprocess.run(args, env=env, check=True, stdout=sys.stderr)
    return {r["command"]: r for r in json.loads(out.read_text())["results"]}


def ms(result: dict[str, Any]) -> float:
    return 1000 * statistics.median(result["times"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="the amplified archive (bench/work/amp-N)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    for tool in ("hyperfine", "notmuch"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install {tool})")
    WORK.mkdir(exist_ok=True)
    archive = make_archive(args.size)
    case = find_case(archive)
    env = notmuch_env(archive)
    on_case = ["--case", str(case)]
    commands: dict[str, list[str]] = {
        "python -c pass": [str(PYTHON), "-c", "pass"],
        "python -c 'import sqlalchemy'": [str(PYTHON), "-c", "import sqlalchemy"],
        "loupe --help": [str(LOUPE), "--help"],
    }
    for loupe_q, notmuch_q in QUERIES:
        commands[f"loupe search {loupe_q}"] = [str(LOUPE), "search", loupe_q, *on_case]
        commands[f"notmuch search {notmuch_q}"] = ["notmuch", "search", "--limit=20", notmuch_q]
        commands[f"loupe count {loupe_q}"] = [str(LOUPE), "count", loupe_q, *on_case]
        commands[f"notmuch count {notmuch_q}"] = ["notmuch", "count", notmuch_q]
    for cmd in commands.values():  # once each: bytecode written, pages cached, nothing fails mid-run
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    out = WORK / f"cli-bench-{args.size}.json"
    results = hyperfine(commands, out, env, args.runs, args.warmup)

    print(f"Whole-process wall time, median of {args.runs} runs (hyperfine -N, {args.warmup} warm-up), ")
    print(f"{args.size:,} messages, case {case.relative_to(REPO)}; JSON: {out.relative_to(REPO)}\n")
    print("| query | loupe search | notmuch search --limit=20 | ratio | loupe count | notmuch count | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for loupe_q, notmuch_q in QUERIES:
        search, nm_search = ms(results[f"loupe search {loupe_q}"]), ms(results[f"notmuch search {notmuch_q}"])
        count, nm_count = ms(results[f"loupe count {loupe_q}"]), ms(results[f"notmuch count {notmuch_q}"])
        print(
            f"| `{loupe_q}` | {search:.0f} ms | {nm_search:.0f} ms | {search / nm_search:.1f}x "
            f"| {count:.0f} ms | {nm_count:.0f} ms | {count / nm_count:.1f}x |"
        )
    print("\n| floor | median |\n|---|---:|")
    for name in ("python -c pass", "loupe --help", "python -c 'import sqlalchemy'"):
        print(f"| `{name}` | {ms(results[name]):.0f} ms |")


if __name__ == "__main__":
    main()
