"""Members of 7z archives, through py7zr.

py7zr is the reader that opens every kind of 7z in our samples: LZMA and
LZMA2, AES-encrypted contents, encrypted file lists and the Zstandard codec
of 7-Zip-zstd; libarchive opens none of the encrypted ones
(bench/archive_choice.py measures both).  It is pure Python, so it installs
from PyPI wherever Loupe does.

Why the shape differs from the zip and tar readers: py7zr pushes what it
decompresses into writer objects instead of letting us pull it, and in a
solid 7z one decompression runs through many members.  So the members are
first written, each counted against the limits, to one anonymous temporary
file (unlinked at creation, gone when closed), then handed out one at a
time: memory stays bounded by one member (plus py7zr's decompression chunk),
disk by the archive-wide expansion limit, and member names never become
paths.

Limits: a 7z header declares every member's size, and py7zr never
decompresses a member past its declared size, so oversized members and
bombs (a folder, 7z's unit of compression, expanding beyond ``max_ratio``)
are refused before anything is decompressed.  The writer counts the real
output as well.  A member skipped inside a solid folder is still
decompressed on the way to the ones after it, so its declared size counts
towards the total, as a skipped member of a compressed tar does.

Encryption: an encrypted 7z hides either only the contents (names visible:
each member is refused "encrypted member") or the file list too (the whole
archive is refused "encrypted archive").  The passwords given are tried in
order.  Once a password has been used, no library error text goes into a
reason, so a password can never leak into the case.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import py7zr
from py7zr.exceptions import ArchiveError, PasswordRequired
from py7zr.helpers import get_sanitized_output_path
from py7zr.io import Py7zIO, WriterFactory

from loupe.ingest.archives import (
    ArchiveLimits,
    ArchiveProblem,
    _Budget,
    _describe,
    _LimitHit,
    normalise_member_path,
    open_archive,
    tried_passwords,
)

__all__ = ["iter_7z"]

#: How the reasons of a crossed limit begin: after one, nothing more is expanded.
_LIMITS = ("zip bomb", "total size")

_WRONG = "it does not decompress with the password that opened the archive"

#: What py7zr raises on bad or wrongly decrypted input.  Each codec under it
#: (Zstandard, Brotli, PPMd, Deflate64, BCJ) has its own error types, and a
#: mutated Zstandard 7z raised ZstdError here, so any exception from inside
#: py7zr counts as bad input; our own limit exceptions are caught before it.
_BAD_7Z = Exception

Entry = tuple[str, bytes] | ArchiveProblem


class _MemberTooLarge(Exception):
    """Internal: a member's real output crossed ``max_member_bytes``."""


@dataclass
class _Spooled:
    """Where one member's bytes lie in the spool, and whether they came out whole."""

    start: int
    length: int = 0
    complete: bool = False


