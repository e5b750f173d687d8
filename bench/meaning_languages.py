"""Meaning in English and Spanish: does a restatement in other words beat a sentence sharing the claim's words?

For each claim of ``tests/fixtures/meaning_pairs.json`` (six in English, the
same six in Spanish) it prints the cosine of the whole sentences (claim and
paraphrase, claim and a sentence about the same place saying something
else) and the residual meaning (``loupe.meaning.score.residual_meaning``),
and how many pairs each ranks the right way round, and how many
paraphrases and others pass the thresholds ``corroborate`` uses.
Run: ``.venv/bin/python bench/meaning_languages.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from results import publish  # noqa: E402

from loupe.meaning.model import embed  # noqa: E402
from loupe.meaning.score import MEANING_SUPPORT, RESIDUAL_SUPPORT, ClaimReading, residual_meaning  # noqa: E402
from loupe.quotes.corroborate import Claim  # noqa: E402

PAIRS = REPO / "tests" / "fixtures" / "meaning_pairs.json"


def measure(lang: str) -> list[tuple[float, float, float, float]]:
    rows = []
    for claim, paraphrase, other in json.loads(PAIRS.read_text("utf-8"))[lang]:
        reading = ClaimReading.of(Claim.weighed(claim, lambda word: 1, 10))
        said, other_said = embed([paraphrase, other]) @ reading.vector
        rest = residual_meaning(reading, paraphrase)
        other_rest = residual_meaning(reading, other)
        rows.append((float(said), float(other_said), rest if rest is not None else 0.0, other_rest or 0.0))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    lines = [
        f"### Meaning in English and Spanish, {time.strftime('%Y-%m-%d')}",
        "",
        "Command: `python bench/meaning_languages.py`",
        "",
        "| language | cosine: paraphrase / other (mean) | ranked right by cosine | residual: paraphrase / other "
        "(mean) | ranked right by residual | paraphrases passing | others passing |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang in ("en", "es"):
        rows = measure(lang)
        n = len(rows)
        passing = sum(r[0] >= MEANING_SUPPORT and r[2] >= RESIDUAL_SUPPORT for r in rows)
        others = sum(r[1] >= MEANING_SUPPORT and r[3] >= RESIDUAL_SUPPORT for r in rows)
        lines.append(
            f"| {lang} | {sum(r[0] for r in rows) / n:.2f} / {sum(r[1] for r in rows) / n:.2f} | "
            f"{sum(r[0] > r[1] for r in rows)}/{n} | {sum(r[2] for r in rows) / n:.2f} / "
            f"{sum(r[3] for r in rows) / n:.2f} | {sum(r[2] > r[3] for r in rows)}/{n} | {passing}/{n} | {others}/{n} |"
        )
    publish(lines, args.write)


if __name__ == "__main__":
    main()
