"""Members of zip, tar (plain or compressed), single-file gzip, 7z and RAR archives.

Leaks arrive as archives, often archives of archives, and some are hostile or
simply broken.  This module turns one archive into a stream of
``(member path, member bytes)`` pairs, and every way a member (or the whole
archive) can go wrong into an :class:`ArchiveProblem` value instead of an
exception, so one bad member never stops the ingestion of the rest.

Safety rules, and why:

* Nothing is ever written to disk and member names are never used as paths:
  they only end up in locators, so path traversal (``../../etc/passwd``)
  cannot hurt, and symlinks, devices and other non-regular members are
  skipped because they carry no mail.
* Every expansion is done in bounded chunks and counted, against both what
  the headers declare and what actually comes out, because archive headers
  can lie.  A member is refused before reading when its declared size or
  ratio is over the limits, and abandoned mid-read as soon as the real
  output crosses them.  The compression ratio is only judged once a member
  has expanded past ``min_ratio_bytes``: small, very repetitive files (a
  page of blank lines) compress beyond any sane ratio and are harmless.
* Tar archives are read in stream mode (``r|``) so compressed tars are never
  seeked in or decompressed twice.  The decompression itself is done here
  (:class:`_Inflating`), not by tarfile's ``r|*``: tarfile decompresses
  each 10 KiB of input with no cap on the output, which lets a bzip2 bomb
  expand to gigabytes in one call; here every call is capped at what the
  reader asked for.  In a compressed tar, skipping a member still means
  decompressing it, so skipped bytes count towards the total limit as well.

7z and RAR members come from sevenzip.py and rar.py, which share the limits
and the budget defined here.  Encrypted members of any of them are refused
"encrypted member" unless one of the passwords given opens them (zip:
pyzipper, for ZipCrypto and WinZip AES alike); the reasons say how many
passwords were tried, never which.

Residual risk: zipfile hands each bzip2/LZMA member read of up to 4 KiB of
compressed input to the decompressor without an output cap, so one such read
can expand further than ``max_member_bytes`` before being cut; deflate (by
far the most common method) is bounded per read.
"""

from __future__ import annotations

import bz2
import contextlib
import io
import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

if TYPE_CHECKING:  # imported at the first encrypted member: every case's settings import this module
    import pyzipper

T = TypeVar("T")

__all__ = [
    "ArchiveLimits",
    "ArchiveProblem",
    "iter_archive",
    "normalise_member_path",
    "sniff_archive",
    "tried_passwords",
]

_CHUNK = 1024 * 1024

