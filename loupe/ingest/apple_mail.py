"""Apple Mail stores: ``.partial.emlx`` messages made whole with their external parts.

Mail.app does not keep a big attachment inside the message. It writes the
message as ``Messages/<number>.partial.emlx`` with that MIME part's body
left empty and an ``X-Apple-Content-Length`` header in its place, and the
part's decoded bytes as ``Attachments/<number>/<part>/<file name>`` beside
``Messages/`` (in a ``<mailbox>.mbox/<UUID>/Data/...`` folder). ``<part>``
is the IMAP section number of the MIME part: ``2`` for the second part of
the message, ``2.4`` for the fourth part inside that one, ``1`` for the body
of a message that is not multipart. Read alone, such a message has lost its
attachments, and their text is not searchable.

Here the part files are put back, each encoded with the transfer encoding
its part declares (base64, quoted-printable, or as is for 7bit/8bit), as
qqilihq/partial-emlx-converter does. The splice is done on the bytes: the
message is otherwise left exactly as Mail.app stored it (headers, boundaries,
line endings, the Apple plist after it), so the only change is the bodies
that were missing. Mail.app's own names are not always the names in the
message (Unicode NFD in the header, NFC on disk; a localised default name
for a nameless part), so a part's file is found by exact name, then by the
same name under Unicode normalisation, then as the only file in its folder.

What is stored, and why: the item's original is the reassembled message as
a whole ``.emlx`` (a fresh byte count, the message, Mail.app's plist), not
the ``.partial.emlx`` as found. Re-reading a stored original (``loupe show``,
snippets, rebuild) only sees the blob, never the sibling files, so only a
whole message keeps its attachments there. The evidence trail is kept in
``X-Loupe-*`` headers put before the message's own: the SHA-256 and size of
the ``.partial.emlx`` as found, and of each part file with its path, so each
can be checked against the files of the leak. The part files are consumed
by their message (its attachments, not items of their own); a file under
``Attachments/`` that no message claims is read like any other file, and a
part whose file is missing is named in an ``X-Loupe-Conversion-Defect``
header of the message, which keeps what it has.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from loupe.ingest.emlx import emlx_to_rfc822, sniff_emlx
from loupe.model import ItemKind, RawItem

#: The folder names of an Apple Mail store: messages, and their external parts beside them.
MESSAGES = "Messages"
ATTACHMENTS = "Attachments"
PARTIAL_SUFFIX = ".partial.emlx"
#: What Mail.app keeps in a ``<mailbox>.mbox`` bundle beside the mail (an exported
#: mailbox has them too): the mailbox's settings and its index, not items.
BUNDLE_METADATA = frozenset({"info.plist", "table_of_contents", ".mboxcache.plist"})
#: Finder's folder metadata, never a part file.
_FINDER = ".DS_Store"

_EXTERNAL = b"x-apple-content-length"
#: Multiparts deeper than this are not searched for external parts (real mail nests a few levels).
_MAX_NESTING = 64
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
#: Mail.app's trailing plist: an XML declaration, a plist doctype, or the element itself.
_PLIST_TRAILER = re.compile(rb"<\?xml[^\n]*\n(?:<!DOCTYPE plist[^\n]*\n)?<plist[ >]|<!DOCTYPE plist|<plist[ >]")


@dataclass(frozen=True)
class ExternalPart:
    """A MIME part whose body Mail.app stored outside the message."""

    number: str  # IMAP section number: "2", "2.4"
    filename: str  # as the part's headers name it ("" when they do not)
    encoding: str  # its Content-Transfer-Encoding, lower case
    start: int  # where its (empty) body starts in the message bytes
    end: int  # and ends: the line break before the next boundary, or the end
    body_is_empty: bool


@dataclass
class Reassembled:
    """One ``.partial.emlx`` made whole: the item, and the files it consumed."""

    item: RawItem
    consumed: list[Path] = field(default_factory=list)


def is_bundle_metadata(folder: Path, name: str) -> bool:
    """True for a mailbox bundle's own files (``Inbox.mbox/Info.plist``): settings, not mail."""
    return folder.name.lower().endswith(".mbox") and name.lower() in BUNDLE_METADATA


def messages_folder(folder: Path, subfolders: list[str], root: Path) -> Path | None:
    """The ``Messages/`` folder whose partial messages are to be read at this point of a walk.

    The one inside ``folder``, read before its sibling ``Attachments/`` is
    walked so that the part files are known to be taken; or the folder
    itself when the walk starts at a ``Messages/`` folder.
    """
    if MESSAGES in subfolders:
        return folder / MESSAGES
    return folder if folder == root and folder.name == MESSAGES else None


