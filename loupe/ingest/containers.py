"""Walk any input (file, folder, archive) and yield raw items with their locators.

Formats are recognised by content, never by file name: each reader in
``READERS`` scores the first bytes of a file and the best score wins, as in
alephdata/ingest-file. A file no reader wants becomes a ``BadItem`` (it is
quarantined, so it is counted, not silently skipped).

Locators are the provenance a reporter cites:

    /leak/box.mbox@123456               byte offset of the ``From `` line
    /leak/dump.zip!mail/cur/1:2,S        member of an archive (``!`` nests)
    /leak/outlook.pst!Inbox/3            item 3 of a PST folder
    /leak/dump.zip!a.mbox@0              an mbox inside an archive
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from loupe.ingest import apple_mail
from loupe.ingest.archives import ArchiveLimits, ArchiveProblem, iter_archive, sniff_archive
from loupe.ingest.documents import sniff_card, sniff_document, sniff_office
from loupe.ingest.emlx import sniff_emlx
from loupe.ingest.mbox import TooLarge, iter_mbox, sniff_mbox
from loupe.ingest.olm import iter_olm, sniff_olm
from loupe.ingest.outlook import OutlookError, sniff_msg, sniff_pst
from loupe.ingest.pst import iter_pst
from loupe.ingest.rfc822 import sniff_rfc822
from loupe.model import MEMBER_SEP, OFFSET_SEP, BadItem, ItemKind, RawItem

HEAD_BYTES = 64 * 1024

#: Files that mail programs keep beside the mail: metadata, not items.
MARKER_FILES = frozenset(
    {
        "maildirfolder",
        "dovecot-uidlist",
        "dovecot-keywords",
        "dovecot-uidvalidity",
        "subscriptions",
        "courierimapuiddb",
        "courierimapkeywords",
        "courierimapacl",
        ".mh_sequences",
        ".uidvalidity",
        ".ds_store",
        "thumbs.db",
        "desktop.ini",
    }
)

Item = RawItem | BadItem


@dataclass(frozen=True)
class Source:
    """One container to read: a file on disk, or bytes taken out of an archive."""

    locator: str
    path: Path | None = None
    data: bytes | None = None
    depth: int = 0

    def head(self) -> bytes:
        if self.data is not None:
            return self.data[:HEAD_BYTES]
        assert self.path is not None
        with self.path.open("rb") as handle:
            return handle.read(HEAD_BYTES)

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return self.path.open("rb")

    def read_all(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size


@dataclass(frozen=True)
class WalkContext:
    limits: ArchiveLimits
    max_message_bytes: int
    #: Tried on encrypted archives and members (``loupe ingest --passwords``); kept out of repr so no log shows them.
    passwords: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Reader:
    """A container format: how well it fits some bytes, and how to read it."""

    name: str
    score: Callable[[bytes], int]
    read: Callable[[Source, WalkContext], Iterator[Item]]


def _read_archive(source: Source, ctx: WalkContext) -> Iterator[Item]:
    kind = sniff_archive(source.head())
    assert kind is not None
    if source.depth >= ctx.limits.max_depth:
        yield BadItem(source.locator, f"archive nested deeper than {ctx.limits.max_depth} levels; not expanded")
        return
    origin: Path | bytes = source.path if source.path is not None else source.read_all()
    for entry in iter_archive(origin, kind, ctx.limits, ctx.passwords):
        if isinstance(entry, ArchiveProblem):
            where = f"{source.locator}{MEMBER_SEP}{entry.member_path}" if entry.member_path else source.locator
            yield BadItem(where, entry.reason)
            continue
        member, data = entry
        if not data or Path(member).name.lower() in MARKER_FILES:
            continue
        yield from read_source(Source(f"{source.locator}{MEMBER_SEP}{member}", data=data, depth=source.depth + 1), ctx)


def _read_olm(source: Source, ctx: WalkContext) -> Iterator[Item]:
    """An Outlook for Mac export: its messages converted (``ingest.olm``), its other members read as files."""
    if source.depth >= ctx.limits.max_depth:
        yield BadItem(source.locator, f"archive nested deeper than {ctx.limits.max_depth} levels; not expanded")
        return
    origin: Path | bytes = source.path if source.path is not None else source.read_all()
    for entry in iter_olm(origin, source.locator, ctx.limits, ctx.max_message_bytes):
        if isinstance(entry, tuple):
            member, data = entry
            if Path(member).name.lower() not in MARKER_FILES:
                where = f"{source.locator}{MEMBER_SEP}{member}"
                yield from read_source(Source(where, data=data, depth=source.depth + 1), ctx)
        else:
            yield entry


def _read_pst(source: Source, ctx: WalkContext) -> Iterator[Item]:
    if source.path is not None:
        yield from _pst_items(source.path, source.locator)
        return
    # libpff reads from a file: spill an archived PST to a temporary one
    with tempfile.NamedTemporaryFile(suffix=".pst") as tmp:
        tmp.write(source.read_all())
        tmp.flush()
        yield from _pst_items(Path(tmp.name), source.locator)


def _pst_items(path: Path, locator: str) -> Iterator[Item]:
    try:
        for where, result in iter_pst(path):
            item_locator = f"{locator}{MEMBER_SEP}{where}"
            if isinstance(result, OutlookError):
                yield BadItem(item_locator, f"Outlook item unreadable: {result.reason}")
            else:
                yield RawItem(item_locator, result, ItemKind.RFC822)
    except OutlookError as exc:
        yield BadItem(locator, f"PST file unreadable: {exc.reason}")


def _read_mbox(source: Source, ctx: WalkContext) -> Iterator[Item]:
    with source.open() as handle:
        for offset, data in iter_mbox(handle, limit=ctx.max_message_bytes):
            yield mbox_item(f"{source.locator}{OFFSET_SEP}{offset}", data, ctx)


def mbox_item(locator: str, data: bytes | TooLarge, ctx: WalkContext) -> Item:
    """One message of an mbox as an item: quarantined with its size when over the limit."""
    size = data.size if isinstance(data, TooLarge) else len(data)
    if isinstance(data, TooLarge) or size > ctx.max_message_bytes:
        return BadItem(locator, f"message of {size} bytes exceeds the {ctx.max_message_bytes}-byte limit")
    return RawItem(locator, data)


def _single(kind: ItemKind) -> Callable[[Source, WalkContext], Iterator[Item]]:
    """A file that is one item: a message, or a document (a file that is not mail, ``ingest.documents``)."""
    what = "document" if kind is ItemKind.DOCUMENT else "message"

    def read(source: Source, ctx: WalkContext) -> Iterator[Item]:
        size = source.size()
        if size > ctx.max_message_bytes:
            yield BadItem(source.locator, f"{what} of {size} bytes exceeds the {ctx.max_message_bytes}-byte limit")
        else:
            yield RawItem(source.locator, source.read_all(), kind)

    return read


_read_document = _single(ItemKind.DOCUMENT)


#: Built-in readers, best score wins; outside formats register the same way.
READERS: list[Reader] = [
    # an Office or OpenDocument file is a zip, but a document, never a zip of mail
    Reader("office", lambda head: 120 if sniff_office(head) else 0, _read_document),
    # a calendar or an address card is "Name:value" lines too, but no message: 90 beats a header block's 80
    Reader("card", lambda head: 90 if sniff_card(head) else 0, _read_document),
    # an Outlook for Mac export is a zip, read as messages, not as a zip of XML files
    Reader("olm", lambda head: 110 if sniff_olm(head) else 0, _read_olm),
    Reader("archive", lambda head: 100 if sniff_archive(head) else 0, _read_archive),
    Reader("pst", lambda head: 100 if sniff_pst(head) else 0, _read_pst),
    Reader("msg", lambda head: 90 if sniff_msg(head) else 0, _single(ItemKind.MSG)),
    Reader("emlx", lambda head: 90 if sniff_emlx(head) else 0, _single(ItemKind.EMLX)),
    Reader("mbox", sniff_mbox, _read_mbox),
    Reader("rfc822", sniff_rfc822, _single(ItemKind.RFC822)),
]

#: Non-mail files up to this size are copied into the case with their reason;
#: larger ones (search-engine databases, videos) are only recorded.
KEEP_NON_MAIL_BYTES = 16 * 1024 * 1024

#: Below this score a file is not trusted to be mail of any kind.
MIN_SCORE = 30


def read_source(source: Source, ctx: WalkContext) -> Iterator[Item]:
    """Yield the items of one container, choosing its reader by content."""
    try:
        head = source.head()
    except OSError as exc:
        yield BadItem(source.locator, f"cannot read: {exc.strerror or exc}")
        return
    if not head.strip():
        # an empty delivery is worth knowing about, and is counted like any item
        yield BadItem(source.locator, "empty file" if not head else "only whitespace", source.read_all())
        return
    score, best = max(((reader.score(head), reader) for reader in READERS), key=lambda pair: pair[0])
    if score < MIN_SCORE and sniff_document(head, source.locator):
        yield from _read_document(source, ctx)  # not mail, but a PDF, a spreadsheet, a text: a document
        return
    if score < MIN_SCORE:
        preview = head[:40].decode("ascii", "backslashreplace")
        reason = f"not recognised as mail or as a document (starts with {preview!r})"
        size = source.size()
        if size > KEEP_NON_MAIL_BYTES:
            # a database or video beside the mail: reading it whole would break
            # the memory bound; it stays where it is, and the reason says so
            yield BadItem(source.locator, f"{reason}; {size} bytes not copied into the case (left at its locator)")
        else:
            yield BadItem(source.locator, reason, source.read_all())
        return
    yield from best.read(source, ctx)


def walk(paths: list[Path], ctx: WalkContext) -> Iterator[Item]:
    """Every item under the given files and folders, in a stable order."""
    for unit in walk_files(paths, ctx):
        if isinstance(unit, Path):
            yield from read_file(unit, ctx)
        else:
            yield unit


def walk_files(paths: list[Path], ctx: WalkContext) -> Iterator[Path | Item]:
    """The files ``walk`` reads, in its order, without reading them; an item where the walk
    has one already (an Apple Mail partial message put together, an input that does not exist).

    What a cluster's ingest cuts into tasks (``ingest.distributed``): the same files in the same
    order, so a case ingested through Dask equals one ingested here."""
    for path in paths:
        if path.is_dir():
            yield from _walk_dir(path, ctx)
        elif path.exists():
            yield path.resolve()
        else:
            yield BadItem(str(path), "no such file or folder")


def _walk_dir(root: Path, ctx: WalkContext) -> Iterator[Path | Item]:
    root = root.resolve()  # once: resolving every file costs more than reading it
    consumed: set[Path] = set()  # read already: Apple Mail partial messages and their part files
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        if "tmp" in dirs and ("cur" in dirs or "new" in dirs):
            dirs.remove("tmp")  # Maildir: tmp/ holds deliveries in progress, not mail
        messages = apple_mail.messages_folder(Path(folder), dirs, root)
        if messages is not None:
            # before Attachments/ is walked: the part files its partial messages take are theirs
            for whole in apple_mail.read_partials(messages, ctx.max_message_bytes):
                consumed.add(Path(whole.item.locator))
                consumed.update(whole.consumed)
                yield whole.item
        for name in sorted(files):
            if name.lower() in MARKER_FILES or name.lower().startswith("dovecot.index"):
                continue
            if apple_mail.is_bundle_metadata(Path(folder), name):
                continue
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file() or path in consumed:
                continue
            yield path


#: Files up to this size are read once, whole: sniffing and then reading a
#: small message as two opens cost more than the parse. Larger ones (mbox,
#: PST, archives) are streamed from disk.
SMALL_FILE = 1024 * 1024


def read_file(path: Path, ctx: WalkContext) -> Iterator[Item]:
    """The items of one file on disk (small ones read whole, large ones streamed)."""
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= SMALL_FILE else None
    except OSError as exc:
        yield BadItem(str(path), f"cannot read: {exc.strerror or exc}")
        return
    yield from read_source(Source(str(path), path=path, data=data), ctx)


def total_bytes(paths: list[Path]) -> int:
    """Size of all input files, for the progress bar's ETA."""
    total = 0
    for path in paths:
        if path.is_dir():
            for folder, _dirs, files in os.walk(path):
                total += sum((Path(folder) / f).stat().st_size for f in files if (Path(folder) / f).is_file())
        elif path.is_file():
            total += path.stat().st_size
    return total
