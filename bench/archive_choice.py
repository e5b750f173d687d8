"""Which library should read 7z and RAR (and encrypted zip): what each opens, how fast, in how much memory.

Candidates, each used as its own documentation says:

- libarchive-c: ctypes over the system's libarchive (Debian's libarchive13;
  not on PyPI), for 7z, RAR and zip;
- py7zr (pure Python, PyPI) for 7z;
- rarfile (PyPI) for RAR, which decompresses through an external tool:
  ``unar`` (Debian's unar) and ``bsdtar`` (Debian's libarchive-tools) are
  tried, each where installed (``unrar`` itself is not in Debian main);
- rars (Rust, PyPI wheels) for RAR;
- zipfile (stdlib) and pyzipper (PyPI) for encrypted zip.

RAR archives for part 2 are written by rars, the only RAR writer on PyPI or
in Debian main.  Debian's unar 1.10.1 refuses the RAR5 ones ("requires a
password"); libarchive and rars read them.

Part 1 opens every sample of ``../shared/corpora/containers-more/{7z,rar,zip-encrypted}``
without and with its password (from each folder's PROVENANCE.md) and says,
per reader: ``ok`` (every member read, bytes equal to what the other
readers got), ``locked`` (refused for want of a password: the right
answer without one), or the error.  Part 2 reads a generated archive of
5,000 messages (7z solid; RAR non-solid and solid) with each reader, each in
a fresh process: seconds and peak RSS.

Run: ``.venv/bin/python bench/archive_choice.py`` (``--messages N`` for another size).
A reader whose package or tool is missing is shown as ``n/a``: libarchive-c
and rarfile are not Loupe dependencies, so for every column first run
``.venv/bin/pip install libarchive-c rarfile`` and ``apt-get install unar libarchive-tools``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "corpora" / "containers-more"
MAIL = REPO.parent / "shared" / "corpora" / "notmuch-default"

sys.path.insert(0, str(REPO))  # the samples' passwords live with the tests that assert on them
from tests.archive_samples import PASSWORDS  # noqa: E402

WHAT = {
    "encrypted_1.7z": "7z AES, names visible",
    "encrypted_3.7z": "7z AES, file list encrypted",
    "test-documents.7z": "7z LZMA",
    "test7Z_protected_passTika.7z": "7z AES, names visible",
    "umlaut-solid.7z": "7z solid, non-ASCII name",
    "zstd.7z": "7z Zstandard codec",
    "rar3-comment-psw.rar": "RAR3 encrypted, empty members",
    "rar5-hpsw.rar": "RAR5 file list encrypted",
    "rar5-psw.rar": "RAR5 AES, names visible",
    "rar5-subdirs.rar": "RAR5 stored",
    "test-documents-enc.rar": "RAR4 file list encrypted",
    "test-documents.rar": "RAR4",
    "aesop_linux_7z.oldstored.zip": "zip ZipCrypto stored",
    "aesop_win_7z.aes256.zip": "zip AES-256",
    "aesop_win_7z.old.zip": "zip ZipCrypto",
    "aesop_win_winrar.aes256.zip": "zip AES-256 (WinRAR)",
    "testZipEncrypted.zip": "zip plain + AES, password unknown",
}

Members = dict[str, bytes]
ReadFn = Callable[[Path, str | None], Members]


# --- the readers: each returns {member name: bytes} or raises ----------------------------


def read_libarchive(path: Path, password: str | None) -> Members:
    import libarchive

    out: Members = {}
    with libarchive.file_reader(str(path), passphrase=password) as archive:
        for entry in archive:
            if entry.isfile:
                out[entry.pathname] = b"".join(entry.get_blocks())
    return out


def read_py7zr(path: Path, password: str | None) -> Members:
    import py7zr
    from py7zr.io import BytesIOFactory

    factory = BytesIOFactory(limit=1 << 30)
    with py7zr.SevenZipFile(path, password=password) as z:
        z.extractall(factory=factory)
    return {name: buf.read() for name, buf in factory.products.items()}


def read_rarfile(tool: str) -> ReadFn:
    def read(path: Path, password: str | None) -> Members:
        import rarfile

        rarfile.tool_setup(**{k: k == tool for k in ("unrar", "unar", "bsdtar", "sevenzip", "sevenzip2")}, force=True)
        out: Members = {}
        with rarfile.RarFile(str(path)) as rf:
            if password:
                rf.setpassword(password)
            if rf.needs_password() and not rf.infolist():
                raise rarfile.PasswordRequired("file list encrypted")
            for info in rf.infolist():
                if not info.is_dir():
                    out[info.filename] = rf.read(info)
        return out

    return read


def read_rars(path: Path, password: str | None) -> Members:
    import rars

    rf = rars.RarFile(str(path), password=password)
    infos = [i for i in rf.infolist() if not i.is_dir()]
    if any(i.is_solid for i in infos):
        datas = rf.read_many([i.orig_filename_bytes for i in infos], pwd=password)
        return {i.filename.replace("\\", "/"): d for i, d in zip(infos, datas, strict=True)}
    return {i.filename.replace("\\", "/"): rf.read(i.orig_filename_bytes, pwd=password) for i in infos}


def read_zipfile(path: Path, password: str | None) -> Members:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        pwd = password.encode() if password else None
        return {i.filename: zf.read(i, pwd=pwd) for i in zf.infolist() if not i.is_dir()}


def read_pyzipper(path: Path, password: str | None) -> Members:
    import pyzipper

    with pyzipper.AESZipFile(path) as zf:
        pwd = password.encode() if password else None
        return {i.filename: zf.read(i, pwd=pwd) for i in zf.infolist() if not i.is_dir()}


def read_loupe(path: Path, password: str | None) -> Members:
    """The chosen path end to end: loupe.ingest.archives.iter_archive."""
    sys.path.insert(0, str(REPO))
    from loupe.ingest.archives import ArchiveLimits, ArchiveProblem, iter_archive, sniff_archive

    kind = sniff_archive(path.read_bytes()[:65536])
    out: Members = {}
    for entry in iter_archive(path, kind or "", ArchiveLimits(), (password,) if password else ()):
        if isinstance(entry, ArchiveProblem):
            raise RuntimeError(entry.reason)
        out[entry[0]] = entry[1]
    return out


READERS: dict[str, dict[str, ReadFn]] = {
    "7z": {"libarchive-c": read_libarchive, "py7zr": read_py7zr, "loupe": read_loupe},
    "rar": {
        "libarchive-c": read_libarchive,
        "rarfile+unar": read_rarfile("unar"),
        "rarfile+bsdtar": read_rarfile("bsdtar"),
        "rars": read_rars,
        "loupe": read_loupe,
    },
    "zip": {"libarchive-c": read_libarchive, "zipfile": read_zipfile, "pyzipper": read_pyzipper, "loupe": read_loupe},
}

NEEDS = {
    "libarchive-c": "libarchive",
    "py7zr": "py7zr",
    "rarfile+unar": "rarfile",
    "rarfile+bsdtar": "rarfile",
    "rars": "rars",
    "pyzipper": "pyzipper",
}
TOOLS = {"rarfile+unar": "unar", "rarfile+bsdtar": "bsdtar"}


def available(reader: str) -> bool:
    module = NEEDS.get(reader)
    if module:
        try:
            __import__(module)
        except (ImportError, OSError):  # libarchive-c raises OSError without the system library
            return False
    return reader not in TOOLS or shutil.which(TOOLS[reader]) is not None


def locked(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(w in text for w in ("password", "passphrase", "encrypt"))


def digest(members: Members) -> str:
    listing = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(members.items())}
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def part1() -> None:
    print("## What each reader opens (ok / locked / error), without password -> with it\n")
    for fmt, folder in (("7z", "7z"), ("rar", "rar"), ("zip", "zip-encrypted")):
        readers = READERS[fmt]
        print(f"| sample ({fmt}) | what | " + " | ".join(readers) + " |")
        print("|---|---|" + "---|" * len(readers))
        for path in sorted((SAMPLES / folder).glob(f"*.{fmt}")):
            results: dict[str, list[tuple[str, str]]] = {}
            digests: Counter[str] = Counter()
            for name, fn in readers.items():
                if not available(name):
                    results[name] = [("n/a", "")]
                    continue
                cells = []
                for password in (None, PASSWORDS.get(path.name)):
                    if password is None and cells:
                        break
                    try:
                        got = fn(path, password)
                    except Exception as exc:
                        cells.append(("locked" if password is None and locked(exc) else f"{type(exc).__name__}", ""))
                        continue
                    d = digest(got)
                    digests[d] += 1
                    cells.append(("ok", d))
                results[name] = cells
            majority = digests.most_common(1)[0][0] if digests else ""
            row = []
            for name in readers:
                shown = []
                for outcome, d in results[name]:
                    if outcome == "ok" and d != majority:
                        outcome = "WRONG BYTES"
                    shown.append(outcome)
                row.append(" -> ".join(shown))
            print(f"| {path.name} | {WHAT.get(path.name, '')} | " + " | ".join(row) + " |")
        print()


# --- part 2: speed and memory on generated archives ----------------------------------------


def messages(n: int) -> Members:
    sources = sorted(p for p in MAIL.rglob("*") if p.is_file() and p.suffix != ".md")
    out: Members = {}
    for i in range(n):
        data = sources[i % len(sources)].read_bytes()
        # a line of noise per copy keeps the ratio near real mail's (copies alone compress 200x in a solid 7z)
        noise = random.Random(i).randbytes(600).hex().encode()
        out[f"mail/{i:06d}.eml"] = b"X-Copy: %d\nX-Noise: %s\n" % (i, noise) + data
    return out


def build(folder: Path, n: int) -> dict[str, Path]:
    import py7zr
    import rars

    files = messages(n)
    made = {
        "7z solid": folder / "mail.7z",
        "rar4": folder / "mail4.rar",
        "rar5": folder / "mail5.rar",
        "rar5 solid": folder / "solid5.rar",
    }
    with py7zr.SevenZipFile(made["7z solid"], "w") as z:
        for name, data in files.items():
            z.writestr(data, name)
    for label, fmt, solid in (("rar4", "rar29", False), ("rar5", "rar50", False), ("rar5 solid", "rar50", True)):
        builder = rars.RarBuilder(format=fmt, solid=solid)
        for name, data in files.items():
            builder.add_bytes(data, name)
        made[label].write_bytes(bytes(builder.to_bytes()))
    return made


def measure_child(reader: str, fmt: str, path: str) -> None:
    """In a fresh process: read every member once, print seconds, members, peak RSS."""
    fn = READERS[fmt][reader]
    start = time.perf_counter()
    got = fn(Path(path), None)
    seconds = time.perf_counter() - start
    # VmHWM, not ru_maxrss: the latter carries the parent's peak over fork and exec
    status = Path("/proc/self/status").read_text()
    rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) // 1024
    print(json.dumps({"seconds": seconds, "members": len(got), "rss": rss, "bytes": sum(map(len, got.values()))}))


def part2(n: int) -> None:
    print(f"## Reading {n:,} messages: seconds / peak RSS MiB (fresh process each)\n")
    with tempfile.TemporaryDirectory() as tmp:
        made = build(Path(tmp), n)
        for label, path in made.items():
            fmt = "7z" if label.startswith("7z") else "rar"
            size = path.stat().st_size
            print(f"{label}: {path.name}, {size / 1e6:.1f} MB packed")
            for reader in READERS[fmt]:
                if not available(reader):
                    print(f"  {reader:15s} n/a")
                    continue
                cmd = [sys.executable, __file__, "--child", reader, fmt, str(path)]
                run = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
                if run.returncode:
                    print(f"  {reader:15s} failed: {run.stderr.strip().splitlines()[-1:]}")
                    continue
                r = json.loads(run.stdout.strip().splitlines()[-1])
                print(f"  {reader:15s} {r['seconds']:7.2f} s  {r['rss']:5d} MiB  {r['members']} members")
            print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="messages in the generated archives")
    parser.add_argument("--child", nargs=3, metavar=("READER", "FORMAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure_child(*args.child)
        return
    part1()
    part2(args.messages)


if __name__ == "__main__":
    main()
