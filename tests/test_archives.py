"""Tests for archive member iteration and its limits against bombs."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from loupe.ingest.archives import (
    ArchiveLimits,
    ArchiveProblem,
    iter_archive,
    normalise_member_path,
    sniff_archive,
)

Item = tuple[str, bytes] | ArchiveProblem
MB = 1024 * 1024


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def make_tar(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def collect(source: Path | bytes, kind: str, limits: ArchiveLimits | None = None) -> list[Item]:
    return list(iter_archive(source, kind, limits or ArchiveLimits()))


def problems(items: list[Item]) -> list[ArchiveProblem]:
    return [i for i in items if isinstance(i, ArchiveProblem)]


MAIL = {"mail/a.eml": b"Subject: a\n\nA\n", "mail/b.eml": b"Subject: b\n\nB\n"}


# --- sniffing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (make_zip(MAIL), "zip"),
        (make_zip({}), "zip"),
        (make_tar(MAIL), "tar"),
        (make_tar(MAIL, "w:gz"), "tar.gz"),
        (make_tar(MAIL, "w:bz2"), "tar.bz2"),
        (make_tar(MAIL, "w:xz"), "tar.xz"),
        (gzip.compress(b"Subject: a\n\nA\n"), "gzip"),
        (gzip.compress(b"From - \nSubject: a\n\n" + b"x" * 5000), "gzip"),
        (bz2.compress(b"just text, not a tar " * 100), None),
        (lzma.compress(b"just text, not a tar " * 100), None),
        (b"From - \nSubject: a\n", None),
        (b"", None),
    ],
)
def test_sniff_archive(data: bytes, expected: str | None) -> None:
    assert sniff_archive(data[:65536]) == expected


# --- ordinary members --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("zip", make_zip(MAIL)),
        ("zip", make_zip(MAIL, zipfile.ZIP_STORED)),
        ("zip", make_zip(MAIL, zipfile.ZIP_BZIP2)),
        ("zip", make_zip(MAIL, zipfile.ZIP_LZMA)),
        ("tar", make_tar(MAIL)),
        ("tar.gz", make_tar(MAIL, "w:gz")),
        ("tar.bz2", make_tar(MAIL, "w:bz2")),
        ("tar.xz", make_tar(MAIL, "w:xz")),
    ],
)
def test_members(kind: str, data: bytes, tmp_path: Path) -> None:
    assert collect(data, kind) == list(MAIL.items())
    path = tmp_path / "leak.bin"
    path.write_bytes(data)
    assert collect(path, kind) == list(MAIL.items())


def test_gzip_single_file(tmp_path: Path) -> None:
    payload = b"From - \nSubject: a\n\nA\n"
    path = tmp_path / "Inbox.mbox.gz"
    path.write_bytes(gzip.compress(payload))
    assert collect(path, "gzip") == [("Inbox.mbox", payload)]
    assert collect(gzip.compress(payload), "gzip") == [("-", payload)]
    # Multi-member gzip (concatenated streams) is one file too.
    assert collect(gzip.compress(b"ab") + gzip.compress(b"cd"), "gzip") == [("-", b"abcd")]


def walk(source: bytes, name: str, limits: ArchiveLimits, depth: int = 0) -> Iterator[Item]:
    """What a caller does: recurse into archive members, minding max_depth."""
    kind = sniff_archive(source[:65536])
    if kind is None:
        yield name, source
        return
    if depth >= limits.max_depth:
        yield ArchiveProblem(name, f"archive nesting deeper than {limits.max_depth}")
        return
    for item in iter_archive(source, kind, limits):
        if isinstance(item, ArchiveProblem):
            yield ArchiveProblem(f"{name}!{item.member_path}", item.reason)
        else:
            yield from walk(item[1], f"{name}!{item[0]}", limits, depth + 1)


def test_nested_zip_in_zip_and_depth() -> None:
    inner = make_zip({"deep/c.eml": b"Subject: c\n\nC\n"})
    outer = make_zip({"a.eml": b"Subject: a\n\nA\n", "inner.zip": inner})
    assert collect(outer, "zip") == [("a.eml", b"Subject: a\n\nA\n"), ("inner.zip", inner)]
    assert list(walk(outer, "leak.zip", ArchiveLimits())) == [
        ("leak.zip!a.eml", b"Subject: a\n\nA\n"),
        ("leak.zip!inner.zip!deep/c.eml", b"Subject: c\n\nC\n"),
    ]
    shallow = ArchiveLimits(max_depth=1)
    assert list(walk(outer, "leak.zip", shallow))[-1] == ArchiveProblem(
        "leak.zip!inner.zip", "archive nesting deeper than 1"
    )


def test_tar_gz_inside_zip() -> None:
    tgz = make_tar(MAIL, "w:gz")
    outer = make_zip({"backup.tgz": tgz})
    assert list(walk(outer, "x.zip", ArchiveLimits())) == [
        ("x.zip!backup.tgz!mail/a.eml", MAIL["mail/a.eml"]),
        ("x.zip!backup.tgz!mail/b.eml", MAIL["mail/b.eml"]),
    ]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("./mail/a.eml", "mail/a.eml"),
        ("././a", "a"),
        ("mail\\Inbox\\1.eml", "mail/Inbox/1.eml"),
        ("../../etc/passwd", "../../etc/passwd"),  # kept: only used in locators
        ("/abs/x", "/abs/x"),
    ],
)
def test_member_paths(stored: str, expected: str) -> None:
    assert normalise_member_path(stored) == expected
    assert collect(make_zip({stored: b"x"}), "zip") == [(expected, b"x")]


def test_tar_skips_non_regular_members() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        d = tarfile.TarInfo("./mail")
        d.type = tarfile.DIRTYPE
        tf.addfile(d)
        link = tarfile.TarInfo("./mail/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
        fifo = tarfile.TarInfo("./mail/fifo")
        fifo.type = tarfile.FIFOTYPE
        tf.addfile(fifo)
        info = tarfile.TarInfo("./mail/a.eml")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"abc"))
    assert collect(buf.getvalue(), "tar.gz") == [("mail/a.eml", b"abc")]


def test_zip_skips_symlinks_and_dirs() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("dir/", b"")
        link = zipfile.ZipInfo("dir/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, b"/etc/passwd")
        zf.writestr("dir/a.eml", b"abc")
    assert collect(buf.getvalue(), "zip") == [("dir/a.eml", b"abc")]


# --- limits and bombs ----------------------------------------------------------


def zeros_zip(size: int) -> bytes:
    """A zip with one member of ``size`` zero bytes, written without holding it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as w:
        chunk = bytes(MB)
        for _ in range(size // MB):
            w.write(chunk)
    return buf.getvalue()


def test_zip_bomb_is_refused_without_expanding_it() -> None:
    bomb = zeros_zip(50 * MB)
    assert len(bomb) < MB  # about 50 KB: ratio ~1000
    tracemalloc.start()
    try:
        items = collect(bomb, "zip", ArchiveLimits(max_member_bytes=10 * MB, max_ratio=200))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (problem,) = items
    assert isinstance(problem, ArchiveProblem)
    assert problem.member_path == "zeros.bin"
    assert problem.reason.startswith("member too large: declares 52428800 bytes")
    assert peak < 8 * MB

    # Within the size limit, the declared ratio alone trips.
    (problem,) = collect(bomb, "zip", ArchiveLimits(max_ratio=200))
    assert isinstance(problem, ArchiveProblem)
    assert problem.reason.startswith("zip bomb: declared ratio")


def patch_declared_sizes(data: bytes, file_size: int) -> bytes:
    """Make the central directory (what zipfile trusts) lie about file sizes."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", out, pos + 24, file_size)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def test_lying_header_cannot_expand_more() -> None:
    liar = patch_declared_sizes(zeros_zip(50 * MB), 1000)
    tracemalloc.start()
    try:
        items = collect(liar, "zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (problem,) = items
    assert isinstance(problem, ArchiveProblem)
    # zipfile stops at the declared size; the CRC then gives the lie away.
    assert problem.reason.startswith("corrupt member: BadZipFile")
    assert peak < 8 * MB


def test_streaming_caps_when_only_the_output_tells() -> None:
    # A declared ratio under the limit but real output over the member cap:
    # the streaming counter is what stops it.
    data = os.urandom(3 * MB)
    items = collect(make_zip({"big.bin": data}), "zip", ArchiveLimits(max_member_bytes=2 * MB))
    assert items == [ArchiveProblem("big.bin", f"member too large: declares {3 * MB} bytes (limit {2 * MB})")]
    liar = patch_declared_sizes(make_zip({"big.bin": data}, zipfile.ZIP_STORED), MB)
    (problem,) = collect(liar, "zip", ArchiveLimits(max_member_bytes=2 * MB))
    assert isinstance(problem, ArchiveProblem)
    assert problem.reason.startswith("corrupt member")


def test_tar_gz_bomb_stops_the_stream() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 50 * MB
        tf.addfile(info, io.BytesIO(bytes(50 * MB)))
        tf.addfile(tarfile.TarInfo("after.eml"), io.BytesIO(b""))
    data = buf.getvalue()
    assert len(data) < MB
    tracemalloc.start()
    try:
        items = collect(data, "tar.gz", ArchiveLimits(max_ratio=200))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (problem,) = items
    assert isinstance(problem, ArchiveProblem)
    assert problem.member_path == "zeros.bin"
    assert problem.reason.startswith("zip bomb: member expands beyond ratio 200")
    assert peak < 8 * MB
    # Refused by its declared size, skipped (which in a stream means expanded
    # and counted towards the total), and the next member still comes out.
    problem, after = collect(data, "tar.gz", ArchiveLimits(max_member_bytes=10 * MB))
    assert isinstance(problem, ArchiveProblem)
    assert problem.reason.startswith("member too large: declares")
    assert after == ("after.eml", b"")
    # ... unless skipping it would cross the total: then one problem, stop.
    (limit,) = collect(data, "tar.gz", ArchiveLimits(max_member_bytes=10 * MB, max_total_bytes=20 * MB))
    assert limit == ArchiveProblem("zeros.bin", f"total size limit reached: more than {20 * MB} bytes expanded")


def test_gzip_bomb() -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(MB)
    data = b"".join(comp.compress(chunk) for _ in range(50)) + comp.flush()
    items = collect(data, "gzip", ArchiveLimits(max_member_bytes=10 * MB, max_ratio=10_000))
    assert items == [ArchiveProblem("-", f"zip bomb: member expands beyond {10 * MB} bytes")]
    (problem,) = collect(data, "gzip", ArchiveLimits(max_ratio=200))
    assert isinstance(problem, ArchiveProblem)
    assert problem.reason.startswith("zip bomb: member expands beyond ratio 200")


def test_small_repetitive_member_is_not_a_bomb() -> None:
    page = b"\n" * 100_000  # ratio ~1000, but tiny
    assert collect(make_zip({"blank.txt": page}), "zip") == [("blank.txt", page)]


@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz"])
def test_member_count_limit(kind: str) -> None:
    members = {f"m{i}.eml": b"x" for i in range(5)}
    data = make_zip(members) if kind == "zip" else make_tar(members, "w" if kind == "tar" else "w:gz")
    items = collect(data, kind, ArchiveLimits(max_members=3))
    assert items[:3] == [(f"m{i}.eml", b"x") for i in range(3)]
    assert items[3:] == [ArchiveProblem("m3.eml", "member count limit reached: more than 3 members")]


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_total_limit(kind: str) -> None:
    members = {f"m{i}.eml": bytes([65 + i]) * 1000 for i in range(5)}
    data = make_zip(members) if kind == "zip" else make_tar(members, "w:gz")
    items = collect(data, kind, ArchiveLimits(max_total_bytes=2500))
    assert [i[0] for i in items if not isinstance(i, ArchiveProblem)] == ["m0.eml", "m1.eml"]
    assert problems(items) == [ArchiveProblem("m2.eml", "total size limit reached: more than 2500 bytes expanded")]


# --- corrupt input -------------------------------------------------------------


def test_corrupt_zip_as_a_whole() -> None:
    (problem,) = collect(b"PK\x03\x04 this is not really a zip", "zip")
    assert isinstance(problem, ArchiveProblem)
    assert problem.member_path == ""
    assert problem.reason.startswith("corrupt archive")


def test_corrupt_zip_member_bad_crc_others_survive() -> None:
    data = bytearray(make_zip({"a.eml": b"A" * 100, "b.eml": b"B" * 100}, zipfile.ZIP_STORED))
    pos = data.find(b"A" * 100)
    data[pos + 50] = ord("Z")
    items = collect(bytes(data), "zip")
    assert isinstance(items[0], ArchiveProblem)
    assert items[0].member_path == "a.eml"
    assert "CRC" in items[0].reason
    assert items[1] == ("b.eml", b"B" * 100)


def test_corrupt_deflate_stream() -> None:
    data = bytearray(make_zip({"a.eml": os.urandom(5000)}))
    start = data.find(b"a.eml") + len("a.eml")
    data[start + 10 : start + 60] = b"\xff" * 50
    (problem,) = collect(bytes(data), "zip")
    assert isinstance(problem, ArchiveProblem)
    assert problem.member_path == "a.eml"
    assert problem.reason.startswith("corrupt member")


def test_truncated_tar_gz() -> None:
    big = {"a.eml": os.urandom(100_000), "b.eml": os.urandom(100_000)}
    data = make_tar(big, "w:gz")
    items = collect(data[: len(data) * 3 // 4], "tar.gz")
    assert items[0] == ("a.eml", big["a.eml"])
    assert len(items) == 2
    assert isinstance(items[1], ArchiveProblem)
    assert items[1].member_path == "b.eml"
    assert items[1].reason.startswith("corrupt member")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x1f\x8b\x08\x00garbage-gzip", "tar.gz"),
        (b"\x1f\x8b\x08\x00garbage-gzip", "gzip"),
        (b"BZh9 garbage", "tar.bz2"),
        (b"\xfd7zXZ\x00 garbage", "tar.xz"),
        (b"x" * 1024, "tar"),
        (b"", "zip"),
        (b"", "tar"),
        (b"whatever", "rar"),
    ],
)
def test_bad_input_never_raises(data: bytes, kind: str) -> None:
    items = collect(data, kind)
    assert len(items) == 1
    assert isinstance(items[0], ArchiveProblem)


def test_missing_file(tmp_path: Path) -> None:
    for kind in ("zip", "tar", "gzip"):
        (problem,) = collect(tmp_path / "nope", kind)
        assert isinstance(problem, ArchiveProblem)
        assert problem.member_path == ""


# --- encrypted members -----------------------------------------------------------


def _zipcrypto_encrypt(plain: bytes, password: bytes, crc: int) -> bytes:
    """Traditional PKWARE (ZipCrypto) encryption, the one zipfile can decrypt.

    The stdlib cannot write encrypted zips, so the test does it by hand and
    then proves with zipfile's own decrypter that the result is genuine.
    """
    table = [0] * 256
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table[i] = c

    def crc_byte(crc_: int, b: int) -> int:
        return (crc_ >> 8) ^ table[(crc_ ^ b) & 0xFF]

    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(b: int) -> None:
        keys[0] = crc_byte(keys[0], b)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc_byte(keys[2], keys[1] >> 24)

    for b in password:
        update(b)
    out = bytearray()
    for b in os.urandom(11) + bytes([crc >> 24]) + plain:
        k = keys[2] | 2
        out.append(b ^ (((k * (k ^ 1)) >> 8) & 0xFF))
        update(b)
    return bytes(out)


def make_encrypted_zip(name: str, plain: bytes, password: bytes) -> bytes:
    crc = zlib.crc32(plain)
    payload = _zipcrypto_encrypt(plain, password, crc)
    fname = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x1, 0, 0, 0, crc, len(payload), len(plain), len(fname), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50, 20, 20, 0x1, 0, 0, 0, crc, len(payload), len(plain), len(fname), 0, 0, 0, 0, 0, 0,
    )  # fmt: skip
    body = local + fname + payload
    cd = central + fname
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), len(body), 0)
    return body + cd + end


def test_encrypted_zip_member() -> None:
    plain = b"Subject: secret\n\nshh\n"
    data = make_encrypted_zip("secret.eml", plain, b"hunter2")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("secret.eml", pwd=b"hunter2") == plain  # genuinely encrypted
        with pytest.raises(RuntimeError, match="encrypted"):
            zf.read("secret.eml")
    assert collect(data, "zip") == [ArchiveProblem("secret.eml", "encrypted member")]
