"""Getting evidence back out of a case, byte for byte.

One message's original (``loupe export ID --raw``), or every message a query
matches, oldest first, as a folder of ``.eml`` files or one mbox file that
mail clients, notmuch, mu and Aleph read (``--eml DIR``, ``--mbox FILE``).

What is written is the original as found, verified against its SHA-256 on
the way out, with two exceptions a reporter must be able to see, so each is
in the manifest written next to the export:

- an Outlook ``.msg`` or Apple ``.emlx`` original is not Internet mail; it is
  written in the RFC 822 form Loupe read it in (``converted`` is true, and
  ``original_sha256`` names the original, which ``--raw`` still gives); a
  message from a ``.pst`` was already made Internet mail at ingest (the PST
  is the original, and the message says so in its ``X-Loupe-Converted-From``
  header): it is written as stored, and ``converted`` is true for it too;
- in an mbox a line of a message that starts with ``From `` would end the
  message, so every such line gets one more ``>`` (the *mboxrd* convention:
  removing one ``>`` from each ``>...From `` line gives the message back, and
  the manifest's ``sha256`` is of the message before that quoting); and a
  message whose last line has no line break gets one, as an mbox needs.

The manifest (``manifest.csv`` in the folder, ``FILE.manifest.csv`` beside an
mbox) lists every message with its id, SHA-256s, date, sender, subject and
where it was found, so each exported copy can be traced to the case.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from loupe.case import Case
from loupe.filenames import safe_file_name
from loupe.ingest.stored import as_rfc822
from loupe.model import Address
from loupe.store.batching import chunks

#: A line that an mbox reader would take for the start of a message, already quoted or not.
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)
#: Where a message's header ends.
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def raw_message(case: Case, key: str) -> bytes:
    """The original bytes of a message's first copy, verified against its SHA-256.

    ``BlobStore.get`` re-hashes what it decompresses, so a damaged blob is
    an error, never silently different evidence.
    """
    return case.blobs.get(case.db.raw_sha256_of(case.db.resolve(key)))


@dataclass(frozen=True)
class Exported:
    """One line of the manifest."""

    id: str
    file: str  # the .eml file's name, or the mbox file's
    offset: int | None  # the mbox: where the message's "From " line starts; None in a folder
    sha256: str  # of the message as written (in an mbox: before the ">From" quoting)
    original_sha256: str  # of the original as found (what ``loupe export ID --raw`` gives)
    converted: bool  # not mail as found: a .msg or .emlx written as RFC 822, or a message Loupe made of a .pst item
    date: str
    sender: str
    subject: str
    locator: str  # where the original was found


def oldest_first(case: Case, ids: Sequence[str]) -> list[str]:
    """Messages in date order (undated last, then by id): the order of a mailbox."""
    dates = case.db.conversations.dates(ids)
    return sorted(ids, key=lambda m: (dates.get(m) or "~", m))


def export_eml(case: Case, ids: Sequence[str], folder: Path, advance: Callable[[], None]) -> list[Exported]:
    """One ``ID.eml`` per message in ``folder`` (created), and ``manifest.csv``; a document keeps its own
    kind of file (``ID-name.pdf``)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for message, about in _with_headlines(case, ids):
        name = f"{message}.eml"
        if about.get("kind") == "document":
            name = f"{message}-{safe_file_name(str(about.get('subject') or ''), 'document')}"
        data, row, _ = _one(case, message, name, None, about)
        (folder / name).write_bytes(data)
        rows.append(row)
        advance()
    write_manifest(rows, folder / "manifest.csv")
    return rows


def export_mbox(case: Case, ids: Sequence[str], path: Path, advance: Callable[[], None]) -> list[Exported]:
    """Every message in one mboxrd file, and ``FILE.manifest.csv`` beside it.

    An mbox holds mail only: documents among ``ids`` are left out (the manifest
    lists what was written); ``--eml`` and ``--pack`` export them as the files they are."""
    rows = []
    with path.open("wb") as out:
        for message, about in _with_headlines(case, ids):
            if about.get("kind") == "document":
                continue
            data, row, address = _one(case, message, path.name, out.tell(), about)
            out.write(from_line(address, row.date))
            out.write(mboxrd_quote(data))
            out.write(b"\n")  # the blank line before the next "From " line
            rows.append(row)
            advance()
    write_manifest(rows, path.with_name(path.name + ".manifest.csv"))
    return rows


def _with_headlines(case: Case, ids: Sequence[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each message with its headline (subject, sender, date, kind), read 500 at a time."""
    for part in chunks(ids, 500):
        about = case.db.conversations.headlines(part)
        for message in part:
            yield message, about.get(message, {})


def from_line(address: str, date: str) -> bytes:
    """The separator line an mbox puts before each message: ``From ADDRESS asctime-date`` (UTC)."""
    sender = address if address and " " not in address else "MAILER-DAEMON"
    when = datetime.fromisoformat(date) if date else datetime(1970, 1, 1)
    return f"From {sender} {when.strftime('%a %b %d %H:%M:%S %Y')}\n".encode("ascii", "replace")


def mboxrd_quote(data: bytes) -> bytes:
    """One more ``>`` before every line that starts with ``From `` after any number of ``>``."""
    return _FROM_LINE.sub(rb">\1", data)


def mboxrd_unquote(data: bytes) -> bytes:
    """The inverse of ``mboxrd_quote``: one ``>`` fewer on every quoted ``From `` line."""
    return re.sub(rb"^>(>*From )", rb"\1", data, flags=re.MULTILINE)


def write_manifest(rows: Sequence[Exported], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([f.name for f in fields(Exported)])
        for row in rows:
            writer.writerow(["" if value is None else value for value in astuple(row)])


def made_at_ingest(data: bytes) -> bool:
    """Whether Loupe wrote this message's headers itself (an item of a .pst), as its header says."""
    blank = _BLANK_LINE.search(data)
    head = data[: blank.start() if blank else len(data)]
    return head.startswith(b"X-Loupe-Converted-From:") or b"\nX-Loupe-Converted-From:" in head


def _one(case: Case, message: str, file: str, offset: int | None, about: dict[str, Any]) -> tuple[bytes, Exported, str]:
    """The bytes to write for a message (``about``: its headline), its manifest line, and its sender's address."""
    original_sha256 = case.db.raw_sha256_of(message)
    original = case.blobs.get(original_sha256)  # verified against its hash
    if about.get("kind") == "document":  # a file of the leak, written as it is (a .doc is no Outlook item)
        data, converted = original, False
    else:
        data = as_rfc822(original)
        converted = data is not original or made_at_ingest(data)
    if offset is not None and not data.endswith(b"\n"):
        data += b"\n"  # in an mbox every message ends with a line break
    address = str(about.get("from_email") or "")
    sender = Address(str(about.get("from_name") or ""), address).display()
    locators = case.db.copies_of([message]).get(message, [])
    return (
        data,
        Exported(
            id=message,
            file=file,
            offset=offset,
            sha256=hashlib.sha256(data).hexdigest(),
            original_sha256=original_sha256,
            converted=converted,
            date=str(about.get("date") or ""),
            sender=sender,
            subject=str(about.get("subject") or ""),
            locator=locators[0] if locators else "",
        ),
        str(about.get("from_email") or ""),
    )
