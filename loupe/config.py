"""Settings of a case, with a default and a reason for each.

The CLI builds one ``Settings`` (defaults, then ``case.toml``, then flags) and
passes it down; nothing reads the environment or files at import time.
Which database a case lives in is chosen here too (``database_url``).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from loupe.ingest.archives import ArchiveLimits
from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.ocr import LANGUAGES, OcrOptions
from loupe.sources.codes import DEFAULT_PATTERNS, compile_patterns

DEFAULT_CASE_DIR = "loupe-case"
#: The database of a case whose folder does not name one (``database_url``).
DB_ENV = "LOUPE_DB"
#: The folder's own SQLite database, when nothing names another.
CASE_DB = "case.db"


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

    scheduler: str = field(
        default="",
        metadata={
            "help": "a Dask scheduler (tcp://HOST:8786) whose workers parse the mail; they need the inputs at the "
            "same path (a shared folder or mount); empty: this machine's parser processes"
        },
    )

    database_url: str | None = field(
        default=None,
        metadata={
            "help": "the case's database when it is not the folder's case.db ([store] database in case.toml): "
            "a PostgreSQL URL, written by `loupe ingest --db` or the server when they create the case"
        },
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
        """Read the ``[ingest]``, ``[sources]`` and ``[store]`` tables of a case.toml; unknown keys are an error."""
        settings = cls()
        if not path.exists():
            return settings
        document = tomllib.loads(path.read_text("utf-8"))
        settings = _sources(settings, path, document.get("sources", {}))
        settings = _store(settings, path, document.get("store", {}))
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


def _store(settings: Settings, path: Path, table: dict[str, Any]) -> Settings:
    """``[store] database = "URL"``: the case's tables are in that database, not in the folder's case.db."""
    from loupe.errors import CaseError

    unknown = set(table) - {"database"}
    if unknown:
        raise CaseError(str(path), f"unknown store setting(s): {', '.join(sorted(unknown))}")
    url = table.get("database")
    if url is None:
        return settings
    if not isinstance(url, str) or not url.strip():
        raise CaseError(str(path), "[store] database must be a database URL (postgresql://...)")
    return replace(settings, database_url=url.strip())


def database_url(root: Path, given: str | None, settings: Settings, environ: Mapping[str, str]) -> tuple[str, str]:
    """The URL of the case's database, and where it came from: the first of ``given`` (``--db``),
    the folder's ``[store] database``, ``$LOUPE_DB``, the folder's ``case.db``.

    The folder's own word comes before the environment's because the folder's index and
    blobs describe that database: a case made on a server stays on it whatever the shell
    says. For the same reason ``$LOUPE_DB`` is not taken for a folder that already holds a
    ``case.db`` (a SQLite case from before, whose rows are there): it is a default for new
    cases, not a way to move old ones.
    """
    if given:
        return given, "--db"
    if settings.database_url:
        return settings.database_url, "case.toml"
    env = environ.get(DB_ENV, "").strip()
    if env and not (root / CASE_DB).exists():
        return env, DB_ENV
    return f"sqlite:///{root / CASE_DB}", CASE_DB


def record_database(path: Path, url: str) -> None:
    """Write ``[store] database = "URL"`` into the case.toml at ``path``, unless it has a
    ``[store]`` table already (a URL given once to make the case does not replace it).

    The URL is written as given, password and all, since the folder must reach the
    database alone; leave the password out and keep it in ``~/.pgpass`` (which
    psycopg reads) to keep it out of the folder."""
    current = path.read_text("utf-8") if path.exists() else ""
    if "store" in tomllib.loads(current):
        return
    quoted = json.dumps(url)  # a JSON string is a TOML basic string
    path.write_text(f"{current.rstrip()}\n\n[store]\ndatabase = {quoted}\n".lstrip(), "utf-8")
