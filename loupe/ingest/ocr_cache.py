"""What OCR read, kept by the SHA-256 of the file read: a page is OCR'd once per case.

A folder of small JSON files in the case (``ocr/ab/<sha256>.<languages>.json``),
not a database table, because the ingest workers consult and fill it
themselves: the database has one writer, the pipeline's main process, and a
worker that had to wait for it would OCR a logo once per message of a batch.
A page's result is kept the moment it is read, so a duplicate later in the
same run, a re-run after an interruption, ``loupe rebuild`` and the message
page all find it. Each file is written to a temporary name and renamed, so a
reader never sees half of one, and two workers that read the same file at
once both leave a whole one.

Derived data, like the full-text index: deleting the folder costs only the
time to read the pages again. A page that timed out is read again once the
case allows more time than it had; one Tesseract could not run on at all
(not installed) is never kept.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path

from loupe.ingest.ocr import MISSING, OcrOptions, PageText, engine


class OcrCache:
    """One case's OCR results, by file hash and language data."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, sha256: str, languages: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}.{languages}.json"

    def get(self, sha256: str, options: OcrOptions) -> dict[int, PageText]:
        """The pages of this file already read with these languages (numbered from 1)."""
        try:
            stored = json.loads(self._path(sha256, options.languages).read_text("utf-8"))
            pages = stored["pages"]
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or a damaged file: read again
            return {}
        found: dict[int, PageText] = {}
        for number, page in pages.items():
            if page.get("timed_out") and int(page.get("limit", 0)) < options.page_seconds:
                continue  # given more time now
            found[int(number)] = PageText(
                str(page.get("text", "")), str(page.get("error", "")), float(page.get("seconds", 0.0)),
                bool(page.get("timed_out")),
            )  # fmt: skip
        return found

    def put(self, sha256: str, options: OcrOptions, pages: dict[int, PageText]) -> None:
        """Add newly read pages to the file's entry; a failure to write only means reading them again."""
        kept = {n: p for n, p in pages.items() if p.error != MISSING}
        if not kept:
            return
        path = self._path(sha256, options.languages)
        merged = {**self.get(sha256, options), **kept}
        entry = {
            "sha256": sha256,
            "languages": options.languages,
            "engine": engine(),
            "pages": {
                str(n): {
                    "text": p.text,
                    "error": p.error,
                    "seconds": round(p.seconds, 3),
                    "timed_out": p.timed_out,
                    "limit": options.page_seconds,
                }
                for n, p in sorted(merged.items())
            },
        }
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(entry, ensure_ascii=False), "utf-8")
            os.replace(temporary, path)
        except OSError:
            with suppress(OSError):
                temporary.unlink(missing_ok=True)