def external_parts(message: bytes) -> list[ExternalPart]:
    """The parts of an RFC 822 message whose bodies Mail.app left out, in order.

    Pure: it reads the MIME structure from the bytes (the stdlib parses each
    header block, the boundaries are followed here so that every part's
    byte span is known) and touches no file.
    """
    if _EXTERNAL not in message.lower():
        return []
    found: list[ExternalPart] = []
    _walk(message, 0, len(message), (), found)
    return found


def _walk(data: bytes, start: int, end: int, number: tuple[int, ...], found: list[ExternalPart]) -> None:
    if len(number) > _MAX_NESTING:
        return  # a crafted message can nest forever; Mail.app's never do
    if data.startswith((b"\r\n", b"\n"), start):  # a part without headers: its body starts at once
        body = start + (2 if data[start : start + 1] == b"\r" else 1)
        headers = Message()
    else:
        blank = _BLANK_LINE.search(data, start, end)
        body = blank.end() if blank else end
        headers = BytesHeaderParser(policy=compat32).parsebytes(data[start:body])
    boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
    if boundary:
        for index, (child_start, child_end) in enumerate(_children(data, body, end, boundary), start=1):
            _walk(data, child_start, child_end, (*number, index), found)
        return
    if headers.get(_EXTERNAL.decode()) is None:
        return
    found.append(
        ExternalPart(
            number=".".join(map(str, number or (1,))),
            filename=str(headers.get_filename() or ""),
            encoding=str(headers.get("Content-Transfer-Encoding", "7bit")).strip().lower(),
            start=body,
            end=end,
            body_is_empty=not data[body:end].strip(),
        )
    )


def _children(data: bytes, start: int, end: int, boundary: str) -> Iterator[tuple[int, int]]:
    """Byte spans of a multipart's parts: between its delimiter lines, without the
    line break before each delimiter (RFC 2046 makes it part of the delimiter)."""
    delimiter = re.compile(rb"^--" + re.escape(boundary.encode("utf-8", "surrogateescape")) + rb"(--)?[ \t]*\r?$", re.M)
    previous: int | None = None
    for match in delimiter.finditer(data, start, end):
        if previous is not None:
            stop = match.start()
            stop -= 2 if data[stop - 2 : stop] == b"\r\n" else 1 if data[stop - 1 : stop] == b"\n" else 0
            yield previous, max(stop, previous)
        if match.group(1):  # the close delimiter: the epilogue is no part
            return
        line_end = data.find(b"\n", match.end(), end)
        previous = end if line_end < 0 else line_end + 1
    if previous is not None and previous < end:
        yield previous, end  # no close delimiter (a cut message): the last part runs to the end


def encode_body(data: bytes, encoding: str, newline: bytes) -> bytes:
    """A part file's bytes as its part's body, in the transfer encoding the part declares.

    Quoted-printable encodes line breaks too (``=0A``), so the decoded
    attachment is the file byte for byte whatever its line endings.
    """
    if encoding == "base64":
        text = base64.encodebytes(data).rstrip(b"\n")
    elif encoding == "quoted-printable":
        text = binascii.b2a_qp(data, istext=False).rstrip(b"\n")
    else:  # 7bit, 8bit, binary: the bytes themselves
        return data
    return text.replace(b"\n", newline)


def split_emlx(emlx: bytes) -> tuple[bytes, bytes, str]:
    """The message and the plist of an ``.emlx``, and what was wrong with its byte count.

    The count is trusted when it lands on the plist (``emlx_to_rfc822``).
    When it does not, a partial message is still made whole: it is stored
    with a fresh count anyway, so the message is taken as the bytes before
    Mail.app's trailing plist, and the returned reason goes into the
    message's ``X-Loupe-Conversion-Defect`` header (the ``.partial.emlx``
    as found stays citable by its SHA-256). partial-emlx-converter's test
    message 207046 has such a count (1,595 for 1,550 bytes). Raises
    ``ValueError`` when there is no count line or no plist to end at.
    """
    start = emlx.find(b"\n") + 1  # the count line is the first line
    try:
        message = emlx_to_rfc822(emlx)
        return message, emlx[start + len(message) :], ""
    except ValueError as exc:
        ends = [m.start() for m in _PLIST_TRAILER.finditer(emlx, start) if emlx[m.start() - 1 : m.start()] == b"\n"]
        if not sniff_emlx(emlx[:1024]) or not ends:
            raise
        end = ends[-1]
        return emlx[start:end], emlx[end:], f"{exc}; the message is taken as the {end - start} bytes before the plist"