#: Exceptions the stdlib decompressors and archive readers raise on bad input.
_BAD_INPUT = (
    zipfile.BadZipFile,
    tarfile.TarError,
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    KeyError,
    OverflowError,
)


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits that stop an archive from exhausting memory, disk or time.

    ``max_depth`` is enforced by the caller, which is the one recursing into
    archives found inside archives; it lives here so that all the knobs are
    set in one place.
    """

    max_depth: int = 5
    max_members: int = 200_000
    max_member_bytes: int = 512 * 1024 * 1024
    max_total_bytes: int = 8 * 1024**3
    max_ratio: int = 200
    #: Below this expanded size the ratio is not judged (see module docstring).
    min_ratio_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class ArchiveProblem:
    """A member (or, with ``member_path == ""``, the whole archive) that was refused.

    It is a value, not an exception, so the caller can quarantine it with its
    reason and carry on with the next member.
    """

    member_path: str
    reason: str


class _LimitHit(Exception):
    """Internal: the archive-wide total limit was crossed."""


def normalise_member_path(name: str) -> str:
    """Member name for locators: ``\\`` made ``/`` and leading ``./`` removed.

    Windows zippers store backslashes and tar writers often prefix ``./``;
    normalising makes the same file get the same locator whichever tool
    packed it.  The result is never used to write a file.
    """
    path = name.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _probe_decompressed(head: bytes, kind: str) -> bytes:
    """Decompress at most a few hundred bytes of ``head``; b"" if impossible."""
    try:
        if kind == "gz":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 512)
        if kind == "bz2":
            return bz2.BZ2Decompressor().decompress(head, 512)
        return lzma.LZMADecompressor().decompress(head, 512)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError):
        return b""


def _is_tar(block: bytes) -> bool:
    return block[257:262] == b"ustar"


def sniff_archive(head: bytes) -> str | None:
    """Name the archive format of ``head`` from magic bytes, or None.

    Returns "zip", "tar", "tar.gz", "tar.bz2", "tar.xz", "gzip", "7z" or
    "rar" (RAR 1.5-4.x and RAR5 share a signature prefix).  For the
    compressed formats the first few hundred bytes are decompressed to look
    for the tar magic; bzip2 and xz need a whole block before they produce
    anything, so when nothing comes out they are assumed to hold a tar (a
    lone .bz2/.xz mail file is rare, and iter_archive reports it cleanly
    if the guess is wrong).
    """
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith((b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")):
        return "rar"
    if head.startswith(b"\x1f\x8b"):
        return "tar.gz" if _is_tar(_probe_decompressed(head, "gz")) else "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit():
        out = _probe_decompressed(head, "bz2")
        return "tar.bz2" if not out or _is_tar(out) else None
    if head.startswith(b"\xfd7zXZ\x00"):
        out = _probe_decompressed(head, "xz")
        return "tar.xz" if not out or _is_tar(out) else None
    if _is_tar(head):
        return "tar"
    return None


class _Counting(io.RawIOBase):
    """Wraps a binary file and counts the (compressed) bytes read from it.

    The count lets the streaming readers judge the expansion ratio of a
    compressed stream as it is being decompressed.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        return n


#: Compressed bytes fed to a decompressor at a time.  Small, so that the
#: ratio of a stream can be judged early (see _read_capped).
_IN_CHUNK = 16 * 1024

_MAGIC = {"gz": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ\x00"}


class _Inflating(io.RawIOBase):
    """A decompressed view of a gzip, bzip2 or xz stream with capped output.

    Each ``readinto`` produces at most the bytes asked for, whatever the
    compression ratio, so memory stays bounded by the reader's chunk size.
    Concatenated streams (multi-member gzip, pbzip2 output) are followed;
    anything after the last stream that is not another stream is ignored.
    """

    def __init__(self, raw: _Counting, comp: str) -> None:
        super().__init__()
        self._raw = raw
        self._comp = comp
        self._d = self._new()
        self._in = b""

    def _new(self) -> zlib._Decompress | bz2.BZ2Decompressor | lzma.LZMADecompressor:
        if self._comp == "gz":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._comp == "bz2":
            return bz2.BZ2Decompressor()
        return lzma.LZMADecompressor()

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        out = self._produce(len(b))
        b[: len(out)] = out
        return len(out)

    def _produce(self, n: int) -> bytes:
        magic = _MAGIC[self._comp]
        while n > 0:
            d = self._d
            if d.eof:
                tail = d.unused_data + self._in
                self._in = b""
                while len(tail) < len(magic):
                    more = self._raw.read(_IN_CHUNK)
                    if not more:
                        break
                    tail += more
                if not tail.startswith(magic):
                    return b""  # end of data (or trailing padding)
                self._d = self._new()
                self._in = tail
                continue
            if isinstance(d, (bz2.BZ2Decompressor, lzma.LZMADecompressor)):
                inp = b""
                if d.needs_input:
                    inp = self._in or self._raw.read(_IN_CHUNK)
                    self._in = b""
                    if not inp:
                        raise EOFError("compressed stream ended before its end marker")
                out = d.decompress(inp, n)
            else:
                if not self._in:
                    self._in = self._raw.read(_IN_CHUNK)
                    if not self._in:
                        raise EOFError("compressed stream ended before its end marker")
                out = d.decompress(self._in, n)
                self._in = d.unconsumed_tail
            if out:
                return out
        return b""


def _open_source(source: Path | bytes) -> BinaryIO:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source))
    return open(source, "rb")


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def tried_passwords(passwords: tuple[str | None, ...]) -> str:
    """A reason's tail saying how many passwords failed (never which)."""
    n = sum(1 for p in passwords if p)
    if not n:
        return ""
    return f"; none of the {n} password{'s' if n > 1 else ''} given opens it"


