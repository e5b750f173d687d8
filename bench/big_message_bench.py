"""A 1 GB single message: how ingest ends it, and the peak memory it takes (issue 15; never in a unit test).

Two forms: a 1 GB ``.eml`` file, and the same message as the second of
three in an mbox. The default ``[ingest] max_message_bytes`` (256 MiB)
quarantines it with the limit named; what matters is that memory stays
bounded while ingest finds that out. Measured with ``/usr/bin/time -v``
around ``loupe ingest`` (a fresh process: its own peak RSS).
Run: ``.venv/bin/python bench/big_message_bench.py [--gib 1] [--write]``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from pathlib import Path

from results import publish

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LINE = b"All work and no play makes a very long message indeed, line after line after line.\n"
SMALL = b"From: a@example.org\nSubject: small\n\nA small message.\n"


def write_big(path: Path, size: int, mbox: bool) -> None:
    with path.open("wb") as out:
        if mbox:
            out.write(b"From a@example.org Mon Jan  1 00:00:00 2010\n" + SMALL + b"\n")
            out.write(b"From b@example.org Mon Jan  1 00:00:00 2010\n")
        out.write(b"From: b@example.org\nSubject: huge\n\n")
        block = LINE * (1 << 20 // len(LINE) + 1)
        written = 0
        while written < size:
            out.write(block)
            written += len(block)
        if mbox:
            out.write(b"\nFrom c@example.org Mon Jan  1 00:00:00 2010\n" + SMALL)


def measured(path: Path, case: Path) -> tuple[float, int, str]:
    command = ["/usr/bin/time", "-v", str(REPO / ".venv/bin/loupe"), "ingest", str(path), "--case", str(case)]
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True)
    seconds = time.monotonic() - started
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))  # type: ignore[union-attr]
    ended = [line for line in run.stdout.splitlines() + run.stderr.splitlines() if "quarantined" in line]
    return seconds, peak // 1024, "; ".join(ended[:2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    size = int(args.gib * (1 << 30))
    lines = [f"### A {args.gib:g} GiB message, {time.strftime('%Y-%m-%d')}", "",
             f"Command: `python bench/big_message_bench.py --gib {args.gib:g}`", "",
             "| form | seconds | peak RSS (MiB) | how it ended |", "|---|---|---|---|"]  # fmt: skip
    with tempfile.TemporaryDirectory(dir=REPO / "bench") as scratch:
        for form, mbox in (("single .eml file", False), ("second message of an mbox", True)):
            path = Path(scratch) / ("big.mbox" if mbox else "big.eml")
            write_big(path, size, mbox)
            seconds, peak, ended = measured(path, Path(scratch) / f"case-{int(mbox)}")
            lines.append(f"| {form} | {seconds:.1f} | {peak:,} | {ended} |")
            path.unlink()
    publish(lines, args.write)


if __name__ == "__main__":
    main()
