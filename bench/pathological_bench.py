"""How long the text readers take on inputs built to make a careless regex backtrack.

Unit tests run these inputs for correctness but never time themselves (a
clock in a test fails on a busy machine and proves nothing on a fast one);
this prints the times, best of three, so a regression shows as a number:
informant codes and insight blocks (``loupe.sources``), forwarded and quoted
blocks (``loupe.threads.forwards``), the reply split (``loupe.threads.quoting``).

Run: ``.venv/bin/python bench/pathological_bench.py``
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from loupe.sources.codes import find_codes  # noqa: E402
from loupe.sources.insights import parse_insights  # noqa: E402
from loupe.threads.forwards import find_blocks  # noqa: E402
from loupe.threads.quoting import split_reply  # noqa: E402

TRAPS = REPO.parent / "shared" / "corpora" / "reply-formats"


def _dense_codes() -> str:
    rng = random.Random(5)
    words = ["MX1", "SOURCE:", "From", "--", "2:", "\n", ">", "according to", "said", "INSIGHT -", "the", "x" * 30]
    return " ".join(rng.choice(words) for _ in range(60_000))


def _inputs() -> dict[str, str]:
    chain = "".join(
        f"-----Original Message-----\nFrom: p{i}@example.com\nSent: 2009\n\ntext {i}\n" for i in range(5000)
    )
    quotes = "\n".join(f"On Mon, 2 Mar 2009, P{i} <p{i}@x.org> wrote:\n> q\nanswer" for i in range(20_000))
    found = {
        "dense code-shaped tokens (60,000 words)": _dense_codes(),
        "SOURCE: and 200,000 spaces": "SOURCE:" + " " * 200_000 + "x",
        "200,000 '>'": ">" * 200_000,
        "200,000 '['": "[" * 200_000,
        "'Re: ' x 50,000": "Re: " * 50_000,
        "5,000 chained Original Message blocks": chain,
        "20,000 quote runs": quotes,
        "'From: a@b.c' x 50,000": "From: a@b.c\n" * 50_000,
        "one 100,000-character rule": "=" * 100_000,
        "1,000,000 spaces": " " * 1_000_000,
    }
    for name in ("email_reply_parser/email_long_quote.txt", "email_reply_parser/pathological.txt"):
        path = TRAPS / name
        if path.exists():
            found[name] = path.read_text("utf-8", errors="replace")
    return found


READERS: dict[str, Callable[[str], object]] = {
    "codes": lambda text: find_codes(text[:2000], text, bare=True),
    "insights": lambda text: parse_insights(text[:2000], text, None),
    "forwards": find_blocks,
    "reply split": split_reply,
}


def main() -> None:
    split_reply("warm up: the engine's first import loads scikit-learn")
    print(f"| input | {' | '.join(READERS)} |")
    print("|---|" + "---|" * len(READERS))
    for name, text in _inputs().items():
        cells = []
        for read in READERS.values():
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                read(text)
                best = min(best, time.perf_counter() - started)
            cells.append(f"{best * 1000:.0f} ms")
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
