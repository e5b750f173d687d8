"""Streaming splitter for mbox files (mboxo, mboxrd, mboxcl/cl2, Netscape, Takeout).

Leaked mailboxes are often many gigabytes, written by whatever tool the
owner used, and sometimes damaged.  This module therefore reads the file one
line at a time and only ever holds the message currently being assembled, and
it decides what counts as a message boundary with heuristics rather than the
naive "every line starting with ``From ``" rule, which splits real messages in
two whenever a careless writer left a ``From `` line in a body unescaped.

The bytes yielded for a message are exactly the bytes in the file: ``>From ``
lines are *not* un-escaped and line endings are left alone, because the raw
bytes are evidence (they are hashed and exported).  Un-escaping is a display
concern for a later layer.

Rules, and why:

* A separator is a line starting with ``From `` that looks like an envelope
  (``From - ...``; ``From <anything> <asctime-like date>``; or a bare
  ``From <token>@<host>`` as written by Gmail Takeout exports) **and** whose
  next line looks like a header field (``Name: value``).  The header test is
  what rejects prose such as ``From Russia with love`` followed by a
  ``Year: 1963`` line only in combination with the envelope test, and the
  envelope test is what rejects ``From time to time``.
* mbox writers put a blank line before every separator, so a bare
  ``From x@y`` (the weakest envelope) must also follow a blank line (or be
  the first line).  The strong envelopes (``From -`` and dated lines) are
  accepted after a non-blank line too: Netscape and MimeKit's test data write
  separators straight after the last body line, and those messages would
  otherwise be glued together.
* The one line ending just before a separator is not part of the message: it
  is the separator's own line break (or terminates the blank line writers put
  there).  This matches what Netscape's ``Content-Length`` headers count.  At
  end of file, one line ending is removed only if the file ends in a blank
  line, so a last message written with a trailing blank line has the same
  bytes as it would have had in the middle of the file.
* ``Content-Length`` (mboxcl/mboxcl2) is trusted only when it lands exactly
  on a line ending followed by a separator, or on end of file; a wrong value
  (common: tools edit messages without fixing it) is ignored and the body is
  scanned for separators as usual.  Checking it needs ``seek``; on a
  non-seekable stream the header is ignored.
* Bytes before the first separator (other than a UTF-8 BOM) are yielded as
  a "message" at offset 0 when they are not blank, so that nothing in the
  file is silently dropped; the caller quarantines them if they do not parse.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["iter_mbox", "sniff_mbox"]

_BOM = b"\xef\xbb\xbf"

#: Longest piece read in one ``readline`` call.  A "line" longer than this (a
#: binary blob with no newlines) is handled as several pieces, so one absurd
#: line cannot make a single read swallow the whole file.  Separator lines are
#: never anywhere near this long.
_MAX_LINE = 64 * 1024

_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"

#: Netscape / Thunderbird: ``From -``, ``From - `` or ``From - <date>``.
_NETSCAPE_RE = re.compile(rb"From -(?:[ \t][^\r\n]*)?\r?\n?\Z")

#: Classic envelope: ``From <sender> <asctime date> [anything]``.  Only the
#: ingredients of a date are required (a month name, a clock time and a
#: four-digit year, in any order) so that RFC 2822-style dates and trailing
#: junk after the date are accepted too.
_DATED_RE = re.compile(
    rb"From [^\r\n]*?\S[ \t]+"
    rb"(?=[^\r\n]*\b" + _MONTH + rb"\b)"
    rb"(?=[^\r\n]*\b\d{1,2}:\d\d)"
    rb"(?=[^\r\n]*\b(?:19|20|21)\d\d\b)"
    rb"[^\r\n]*\r?\n?\Z"
)

#: Gmail Takeout without a date: ``From 1844347792267117879@xxx``.
_BARE_ADDR_RE = re.compile(rb"From [^\s@]+@\S+[ \t]*\r?\n?\Z")

#: A header field line: a field name of printable ASCII without a colon,
#: (tolerating stray blanks before the colon, as broken writers produce).
_HEADER_RE = re.compile(rb"[!-9;-~]{1,200}[ \t]*:")

_CONTENT_LENGTH_RE = re.compile(rb"Content-Length:[ \t]*(\d{1,19})[ \t]*\r?\n\Z", re.IGNORECASE)


def _envelope_strength(line: bytes) -> int:
    """Return 2 for a strong envelope, 1 for a weak one, 0 for none.

    The strength decides whether a blank line is also required before the
    candidate (see the module docstring).
    """
    if not line.startswith(b"From "):
        return 0
    if _NETSCAPE_RE.match(line) or _DATED_RE.match(line):
        return 2
    if _BARE_ADDR_RE.match(line):
        return 1
    return 0


def _looks_like_header(line: bytes) -> bool:
    return _HEADER_RE.match(line) is not None


def _is_separator(line: bytes, prev_blank: bool, next_line: bytes) -> bool:
    """Decide whether ``line`` (a whole line, BOM removed) starts a message."""
    if not line.endswith(b"\n"):
        # Truncated at EOF or longer than _MAX_LINE: not an envelope.
        return False
    strength = _envelope_strength(line)
    if strength == 0:
        return False
    if strength == 1 and not prev_blank:
        return False
    return _looks_like_header(next_line)


def _is_eol(piece: bytes) -> bool:
    return piece in (b"\n", b"\r\n")


def _strip_one_eol(buf: bytearray) -> None:
    if buf.endswith(b"\r\n"):
        del buf[-2:]
    elif buf.endswith(b"\n"):
        del buf[-1:]


class _Lines:
    """A line reader over a binary file that tracks exact byte offsets.

    It keeps at most one line of look-ahead, which is all the separator
    heuristic needs, so memory stays bounded by one line plus the message
    being assembled by the caller.
    """

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._peeked: bytes | None = None
        try:
            self.seekable = bool(f.seekable())
        except (AttributeError, OSError, ValueError):
            self.seekable = False
        self.pos = 0
        self.size = -1
        if self.seekable:
            try:
                self.pos = f.tell()
                self.size = f.seek(0, io.SEEK_END)
                f.seek(self.pos)
            except (OSError, ValueError):
                self.seekable = False
                self.pos = 0

    def next(self) -> bytes:
        """Return the next piece (a line, or part of an over-long line)."""
        if self._peeked is not None:
            piece, self._peeked = self._peeked, None
        else:
            piece = self._f.readline(_MAX_LINE)
        self.pos += len(piece)
        return piece

    def peek(self) -> bytes:
        if self._peeked is None:
            self._peeked = self._f.readline(_MAX_LINE)
        return self._peeked

    def read_exact(self, n: int) -> bytes:
        """Read ``n`` bytes (fewer at EOF) in bounded chunks.

        Only called right after :meth:`content_length_lands` succeeded, which
        guarantees there is no peeked line to account for.
        """
        chunks: list[bytes] = []
        left = n
        while left > 0:
            chunk = self._f.read(min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        self.pos += len(data)
        return data

    def content_length_lands(self, end: int) -> bool:
        """True if a body ending at file offset ``end`` ends where a message must.

        That is: exactly at EOF, at a final line ending before EOF, or at a
        line ending followed by a separator line.  The file position is
        restored afterwards so the main scan is not disturbed.
        """
        if not self.seekable or self._peeked is not None or end > self.size:
            return False
        if end == self.size:
            return True
        f = self._f
        save = f.tell()
        try:
            f.seek(end)
            eol = f.readline(_MAX_LINE)
            if not _is_eol(eol):
                return False
            if end + len(eol) == self.size:
                return True
            sep = f.readline(_MAX_LINE)
            after = f.readline(_MAX_LINE)
            return _is_separator(sep, True, after)
        except (OSError, ValueError):
            return False
        finally:
            f.seek(save)


class TooLarge(bytes):
    """A message past ``iter_mbox``'s ``limit``: no bytes (none were kept), and in ``size`` how many it had."""

    size: int