class _SpoolWriter(Py7zIO):
    """Appends one member to the spool, counting it against the limits."""

    def __init__(self, factory: _SpoolFactory, entry: _Spooled) -> None:
        self._factory = factory
        self._entry = entry

    def write(self, s: bytes | bytearray) -> int:
        f = self._factory
        if self._entry.length + len(s) > f.limits.max_member_bytes:
            raise _MemberTooLarge(f"zip bomb: member expands beyond {f.limits.max_member_bytes} bytes")
        f.budget.add(len(s))
        f.spool.write(s)
        self._entry.length += len(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._entry.length

    def seekable(self) -> bool:
        return False  # so py7zr does not try to rewind the writer when the member ends

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self._entry.length

    def close(self) -> None:
        self._entry.complete = True  # py7zr closes a writer only after the member's CRC matched


@dataclass
class _SpoolFactory(WriterFactory):
    """Hands py7zr a writer per member, all backed by one temporary file.

    py7zr calls ``create`` in archive order for the members asked for (it
    decompresses one member at a time when given a file object), so the n-th
    entry belongs to the n-th target.
    """

    spool: BinaryIO
    limits: ArchiveLimits
    budget: _Budget
    entries: list[_Spooled] = field(default_factory=list)

    def create(self, filename: str) -> Py7zIO:
        entry = _Spooled(self.spool.seek(0, io.SEEK_END))
        self.entries.append(entry)
        return _SpoolWriter(self, entry)


@dataclass
class _Plan:
    """What becomes of each member, decided from the header before decompressing."""

    names: list[str] = field(default_factory=list)  # archive order, as stored
    refused: dict[int, str] = field(default_factory=dict)
    targets: list[int] = field(default_factory=list)
    folder: dict[int, int] = field(default_factory=dict)
    stop: ArchiveProblem | None = None


def _plan(sz: py7zr.SevenZipFile, limits: ArchiveLimits, budget: _Budget) -> _Plan:
    plan = _Plan()
    files = [f for f in sz.files if not f.is_directory and not f.is_symlink]
    folders: dict[int, list[int]] = {}
    for i, f in enumerate(files):
        if f.folder is not None:
            folders.setdefault(id(f.folder), []).append(i)
            plan.folder[i] = id(f.folder)
    bombs: dict[int, str] = {}
    for key, members in folders.items():
        unpacked = sum(files[i].uncompressed for i in members)
        packed = max(sum(files[i].compressed or 0 for i in members), 1)
        if unpacked > limits.min_ratio_bytes and unpacked > limits.max_ratio * packed:
            bombs[key] = (
                f"zip bomb: declared ratio {unpacked // packed} beyond {limits.max_ratio} "
                f"({unpacked} bytes from {packed} compressed)"
            )
    declared = budget.total  # what the members to extract will expand to, by their headers
    for i, f in enumerate(files):
        over = budget.count_member()
        if over:
            plan.stop = ArchiveProblem(normalise_member_path(f.filename), over)
            break
        refused = ""
        if plan.folder.get(i) in bombs:
            refused = bombs[plan.folder[i]]
        elif f.uncompressed > limits.max_member_bytes:
            refused = f"member too large: declares {f.uncompressed} bytes (limit {limits.max_member_bytes})"
        elif not _extractable_name(f.filename):
            refused = "unreadable member: py7zr refuses its name (an absolute or climbing path)"
        elif declared + f.uncompressed > limits.max_total_bytes:
            # refused before decompressing: py7zr hands out up to 128 MB at a time
            reason = f"total size limit reached: more than {limits.max_total_bytes} bytes expanded"
            plan.stop = ArchiveProblem(normalise_member_path(f.filename), reason)
            break
        plan.names.append(f.filename)
        if refused:
            plan.refused[i] = refused
        elif not f.emptystream:
            declared += f.uncompressed
            plan.targets.append(i)
    # py7zr picks members by name: a name both refused and wanted is refused
    refused_names = {plan.names[i] for i in plan.refused}
    plan.targets = [i for i in plan.targets if plan.names[i] not in refused_names]
    wanted = set(plan.targets)
    for members in folders.values():
        last = max((n for n, i in enumerate(members) if i in wanted), default=-1)
        skipped = sum(files[i].uncompressed for i in members[:last] if i not in wanted)
        try:
            budget.add(skipped)
        except _LimitHit as hit:
            plan.targets = []
            plan.stop = ArchiveProblem(normalise_member_path(plan.names[-1]), str(hit))
            break
    return plan


def _extractable_name(name: str) -> bool:
    try:
        get_sanitized_output_path(name, None)
    except (ArchiveError, ValueError, OSError):
        return False
    return True


def _open(raw: BinaryIO, password: str | None) -> py7zr.SevenZipFile:
    raw.seek(0)
    return py7zr.SevenZipFile(raw, mode="r", password=password)


def iter_7z(
    source: Path | bytes, limits: ArchiveLimits, budget: _Budget, passwords: tuple[str, ...] = ()
) -> Iterator[Entry]:
    """Yield each regular member of a 7z as ``(path, bytes)`` or a problem (see iter_archive)."""
    try:
        raw: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        yield ArchiveProblem("", f"corrupt archive: {_describe(exc)}")
        return
    with raw:
        yield from _iter_opened(raw, limits, budget, passwords)


def _iter_opened(raw: BinaryIO, limits: ArchiveLimits, budget: _Budget, passwords: tuple[str, ...]) -> Iterator[Entry]:
    opened = open_archive(lambda password: _open(raw, password), PasswordRequired, _BAD_7Z, passwords)
    if isinstance(opened, ArchiveProblem):
        yield opened
        return
    sz, opened_with = opened
    candidates: tuple[str | None, ...] = (None,)
    if opened_with is not None:  # the file list was encrypted: its password opens the members
        candidates = (opened_with,)
    elif sz.needs_password():
        candidates = passwords
    with sz:
        plan = _plan(sz, limits, budget)
    if not candidates:  # encrypted contents, no password to try
        for i, name in enumerate(plan.names):
            yield ArchiveProblem(normalise_member_path(name), plan.refused.get(i, "encrypted member"))
    else:
        with tempfile.TemporaryFile() as spool:
            yield from _extract(raw, spool, plan, candidates, limits, budget)
    if plan.stop:
        yield plan.stop


def _extract(
    raw: BinaryIO,
    spool: BinaryIO,
    plan: _Plan,
    candidates: tuple[str | None, ...],
    limits: ArchiveLimits,
    budget: _Budget,
) -> Iterator[Entry]:
    """Decompress the planned members (trying each password), then hand them out in order."""
    start_total = budget.total
    done: dict[int, _Spooled] = {}
    failed: dict[int, str] = {}
    for password in candidates:
        spool.seek(0)
        spool.truncate()
        budget.total = start_total  # a failed try is undone, not counted twice
        done, failed = _run(raw, password, spool, plan, limits, budget)
        if password is None or done or not failed or any(r.startswith(_LIMITS) for r in failed.values()):
            break
        # nothing came out: most likely the wrong password; try the next
    else:  # no password got anything out
        failed = {i: "encrypted member" + tried_passwords(candidates) for i in plan.targets}
    for i, name in enumerate(plan.names):
        member = normalise_member_path(name)
        if i in plan.refused:
            yield ArchiveProblem(member, plan.refused[i])
        elif i in done:
            spool.seek(done[i].start)
            yield member, spool.read(done[i].length)
        elif i in failed:
            yield ArchiveProblem(member, failed[i])
            if failed[i].startswith(_LIMITS):
                return  # the rest would be expanded past the limits too
        elif i not in plan.targets:
            yield member, b""  # an empty member


def _run(
    raw: BinaryIO, password: str | None, spool: BinaryIO, plan: _Plan, limits: ArchiveLimits, budget: _Budget
) -> tuple[dict[int, _Spooled], dict[int, str]]:
    """One pass with one password; a damaged folder is left out and the rest retried."""
    done: dict[int, _Spooled] = {}
    failed: dict[int, str] = {}
    remaining = list(plan.targets)
    while remaining:
        factory = _SpoolFactory(spool, limits, budget)
        try:
            with _open(raw, password) as sz:
                sz.extract(targets=[plan.names[i] for i in remaining], factory=factory)
            error = ""
        except (_LimitHit, _MemberTooLarge) as hit:
            error = str(hit)
        except _BAD_7Z as exc:
            # after a password was used, say nothing of the error: never echo it
            error = "encrypted member: " + _WRONG if password is not None else f"corrupt member: {_describe(exc)}"
        for i, entry in zip(remaining, factory.entries, strict=False):
            if entry.complete:
                done[i] = entry
        if not error:
            break
        left = [i for i in remaining if i not in done]
        if not left:
            break
        culprit = left[0]
        failed[culprit] = error
        if password is not None:
            failed.update((i, error) for i in left)
            break  # the wrong password, or damage hidden under the encryption
        if error.startswith(_LIMITS):
            break  # a bomb: the members after it are not expanded
        # in a solid folder nothing after the damage can be decoded
        for i in left[1:]:
            if plan.folder.get(i) == plan.folder.get(culprit):
                failed[i] = (
                    f"corrupt member: its solid block is damaged at {normalise_member_path(plan.names[culprit])}"
                )
        remaining = [i for i in left if i not in failed]
    return done, failed
