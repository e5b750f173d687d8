"""Recognising a bare RFC 822 message (.eml, Maildir file, no extension) by content."""

from __future__ import annotations

import re

_HEADER = re.compile(rb"^[!-9;-~]{1,76}:")
_BOM = b"\xef\xbb\xbf"


def sniff_rfc822(head: bytes) -> int:
    """Score 0..100: do the first lines look like a message header block?

    Most of the first few lines must be ``Name: value`` or folded
    continuations; a single header-like line at the top of a text file is
    not enough. A leading ``From `` envelope line is allowed.
    """
    data = head[len(_BOM) :] if head.startswith(_BOM) else head
    data = data.lstrip()  # seen: 255 spaces and a newline before the headers
    lines = data.split(b"\n", 12)[:12]
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]
    if not lines or not _HEADER.match(lines[0]):
        return 0
    headerish = 0
    for line in lines[:10]:
        stripped = line.rstrip(b"\r")
        if not stripped:
            break
        if _HEADER.match(stripped) or stripped[:1] in (b" ", b"\t"):
            headerish += 1
        else:
            # prose right after two or more header lines is a message whose
            # blank separator line is missing; after one, it is just text
            return 60 if headerish >= 2 else 20
    return 80 if headerish >= 2 else 40
