"""7z and RAR archives, and encrypted zip, 7z and RAR: members, nesting, limits, passwords.

The real samples (../shared/corpora/containers-more/{7z,rar,zip-encrypted},
passwords in their PROVENANCE.md) hold office and text files, not mail, so
their members are checked at the walk level, byte for byte against an
independent extraction; mail inside them is built here.
"""

from __future__ import annotations

import hashlib
import io
import random
import tarfile
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import py7zr
import pytest
import rars
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.archives import ArchiveLimits, ArchiveProblem, iter_archive, sniff_archive
from loupe.ingest.containers import WalkContext, walk
from loupe.ingest.pipeline import ingest
from loupe.model import BadItem
from tests.archive_samples import PASSWORDS

from .conftest import corpus

MB = 1024 * 1024
Entry = tuple[str, bytes] | ArchiveProblem


#: Expected members when opened (rar3-comment-psw.rar's two members are empty files).
OPENED = {
    "test7Z_protected_passTika.7z": {"text.txt"},
    "encrypted_1.7z": {"test1.txt", "test/test2.txt"},
    "encrypted_3.7z": {"setup.py", "setup.cfg", "scripts/py7zr"},
    "rar5-psw.rar": {"stest1.txt", "stest2.txt"},
    "rar5-hpsw.rar": {"stest1.txt", "stest2.txt"},
    "rar3-comment-psw.rar": set(),
    "test-documents-enc.rar": {f"test-documents/{n}" for n in ("testTXT.txt", "testXML.xml", "testPDF.pdf")},
    **{name: {"encrypted.md"} for name in PASSWORDS if name.startswith("aesop")},
}

#: Samples whose file list is encrypted too: the whole archive is refused.
HEADER_ENCRYPTED = {"encrypted_3.7z", "rar5-hpsw.rar", "test-documents-enc.rar"}


def sample(name: str) -> Path:
    folder = "7z" if name.endswith(".7z") else "rar" if name.endswith(".rar") else "zip-encrypted"
    return corpus("containers-more") / folder / name


def collect(source: Path | bytes, limits: ArchiveLimits | None = None, passwords: tuple[str, ...] = ()) -> list[Entry]:
    data = source if isinstance(source, bytes) else source.read_bytes()
    kind = sniff_archive(data[:65536])
    assert kind is not None
    return list(iter_archive(source, kind, limits or ArchiveLimits(), passwords))


def members(entries: list[Entry]) -> dict[str, bytes]:
    return {e[0]: e[1] for e in entries if not isinstance(e, ArchiveProblem)}


def problems(entries: list[Entry]) -> list[ArchiveProblem]:
    return [e for e in entries if isinstance(e, ArchiveProblem)]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_7z(files: dict[str, bytes], password: str | None = None, header_encryption: bool = False) -> bytes:
    buf = io.BytesIO()
    filters = [{"id": py7zr.FILTER_LZMA2, "preset": 0}]
    if password is not None:
        filters.append({"id": py7zr.FILTER_CRYPTO_AES256_SHA256})
    with py7zr.SevenZipFile(buf, "w", password=password, header_encryption=header_encryption, filters=filters) as z:
        for name, data in files.items():
            z.writestr(data, name)
    return buf.getvalue()


def make_rar(files: dict[str, bytes], fmt: str = "rar50", **options: object) -> bytes:
    builder = rars.RarBuilder(format=fmt, **options)
    for name, data in files.items():
        builder.add_bytes(data, name)
    # rars stages its spool files beside the output (the working directory for to_bytes): a temporary folder
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "built.rar"
        builder.write(str(target))
        return target.read_bytes()


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def make_tgz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def a_mail() -> bytes:
    return (corpus("notmuch-default") / "01:2,").read_bytes()


def walked(path: Path, passwords: tuple[str, ...] = (), limits: ArchiveLimits | None = None) -> dict[str, bytes]:
    """Locator -> bytes of every item the walk yields (mail or not)."""
    ctx = WalkContext(limits or ArchiveLimits(), 64 * MB, passwords)
    return {item.locator: item.data for item in walk([path], ctx)}


# --- the real samples -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("test-documents.7z", "7z"), ("zstd.7z", "7z"), ("test-documents.rar", "rar"), ("rar5-subdirs.rar", "rar")],
)
def test_sniff(name: str, kind: str) -> None:
    assert sniff_archive(sample(name).read_bytes()[:64]) == kind


