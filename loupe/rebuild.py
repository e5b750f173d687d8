"""``loupe rebuild``: the full-text index and every derived table made again from the stored originals.

The originals (blobs) and the ledger (items, messages) are the case; all
else is derived from them and can be made again without the input files:
the full-text index, what ingest reads out of each message (forwarded
blocks, near-duplicate signatures, codes and insight blocks, glosses,
names, meaning vectors) and the whole-case analysis (threads, near
duplicates, people). The reporters' own work is kept: tags, notes, entity
and people corrections, saved searches, and every verification run.

A damaged index is moved aside (``index.damaged-<time>``), never deleted:
what it held may matter to whoever investigates the damage.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from loupe.ingest.pipeline import DERIVED_TABLES, derived_rows, message_key
from loupe.ingest.stored import stored_kind
from loupe.ingest.worker import TextRules, process_item
from loupe.lock import writing
from loupe.model import RawItem
from loupe.sources.codes import ORDINARY_TOKENS
from loupe.store import schema
from loupe.store.compression import BlobCompressor

if TYPE_CHECKING:
    from loupe.case import Case

#: Messages parsed again per transaction and index commit.
BATCH = 500

Progress = Callable[[int, int], None]


@dataclass
class RebuildSummary:
    messages: int = 0
    unreadable: list[str] | None = None  # messages whose original could not be read (``loupe verify`` says why)
    moved_aside: str = ""  # where the old index went

    def as_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "unreadable": self.unreadable or [], "moved_aside": self.moved_aside}


def rebuild(
    case: Case, index: bool = True, analysis: bool = True, on_progress: Progress | None = None
) -> RebuildSummary:
    """Make the index and the per-message tables again (``index``), then the whole-case analysis (``analysis``)."""
    summary = RebuildSummary(unreadable=[])
    with writing(case.root, "rebuild", case.db.engine):
        if index:
            _rebuild_index(case, summary, on_progress)
            case.db.conversations.forget_analysis()  # what it links from was read again: the next step sees all
        if analysis:
            from loupe.analysis import refresh
            from loupe.meaning.build import refresh as refresh_meaning

            refresh(case.db, full=True)
            if case.settings.meaning:
                refresh_meaning(case)
    return summary


def _rebuild_index(case: Case, summary: RebuildSummary, on_progress: Progress | None) -> None:
    settings = case.settings
    rules = TextRules(
        settings.source_patterns, ORDINARY_TOKENS | set(settings.source_ordinary), settings.entities, settings.meaning
    )
    with case.db.engine.begin() as conn:
        for table in DERIVED_TABLES:
            conn.execute(delete(schema.metadata.tables[table]))
        items, messages = schema.items, schema.messages
        rows = conn.execute(
            select(items.c.message, items.c.locator, items.c.raw_sha256, messages.c.kind)
            .join(messages, messages.c.id == items.c.message)
            .where(items.c.status == "indexed")
            .order_by(items.c.message)
        ).all()
    case.passage_index.reset()
    root = case.root / "index"
    case.forget_index()
    if root.exists():
        aside = case.root / f"index.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        shutil.move(str(root), aside)
        summary.moved_aside = aside.name
    full_text = case.index  # a fresh, empty index
    compressor = BlobCompressor(case.blobs.dictionary())  # process_item keeps originals; these are discarded
    batch_docs: list[dict[str, Any]] = []
    batch_extra: dict[str, list[dict[str, Any]]] = {table: [] for table in DERIVED_TABLES}
    done = 0
    for message, locator, raw_sha, kind in rows:
        try:
            data = case.blobs.get(raw_sha)
        except Exception:  # damaged or missing: named, and left for ``loupe verify`` to explain
            assert summary.unreadable is not None
            summary.unreadable.append(message)
            continue
        item = RawItem(locator, data, stored_kind(data, kind), None)
        outcome = next(
            (o for o in process_item(item, compressor, case.extraction(), rules)  # OCR: what the case kept
             if o.message is not None and message_key(o.message) == message),
            None,
        )  # fmt: skip
        if outcome is None or outcome.message is None:
            assert summary.unreadable is not None
            summary.unreadable.append(message)
            continue
        doc, extra = derived_rows(message, outcome.message, outcome)
        batch_docs.append(doc)
        for table, table_rows in extra.items():
            batch_extra[table].extend(table_rows)
        done += 1
        if len(batch_docs) >= BATCH:
            _flush(case, batch_docs, batch_extra)
        if on_progress is not None:
            on_progress(done, len(rows))
    _flush(case, batch_docs, batch_extra)
    full_text.close()
    summary.messages = done


def _flush(case: Case, docs: list[dict[str, Any]], extra: dict[str, list[dict[str, Any]]]) -> None:
    if docs:
        case.index.upsert(docs, case.settings.index_heap_bytes)
        case.index.commit()
    case.db.write_batch([], [], [], [], [], extra)
    docs.clear()
    for rows in extra.values():
        rows.clear()
