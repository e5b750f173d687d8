"""What a parser process does with one raw item: parse, keep originals, slim down.

Runs in worker processes. It writes blobs (content-addressed, so safe to
write from many processes at once) but never touches the database or the
index: those have one writer, the pipeline's main process. It returns slim
outcomes (no attachment bytes) so little crosses the process boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.emlx import emlx_to_rfc822
from loupe.ingest.mime import parse_message
from loupe.ingest.outlook import OutlookError, msg_to_rfc822
from loupe.model import PARSER_VERSION, BadItem, ItemKind, ParsedMessage, RawItem
from loupe.store.blobs import BlobStore

#: Messages attached to messages attached to ... stop being unpacked here;
#: real mail rarely nests more than three deep, a crafted one can nest forever.
MAX_EMBEDDING_DEPTH = 12


@dataclass(frozen=True)
class Outcome:
    """The result for one item: a parsed message, or the reason it failed."""

    locator: str
    parent_locator: str | None
    raw_sha256: str | None
    size: int
    message: ParsedMessage | None = None
    reason: str = ""
    parser_version: int = PARSER_VERSION


def process_item(item: RawItem | BadItem, blob_root: Path, limits: ExtractLimits) -> list[Outcome]:
    """Parse an item and every message embedded in it, storing originals."""
    blobs = BlobStore(blob_root)
    if isinstance(item, BadItem):
        digest = blobs.put(item.data) if item.data else None
        return [Outcome(item.locator, None, digest, len(item.data), reason=item.reason)]
    outcomes: list[Outcome] = []
    queue: list[tuple[RawItem, int]] = [(item, 0)]
    while queue:
        current, depth = queue.pop(0)
        digest = blobs.put(current.data)
        try:
            parsed = parse_message(_as_rfc822(current), limits)
        except (OutlookError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            outcomes.append(Outcome(current.locator, current.parent_locator, digest, len(current.data), reason=reason))
            continue
        except Exception as exc:  # a parser bug must not stop the batch: quarantine with the cause
            reason = f"parser failed: {type(exc).__name__}: {exc}"[:300]
            outcomes.append(Outcome(current.locator, current.parent_locator, digest, len(current.data), reason=reason))
            continue
        for attachment in parsed.attachments:
            if attachment.data:
                blobs.put(attachment.data)
        children = [(data, ItemKind.RFC822) for data in parsed.embedded]
        children += [(data, ItemKind.MSG) for data in parsed.embedded_msg]
        slim = replace(
            parsed,
            attachments=tuple(replace(a, data=b"") for a in parsed.attachments),
            embedded=(),
            embedded_msg=(),
        )
        outcomes.append(Outcome(current.locator, current.parent_locator, digest, len(current.data), message=slim))
        for number, (data, kind) in enumerate(children, start=1):
            child = RawItem(f"{current.locator}#{number}", data, kind, current.locator)
            if depth < MAX_EMBEDDING_DEPTH:
                queue.append((child, depth + 1))
            else:
                reason = f"embedded more than {MAX_EMBEDDING_DEPTH} messages deep; kept as its parent's attachment"
                outcomes.append(Outcome(child.locator, current.locator, blobs.put(data), len(data), reason=reason))
    return outcomes


def _as_rfc822(item: RawItem) -> bytes:
    if item.kind == ItemKind.MSG:
        return msg_to_rfc822(item.data)
    if item.kind == ItemKind.EMLX:
        return emlx_to_rfc822(item.data)
    return item.data


def process_chunk(chunk: list[RawItem | BadItem], blob_root: Path, limits: ExtractLimits) -> list[list[Outcome]]:
    """Many items per inter-process round trip: pickling dominates for small mail."""
    return [process_item(item, blob_root, limits) for item in chunk]