def test_7z_members_walked_byte_for_byte(tmp_path: Path) -> None:
    archive = sample("test-documents.7z")
    with py7zr.SevenZipFile(archive) as z:  # the independent extraction: py7zr's own, to disk
        z.extractall(tmp_path / "out")
    items = walked(archive)
    for name in ("testTXT.txt", "testXML.xml", "testPDF.pdf", "testWORD.doc", "testRTF.rtf", "testEXCEL.xls"):
        expected = (tmp_path / "out" / "test-documents" / name).read_bytes()
        assert sha(items[f"{archive}!test-documents/{name}"]) == sha(expected)
    assert items[f"{archive}!test-documents/testTXT.txt"] == b"Test d'indexation de Txt\r\nhttp://www.apache.org\r\n"


def test_rar4_and_its_header_encrypted_twin_match_the_7z() -> None:
    """Two readers (py7zr, rars) and three archives agree on all nine files."""
    from_7z = members(collect(sample("test-documents.7z")))
    from_rar = members(collect(sample("test-documents.rar")))
    from_enc = members(collect(sample("test-documents-enc.rar"), passwords=("ApacheTika",)))
    assert len(from_7z) == 9
    digests = {name: sha(data) for name, data in from_7z.items()}
    assert {name: sha(data) for name, data in from_rar.items()} == digests
    assert {name: sha(data) for name, data in from_enc.items()} == digests


def test_rar5_names_and_contents() -> None:
    archive = sample("rar5-subdirs.rar")
    items = walked(archive)
    assert items[f"{archive}!sub/dir1/file1.txt"] == b"file1\n"
    assert items[f"{archive}!sub/dir2/file2.txt"] == b"file2\n"
    assert items[f"{archive}!sub/with space/long fn.txt"] == b"long fn\n"
    assert items[f"{archive}!sub/üȵĩöḋè/file.txt"] == b"file\n"


@pytest.mark.parametrize(
    ("name", "member", "content"),
    [
        ("umlaut-solid.7z", "täst.txt", b"This file contains a german umlaut in the filename."),
        ("zstd.7z", "setup.cfg", None),
    ],
)
def test_solid_and_zstd_7z(name: str, member: str, content: bytes | None) -> None:
    got = members(collect(sample(name)))
    assert member in got
    if content is not None:
        assert got[member] == content
    else:  # zstd.7z holds the same files as encrypted_3.7z (PROVENANCE.md)
        same = members(collect(sample("encrypted_3.7z"), passwords=("secret",)))
        assert got == same


# --- encryption -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PASSWORDS))
def test_encrypted_samples_refused_then_opened_with_the_password(name: str) -> None:
    shut = collect(sample(name))
    assert not members(shut) or name in HEADER_ENCRYPTED  # nothing comes out without the password
    reasons = [p.reason for p in problems(shut)]
    assert reasons and all(r.startswith("encrypted") for r in reasons)
    if name in HEADER_ENCRYPTED:
        assert [p.member_path for p in problems(shut)] == [""]  # the whole archive
    opened = collect(sample(name), passwords=("not-it", PASSWORDS[name]))
    assert not problems(opened)
    got = members(opened)
    assert OPENED[name] <= set(got)
    if name.startswith("aesop"):
        assert got["encrypted.md"].lstrip(b"\xef\xbb\xbf").startswith(b"aesop")
        assert b"The Frogs Desiring a King" in got["encrypted.md"]


def test_encrypted_contents_decrypt_to_the_documented_text() -> None:
    text = members(collect(sample("test7Z_protected_passTika.7z"), passwords=("Tika",)))["text.txt"]
    assert text.startswith(b"TEST DATA FOR TIKA.") and b"TIKA-1521" in text
    assert members(collect(sample("encrypted_1.7z"), passwords=("secret",)))["test1.txt"] == (
        b"This file is located in the root."
    )


def test_mixed_zip_with_an_unknown_password() -> None:
    archive = sample("testZipEncrypted.zip")
    entries = collect(archive, passwords=("wrong", "also wrong"))
    assert members(entries) == {"unencrypted.txt": b"hello world\r\n"}
    (problem,) = problems(entries)
    assert problem.member_path == "encrypted.txt"
    assert problem.reason == "encrypted member; none of the 2 passwords given opens it"
    assert [p.reason for p in problems(collect(archive))] == ["encrypted member"]