def open_archive(
    opener: Callable[[str | None], T],
    locked: type[BaseException],
    bad: type[BaseException] | tuple[type[BaseException], ...],
    passwords: tuple[str, ...],
) -> tuple[T, str | None] | ArchiveProblem:
    """A 7z or RAR opened, and the password its file list needed (None when it needed none).

    ``opener(password)`` opens the archive; ``locked`` is what it raises for a file list that
    is encrypted, ``bad`` what it raises for damage (and, with a password, for a wrong one).
    Then each password is tried in turn; the problem says why nothing opened it."""
    try:
        return opener(None), None
    except locked:
        pass
    except bad as exc:
        return ArchiveProblem("", f"corrupt archive: {_describe(exc)}")
    for password in passwords:
        try:
            return opener(password), password
        except bad:
            continue  # a wrong password shows as a bad password or a bad header checksum
    return ArchiveProblem("", "encrypted archive: its file list is encrypted too" + tried_passwords(passwords))


class _Budget:
    """Counts members and expanded bytes against the archive-wide limits."""

    def __init__(self, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.members = 0
        self.total = 0

    def count_member(self) -> str | None:
        self.members += 1
        if self.members > self.limits.max_members:
            return f"member count limit reached: more than {self.limits.max_members} members"
        return None

    def add(self, n: int) -> None:
        self.total += n
        if self.total > self.limits.max_total_bytes:
            raise _LimitHit(f"total size limit reached: more than {self.limits.max_total_bytes} bytes expanded")


def _read_capped(
    f: BinaryIO,
    limits: ArchiveLimits,
    budget: _Budget,
    compressed_size: int | None,
    compressed_so_far: _Counting | None = None,
) -> bytes | str:
    """Read a member in chunks; return its bytes, or a problem reason.

    ``compressed_size`` is the member's own compressed size (zip).  For a
    stream (gzip, compressed tar) the member's compressed size is unknown, so
    ``compressed_so_far`` counts input consumed instead, measured from the
    start of the member plus one input chunk (that chunk may have been read
    ahead before the member began; erring towards a lower ratio avoids
    calling a legitimate file a bomb).  Never reads more than
    ``max_member_bytes + 1`` bytes.
    """
    start = compressed_so_far.count if compressed_so_far is not None else 0
    cap = limits.max_member_bytes
    chunks: list[bytes] = []
    n = 0
    while True:
        chunk = f.read(min(_CHUNK, cap + 1 - n))
        if not chunk:
            break
        chunks.append(chunk)
        n += len(chunk)
        budget.add(len(chunk))
        if n > cap:
            return f"zip bomb: member expands beyond {cap} bytes"
        if n > limits.min_ratio_bytes:
            comp = compressed_size
            if comp is None and compressed_so_far is not None:
                comp = compressed_so_far.count - start + _IN_CHUNK
            if comp is not None and n > limits.max_ratio * max(comp, 1):
                return (
                    f"zip bomb: member expands beyond ratio {limits.max_ratio} "
                    f"({n} bytes from {comp} compressed and counting)"
                )
        if n >= cap + 1:
            break
    return b"".join(chunks)


def _read_encrypted_zip(
    aes: pyzipper.AESZipFile, index: int, passwords: tuple[str, ...], limits: ArchiveLimits, budget: _Budget
) -> bytes | str:
    """Try each password on one encrypted zip member: its bytes, or the reason it stays shut."""
    info = aes.infolist()[index]  # same central directory, same order as zipfile's
    for password in passwords:
        try:
            with aes.open(info, pwd=password.encode("utf-8")) as member:
                return _read_capped(member, limits, budget, info.compress_size)
        except _BAD_INPUT:
            continue  # wrong password: a bad check byte, or a bad CRC or MAC at the end
    return "encrypted member" + tried_passwords(passwords)


def _iter_zip(
    source: Path | bytes, limits: ArchiveLimits, budget: _Budget, passwords: tuple[str, ...] = ()
) -> Iterator[tuple[str, bytes] | ArchiveProblem]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except _BAD_INPUT as exc:
        yield ArchiveProblem("", f"corrupt archive: {_describe(exc)}")
        return
    with zf, contextlib.ExitStack() as stack:
        aes: pyzipper.AESZipFile | None = None  # opened at the first encrypted member
        for index, info in enumerate(zf.infolist()):
            name = normalise_member_path(info.filename)
            if info.is_dir():
                continue
            # Unix file type in the high bits; 0 when written on Windows or
            # by tools (zipfile.writestr among them) that store permissions only.
            ftype = stat.S_IFMT(info.external_attr >> 16)
            if ftype and ftype != stat.S_IFREG:
                continue  # symlink, device, fifo: no mail in there
            over = budget.count_member()
            if over:
                yield ArchiveProblem(name, over)
                return
            encrypted = bool(info.flag_bits & 0x1)
            if encrypted and not passwords:
                yield ArchiveProblem(name, "encrypted member")
                continue
            if info.file_size > limits.max_member_bytes:
                yield ArchiveProblem(
                    name,
                    f"member too large: declares {info.file_size} bytes (limit {limits.max_member_bytes})",
                )
                continue
            if info.file_size > limits.min_ratio_bytes and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                yield ArchiveProblem(
                    name,
                    f"zip bomb: declared ratio {info.file_size // max(info.compress_size, 1)} "
                    f"beyond {limits.max_ratio} ({info.file_size} bytes from "
                    f"{info.compress_size} compressed)",
                )
                continue
            try:
                if encrypted:
                    if aes is None:
                        import pyzipper  # AES and its crypto library: only for encrypted members

                        aes = stack.enter_context(
                            pyzipper.AESZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
                        )
                    got = _read_encrypted_zip(aes, index, passwords, limits, budget)
                else:
                    with zf.open(info) as member:
                        got = _read_capped(
                            member,  # type: ignore[arg-type]
                            limits,
                            budget,
                            info.compress_size,
                        )
            except _LimitHit as hit:
                yield ArchiveProblem(name, str(hit))
                return
            except _BAD_INPUT as exc:
                yield ArchiveProblem(name, f"corrupt member: {_describe(exc)}")
                continue
            if isinstance(got, str):
                yield ArchiveProblem(name, got)
            else:
                yield name, got


_TAR_COMPRESSION = {"tar.gz": "gz", "tar.bz2": "bz2", "tar.xz": "xz"}


def _iter_tar(
    source: Path | bytes, kind: str, limits: ArchiveLimits, budget: _Budget
) -> Iterator[tuple[str, bytes] | ArchiveProblem]:
    try:
        raw = _open_source(source)
    except OSError as exc:
        yield ArchiveProblem("", f"corrupt archive: {_describe(exc)}")
        return
    with raw:
        counting = _Counting(raw)
        comp = _TAR_COMPRESSION.get(kind)
        stream: io.RawIOBase = _Inflating(counting, comp) if comp else counting
        current = ""
        try:
            with tarfile.open(fileobj=stream, mode="r|") as tf:
                for ti in tf:
                    current = normalise_member_path(ti.name)
                    over = budget.count_member()
                    if over:
                        yield ArchiveProblem(current, over)
                        return
                    if not ti.isreg():
                        continue
                    if ti.size > limits.max_member_bytes:
                        # Skipping it in a stream still expands it: count it.
                        budget.add(ti.size)
                        yield ArchiveProblem(
                            current,
                            f"member too large: declares {ti.size} bytes (limit {limits.max_member_bytes})",
                        )
                        continue
                    member = tf.extractfile(ti)
                    if member is None:
                        continue
                    got = _read_capped(
                        member,  # type: ignore[arg-type]
                        limits,
                        budget,
                        None,
                        counting,
                    )
                    if isinstance(got, str):
                        # The whole stream is the bomb; going on would expand it.
                        yield ArchiveProblem(current, got)
                        return
                    yield current, got
                    current = ""
        except _LimitHit as hit:
            yield ArchiveProblem(current, str(hit))
        except _BAD_INPUT as exc:
            if current:
                yield ArchiveProblem(current, f"corrupt member: {_describe(exc)}")
            else:
                yield ArchiveProblem("", f"corrupt archive: {_describe(exc)}")


def _iter_gzip(
    source: Path | bytes, limits: ArchiveLimits, budget: _Budget
) -> Iterator[tuple[str, bytes] | ArchiveProblem]:
    if isinstance(source, bytes):
        name = "-"
    else:
        name = source.name[:-3] if source.name.lower().endswith(".gz") else source.name
    try:
        raw = _open_source(source)
    except OSError as exc:
        yield ArchiveProblem("", f"corrupt archive: {_describe(exc)}")
        return
    with raw:
        counting = _Counting(raw)
        budget.count_member()
        try:
            with _Inflating(counting, "gz") as gz:
                got = _read_capped(gz, limits, budget, None, counting)  # type: ignore[arg-type]
        except _LimitHit as hit:
            yield ArchiveProblem(name, str(hit))
            return
        except _BAD_INPUT as exc:
            yield ArchiveProblem(name, f"corrupt member: {_describe(exc)}")
            return
    if isinstance(got, str):
        yield ArchiveProblem(name, got)
    else:
        yield name, got


def iter_archive(
    source: Path | bytes, kind: str, limits: ArchiveLimits, passwords: tuple[str, ...] = ()
) -> Iterator[tuple[str, bytes] | ArchiveProblem]:
    """Yield each regular member as ``(path, bytes)`` or an :class:`ArchiveProblem`.

    ``kind`` is what :func:`sniff_archive` returned.  Bad input never raises:
    a broken member gives a problem for that member, a broken archive (or an
    unknown ``kind``) one problem with ``member_path == ""``, and a crossed
    member-count or total-size limit one problem naming the limit, after
    which iteration stops.  Directories and non-regular members are skipped
    without a word.  A nested archive is yielded as an ordinary member; the
    caller recurses, minding ``limits.max_depth``.  ``passwords`` are tried
    on encrypted members (and on 7z and RAR file lists), in order.
    """
    budget = _Budget(limits)
    if kind == "zip":
        if not isinstance(source, bytes):
            try:
                source.stat()
            except OSError as exc:
                yield ArchiveProblem("", f"corrupt archive: {_describe(exc)}")
                return
        yield from _iter_zip(source, limits, budget, passwords)
    elif kind in ("tar", "tar.gz", "tar.bz2", "tar.xz"):
        yield from _iter_tar(source, kind, limits, budget)
    elif kind == "gzip":
        yield from _iter_gzip(source, limits, budget)
    elif kind in ("7z", "rar"):
        # imported here, not at the top: those modules build on this one, and
        # py7zr and rars are only loaded when a 7z or RAR turns up
        from loupe.ingest.rar import iter_rar
        from loupe.ingest.sevenzip import iter_7z

        reader = iter_7z if kind == "7z" else iter_rar
        yield from reader(source, limits, budget, passwords)
    else:
        yield ArchiveProblem("", f"unsupported archive kind {kind!r}")
