"""Members of RAR archives (RAR 1.5-4.x and RAR5), through rars.

rars is a RAR reader written in Rust with Python wheels on PyPI.  It is the
one reader measured that opens every RAR in our samples in-process:
RAR4 and RAR5, encrypted contents and encrypted file lists
(bench/archive_choice.py).  The alternatives fall short for a reporter's
laptop: libarchive decrypts no RAR at all and is a system library, and
rarfile hands decompression to an external ``unrar``/``unar`` (not on PyPI;
Debian's ``unar`` fails on RAR4 with encrypted headers) with the password on
its command line, where other users of the machine can read it.

Limits: rars checks each member's declared size before decoding it and its
real output while decoding (``max_member_output_bytes``), so a member never
expands past ``max_member_bytes`` in memory; the ratio and the archive-wide
total are judged here from the declared sizes first, then counted from what
came out.  In a solid archive a member's own compressed size says little
(a repeated file costs almost nothing), so there the ratio is judged on the
running totals.

Residual costs: rars reads a RAR whole into memory (it has no streaming
reader yet), so a RAR costs its own size in memory while it is read.  In a
solid archive every read decodes from the start of the archive, so members
are read in batches (``read_many``) of up to ``SOLID_BATCH_BYTES``: each
batch decodes the ones before it again, which costs time, not memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rars

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

__all__ = ["SOLID_BATCH_BYTES", "iter_rar"]

#: Declared bytes decoded per call in a solid archive (see the module docstring).
SOLID_BATCH_BYTES = 128 * 1024 * 1024

#: What rars raises on bad input; its output limits surface as MemoryError.
_BAD_RAR = (rars.Error, OSError, ValueError, KeyError, MemoryError)

Entry = tuple[str, bytes] | ArchiveProblem


def _open(source: Path | bytes, password: str | None) -> Any:
    if isinstance(source, bytes):
        return rars.RarFile.from_bytes(source, password=password)
    return rars.RarFile(str(source), password=password)


def iter_rar(
    source: Path | bytes, limits: ArchiveLimits, budget: _Budget, passwords: tuple[str, ...] = ()
) -> Iterator[Entry]:
    """Yield each regular member of a RAR as ``(path, bytes)`` or a problem (see iter_archive)."""
    opened = open_archive(lambda password: _open(source, password), rars.PasswordRequired, _BAD_RAR, passwords)
    if isinstance(opened, ArchiveProblem):
        yield opened
        return
    rf, opened_with = opened
    reader = _Reader(rf, limits, budget, passwords, opened_with)
    try:
        yield from reader.members()
    except _LimitHit as hit:  # more came out than the headers declared
        yield ArchiveProblem(reader.current, str(hit))


class _Reader:
    """Walks one opened RAR, minding the limits and trying the passwords."""

    def __init__(
        self, rf: Any, limits: ArchiveLimits, budget: _Budget, passwords: tuple[str, ...], opened_with: str | None
    ) -> None:
        self.rf = rf
        self.limits = limits
        self.budget = budget
        self.passwords = passwords
        self.good = opened_with  # the password that worked last: tried first
        self.current = ""  # the member being read, for a limit crossed while reading it
        self.options = rars.ReadOptions(max_member_output_bytes=limits.max_member_bytes)

    def members(self) -> Iterator[Entry]:
        infos = [i for i in self.rf.infolist() if not i.is_dir()]
        solid = any(i.is_solid for i in infos)
        batch: list[Any] = []
        batch_bytes = 0
        declared = packed = 0
        for info in infos:
            name = normalise_member_path(info.filename)
            over = self.budget.count_member()
            if over:
                yield from self._read(batch)
                yield ArchiveProblem(name, over)
                return
            declared += info.file_size
            packed += info.compress_size
            refused = self._refuse(info, declared if solid else info.file_size, packed if solid else info.compress_size)
            if refused:
                yield from self._read(batch)
                batch, batch_bytes = [], 0
                yield ArchiveProblem(name, refused)
                if refused.startswith("total size"):
                    return
                continue
            if not solid:
                yield from self._read([info])
                continue
            if batch and batch_bytes + info.file_size > SOLID_BATCH_BYTES:
                yield from self._read(batch)
                batch, batch_bytes = [], 0
            batch.append(info)
            batch_bytes += info.file_size
        yield from self._read(batch)

    def _refuse(self, info: Any, size: int, comp: int) -> str:
        """Why a member is refused from its header alone, or ""."""
        limits = self.limits
        if info.is_encrypted and not self.passwords and self.good is None:
            return "encrypted member"
        if info.file_size > limits.max_member_bytes:
            return f"member too large: declares {info.file_size} bytes (limit {limits.max_member_bytes})"
        if size > limits.min_ratio_bytes and size > limits.max_ratio * max(comp, 1):
            return (
                f"zip bomb: declared ratio {size // max(comp, 1)} beyond {limits.max_ratio} "
                f"({size} bytes from {comp} compressed)"
            )
        if self.budget.total + info.file_size > limits.max_total_bytes:
            return f"total size limit reached: more than {limits.max_total_bytes} bytes expanded"
        return ""

    def _candidates(self, encrypted: bool) -> list[str | None]:
        if not encrypted:
            return [None]
        rest: list[str | None] = [p for p in self.passwords if p != self.good]
        return [self.good, *rest] if self.good is not None else rest

    def _read(self, infos: list[Any]) -> Iterator[Entry]:
        """Read some members in one decoding pass; on failure, one by one to say which."""
        encrypted = any(i.is_encrypted for i in infos)
        if len(infos) > 1 and (not encrypted or self.good is not None):
            try:
                names = [i.orig_filename_bytes for i in infos]
                datas = self.rf.read_many(names, pwd=self.good if encrypted else None, options=self.options)
            except _BAD_RAR:
                pass  # fall through to one at a time, which names the bad member
            else:
                for info, data in zip(infos, datas, strict=True):
                    self.current = normalise_member_path(info.filename)
                    self.budget.add(len(data))
                    yield self.current, data
                return
        for info in infos:
            yield self._read_one(info)

    def _read_one(self, info: Any) -> Entry:
        name = self.current = normalise_member_path(info.filename)
        candidates = self._candidates(info.is_encrypted)
        for password in candidates:
            try:
                data = self.rf.read(info.orig_filename_bytes, pwd=password, options=self.options)
            except (rars.BadPassword, rars.PasswordRequired):
                continue
            except MemoryError:
                return ArchiveProblem(name, f"zip bomb: member expands beyond {self.limits.max_member_bytes} bytes")
            except _BAD_RAR as exc:
                if password is not None:  # never echo an error once a password was used
                    return ArchiveProblem(name, "corrupt member: it does not decompress with the password given")
                return ArchiveProblem(name, f"corrupt member: {_describe(exc)}")
            self.good = password if password is not None else self.good
            self.budget.add(len(data))
            return name, data
        return ArchiveProblem(name, "encrypted member" + tried_passwords(tuple(self.passwords)))
