"""A message as the reader sees it: stored facts plus the body re-parsed from its blob."""

from __future__ import annotations

from typing import Any

from loupe.case import Case
from loupe.entity_counts import named_in

#: How a version of the body is named to the reader. The body itself is the
#: plain text whenever there are alternatives (``ingest.alternatives``).
VERSION_NAMES = {"text/html": "HTML"}
#: Words listed on a "versions differ" notice; both whole texts are shown beside it.
LISTED_WORDS = 40


def listed(words: list[str]) -> str:
    """A notice's word list, cut at ``LISTED_WORDS`` (a newsletter's HTML beside "view online" is all new)."""
    more = len(words) - LISTED_WORDS
    return ", ".join(words[:LISTED_WORDS]) + (f" … and {more} more" if more > 0 else "")


def message_view(case: Case, message_id: str) -> dict[str, Any]:
    record = case.db.message(message_id)
    parsed = case.parsed(message_id, with_headers=True)
    record["date_raw"] = parsed.date_raw
    record["body"] = parsed.body_text
    record["headers"] = parsed.headers_text
    # the other versions of the body (the HTML beside plain text): shown when they say something else
    record["alternatives"] = [
        {
            "mimetype": a.mimetype,
            "name": VERSION_NAMES.get(a.mimetype, a.mimetype),
            "differs": a.differs,
            "only_here": list(a.only_here),
            "only_in_plain": list(a.only_in_plain),
            "text": a.text,
        }
        for a in parsed.alternatives
    ]
    conversations = case.db.conversations
    thread = conversations.thread_of(message_id) or message_id
    record["thread"] = {"id": thread, "messages": len(conversations.thread_members(thread))}
    record["near_duplicates"] = conversations.near_duplicates_of(message_id)
    record["forwarded_authors"] = conversations.quoted_blocks(message_id)
    record["entities"] = named_in(parsed.subject, parsed.body_text, case.entity_corrections())
    return record
