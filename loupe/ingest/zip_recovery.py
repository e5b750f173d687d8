"""A zip's members read from their local headers, when its central directory is damaged.

A zip names its members twice: in a local header before each member's data,
and in the central directory at the end, which is all ``zipfile`` reads. A
cut download, a bad copy or a broken writer can damage the end (Aspose's
Corrupted.olm has a ZIP64 end-of-central-directory locator with a wrong
signature, so ``zipfile`` gives "Bad offset for central directory") while
every member before it is intact. Walking the local headers from the start,
as ``unzip -F``/``zip -FF`` and stream readers do, gets those members back.

The walk stops, with its reason, where it cannot go on: at the central
directory (the normal end), at bytes that are no local header (damage or
the end of a cut file), or at a stored member whose size is only in a data
descriptor after it (its end cannot be found without the central
directory). Only stored and deflated members are read: the methods zip
writers use for mail archives; the others are reported by name. Reads are
capped like ``archives`` caps them: a member's declared size is checked
before reading, and its output is never more than ``limit + 1`` bytes.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from loupe.ingest.archives import normalise_member_path

_LOCAL = b"PK\x03\x04"
_CENTRAL = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07")
_HEADER = struct.Struct("<4sHHHHHIIIHH")
_ZIP64 = 0x0001
_UNKNOWN = 0xFFFFFFFF
_STORED, _DEFLATED = 0, 8
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class LocalEntry:
    """One member as its local header describes it."""

    name: str
    data_offset: int
    method: int
    flags: int
    compressed_size: int
    size: int

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 0x1)

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


def scan_local_headers(handle: BinaryIO, max_members: int) -> tuple[list[LocalEntry], str]:
    """Every member from the start of the file by its local header, and why the walk ended.

    The reason is "" when it ended at the central directory, as in a whole zip.
    """
    entries: list[LocalEntry] = []
    offset = 0
    while True:
        handle.seek(offset)
        fixed = handle.read(_HEADER.size)
        if fixed[:4] in _CENTRAL or (not fixed and entries):
            return entries, ""
        if len(fixed) < _HEADER.size or fixed[:4] != _LOCAL:
            return entries, f"no local header at byte {offset} (found {fixed[:4]!r})"
        _sig, _version, flags, method, _time, _date, _crc, csize, usize, name_len, extra_len = _HEADER.unpack(fixed)
        raw_name = handle.read(name_len)
        extra = handle.read(extra_len)
        name = normalise_member_path(raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace"))
        csize, usize = _zip64_sizes(extra, csize, usize)
        data_offset = offset + _HEADER.size + name_len + extra_len
        if flags & 0x8 and csize == 0:
            if method != _DEFLATED:
                return entries, f"{name}: its size is only in a data descriptor after it; the rest cannot be found"
            csize = _deflated_length(handle, data_offset)
            if csize < 0:
                return entries, f"{name}: deflated data does not end"
        if len(entries) >= max_members:
            return entries, f"member count limit reached: more than {max_members} members"
        entries.append(LocalEntry(name, data_offset, method, flags, csize, usize))
        offset = data_offset + csize
        if flags & 0x8:
            offset += _descriptor_length(handle, offset)


def _zip64_sizes(extra: bytes, csize: int, usize: int) -> tuple[int, int]:
    """The real sizes of a ZIP64 member: its 0x0001 extra field holds those marked 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if tag == _ZIP64:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if usize == _UNKNOWN and values:
                usize = values.pop(0)
            if csize == _UNKNOWN and values:
                csize = values.pop(0)
        at += 4 + length
    return csize, usize


def _deflated_length(handle: BinaryIO, offset: int) -> int:
    """How many bytes a deflate stream starting at ``offset`` takes (-1 if it never ends)."""
    handle.seek(offset)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    fed = 0
    try:
        while not inflater.eof:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return -1
            fed += len(chunk)
            while chunk and not inflater.eof:
                inflater.decompress(chunk, _CHUNK)  # output dropped: only where it ends is wanted
                chunk = inflater.unconsumed_tail
    except zlib.error:
        return -1
    return fed - len(inflater.unused_data)


def _descriptor_length(handle: BinaryIO, offset: int) -> int:
    """A data descriptor's size: its optional signature, CRC, and 32- or 64-bit sizes."""
    handle.seek(offset)
    head = handle.read(4)
    signed = 4 if head == b"PK\x07\x08" else 0
    handle.seek(offset + signed + 12)
    following = handle.read(4)
    return signed + (12 if following[:2] == b"PK" or not following else 20)


def read_entry(handle: BinaryIO, entry: LocalEntry, limit: int) -> bytes | str:
    """A member's bytes, or the reason they cannot be had."""
    if entry.encrypted:
        return "encrypted member"
    if entry.size > limit or (entry.method == _STORED and entry.compressed_size > limit):
        return f"member too large: declares {entry.size} bytes (limit {limit})"
    handle.seek(entry.data_offset)
    if entry.method == _STORED:
        data = handle.read(entry.compressed_size)
        if len(data) < entry.compressed_size:
            return f"cut short: {len(data)} of {entry.compressed_size} bytes"
        return data
    if entry.method != _DEFLATED:
        return f"compression method {entry.method} not supported when reading from local headers"
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out: list[bytes] = []
    produced = 0
    left = entry.compressed_size
    try:
        while left > 0 and not inflater.eof:
            chunk = handle.read(min(_CHUNK, left))
            if not chunk:
                return "cut short: deflated data ends early"
            left -= len(chunk)
            while chunk and produced <= limit:
                piece = inflater.decompress(chunk, limit + 1 - produced)
                out.append(piece)
                produced += len(piece)
                chunk = inflater.unconsumed_tail
            if produced > limit:
                return f"zip bomb: member expands beyond {limit} bytes"
    except zlib.error as exc:
        return f"corrupt member: {exc}"
    return b"".join(out)
