"""PDFs that expand without end: how attachment text extraction ends them, its time and peak memory (issue 15).

Each hostile PDF is written to a scratch folder, then read by
``loupe.ingest.attachments.extract_text`` in a fresh process, which reports
its own CPU seconds and peak RSS (``resource.getrusage``) beside the
``error`` line. The unit tests (``tests/test_hostile_input.py``) check the
error lines; the numbers live here, never in a test.
Run: ``.venv/bin/python bench/pdf_bench.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from results import publish

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the PDF writer lives with the tests
from tests.pdf_samples import pdf_file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TEXT = b"BT /F1 12 Tf 72 720 Td (A page) Tj ET\n"
FORM = b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"

CHILD = """
import json, resource, sys, time
from loupe.ingest.attachments import extract_text
import pypdf  # loaded before the baseline: the library's own size is not the input's cost
data = open(sys.argv[1], "rb").read()
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.process_time()
result = extract_text(data, "application/pdf", "x.pdf")
print(json.dumps({"cpu": time.process_time() - started, "baseline": baseline,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "error": result.error}))
"""


def deflated(prefix: bytes, megabytes: int, fill: int = 0) -> bytes:
    """zlib data inflating to ``prefix`` and ``megabytes`` MiB of ``fill`` bytes, one compressed MiB repeated."""
    squeeze = zlib.compressobj(9)
    head = squeeze.compress(prefix) + squeeze.flush(zlib.Z_FULL_FLUSH)
    chunk = bytes([fill]) * (1 << 20)
    block = squeeze.compress(chunk) + squeeze.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(prefix)
    for _ in range(megabytes):
        checksum = zlib.adler32(chunk, checksum)
    return head + block * megabytes + b"\x03\x00" + checksum.to_bytes(4, "big")


def pdf(contents: list[bytes], form: bytes = b"", filters: bytes = b"/FlateDecode") -> bytes:
    """One page per encoded content stream; each page may draw ``form`` as /F."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    if form:
        objects[4] = b"<< /Length %d /Filter /FlateDecode %s >>\nstream\n%s\nendstream" % (len(form), FORM, form)
    kids = []
    for n, data in enumerate(contents):
        objects[10 + 2 * n] = (
            b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /F 4 0 R >> >> "
            b"/Contents %d 0 R >>" % (11 + 2 * n)
        )
        objects[11 + 2 * n] = b"<< /Length %d /Filter %s >>\nstream\n%s\nendstream" % (len(data), filters, data)
        kids.append(b"%d 0 R" % (10 + 2 * n))
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return pdf_file(objects)


#: Each made on demand in its own process (see ``main``), by name.
CASES = {
    "one page inflating to 1 GiB": lambda: pdf([deflated(TEXT, 1024)]),
    "/FlateDecode of /FlateDecode to 1 GiB": lambda: pdf(
        [zlib.compress(deflated(TEXT, 1024))], filters=b"[/FlateDecode /FlateDecode]"
    ),
    "40 pages inflating to 1 GiB each": lambda: pdf([deflated(TEXT, 1024)] * 40),
    "500 pages inflating to 74 MiB each": lambda: pdf([deflated(TEXT, 74)] * 500),
    "500 pages of 15 MiB of text operators' whitespace": lambda: pdf([deflated(TEXT, 15, ord(" "))] * 500),
    "a page drawing a 1 MiB text form 5,000 times": lambda: pdf(
        [zlib.compress(TEXT + b"/F Do\n" * 5000)], form=deflated(TEXT, 1, ord(" "))
    ),
}


def measured(path: Path) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, cwd=REPO, check=True)
    return dict(json.loads(run.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--make", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:  # in a child: the measuring process must not inherit the maker's memory
        Path(args.make[1]).write_bytes(CASES[args.make[0]]())
        return
    lines = [f"### PDFs that expand without end, {time.strftime('%Y-%m-%d')}", "",
             "Command: `python bench/pdf_bench.py` (extract_text in a fresh process)", "",
             "| PDF | size | CPU s | peak RSS MiB (before) | how it ended |", "|---|---|---|---|---|"]  # fmt: skip
    with tempfile.TemporaryDirectory(dir=HERE) as scratch:
        path = Path(scratch) / "hostile.pdf"
        for name in CASES:
            subprocess.run([sys.executable, __file__, "--make", name, str(path)], check=True)
            got = measured(path)
            lines.append(
                f"| {name} | {path.stat().st_size / 1e6:.1f} MB | {got['cpu']:.1f} | "
                f"{int(got['peak']) // 1024} ({int(got['baseline']) // 1024}) | {got['error']} |"  # type: ignore[call-overload]
            )
    publish(lines, args.write)


if __name__ == "__main__":
    main()
