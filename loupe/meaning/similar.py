"""Messages that make the same point in other words: "says the same thing" and ``loupe similar --meaning``.

Near duplicates (``loupe.near_duplicates``) are the same text; this is the
same *point*: each passage of the message's own text is asked of the
nearest-neighbour index, and another message is listed when one of its own
passages is close (``SAME_POINT``) to one of ours. Its near duplicates, and
passages that are one text with ours (a copy pasted without quote marks),
are left out: they are copies, listed as such elsewhere. Best first, each
with the two passages that met and their cosine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from loupe.meaning.model import from_codes
from loupe.quotes.corroborate import same_text

if TYPE_CHECKING:
    from loupe.case import Case

#: Cosine of two passages from which they make the same point (no claim names to lean on: stricter
#: than ``score.MEANING_SUPPORT``).
SAME_POINT = 0.62
#: Shorter passages ("See the patch below.") make no point of their own to compare.
POINT_WORDS = 8
#: Neighbours asked per passage of the message.
NEIGHBOURS = 40


@dataclass(frozen=True)
class SamePoint:
    message: str
    cosine: float
    passage: str  # the other message's passage
    ours: str  # the passage of this message it meets

    def as_dict(self) -> dict[str, object]:
        return {"message": self.message, "cosine": round(self.cosine, 3), "passage": self.passage, "ours": self.ours}


def says_the_same(case: Case, message: str, limit: int = 10, body: str | None = None) -> list[SamePoint]:
    """Up to ``limit`` other messages making one of this message's points, closest first.

    ``body``: the message's body when the caller has parsed it already (the message page has)."""
    store = case.db.meaning
    mine = store.of_messages([message]).get(message)
    if mine is None:
        return []
    passages, codes = mine
    index = case.passage_index
    hits = index.search(from_codes(codes), NEIGHBOURS)
    copies = set(case.db.conversations.near_duplicates_of(message)) | {message}
    best: dict[int, tuple[float, int]] = {}  # their passage -> (cosine, our passage's position)
    for position, found in enumerate(hits):
        for passage, cosine in found:
            if cosine >= SAME_POINT and cosine > best.get(passage, (0.0, 0))[0]:
                best[passage] = (cosine, position)
    stored = store.passages(best)
    if body is None:
        body = case.parsed(message, attachment_text=False).body_text
    by_message: dict[str, SamePoint] = {}
    bodies: dict[str, str] = {}
    for passage, (cosine, position) in sorted(best.items(), key=lambda item: -item[1][0]):
        other = stored.get(passage)
        if other is None or other.message in copies or other.message in by_message:
            continue
        if other.message not in bodies:
            bodies[other.message] = case.parsed(other.message, attachment_text=False).body_text
        theirs = " ".join(bodies[other.message][other.start : other.end].split())
        ours = " ".join(body[passages[position].start : passages[position].end].split())
        if same_text(theirs, ours) or min(len(theirs.split()), len(ours.split())) < POINT_WORDS:
            continue
        by_message[other.message] = SamePoint(other.message, cosine, theirs, ours)
        if len(by_message) >= limit:
            break
    return list(by_message.values())
