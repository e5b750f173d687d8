"""Where a benchmark's figures go: printed, and with ``--write`` appended to ``bench/RESULTS.md``."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def publish(lines: list[str], write: bool) -> None:
    """Print a section (its lines), and append it to RESULTS.md when ``write``."""
    text = "\n".join(lines) + "\n"
    print(text)
    if write:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n" + text)
