"""A message as the reader sees it: stored facts plus the body re-parsed from its blob.

Bodies are not in the database (see ``store.schema``); re-parsing the
original is cheap and always shows exactly what the evidence says.
"""

from __future__ import annotations

from typing import Any

from loupe.case import Case
from loupe.ingest.mime import parse_message
from loupe.ingest.worker import _as_rfc822
from loupe.model import ItemKind, RawItem


def message_view(case: Case, message_id: str) -> dict[str, Any]:
    record = case.db.message(message_id)
    raw = case.blobs.get(record["raw_sha256"])
    kind = ItemKind.MSG if raw.startswith(b"\xd0\xcf\x11\xe0") else ItemKind.RFC822
    parsed = parse_message(_as_rfc822(RawItem(record["locator"], raw, kind)), case.settings.extract_limits)
    record["body"] = parsed.body_text
    record["headers"] = parsed.headers_text
    return record
