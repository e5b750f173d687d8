"""People and lists: hand-annotated real list mail, then amplified list mail at any size.

Prints list and person precision and recall per real mailing-list corpus
(``tests/fixtures/people_lists_annotated.json``: each corpus in a case of its
own, then all in one), then makes an archive of ``--size`` messages among
``--people`` correspondents from the real list copies with
``../shared/tools/amplify.py`` (every message keeps a real List-Id; cached in
``bench/work/lists-SIZE-PEOPLE``), ingests it with ``loupe ingest`` (all
cores) and counts the people table's persons and lists, and how the most
prolific writers are filed. The amplified correspondents are all people.

Run: ``.venv/bin/python bench/people_lists_eval.py`` (3,000 messages among 60,
seconds), or ``--size 1000000 --people 3000`` for the archive where the old
List-Id-share rule filed every correspondent as a list (about 20 minutes).
Results are appended to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the annotation and its scoring live with the tests

from loupe.case import Case  # noqa: E402
from tests.test_people_lists_real import ANNOTATION, amplified_list_mail, figures, ingested  # noqa: E402

WORK = REPO / "bench" / "work"


def annotated_lines() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, a in ANNOTATION.items():
            lines.append("alone:    " + figures(name, ingested(Path(tmp) / name, a["paths"])))
        together = ingested(Path(tmp) / "together", [p for a in ANNOTATION.values() for p in a["paths"]])
        lines += ["together: " + figures(name, together) for name in ANNOTATION]
    return lines


def amplified_lines(size: int, people: int) -> list[str]:
    folder = WORK / f"lists-{size}-{people}"
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        amplified_list_mail(folder, size, people)
        (folder / "done").write_text("ok")
    case_dir = folder / "loupe-case"
    shutil.rmtree(case_dir, ignore_errors=True)
    started = time.monotonic()
    loupe = str(REPO / ".venv" / "bin" / "loupe")
    subprocess.run([loupe, "ingest", str(folder / "mail"), "--case", str(case_dir), "--quiet"], check=True)
    seconds = time.monotonic() - started
    case = Case.open(case_dir)
    try:
        table = case.db.people.table()
    finally:
        case.close()
    persons = sum(1 for row in table if row["kind"] == "person")
    writers = sorted(table, key=lambda row: -row["sent"])[:20]
    return [
        f"amplified list mail, {size:,} messages among {people:,} people (ingest {seconds:.0f} s): "
        f"{persons:,} persons, {len(table) - persons:,} lists in the people table; "
        f"the 20 most prolific writers: {sum(1 for row in writers if row['kind'] == 'person')} filed as persons",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3000, help="amplified messages")
    parser.add_argument("--people", type=int, default=60, help="correspondents among them")
    args = parser.parse_args()
    lines = annotated_lines() + amplified_lines(args.size, args.people)
    print("\n".join(lines))
    command = f"python bench/people_lists_eval.py --size {args.size} --people {args.people}"
    with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write(f"\n## People and lists, {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores)\n\n")
        out.write(f"Command: `{command}`\n\n```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