def test_ingest_quarantines_encrypted_archives_and_opens_them_with_passwords(tmp_path: Path) -> None:
    names = ["encrypted_1.7z", "encrypted_3.7z", "rar5-psw.rar", "rar5-hpsw.rar", "aesop_win_7z.aes256.zip"]
    paths = [sample(name) for name in names]
    shut = Case.open(tmp_path / "shut", create=True)
    try:
        ingest(shut, paths, workers=1)
        reasons = {row["locator"]: row["reason"] for row in shut.db.quarantined()}
    finally:
        shut.close()
    assert reasons[str(sample("encrypted_3.7z"))].startswith("encrypted archive")
    assert reasons[str(sample("rar5-hpsw.rar"))].startswith("encrypted archive")
    assert reasons[f"{sample('encrypted_1.7z')}!test1.txt"] == "encrypted member"
    assert reasons[f"{sample('rar5-psw.rar')}!stest2.txt"] == "encrypted member"
    assert reasons[f"{sample('aesop_win_7z.aes256.zip')}!encrypted.md"] == "encrypted member"

    opened = Case.open(tmp_path / "opened", create=True)
    try:
        ingest(opened, paths, workers=1, passwords=("nope", "secret", "password"))
        locators = opened.db.known_locators()
        reasons = {row["locator"]: row["reason"] for row in opened.db.quarantined()}
    finally:
        opened.close()
    assert not [r for r in reasons.values() if "encrypted" in r]
    for name in names:
        for member in OPENED[name]:
            assert f"{sample(name)}!{member}" in locators  # a document or a non-mail item now, not refused


# --- nesting ------------------------------------------------------------------------


def test_mail_in_a_7z_in_a_zip_and_in_a_rar_in_a_tar_gz(tmp_path: Path) -> None:
    mail = a_mail()
    outer_zip = tmp_path / "outer.zip"
    outer_zip.write_bytes(make_zip({"inner.7z": make_7z({"mail/one.eml": mail})}))
    rar4 = make_rar({"deep/box.zip": make_zip({"two.eml": mail.replace(b"Subject:", b"Subject: two")})}, fmt="rar29")
    outer_tgz = tmp_path / "outer.tgz"
    outer_tgz.write_bytes(make_tgz({"x/inner.rar": rar4}))
    rar5 = tmp_path / "outer.rar"
    rar5.write_bytes(make_rar({"inner.tgz": make_tgz({"three.eml": mail.replace(b"Subject:", b"Subject: three")})}))
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [outer_zip, outer_tgz, rar5], workers=1)
        locators = {case.db.message(m)["locator"] for m in case.db.message_ids()}
        counts = case.db.status_counts()
    finally:
        case.close()
    assert f"{outer_zip}!inner.7z!mail/one.eml" in locators
    assert f"{outer_tgz}!x/inner.rar!deep/box.zip!two.eml" in locators
    assert f"{rar5}!inner.tgz!three.eml" in locators
    assert (counts.indexed, counts.quarantined) == (3, 0)


def test_real_rar_nested_in_a_zip_keeps_its_locators(tmp_path: Path) -> None:
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip({"sub/docs.rar": sample("test-documents.rar").read_bytes()}))
    items = walked(outer)
    assert items[f"{outer}!sub/docs.rar!test-documents/testTXT.txt"].startswith(b"Test d'indexation")


def test_nested_encrypted_7z_opens_with_the_password(tmp_path: Path) -> None:
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip({"locked.7z": make_7z({"a.eml": a_mail()}, password="pw", header_encryption=True)}))
    shut = walked(outer)
    assert list(shut) == [f"{outer}!locked.7z"]
    assert walked(outer, passwords=("pw",))[f"{outer}!locked.7z!a.eml"] == a_mail()


def test_depth_limit_applies_through_7z_and_rar(tmp_path: Path) -> None:
    data = a_mail()
    for level in range(4):
        data = make_7z({f"l{level}.bin": data}) if level % 2 else make_rar({f"l{level}.bin": data})
    path = tmp_path / "deep.7z"
    path.write_bytes(data)
    ctx = WalkContext(ArchiveLimits(max_depth=2), 64 * MB)
    (item,) = list(walk([path], ctx))
    assert isinstance(item, BadItem)
    assert item.locator == f"{path}!l3.bin!l2.bin"
    assert item.reason == "archive nested deeper than 2 levels; not expanded"


# --- limits ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zeros_7z() -> bytes:
    """A 7z whose one member is 200 MB of zeros, about 30 KB packed."""
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", filters=[{"id": py7zr.FILTER_LZMA2, "preset": 0}]) as z:
        z.writef(io.BytesIO(bytes(200 * MB)), "zeros.eml")
    return buf.getvalue()


def test_7z_bomb_refused_before_expanding_in_bounded_memory(zeros_7z: bytes) -> None:
    assert len(zeros_7z) < MB
    tracemalloc.start()
    try:
        by_ratio = collect(zeros_7z)
        by_size = collect(zeros_7z, ArchiveLimits(max_member_bytes=64 * MB, max_ratio=10**9))
        by_total = collect(zeros_7z, ArchiveLimits(max_total_bytes=100 * MB, max_ratio=10**9))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [p.member_path for p in problems(by_ratio)] == ["zeros.eml"]
    assert problems(by_ratio)[0].reason.startswith("zip bomb: declared ratio")
    assert by_size == [ArchiveProblem("zeros.eml", f"member too large: declares {200 * MB} bytes (limit {64 * MB})")]
    assert by_total == [ArchiveProblem("zeros.eml", f"total size limit reached: more than {100 * MB} bytes expanded")]
    assert peak < 40 * MB  # the 200 MB never sit in memory


