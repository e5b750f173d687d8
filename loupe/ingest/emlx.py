"""Apple Mail ``.emlx`` files: a byte count, the RFC 822 message, a plist.

The layout is::

    1234\\n                      <- decimal length of the message, own line
    <exactly 1234 bytes of RFC 822 message>
    <?xml ...?><plist>...</plist>  <- Mail.app flags, dates, mailbox ids

Only the message part goes to the MIME parser; the whole file, plist
included, stays the evidence (it records read/flagged state and Apple's own
received date). The count is trusted only if it lands exactly on the plist:
a wrong count means a truncated or altered file, which is reported, not
silently "repaired" by guessing where the message ends.
"""

from __future__ import annotations

import re

#: A count line: optional spaces (Mail.app pads some), digits, end of line.
_COUNT_LINE = re.compile(rb"[ \t]*(\d{1,12})[ \t]*\r?\n")
#: The first line of an RFC 822 header block ("Name: value"), or an mbox-ish
#: "From " line some exporters leave in.
_HEADER_LINE = re.compile(rb"(?:[!-9;-~]+[ \t]*:|From )")
_PLIST_START = re.compile(rb"<\?xml|<!DOCTYPE plist|<plist")


def sniff_emlx(head: bytes) -> bool:
    """True if ``head`` starts with a decimal byte count line, then a header.

    A bare number alone is not enough (plenty of text files start with one):
    the next line must look like the start of a message header block.
    """
    match = _COUNT_LINE.match(head)
    if match is None:
        return False
    return _HEADER_LINE.match(head, match.end()) is not None


def emlx_to_rfc822(data: bytes) -> bytes:
    """The message part of an ``.emlx``: exactly ``count`` bytes after line one.

    Raises ``ValueError`` with the reason if the count line is missing, the
    file is shorter than the count, or what follows the counted bytes is not
    the plist (the count is wrong, so where the message ends is unknown).
    """
    match = _COUNT_LINE.match(data)
    if not match:
        raise ValueError("emlx: first line is not a decimal byte count")
    count = int(match.group(1))
    start = match.end()
    end = start + count
    if end > len(data):
        raise ValueError(f"emlx: byte count {count} exceeds the {len(data) - start} bytes after the count line")
    trailer = data[end:]
    if trailer.strip() and not _PLIST_START.match(trailer):
        raise ValueError(f"emlx: byte count {count} does not end at the plist (found {trailer[:20]!r})")
    return data[start:end]
