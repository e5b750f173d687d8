"""Settings of a case, with a default and a reason for each.

The CLI builds one ``Settings`` (defaults, then ``case.toml``, then flags) and
passes it down; nothing reads the environment or files at import time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from loupe.ingest.archives import ArchiveLimits
from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.ocr import LANGUAGES, OcrOptions
from loupe.sources.codes import DEFAULT_PATTERNS, compile_patterns

DEFAULT_CASE_DIR = "loupe-case"


def default_case_dir() -> Path:
    """``$LOUPE_CASE`` when set, else ``./loupe-case``: one case per folder."""
    return Path(os.environ.get("LOUPE_CASE", DEFAULT_CASE_DIR))


@dataclass(frozen=True)
class Settings:
    """Ingest and index settings. Each field's metadata holds its help text."""

    workers: int = field(
        default=0,
        metadata={"help": "parser processes; 0 means one per core (parsing is the bottleneck)"},
    )
    batch_size: int = field(
        default=2000,
        metadata={
            "help": "messages per store transaction and index commit: large enough to amortise "
            "the index commit, small enough that an interrupted run redoes little"
        },
    )
    max_message_bytes: int = field(
        default=256 * 1024 * 1024,
        metadata={"help": "a single message larger than this is quarantined, not parsed"},
    )
    index_heap_bytes: int = field(
        default=128 * 1024 * 1024,
        metadata={"help": "memory the full-text index writer may buffer before flushing"},
    )
    archive_limits: ArchiveLimits = field(
        default_factory=ArchiveLimits,
        metadata={"help": "limits on zip/tar depth, member count and expanded size"},
    )
    extract_limits: ExtractLimits = field(
        default_factory=ExtractLimits,
        metadata={"help": "limits on attachment text extraction"},
    )
    entities: bool = field(
        default=True,
        metadata={
            "help": "read the people, organisations and places each message names (about 0.14 ms a message, "
            "and 19 MiB of place and name lists in each parser process)"
        },
    )
    meaning: bool = field(
        default=True,
        metadata={
            "help": "cut each message's own text into passages and keep their meaning vectors, for "
            "corroboration and 'says the same thing' (about 0.9 ms of CPU and 1.6 KiB a message, the costliest "
            "step of ingest: bench/ingest_profile.py; derived data, "
            "made again from the originals when switched back on)"
        },
    )
    ocr: bool = field(
        default=True,
        metadata={
            "help": "read the text of pictures (PNG, JPEG, TIFF, GIF) and of PDF pages without a text layer "
            "with Tesseract (1-5 s a page here, once per distinct file: results are kept in the case's ocr/ "
            "folder); needs the tesseract-ocr package"
        },
    )
    ocr_languages: str = field(
        default="eng+spa",
        metadata={
            "help": "Tesseract language data to read with, joined by '+' (eng+spa; each needs its Debian "
            "package, tesseract-ocr-LANG); a page read with other languages is read again"
        },
    )
    ocr_page_seconds: int = field(
        default=30,
        metadata={
            "help": "a page OCR has not read after this many seconds is given up and noted on its "
            "attachment (a dense 300-dpi page takes 1-5 s)"
        },
    )
    source_patterns: tuple[str, ...] = field(
        default=DEFAULT_PATTERNS,
        metadata={
            "help": "regular expressions an informant code must match ([sources] patterns in case.toml); "
            "a code is still taken only where the context says 'source'"
        },
    )
    source_ordinary: tuple[str, ...] = field(
        default=(),
        metadata={"help": "tokens never taken as a code from a phrase, added to the built-in list (MP3, CO2, MI6 ...)"},
    )

    def effective_workers(self) -> int:
        return self.workers or (os.cpu_count() or 1)

    def extraction(self, ocr_cache: Path | None, read_ocr: bool = True) -> ExtractLimits:
        """The extraction limits with OCR as these settings ask: results kept in ``ocr_cache``,
        and Tesseract run only when ``read_ocr`` (ingest), not when a stored message is shown again."""
        if not self.ocr:
            return self.extract_limits
        options = OcrOptions(self.ocr_languages, self.ocr_page_seconds, cache=str(ocr_cache or ""), read=read_ocr)
        return replace(self.extract_limits, ocr=options)

    @classmethod
    def from_toml(cls, path: Path) -> Settings:
        """Read the ``[ingest]`` and ``[sources]`` tables of a case.toml; unknown keys are an error."""
        settings = cls()
        if not path.exists():
            return settings
        document = tomllib.loads(path.read_text("utf-8"))
        settings = _sources(settings, path, document.get("sources", {}))
        data: dict[str, Any] = document.get("ingest", {})
        from loupe.errors import CaseError

        kinds = {f.name: f.type for f in fields(cls) if f.type in ("int", int, "bool", bool, "str", str)}  # no limits
        unknown = set(data) - set(kinds)
        if unknown:
            raise CaseError(str(path), f"unknown ingest setting(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if kinds[key] in ("bool", bool):
                if not isinstance(value, bool):
                    raise CaseError(str(path), f"[ingest] {key} must be true or false")
                values[key] = value
            elif kinds[key] in ("str", str):
                values[key] = _text_setting(path, key, value)
            else:
                values[key] = int(value)
        return replace(settings, **values)


def _text_setting(path: Path, key: str, value: Any) -> str:
    """A text setting, checked now: a typo in ``ocr_languages`` would otherwise fail every page."""
    from loupe.errors import CaseError

    if key == "ocr_languages" and not (isinstance(value, str) and LANGUAGES.fullmatch(value)):
        raise CaseError(str(path), "[ingest] ocr_languages must be Tesseract language names joined by '+' (eng+spa)")
    if not isinstance(value, str):
        raise CaseError(str(path), f"[ingest] {key} must be text")
    return value


def _sources(settings: Settings, path: Path, table: dict[str, Any]) -> Settings:
    """``[sources] patterns = [...]`` and ``ordinary = [...]``, checked now so a typo
    in a pattern stops the ingest with its reason instead of finding nothing."""
    from loupe.errors import CaseError

    unknown = set(table) - {"patterns", "ordinary"}
    if unknown:
        raise CaseError(str(path), f"unknown sources setting(s): {', '.join(sorted(unknown))}")
    patterns = table.get("patterns", settings.source_patterns)
    ordinary = table.get("ordinary", settings.source_ordinary)
    if not isinstance(patterns, list | tuple) or not all(isinstance(p, str) for p in patterns) or not patterns:
        raise CaseError(str(path), "[sources] patterns must be a list of regular expressions")
    if not isinstance(ordinary, list | tuple) or not all(isinstance(t, str) for t in ordinary):
        raise CaseError(str(path), "[sources] ordinary must be a list of tokens")
    try:
        compile_patterns(tuple(patterns))
    except ValueError as exc:
        raise CaseError(str(path), f"[sources] patterns: {exc}") from exc
    return replace(settings, source_patterns=tuple(patterns), source_ordinary=tuple(t.upper() for t in ordinary))
