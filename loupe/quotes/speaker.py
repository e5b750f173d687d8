"""Who said the words at a place in a message: the original speaker, not the forwarder.

A passage found in an email is not always its sender's. It may sit in an
insight block (then it is the coded source's report, whoever mailed it), in
a forwarded block with its own From: and Date: lines, or in ``>`` lines
under "On ..., Ann wrote:" (then it is Ann's). Quote attribution and
corroboration both ask this, for one offset in a body at a time.

The blocks come from ``loupe.threads.forwards`` (the same reading ingest
uses for forwarded authors); insight spans come from the case, as ingest
stored them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loupe.threads.forwards import QuotedBlock, find_blocks


@dataclass(frozen=True)
class Speaker:
    """Whose words these are. ``how`` says why: "sender", "source", "forward" or "quoted reply"."""

    how: str
    code: str | None = None  # a coded source, for words inside an insight block
    name: str = ""
    address: str = ""
    date_text: str = ""  # when the quoted or forwarded author wrote it, as the header says

    @property
    def forwarded(self) -> bool:
        return self.how in ("forward", "quoted reply")


def speaker_at(
    body: str,
    offset: int,
    sender: tuple[str, str],
    insights: Sequence[tuple[str | None, int, int]] = (),
    blocks: Sequence[QuotedBlock] | None = None,
) -> Speaker:
    """The speaker of the words at ``offset`` of ``body``.

    ``sender`` is (name, address) of the message; ``insights`` its insight
    blocks as (code, start, end). Pass ``blocks`` when asking about many
    offsets of one body, to read it once.

    >>> body = "FYI\\n\\n---------- Forwarded message ---------\\nFrom: Ann Lee <ann@example.org>\\n" \\
    ...        "Date: Mon, 3 May 2010 10:00:00 +0000\\nSubject: port\\n\\nThe port is closed."
    >>> speaker_at(body, body.index("port is"), ("Bob", "bob@example.org")).address
    'ann@example.org'
    >>> speaker_at(body, 0, ("Bob", "bob@example.org")).how
    'sender'
    """
    for code, start, end in insights:
        if code and start <= offset < end:
            return Speaker("source", code=code)
    block = _block_at(body, offset, find_blocks(body) if blocks is None else blocks)
    if block is not None and (block.author_address or block.author_name):
        how = "forward" if block.kind == "forward" else "quoted reply"
        return Speaker(how, name=block.author_name, address=block.author_address.lower(), date_text=block.date_text)
    return Speaker("sender", name=sender[0], address=sender[1].lower())


def _block_at(body: str, offset: int, blocks: Sequence[QuotedBlock]) -> QuotedBlock | None:
    """The innermost block holding ``offset``: a forward runs on to the end of its text (or
    to the next block at its depth); a reply quote holds only its own ``>`` lines."""
    line_start = body.rfind("\n", 0, offset) + 1
    line_end = body.find("\n", offset)
    quoted_line = body[line_start : line_end if line_end >= 0 else len(body)].lstrip().startswith(">")
    best: QuotedBlock | None = None
    for block in sorted(blocks, key=lambda b: b.start):
        if block.start > offset:
            break
        if block.kind == "forward" or quoted_line:
            best = block
    return best
