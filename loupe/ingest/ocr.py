"""Text of pictures of text: Tesseract OCR, one ``tesseract`` process a page.

Tesseract is Debian's ``tesseract-ocr`` (with the ``-eng`` and ``-spa``
language data), run as a program: one page goes in on standard input, its
text comes back on standard output. Why a program and not a binding:

- a page past its time limit is killed (``subprocess.run(timeout=...)``); an
  in-process binding (tesserocr) cannot stop a page that runs on, and a crash
  in image code on a hostile file would take the ingest worker, and with it
  the whole process pool, down;
- pytesseract runs the same program, but through temporary files, writing each
  page as a PNG first: 0.3 s for a 300-dpi page here, where the PNM sent below
  costs 0.02 s and no file.

Pages arrive as PNM made by ``loupe.ingest.scans`` (Pillow, pdfium), so
Tesseract's own image readers never see a file from the leak.

Tesseract's OpenMP threads are held to one (``OMP_THREAD_LIMIT``, as its
documentation advises when several run at once): the ingest already runs one
worker per core, and on this 2-core machine the default threads made the
300-dpi linn.png take 25.8 s instead of 4.3 s.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from functools import cache

#: ``eng``, ``eng+spa``: Tesseract's names of its language data, joined by "+".
LANGUAGES = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z][A-Za-z0-9_]*)*")
#: The error of every page when the program is missing: an installation fault, never cached.
MISSING = "tesseract is not installed (Debian package tesseract-ocr)"
TESSERACT = "tesseract"


@dataclass(frozen=True)
class OcrOptions:
    """How a case OCRs (``[ingest] ocr_*`` in case.toml); ``ExtractLimits.ocr`` is None when it does not."""

    #: Tesseract's language data to read with: the leak's languages ("eng+spa").
    languages: str = "eng+spa"
    #: A page still being read after this long is given up (and recorded): a
    #: dense 300-dpi page takes 1-5 s here, a photo of noise can take minutes.
    page_seconds: int = 30
    #: Pages OCR'd in one file: 100 dense pages are about 7 minutes of one
    #: worker; past them the rest is noted, not read.
    max_pages: int = 100
    #: The case's OCR cache folder (``loupe.ingest.ocr_cache``); "" for none.
    cache: str = ""
    #: False: take only what the cache holds, never run Tesseract. Showing a
    #: stored message again (a page of the web UI, a snippet) must not OCR.
    read: bool = True


@dataclass(frozen=True)
class PageText:
    """What Tesseract read on one page, or why it read nothing."""

    text: str
    error: str = ""
    seconds: float = 0.0
    timed_out: bool = False


@dataclass
class Usage:
    """Pages this process gave Tesseract, and the seconds they took (the ingest's OCR figures)."""

    pages: int = 0
    seconds: float = 0.0


#: Counted by ``read_page``; a worker reports the change per item (``ingest.worker``).
USAGE = Usage()


def read_page(image: bytes, options: OcrOptions, dpi: int = 0) -> PageText:
    """Run Tesseract on one page image (PNM, or any format it reads); never raises.

    ``dpi``: the resolution the page was drawn at, when known (a rendered PDF
    page); otherwise Tesseract estimates it from the letters' size.
    """
    command = [TESSERACT, "stdin", "stdout", "-l", options.languages]
    if dpi:
        command += ["--dpi", str(dpi)]
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, input=image, capture_output=True, timeout=options.page_seconds, env=environment, check=False
        )
    except FileNotFoundError:
        return PageText("", MISSING)
    except subprocess.TimeoutExpired:  # run() has killed it
        return _counted(PageText("", f"timed out after {options.page_seconds} s", timed_out=True), started)
    except OSError as exc:
        return PageText("", f"tesseract could not run: {exc}")
    if done.returncode != 0:
        return _counted(PageText("", f"tesseract failed: {_last_line(done.stderr, done.returncode)}"), started)
    # Tesseract ends each page with a form feed
    return _counted(PageText(done.stdout.decode("utf-8", "replace").replace("\f", "\n").strip()), started)


def _counted(page: PageText, started: float) -> PageText:
    seconds = time.monotonic() - started
    USAGE.pages += 1
    USAGE.seconds += seconds
    return PageText(page.text, page.error, seconds, page.timed_out)


def _last_line(stderr: bytes, code: int) -> str:
    """Tesseract's reason: its last line on stderr that is not progress chatter."""
    lines = [
        line.strip()
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.startswith(("Estimating resolution", "Warning", "Detected"))
    ]
    return lines[-1] if lines else f"exit status {code}"


@cache
def engine() -> str:
    """``tesseract 5.3.0``: which Tesseract read the pages, kept with each cached result."""
    try:
        done = subprocess.run([TESSERACT, "--version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    first = (done.stdout or done.stderr).decode("utf-8", "replace").strip().splitlines()
    return first[0] if first else ""


def available(languages: str) -> str:
    """Why OCR cannot run with these languages here, or "" when it can."""
    try:
        done = subprocess.run([TESSERACT, "--list-langs"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return MISSING
    listed = done.stdout.decode("utf-8", "replace").splitlines()[1:] if done.returncode == 0 else []
    have = {line.strip() for line in listed}
    missing = [name for name in languages.split("+") if name not in have]
    return f"no Tesseract language data for {', '.join(missing)}" if missing else ""
