"""Corroboration by words and by meaning, scored: real-mail claims annotated by hand, and the demo's planted claims.

Real mail: the ten claims of ``tests/fixtures/corroboration_real.json``
(``tests/corroboration_accuracy.py`` scores them), recall of supporting
origins and precision of the origins reported, ``--lexical`` against the
hybrid. Demo: a 2,000-message demo (seed 7, as the tests build it), its
claims by wording ("shared": the origins use the claim's words;
"paraphrased": only its names), how many get exactly k origins, how many
planted origins are found, and what else is counted (other mail, decoys by
kind). Run: ``.venv/bin/python bench/corroboration_eval.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from results import publish  # noqa: E402

from loupe.case import Case  # noqa: E402
from loupe.demo.generator import generate_demo  # noqa: E402
from loupe.ingest.pipeline import ingest  # noqa: E402
from loupe.quotes.in_case import corroborate  # noqa: E402
from tests.corroboration_accuracy import ingest_folders, score  # noqa: E402

CORPORA = REPO.parent / "shared" / "corpora"


def real_lines(work: Path) -> list[str]:
    case = ingest_folders(CORPORA, work / "real")
    lines = ["| real mail, 10 claims, 21 origins | recall of origins | precision |", "|---|---|---|"]
    for lexical in (True, False):
        s = score(case, lexical)
        found = sum(c.found for c in s.claims)
        right, reported = sum(c.right for c in s.claims), sum(c.reported for c in s.claims)
        label = "--lexical" if lexical else "hybrid"
        lines.append(f"| {label} | {s.recall:.3f} ({found}/21) | {s.precision:.3f} ({right}/{reported}) |")
    case.close()
    return lines


def demo_lines(work: Path) -> list[str]:
    generate_demo(work / "demo", n_messages=2000, seed=7)
    case = Case.open(work / "demo-case", create=True)
    ingest(case, [work / "demo" / "archive"], workers=2)
    truth = json.loads((work / "demo" / "truth.json").read_text("utf-8"))

    def resolved(message_id: str) -> str:
        return case.db.resolve(message_id.strip("<>"))

    lines = [
        "| demo claims | mode | exactly k | planted origins found | other mail counted | decoys counted |",
        "|---|---|---|---|---|---|",
    ]
    for wording in ("shared", "paraphrased"):
        claims = [c for c in truth["claims"] if c.get("wording", "shared") == wording]
        for lexical in (True, False):
            exact = found = total = other = 0
            decoys: dict[str, int] = {}
            for claim in claims:
                result = corroborate(case, claim["claim"], lexical=lexical)
                exact += result.independent == claim["k"]
                decoy_ids = [resolved(d) for d in claim["decoys"]]
                kinds = dict(zip(decoy_ids, claim.get("decoy_kinds") or ["shared words"] * len(decoy_ids), strict=True))
                planted: set[str] = set()
                for origin in claim["origins"]:
                    messages = {resolved(origin["message_id"])} | {resolved(c["message_id"]) for c in origin["copies"]}
                    planted |= messages
                    total += 1
                    found += any({e.message for e in o.evidence} & messages for o in result.origins)
                for o in result.origins:
                    messages = {e.message for e in o.evidence}
                    if messages & planted:
                        continue
                    kind = next(
                        (
                            kinds.get(m, "shared words")
                            for m in messages
                            if m in kinds or m in map(resolved, claim["decoys"])
                        ),
                        None,
                    )
                    if kind is None:
                        other += 1
                    else:
                        decoys[kind] = decoys.get(kind, 0) + 1
            shown = ", ".join(f"{k} {v}" for k, v in sorted(decoys.items())) or "none"
            mode = "--lexical" if lexical else "hybrid"
            lines.append(
                f"| {wording} ({len(claims)}) | {mode} | {exact}/{len(claims)} | {found}/{total} | {other} | {shown} |"
            )
    case.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        lines = [f"### Corroboration by words and by meaning, scored, {time.strftime('%Y-%m-%d')}", "",
                 "Command: `python bench/corroboration_eval.py`", ""]  # fmt: skip
        lines += [*real_lines(work), "", *demo_lines(work)]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
