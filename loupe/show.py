"""A message as the reader sees it: stored facts plus the body re-parsed from its blob."""

from __future__ import annotations

from typing import Any

from loupe.case import Case
from loupe.entity_counts import named_in


def message_view(case: Case, message_id: str) -> dict[str, Any]:
    record = case.db.message(message_id)
    parsed = case.parsed(message_id, with_headers=True)
    record["date_raw"] = parsed.date_raw
    record["body"] = parsed.body_text
    record["headers"] = parsed.headers_text
    conversations = case.db.conversations
    thread = conversations.thread_of(message_id) or message_id
    record["thread"] = {"id": thread, "messages": len(conversations.thread_members(thread))}
    record["near_duplicates"] = conversations.near_duplicates_of(message_id)
    record["forwarded_authors"] = conversations.quoted_blocks(message_id)
    record["entities"] = named_in(parsed.subject, parsed.body_text, case.entity_corrections())
    return record