def test_7z_total_limit() -> None:
    """Members that pass every per-member check still stop at the archive-wide total."""
    chunks = {f"m{i}.bin": random.Random(i).randbytes(MB) for i in range(4)}  # incompressible: no ratio alarm
    entries = collect(make_7z(chunks), ArchiveLimits(max_total_bytes=int(2.5 * MB)))
    assert list(members(entries)) == ["m0.bin", "m1.bin"]
    assert entries[-1] == ArchiveProblem(
        "m2.bin", f"total size limit reached: more than {int(2.5 * MB)} bytes expanded"
    )


@pytest.mark.parametrize("kind", ["7z", "rar"])
def test_member_count_limit(kind: str) -> None:
    files = {f"{i}.eml": b"Subject: %d\n\nx\n" % i for i in range(5)}
    data = make_7z(files) if kind == "7z" else make_rar(files)
    entries = collect(data, ArchiveLimits(max_members=3))
    assert list(members(entries)) == ["0.eml", "1.eml", "2.eml"]
    assert entries[-1] == ArchiveProblem("3.eml", "member count limit reached: more than 3 members")


def test_rar_bomb_and_size_limits() -> None:
    data = make_rar({"a.eml": b"Subject: a\n\nA\n", "zeros.eml": bytes(24 * MB), "b.eml": b"Subject: b\n\nB\n"})
    assert len(data) < MB
    by_ratio = collect(data)
    assert set(members(by_ratio)) == {"a.eml", "b.eml"}
    (problem,) = problems(by_ratio)
    assert problem.member_path == "zeros.eml" and problem.reason.startswith("zip bomb: declared ratio")
    by_size = collect(data, ArchiveLimits(max_member_bytes=8 * MB, max_ratio=10**9))
    assert problems(by_size) == [
        ArchiveProblem("zeros.eml", f"member too large: declares {24 * MB} bytes (limit {8 * MB})")
    ]
    by_total = collect(data, ArchiveLimits(max_total_bytes=16 * MB, max_ratio=10**9))
    assert members(by_total) == {"a.eml": b"Subject: a\n\nA\n"}
    assert by_total[-1] == ArchiveProblem("zeros.eml", f"total size limit reached: more than {16 * MB} bytes expanded")


def test_solid_rar_reads_every_member() -> None:
    files = {f"mail/{i}.eml": b"Subject: %d\n\n" % i + b"hello %d\n" % i * 500 for i in range(300)}
    data = make_rar(files, solid=True)
    entries = collect(data)
    assert members(entries) == files


# --- bad input, and passwords kept secret ------------------------------------------------


@pytest.mark.parametrize("name", ["test-documents.7z", "encrypted_1.7z", "test-documents.rar", "rar5-psw.rar"])
@pytest.mark.parametrize("cut", [8, 40, 300, 5000])
def test_truncated_archives_never_raise(name: str, cut: int) -> None:
    data = sample(name).read_bytes()
    entries = collect(data[: min(cut, len(data) - 1)], passwords=("secret", "password"))
    assert problems(entries)


def test_passwords_never_reach_the_case_or_the_output(tmp_path: Path) -> None:
    secret, wrong = "Zq9-hunter2-only-here", "Kx7-not-this-one"
    archive = tmp_path / "locked.7z"
    archive.write_bytes(make_7z({"a.eml": a_mail()}, password=secret))
    other = tmp_path / "other.rar"
    other.write_bytes(make_rar({"b.eml": a_mail()}, password="unknown-to-the-reporter"))
    passwords = tmp_path / "passwords.txt"
    passwords.write_text(f"{wrong}\n{secret}\n", "utf-8")
    case_dir = tmp_path / "case"
    result = CliRunner().invoke(
        cli, ["ingest", str(archive), str(other), "--case", str(case_dir), "--quiet", "--passwords", str(passwords)]
    )
    assert result.exit_code == 0, result.output
    case = Case.open(case_dir)
    try:
        locators = {case.db.message(m)["locator"] for m in case.db.message_ids()}
        reasons = {row["locator"]: row["reason"] for row in case.db.quarantined()}
    finally:
        case.close()
    assert locators == {f"{archive}!a.eml"}
    assert reasons == {f"{other}!b.eml": "encrypted member; none of the 2 passwords given opens it"}
    for word in (secret, wrong):
        assert word not in result.output
        for needle in (word.encode("utf-8"), word.encode("utf-16-le")):
            assert not [p for p in case_dir.rglob("*") if p.is_file() and needle in p.read_bytes()]