def reassemble(message: bytes, plist: bytes, parts: dict[str, tuple[str, bytes]], notes: list[str]) -> bytes:
    """A whole ``.emlx``: each external part's file put back into its empty body.

    ``parts`` maps a section number to the part file's path (as cited) and
    bytes; ``notes`` are extra ``X-Loupe-*`` header lines. Returns the new
    ``.emlx``: a fresh byte count, Loupe's headers, the message with the
    bodies filled in, and the plist exactly as it was.
    """
    newline = b"\r\n" if b"\r\n" in message[: message.find(b"\n") + 1] else b"\n"
    pieces: list[bytes] = []
    cursor = 0
    for part in external_parts(message):
        if part.number not in parts or not part.body_is_empty:
            continue
        _, data = parts[part.number]
        pieces += [message[cursor : part.start], encode_body(data, part.encoding, newline)]
        cursor = part.end
    pieces.append(message[cursor:])
    header = b"".join(line.encode("utf-8", "surrogateescape") + newline for line in notes)
    whole = header + b"".join(pieces)
    return f"{len(whole)}\n".encode() + whole + plist


def find_part_file(folder: Path, filename: str) -> Path | None:
    """The file of one part in ``Attachments/<number>/<part>/``, or None.

    By exact name, then under Unicode normalisation (Mail.app names parts
    in NFD in the header and the file system may give NFC, or the reverse),
    then the only file in the folder (Mail.app names a nameless part in the
    user's language: "Mail-Anhang.jpeg"). Names come from the message, so
    they are only ever compared with what is listed, never joined as paths.
    """
    try:
        names = sorted(n for n in os.listdir(folder) if n != _FINDER and (folder / n).is_file())
    except OSError:
        return None
    if filename in names:
        return folder / filename
    wanted = unicodedata.normalize("NFC", filename)
    for name in names:
        if unicodedata.normalize("NFC", name) == wanted:
            return folder / name
    return folder / names[0] if len(names) == 1 else None


def read_partials(messages: Path, max_message_bytes: int) -> Iterator[Reassembled]:
    """Every partial message directly in a ``Messages/`` folder, made whole.

    Only ``*.partial.emlx`` files are opened here: Mail.app names every
    message with external parts so, and a mailbox of whole ``.emlx`` files
    is then not read twice. One that is no ``.emlx`` with external parts is
    left alone (the walker reads it as usual). A part file is read only if
    the message stays within ``max_message_bytes`` with it; one that would
    not fit is left for the walker, as its own item, and the message says so.
    """
    try:
        names = sorted(os.listdir(messages))
    except OSError:
        return
    attachments = messages.parent / ATTACHMENTS
    for name in names:
        path = messages / name
        if not name.lower().endswith(PARTIAL_SUFFIX) or path.is_symlink() or not path.is_file():
            continue
        if path.stat().st_size > max_message_bytes:
            continue
        try:
            emlx = path.read_bytes()
            message, plist, defect = split_emlx(emlx) if sniff_emlx(emlx[:1024]) else (b"", b"", "")
        except (OSError, ValueError):
            continue  # the walker's emlx reader reports it
        wanted = external_parts(message)
        if wanted:
            folder = attachments / name.split(".", 1)[0]
            notes = [
                f"X-Loupe-Converted-From: apple-mail partial emlx; {len(wanted)} external part(s) put back",
                f"X-Loupe-Partial-Emlx: {name}; sha256={hashlib.sha256(emlx).hexdigest()}; {len(emlx)} bytes",
            ]
            if defect:
                notes.append(f"X-Loupe-Conversion-Defect: {defect}")
            found, consumed = _part_files(wanted, folder, messages.parent, len(emlx), max_message_bytes, notes)
            yield Reassembled(RawItem(str(path), reassemble(message, plist, found, notes), ItemKind.EMLX), consumed)


def _part_files(
    wanted: list[ExternalPart], folder: Path, store: Path, size: int, limit: int, notes: list[str]
) -> tuple[dict[str, tuple[str, bytes]], list[Path]]:
    """Each wanted part's file by section number, the files read, and a note on each."""
    found: dict[str, tuple[str, bytes]] = {}
    consumed: list[Path] = []
    for part in wanted:
        where = f"{folder.relative_to(store).as_posix()}/{part.number}/"
        if not part.body_is_empty:
            notes.append(f"X-Loupe-Conversion-Defect: part {part.number} has a body already; left as it is")
            continue
        file = find_part_file(folder / part.number, part.filename)
        if file is None:
            notes.append(f"X-Loupe-Conversion-Defect: part {part.number}: no file in {where}")
            continue
        try:
            data = file.read_bytes()
        except OSError as exc:
            notes.append(f"X-Loupe-Conversion-Defect: part {part.number}: {where}{file.name} unreadable: {exc}")
            continue
        grown = len(data) * 4 // 3 + len(data) // 38 + 256  # base64 and its line breaks, at most
        if size + grown > limit:
            notes.append(f"X-Loupe-Conversion-Defect: part {part.number}: {where}{file.name} left out (size limit)")
            continue
        size += grown
        cited = f"{where}{file.name}"
        found[part.number] = (cited, data)
        consumed.append(file)
        notes.append(
            f"X-Loupe-External-Part: {part.number}; {cited}; sha256={hashlib.sha256(data).hexdigest()}; "
            f"{len(data)} bytes"
        )
    return found, consumed
