"""``loupe verify``: is every original still byte for byte what was received, and does every count hold?

A reporter may have to show, long after, that the message quoted is the
message received and that nothing was dropped. Four checks, each naming
every problem it finds (the item or blob, and what is wrong):

- **blobs**: every stored original is read back from its pack, decompressed
  and hashed again; it must match the SHA-256 it is filed under;
- **packs**: every byte of every pack file belongs to exactly one blob;
  bytes after the last blob of a pack are the torn tail of an interrupted
  write (a pack is fsynced before the rows naming it, so no row points at
  them): harmless, reported as a note, not a problem;
- **ledger**: every input item ends as indexed or duplicate (pointing at a
  message and the blob of its bytes) or quarantined (with a reason; its bytes
  kept when it had any); every message comes from at least one item;
- **index**: every message is in the full-text index, and every indexed
  document is a message of the case.

The result and its date are recorded in the case (``verifications``), which
``loupe status`` and the web's status show.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import tantivy
from sqlalchemy import insert, select

from loupe.store import schema
from loupe.store.blobs import BlobDamage

if TYPE_CHECKING:
    from loupe.case import Case


@dataclass(frozen=True)
class Problem:
    check: str  # blobs, packs, ledger, index
    item: str  # what is wrong: a blob's SHA-256, a pack, an item's locator, a message id
    what: str

    def line(self) -> str:
        return f"{self.check}: {self.item}: {self.what}"


@dataclass
class Verification:
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # harmless findings (a torn pack tail)
    counts: dict[str, int] = field(default_factory=dict)  # what was checked
    finished: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "finished": self.finished,
            "checked": self.counts,
            "problems": [p.__dict__ for p in self.problems],
            "notes": [n.__dict__ for n in self.notes],
        }


Progress = Callable[[str, int], None]


def verify(case: Case, on_progress: Progress | None = None) -> Verification:
    """Run every check, record the result in the case, and return it."""
    result = Verification()
    for check in (_blobs, _packs, _ledger, _index):
        check(case, result, on_progress)
    result.finished = datetime.now(UTC).isoformat(timespec="seconds")
    with case.db.engine.begin() as conn:
        conn.execute(
            insert(schema.verifications).values(
                finished=result.finished,
                problems=len(result.problems),
                summary=json.dumps(result.as_dict(), ensure_ascii=False)[:1_000_000],
            )
        )
    return result


def last_verification(case: Case) -> dict[str, Any] | None:
    """When the case was last verified and how many problems were found (None: never)."""
    v = schema.verifications
    with case.db.engine.connect() as conn:
        row = conn.execute(select(v.c.finished, v.c.problems).order_by(v.c.id.desc()).limit(1)).first()
    return None if row is None else {"finished": row[0], "problems": row[1]}


def _blob_rows(case: Case) -> Iterator[Any]:
    b = schema.blobs
    with case.db.engine.connect() as conn:
        yield from conn.execute(select(b).order_by(b.c.pack, b.c.offset))


def _blobs(case: Case, result: Verification, on_progress: Progress | None) -> None:
    handles: dict[int, Any] = {}
    checked = 0
    try:
        for row in _blob_rows(case):
            checked += 1
            if on_progress is not None and checked % 1000 == 0:
                on_progress("blobs", checked)
            path = case.blobs.pack_path(row.pack)
            if row.pack not in handles:
                handles[row.pack] = path.open("rb") if path.exists() else None
            pack = handles[row.pack]
            if pack is None:
                result.problems.append(Problem("blobs", row.sha256, f"its pack {path.name} is missing"))
                continue
            try:
                case.blobs.read_frame(row, pack)
            except (BlobDamage, OSError) as damage:
                result.problems.append(Problem("blobs", row.sha256, f"{damage} ({path.name}@{row.offset})"))
    finally:
        for handle in handles.values():
            if handle is not None:
                handle.close()
    result.counts["blobs"] = checked


def _packs(case: Case, result: Verification, on_progress: Progress | None) -> None:
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for row in _blob_rows(case):
        spans.setdefault(row.pack, []).append((row.offset, row.length, row.sha256))
    files = sorted((case.blobs.root / "packs").glob("*.pack"))
    for path in files:
        if not path.stem.isdigit():
            result.problems.append(Problem("packs", path.name, "a file in the packs folder that is not a pack"))
            continue
        size = path.stat().st_size
        at = 0
        for offset, length, sha in sorted(spans.get(int(path.stem), [])):
            if offset > at:
                what = f"bytes {at}-{offset - 1} belong to no blob"
                result.problems.append(Problem("packs", path.name, what))
            elif offset < at:
                what = f"blob {sha[:12]} at {offset} overlaps the one before it (which ends at {at})"
                result.problems.append(Problem("packs", path.name, what))
            at = max(at, offset + length)
        if size > at:
            what = f"{size - at} bytes after its last blob belong to no blob (the torn tail of an interrupted write)"
            result.notes.append(Problem("packs", path.name, what))
    named = {f"{number:06d}.pack" for number in spans}
    for missing in sorted(named - {p.name for p in files}):
        result.problems.append(Problem("packs", missing, "named by blobs but missing from blobs/packs"))
    result.counts["packs"] = len(files)


def _ledger(case: Case, result: Verification, on_progress: Progress | None) -> None:
    i, m, b = schema.items, schema.messages, schema.blobs
    with case.db.engine.connect() as conn:
        messages = set(conn.scalars(select(m.c.id)))
        blobs = set(conn.scalars(select(b.c.sha256)))
        from_items: set[str] = set()
        checked = 0
        for row in conn.execute(select(i.c.locator, i.c.status, i.c.message, i.c.raw_sha256, i.c.reason)):
            checked += 1
            locator, status, message, raw, reason = row
            if status in ("indexed", "duplicate"):
                if message not in messages:
                    result.problems.append(Problem("ledger", locator, f"{status}, but its message {message} is gone"))
                else:
                    from_items.add(message)
                if raw is None or raw not in blobs:
                    result.problems.append(Problem("ledger", locator, f"{status}, but its original bytes are not kept"))
            elif status == "quarantined":
                if not (reason or "").strip():
                    result.problems.append(Problem("ledger", locator, "quarantined without a reason"))
                if raw is not None and raw not in blobs:
                    result.problems.append(Problem("ledger", locator, "quarantined, but its bytes are not kept"))
            else:
                result.problems.append(Problem("ledger", locator, f"an unknown status {status!r}"))
    for message in sorted(messages - from_items):
        result.problems.append(Problem("ledger", message, "a message no input item accounts for"))
    result.counts["items"] = checked
    result.counts["messages"] = len(messages)


def _index(case: Case, result: Verification, on_progress: Progress | None) -> None:
    with case.db.engine.connect() as conn:
        messages = set(conn.scalars(select(schema.messages.c.id)))
    try:
        searcher = case.index.searcher()
    except Exception as exc:  # a damaged index may not even open: that is the finding
        what = f"the full-text index cannot be opened ({type(exc).__name__}: {exc}); loupe rebuild makes it again"
        result.problems.append(Problem("index", "index", what[:500]))
        return
    total = int(searcher.num_docs)
    found = searcher.search(tantivy.Query.all_query(), limit=max(total, 1), count=False)
    indexed: list[str] = [str(searcher.doc(address).get_first("id")) for _score, address in found.hits]
    seen = set(indexed)
    for message in sorted(messages - seen):
        result.problems.append(Problem("index", message, "a message of the case missing from the full-text index"))
    for doc in sorted(seen - messages):
        result.problems.append(Problem("index", doc, "an indexed document that is no message of the case"))
    if len(indexed) != len(seen):
        result.problems.append(Problem("index", "documents", f"{len(indexed) - len(seen)} messages indexed twice"))
    result.counts["indexed"] = len(indexed)
