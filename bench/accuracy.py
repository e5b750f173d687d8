"""How well Loupe reads coded sources and insight blocks in the forms real intelligence-firm mail takes.

Ingests ``../shared/corpora/gifiles-forms/eml`` (60 emails written in the
forms of the Stratfor "Global Intelligence Files", annotated in its
``expected.json``) into a scratch case, then prints, from what the case
stored:

- precision and recall of codes by (email, code), ``MX01`` = ``MX1``, and
  which level found each right pair (report, prose, or a bare mention of
  an established code);
- a per-form table (header, subject, prose, wrapped, forwarded, and every
  other form the annotation names) and the listed negatives taken for a
  source;
- every false positive and every miss, with its line;
- the insight fields' recall and precision on the emails with blocks, and
  every field read wrong.

Run: ``.venv/bin/python bench/accuracy.py`` (``--corpus DIR`` for another
folder in the same shape, such as a held-out set). ``tests/test_sources_real_forms.py``
asserts the targets on the same figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the scoring lives with the tests, which assert on it

from tests.gifiles_accuracy import ingest_corpus, score  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "gifiles-forms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="a folder with eml/ and expected.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        case = ingest_corpus(args.corpus, Path(scratch) / "case", workers=1)
        try:
            s = score(case, args.corpus)
        finally:
            case.close()
    pairs = sum(len(c) for c in s.expected.values())
    found = sum(len(c) for c in s.found.values())
    print(f"corpus: {args.corpus}  ({len(s.emails)} emails, {pairs} (email, code) pairs)")
    print()
    print(
        f"codes: precision {s.precision:.3f} ({s.true_positives}/{found}), "
        f"recall {s.recall:.3f} ({s.true_positives}/{pairs})"
    )
    print("right pairs by level: " + ", ".join(f"{k} {v}" for k, v in sorted(s.level_counts().items())))
    print()
    print("| form | emails | pairs | found | false positives |")
    print("|---|---|---|---|---|")
    for form, emails, wanted, right, wrong in s.form_table():
        print(f"| {form} | {emails} | {wanted} | {right} | {wrong} |")
    negatives = sum(len(e["negatives"]) for e in s.emails.values())
    hits = s.negative_hits()
    print(
        f"| negatives (listed tokens) | {sum(1 for e in s.emails.values() if e['negatives'])} | {negatives} "
        f"| - | {len(hits)} |"
    )
    print()
    print(f"false positives: {len(s.false_positives)}")
    for email, code, level, line in s.false_positives:
        print(f"  {email} {code} ({level}): {line}")
    print(f"misses: {len(s.misses)}")
    for email, code, evidence in s.misses:
        print(f"  {email} {code}: {evidence}")
    print()
    with_blocks = sum(1 for e in s.emails.values() if e.get("fields"))
    print(
        f"insight fields ({with_blocks} emails with blocks): recall {s.field_recall:.3f} "
        f"({s.field_found}/{s.field_total}), precision {s.field_precision:.3f} ({s.field_found}/{s.field_parsed})"
    )
    for email, key, label, want, got in s.field_wrong:
        print(f"  {email} {key} {label}: expected {want!r}, read {got!r}")


if __name__ == "__main__":
    main()
