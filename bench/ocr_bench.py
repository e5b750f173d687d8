"""OCR (issue 16, items 3 and 4): Tesseract's throughput here, and what OCR does to ingest speed.

Three measurements, in one run:

- each real sample of ``../shared/corpora/containers-more/ocr`` read by OCR in
  this process (no cache), ``--repeat`` times: seconds a page (the median),
  pages per second, and its word recall against EXPECTED.md (scored as
  ``tests/test_ocr.py`` scores it);
- ``loupe ingest`` (all cores) of a folder of image mails alone: 10 copies of
  each sample, each made a distinct file (bytes appended after the picture's
  end, which every decoder ignores), so the OCR cache cannot spare a page:
  pages per second for the whole machine;
- ``loupe ingest`` of the 10,000-message archive ``ingest_bench.py`` makes
  with ``../shared/tools/amplify.py`` (no pictures in it: what OCR costs mail
  without any), then of the same archive with the image mails beside it, each
  with ``[ingest] ocr = false`` and ``= true`` in the case's case.toml.

Run: ``.venv/bin/python bench/ocr_bench.py [--repeat 3] [--copies 10] [--rounds 2] [--write]``
(about 8 minutes here, on an idle machine); ``--write`` appends the section to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))  # the samples and the scoring live with the tests, which assert on them

from ingest_bench import WORK, make_archive  # noqa: E402
from results import publish  # noqa: E402

from loupe.ingest.attachments import ExtractLimits, extract_text  # noqa: E402
from loupe.ingest.ocr import OcrOptions, available, engine  # noqa: E402
from tests.ocr_samples import EXPECTED_SECTION, LANGUAGES, expected_text, sample_bytes, word_recall  # noqa: E402

LOUPE = REPO / ".venv" / "bin" / "loupe"
MIMETYPES = {".tif": "image/tiff", ".jpg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


def per_sample(repeat: int) -> list[str]:
    """Each sample OCR'd ``repeat`` times in this process: the median time, and word recall."""
    rows = []
    limits = ExtractLimits(ocr=OcrOptions(LANGUAGES))
    total_pages, total_seconds = 0, 0.0
    for name in EXPECTED_SECTION:
        data = sample_bytes(name)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            read = extract_text(data, "application/octet-stream", name, limits)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        recall, found, expected = word_recall(expected_text(name), read.text)
        total_pages += read.ocr_pages
        total_seconds += median
        rows.append(
            f"| {name} | {len(data) / 1024:,.0f} KiB | {read.ocr_pages} | {median:.2f} | "
            f"{read.ocr_pages / median:.2f} | {recall:.3f} ({found}/{expected}) |"
        )
    rows.append(f"| all six | | {total_pages} | {total_seconds:.2f} | {total_pages / total_seconds:.2f} | |")
    return rows


def image_mails(folder: Path, copies: int) -> int:
    """``copies`` mails for each sample, each carrying a distinct file of it; how many mails."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = 0
    for name in EXPECTED_SECTION:
        data = sample_bytes(name)
        for copy in range(copies):
            message = EmailMessage()
            message["From"] = "scanner@example.org"
            message["To"] = "desk@example.org"
            message["Subject"] = f"Scan {name} {copy}"
            message["Date"] = "Tue, 09 Feb 2021 10:00:00 +0000"
            message["Message-ID"] = f"<scan-{name}-{copy}@example.org>"
            message.set_content(f"Scan {copy} of {name}.")
            maintype, subtype = MIMETYPES[Path(name).suffix].split("/")
            distinct = data + f"\n% copy {copy}\n".encode()  # after the picture's end: ignored by every decoder
            message.add_attachment(distinct, maintype=maintype, subtype=subtype, filename=name)
            (folder / f"{name.replace('.', '-')}-{copy:03d}.eml").write_bytes(message.as_bytes())
            count += 1
    return count


def ingest(paths: list[Path], case: Path, ocr: bool) -> tuple[float, dict[str, object]]:
    """``loupe ingest --json`` into a fresh case with ``ocr`` set in its case.toml: wall seconds, summary."""
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    (case / "case.toml").write_text(f"[ingest]\nocr = {'true' if ocr else 'false'}\n", "utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [str(LOUPE), "ingest", *map(str, paths), "--case", str(case), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="times each sample is OCR'd in-process")
    parser.add_argument("--copies", type=int, default=10, help="distinct image mails made of each sample")
    parser.add_argument("--size", type=int, default=10_000, help="messages in the amplified archive")
    parser.add_argument("--rounds", type=int, default=2, help="ingests of each archive run, off and on alternating")
    parser.add_argument("--write", action="store_true", help="append the section to bench/RESULTS.md")
    args = parser.parse_args()
    missing = available(LANGUAGES)
    if missing:
        raise SystemExit(f"ocr_bench: {missing} (tools/install-test-deps.sh installs it)")
    command = (
        f"python bench/ocr_bench.py --repeat {args.repeat} --copies {args.copies} --size {args.size} "
        f"--rounds {args.rounds}"
    )
    lines = [
        f"## OCR, {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores, {engine()}, languages {LANGUAGES})\n",
        f"Command: `{command}`\n",
        "### Each sample, in one process (no cache): median of the runs, and word recall against EXPECTED.md\n",
        "| sample | size | pages | seconds | pages/s | word recall |",
        "|---|---:|---:|---:|---:|---:|",
        *per_sample(args.repeat),
    ]
    archive = make_archive(args.size)
    scans = WORK / "ocr-scans"
    mails = image_mails(scans / "mail", args.copies)
    seconds, summary = ingest([scans / "mail"], scans / "case", ocr=True)
    pages = int(str(summary["ocr_pages"]))
    lines += [
        "",
        f"### {mails} image mails alone (`loupe ingest`, {os.cpu_count()} workers): "
        f"{pages} pages in {seconds:.1f} s, **{pages / seconds:.2f} pages/s** for the machine "
        f"(Tesseract's own time, added up over the workers: {summary['ocr_seconds']:.1f} s)\n",
        f"### Ingest of the {args.size:,}-message archive, OCR off and on ({args.rounds} rounds, alternating; "
        "the median, and each round's seconds)\n",
        "| input | ocr | seconds | each round | msg/s | pages read by OCR | OCR seconds (all workers) |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    runs = [
        (f"{args.size:,} messages", [archive / "mail"]),
        (f"{args.size:,} messages + {mails} image mails", [archive / "mail", scans / "mail"]),
    ]
    measured: dict[tuple[str, bool], list[tuple[float, dict[str, object]]]] = {}
    for _ in range(args.rounds):  # rounds alternate, so a busy spell of the machine falls on both settings
        for label, paths in runs:
            for ocr in (False, True):
                measured.setdefault((label, ocr), []).append(ingest(paths, WORK / "ocr-case", ocr))
    for (label, ocr), results in measured.items():
        seconds = statistics.median(s for s, _ in results)
        summary = results[-1][1]
        items = sum(int(str(summary.get(key, 0))) for key in ("indexed", "documents", "duplicate", "quarantined"))
        lines.append(
            f"| {label} | {'on' if ocr else 'off'} | {seconds:.1f} | {' / '.join(f'{s:.1f}' for s, _ in results)} | "
            f"{items / seconds:,.0f} | {summary['ocr_pages']} | {float(str(summary['ocr_seconds'])):.1f} |"
        )
    shutil.rmtree(WORK / "ocr-case", ignore_errors=True)
    publish(lines, args.write)


if __name__ == "__main__":
    main()