def iter_mbox(f: BinaryIO, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, message bytes)`` for each message of an mbox, streaming.

    ``offset`` is the byte offset of the message's ``From `` separator line in
    the file (after a leading BOM, if any), so ``f.seek(offset)`` followed by
    ``f.readline()`` gives the separator back; offsets are absolute file
    positions when ``f`` is seekable, else counted from where reading began.
    The message bytes run from the line after the separator up to, not
    including, the line ending just before the next separator (see the module
    docstring for the end-of-file rule and for ``Content-Length``).

    Non-blank bytes before the first separator are yielded at offset 0, so a
    damaged head of file is kept for quarantine instead of being dropped.  A
    file with no separator at all comes back whole as that one item.

    ``limit``: a message longer than this is not collected past it (a 1 GiB
    message would otherwise cost its size in memory, twice): it comes back
    as an empty ``TooLarge`` whose ``size`` is the message's.
    """
    r = _Lines(f)
    start = r.pos
    cur_off: int | None = None  # None: still in the preamble
    buf = bytearray()
    prev_blank = True  # the first line counts as following a blank line
    at_line_start = True
    in_headers = False
    content_length: int | None = None
    forced_sep_at = -1  # offset of a separator vouched for by Content-Length
    cl_end: int | None = None  # message length fixed by a trusted Content-Length
    overflow = 0  # bytes of the current message not collected, past ``limit``
    tail = b""  # the last bytes not collected: their line ending may be the separator's

    def add(piece: bytes) -> None:
        nonlocal overflow, tail
        if limit is not None and (overflow or len(buf) + len(piece) > limit):
            overflow += len(buf) + len(piece)  # what was collected counts, and goes: nothing of it is kept
            buf.clear()
            tail = piece[-2:]
        else:
            buf.extend(piece)

    def finish(before_separator: bool) -> Iterator[tuple[int, bytes]]:
        if overflow:
            too_large = TooLarge()
            eol = 2 if tail.endswith(b"\r\n") else 1 if tail.endswith(b"\n") else 0
            too_large.size = overflow - (eol if before_separator else 0)
            yield (start if cur_off is None else cur_off), too_large
            return
        if cl_end is not None:
            data = buf[:cl_end]
        else:
            data = buf
            # At EOF only a message's trailing blank line is the writer's;
            # a file with no separator at all is given back untouched.
            blank_end = data.endswith((b"\n\n", b"\r\n\r\n", b"\n\r\n"))
            if before_separator or (cur_off is not None and blank_end):
                _strip_one_eol(data)
        if cur_off is None:
            body = data.removeprefix(_BOM)
            if body.strip():
                yield start, bytes(data)
        else:
            yield cur_off, bytes(data)

    while True:
        off = r.pos
        piece = r.next()
        if not piece:
            break
        line_start = at_line_start
        at_line_start = piece.endswith(b"\n")
        if line_start:
            line = piece
            lead = 0
            if off == start and piece.startswith(_BOM):
                line, lead = piece[len(_BOM) :], len(_BOM)
            if line.startswith(b"From ") and (off == forced_sep_at or _is_separator(line, prev_blank, r.peek())):
                yield from finish(before_separator=True)
                cur_off = off + lead
                buf = bytearray()
                overflow = 0
                in_headers = True
                content_length = None
                cl_end = None
                prev_blank = False
                continue
            if in_headers:
                if _is_eol(piece):
                    in_headers = False
                    add(piece)
                    prev_blank = True
                    trusted = content_length is not None and (limit is None or content_length <= limit)
                    if trusted and content_length is not None and r.content_length_lands(r.pos + content_length):
                        body = r.read_exact(content_length)
                        buf += body
                        cl_end = len(buf)
                        at_line_start = body.endswith(b"\n") or not body
                        prev_blank = False
                        # The line ending after the body (if any) belongs to
                        # the separator that follows it.
                        nxt = r.peek()
                        forced_sep_at = r.pos + len(nxt) if _is_eol(nxt) else -1
                    continue
                if content_length is None:
                    m = _CONTENT_LENGTH_RE.match(piece)
                    if m:
                        content_length = int(m.group(1))
        add(piece)
        prev_blank = line_start and _is_eol(piece)

    yield from finish(before_separator=False)


def sniff_mbox(head: bytes) -> int:
    """Score 0..100 how much ``head`` (the first bytes, up to 64 KiB) looks like an mbox.

    Used to pick a reader for files whose name says nothing (``Inbox`` with
    no extension, ``.txt``); the score lets the caller weigh this guess
    against other sniffers instead of taking a yes/no.
    """
    data = head[:65536]
    data = data.removeprefix(_BOM)
    lines = data.split(b"\n", 2)
    if data.startswith(b"From "):
        first = lines[0] + b"\n"
        nxt = lines[1] if len(lines) > 1 else b""
        strength = _envelope_strength(first)
        header = _looks_like_header(nxt)
        if strength == 2 and header:
            return 100
        if strength == 1 and header:
            return 90
        if header:
            return 60
        return 25
    # A damaged head followed by a real mailbox still deserves a look.
    for m in re.finditer(rb"\n(From [^\n]*\n)([^\n]*)", data):
        if _is_separator(m.group(1), True, m.group(2)):
            return 40
    return 0
