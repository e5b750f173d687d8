"""Ingest: walk inputs, parse in parallel, write the store and index in batches.

Shape of a run:

    walk (main process, streaming)  ->  parse (worker processes, in chunks)
        ->  batch: index upsert + commit, then one database transaction

Resumable and idempotent: the ``items`` table is the ledger. Items whose
locator is already there are skipped; a batch lands in the database only
after its index documents are committed, and index writes are upserts, so a
run killed at any point and run again ends in the state of one clean run.

Memory stays bounded: at most ``2 * workers + 2`` chunks are in flight, and
containers are streamed (an mbox is never read whole).
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from loupe.analysis import AnalysisSummary, refresh
from loupe.case import Case
from loupe.entities.corrections import INDEX_FIELDS
from loupe.entities.gazetteer import pickled_gazetteer
from loupe.ingest.containers import Item, WalkContext, walk
from loupe.ingest.worker import ATTACHED_ARCHIVE, Outcome, TextRules, process_chunk, start_worker
from loupe.lock import writing
from loupe.meaning.build import MeaningProgress
from loupe.meaning.build import refresh as refresh_meaning
from loupe.meaning.model import DIMENSIONS
from loupe.model import MEMBER_SEP, Address, ParsedMessage, RawItem
from loupe.sources.codes import ORDINARY_TOKENS
from loupe.store.compression import DICTIONARY_SAMPLES, BlobCompressor, train_dictionary

#: Dictionary samples are cut here: headers and openings are what repeat.
SAMPLE_BYTES = 16 * 1024

#: Items sent to a worker at once: enough to amortise pickling, few enough
#: that the progress bar moves smoothly.
CHUNK_ITEMS = 64
#: ... and their bytes at most (one larger item goes alone). Mail of a few KB
#: fills the 64 items first; mail with pictures to OCR costs seconds an item,
#: and 64 of them in one chunk kept one worker busy while the other waited
#: (60 image mails: 89 s on 2 cores, 84 s of it OCR; ``bench/ocr_bench.py``).
CHUNK_BYTES = 512 * 1024


@dataclass
class RunSummary:
    """Counts of one ingest run (the case's totals are ``loupe status``)."""

    run: int = 0
    seen: int = 0  # input items found, including those already in the case
    embedded: int = 0  # messages found attached to other messages
    skipped: int = 0  # already in the case from an earlier run
    indexed: int = 0  # mail messages
    documents: int = 0  # files that are not mail, indexed as documents
    duplicate: int = 0
    quarantined: int = 0
    bytes: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # first few quarantine lines
    ocr_pages: int = 0  # pages Tesseract read in this run (one kept in the case's OCR cache is not read again)
    ocr_seconds: float = 0.0  # the time it took, added up over the workers
    analysis: AnalysisSummary | None = None  # threads, near duplicates, people after the run
    phase: str = ""  # set while a whole-case step runs after reading, for the progress display

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "seen": self.seen,
            "embedded": self.embedded,
            "skipped": self.skipped,
            "indexed": self.indexed,
            "documents": self.documents,
            "duplicate": self.duplicate,
            "quarantined": self.quarantined,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "ocr_pages": self.ocr_pages,
            "ocr_seconds": round(self.ocr_seconds, 3),
            **({"analysis": asdict(self.analysis)} if self.analysis else {}),
        }


ProgressCallback = Callable[[RunSummary, int], None]


def message_key(parsed: ParsedMessage) -> str:
    """Loupe's stable id for a message: the head of its content hash."""
    return parsed.content_key[:20]


def ingest(
    case: Case,
    paths: list[Path],
    on_progress: ProgressCallback | None = None,
    workers: int | None = None,
    passwords: tuple[str, ...] = (),
    scheduler: str | None = None,
) -> RunSummary:
    """Add ``paths`` to the case; ``passwords`` are tried on encrypted archives and never stored.

    ``scheduler`` (``tcp://HOST:8786``, or ``[ingest] scheduler`` in case.toml): parse on that
    Dask cluster's workers (``ingest.distributed``) instead of this machine's processes.

    What is alive when the run starts (modules, the case's handles) lives
    through it: it is set aside from cyclic garbage collection for the run
    (``gc.freeze``), so that the run's many full collections do not walk it
    again each time (``start_worker`` does the same in parser processes)."""
    scheduler = scheduler if scheduler is not None else case.settings.scheduler
    gc.freeze()
    try:
        with writing(case.root, "ingest", case.db.engine):
            if not scheduler:
                return _ingest(case, paths, on_progress, workers, passwords)
            from loupe.ingest import distributed

            client = distributed.connect(scheduler)
            try:
                return _ingest(case, paths, on_progress, workers, passwords, (client, scheduler))
            finally:
                client.close()
    finally:
        gc.unfreeze()


def _ingest(
    case: Case,
    paths: list[Path],
    on_progress: ProgressCallback | None,
    workers: int | None,
    passwords: tuple[str, ...] = (),
    cluster: tuple[Any, str] | None = None,
) -> RunSummary:
    """The run; ``cluster``: a Dask client and its scheduler's address, when workers there parse."""
    settings = replace(case.settings, extract_limits=case.extraction())  # with OCR, as the case asks
    workers = workers if workers is not None else settings.effective_workers()
    summary = RunSummary(run=case.db.start_run([str(p) for p in paths]))
    started = time.monotonic()
    known = case.db.known_locators()
    ctx = WalkContext(settings.archive_limits, settings.max_message_bytes, passwords)
    # with passwords, what an earlier run quarantined as encrypted is read again: its row is
    # replaced by what it is now (``write_batch(replacing=...)``), never counted twice
    retry = case.db.encrypted_items() if passwords else set()
    # an encrypted archive attached to a message is opened again by reading its message again;
    # of what that gives, only the items once encrypted are new (the rest was written before)
    reopen = {r[: r.rindex(ATTACHED_ARCHIVE)] for r in retry if ATTACHED_ARCHIVE in r}
    written_before = set(known) if reopen else set()
    known -= retry | reopen

    walked_again: set[str] = set()  # of ``retry``: what the walk gave again
    inputs = [p.resolve() for p in paths]
    walked_files = {  # the files of ``retry`` (their locators' first part) that this run's inputs hold
        f for f in {r.split(MEMBER_SEP, 1)[0] for r in retry} if any(Path(f).is_relative_to(p) for p in inputs)
    }

    def counted_as_new(locator: str, size: int) -> bool:
        """Count an item the walk found; whether it is new to the case (else it is skipped)."""
        summary.seen += 1
        if locator in retry:
            walked_again.add(locator)
        if locator in known:
            summary.skipped += 1
            summary.bytes += size
            return False
        return True

    def fresh_items() -> Iterator[Item]:
        for item in walk(paths, ctx):
            if counted_as_new(item.locator, len(item.data)):
                yield item

    writer = _BatchWriter(case, summary, retry)

    def take(outcomes: list[Outcome]) -> None:
        """One input item's outcomes (the item, then what it held) to the writer."""
        if retry:
            walked_again.update(o.locator for o in outcomes if o.locator in retry)
        if reopen:
            outcomes = [o for o in outcomes if o.locator in retry or o.locator not in written_before]
            if not outcomes:
                return
        summary.embedded += len(outcomes) - 1
        summary.ocr_pages += sum(o.ocr_pages for o in outcomes)
        summary.ocr_seconds += sum(o.ocr_seconds for o in outcomes)
        for outcome in outcomes:
            writer.add(outcome)
        summary.bytes += outcomes[0].size if outcomes else 0
        if writer.pending >= settings.batch_size:
            writer.flush()
        if on_progress is not None:
            on_progress(summary, len(outcomes))

    map_bands = None
    if cluster is not None:
        from loupe.ingest import distributed

        map_bands = distributed.band_mapper(*cluster)  # the near-duplicate step's costly part, on the cluster
        for result in _cluster_results(cluster, case, paths, settings, ctx, known):
            # a worker parses only what the case does not have (it was sent ``known``)
            if counted_as_new(result.locator, result.size):
                assert result.outcomes is not None
                take(result.outcomes)
            elif on_progress is not None and summary.skipped % distributed.TASK_ITEMS == 0:
                on_progress(summary, 0)
    else:
        items = fresh_items()
        if not case.blobs.has_dictionary_decision():
            items = _train_dictionary(case, items)
        for outcomes in _parse_all(items, case.blobs.dictionary(), settings, workers, ctx):
            take(outcomes)
    writer.flush()
    if retry:  # what the passwords opened: an archive is now its members; an empty member says so
        case.db.settle_retried(retry - walked_again, walked_files)
    case.index.close()  # frees the index writer's memory before the whole-case step
    case.blobs.close()
    known.clear()
    if summary.indexed or summary.documents or not case.db.conversations.up_to_date():
        summary.phase = "linking threads, near duplicates and people"
        if on_progress is not None:
            on_progress(summary, 0)
        # redoes what this run's mail reaches
        summary.analysis = refresh(case.db, through=summary.run, map_bands=map_bands)
        summary.phase = ""
    if settings.meaning:
        summary.phase = "meaning: embedding and indexing passages"
        if on_progress is not None:
            on_progress(summary, 0)
        refresh_meaning(case, _meaning_progress(summary, on_progress))
        summary.phase = ""
    if summary.indexed or summary.documents or summary.duplicate or summary.quarantined:
        case.db.compact()
    summary.seconds = time.monotonic() - started
    case.db.finish_run(summary.run, summary.as_dict())
    return summary


def _cluster_results(
    cluster: tuple[Any, str], case: Case, paths: list[Path], settings: Any, ctx: WalkContext, known: set[str]
) -> Iterator[Any]:
    """Every item of the walk as Dask workers made it, in the walk's order (``ingest.distributed``)."""
    from loupe.ingest import distributed

    client, scheduler = cluster
    if not case.blobs.has_dictionary_decision():
        samples = distributed.dictionary_samples(paths, ctx, known, DICTIONARY_SAMPLES)
        case.blobs.save_dictionary(train_dictionary(_samples(samples)))
    codes = _text_rules(settings)
    setup = distributed.RunSetup(
        run=f"{case.root.resolve()}#{case.db.engine.url.render_as_string(hide_password=True)}#{time.time_ns()}",
        dictionary=case.blobs.dictionary(),
        limits=settings.extract_limits,
        codes=codes,
        walk=ctx,
        gazetteer=pickled_gazetteer() if codes.entities else None,
    )
    yield from distributed.results(client, scheduler, paths, setup, known)


def _meaning_progress(summary: RunSummary, on_progress: ProgressCallback | None) -> MeaningProgress | None:
    """The meaning phase's steps shown in the ingest bar's phase text."""
    if on_progress is None:
        return None

    def show(done: int, total: int, what: str) -> None:
        summary.phase = f"meaning: {what} {done:,}/{total:,}"
        on_progress(summary, 0)

    return show


def _train_dictionary(case: Case, items: Iterator[Item]) -> Iterator[Item]:
    """Train the case's compression dictionary on its first messages.

    The first items are held back (a bounded number), learned from, then
    handed on unchanged: nothing is read twice.
    """
    held = list(islice(items, DICTIONARY_SAMPLES))
    case.blobs.save_dictionary(train_dictionary(_samples(held)))
    return chain(held, items)


def _samples(items: list[Item]) -> list[bytes]:
    """What the dictionary learns from: the first bytes of each message (headers and openings repeat)."""
    return [item.data[:SAMPLE_BYTES] for item in items if isinstance(item, RawItem)]


def _text_rules(settings: Any) -> TextRules:
    """What workers read out of each text, by the case's settings."""
    return TextRules(
        settings.source_patterns, ORDINARY_TOKENS | set(settings.source_ordinary), settings.entities, settings.meaning
    )


def _chunks(items: Iterator[Item]) -> Iterator[list[Item]]:
    """The items in chunks of at most ``CHUNK_ITEMS`` and ``CHUNK_BYTES``, streamed."""
    chunk: list[Item] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item.data)
        if len(chunk) >= CHUNK_ITEMS or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _parse_all(
    items: Iterator[Item], dictionary: bytes | None, settings: Any, workers: int, unpack: WalkContext | None = None
) -> Iterator[list[Outcome]]:
    """Outcomes in input order, parsed in-process or by a bounded process pool (``unpack``: how
    archives attached to messages are opened, ``worker.process_item``)."""
    limits = settings.extract_limits
    codes = _text_rules(settings)
    if workers <= 1:
        seen: set[str] = set()  # this run's, as each parser process keeps its own
        for chunk in _chunks(items):
            yield from process_chunk(chunk, dictionary, limits, codes, unpack, seen)
        return
    # spawn, not fork: the main process holds index and database handles
    # (and Tantivy threads) that a forked child must not inherit.
    # workers read names with a gazetteer built once, in a child process (see ``pickled_gazetteer``)
    gazetteer = pickled_gazetteer() if codes.entities else None
    context = get_context("spawn")
    with ProcessPoolExecutor(workers, context, initializer=start_worker, initargs=(gazetteer,)) as pool:
        in_flight: deque[Future[list[list[Outcome]]]] = deque()
        for chunk in _chunks(items):
            in_flight.append(pool.submit(process_chunk, chunk, dictionary, limits, codes, unpack))
            while len(in_flight) > 2 * workers + 2:
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()


class _BatchWriter:
    """Accumulates outcomes and writes them as one index commit + one transaction."""

    def __init__(self, case: Case, summary: RunSummary, replacing: set[str] | None = None) -> None:
        self.case = case
        self.summary = summary
        self.replacing = replacing or set()  # locators whose earlier row this run's outcome replaces
        self.outcomes: list[Outcome] = []
        self._dict_id: int | None = None

    @property
    def dict_id(self) -> int:
        """The compression dictionary's id, read at the first write: the dictionary is decided on
        the run's first items (``_train_dictionary``, or on a cluster ``_cluster_results``), which
        may happen after the writer is made, and always before any outcome reaches it."""
        if self._dict_id is None:
            self._dict_id = BlobCompressor(self.case.blobs.dictionary()).dict_id
        return self._dict_id

    @property
    def pending(self) -> int:
        return len(self.outcomes)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def flush(self) -> None:
        if not self.outcomes:
            return
        outcomes, self.outcomes = self.outcomes, []
        existing = self.case.db.existing_messages(message_key(o.message) for o in outcomes if o.message is not None)
        by_locator: dict[str, str] = {}  # item locator -> message id, for linking children
        items, messages, addresses, attachments, docs = [], [], [], [], []
        extra: TableRows = {table: [] for table in DERIVED_TABLES}
        for outcome in outcomes:
            row = {
                "locator": outcome.locator,
                "raw_sha256": outcome.raw_sha256,
                "size": outcome.size,
                "parent_locator": outcome.parent_locator,
                "parser_version": outcome.parser_version,
                "run": self.summary.run,
                "reason": None,
                "message": None,
            }
            parsed = outcome.message
            if parsed is None:
                row.update(status="quarantined", reason=outcome.reason)
                self.summary.quarantined += 1
                if len(self.summary.problems) < 20:
                    self.summary.problems.append(f"{outcome.locator}: {outcome.reason}")
                items.append(row)
                continue
            mid = message_key(parsed)
            if mid in existing:
                row.update(status="duplicate", message=mid)
                self.summary.duplicate += 1
            else:
                existing.add(mid)
                parent = by_locator.get(outcome.parent_locator or "") if outcome.parent_locator else None
                if outcome.parent_locator and parent is None:
                    parent = self.case.db.message_for_locator(outcome.parent_locator)
                messages.append(_message_row(mid, parsed, outcome, parent))
                addresses.extend(_address_rows(mid, parsed))
                attachments.extend(_attachment_rows(mid, parsed))
                docs.append(_index_doc(mid, parsed, outcome))
                _conversation_rows(mid, parsed, outcome, extra)
                row.update(status="indexed", message=mid)
                if parsed.kind == "document":
                    self.summary.documents += 1
                else:
                    self.summary.indexed += 1
            by_locator[outcome.locator] = mid
            items.append(row)
        blob_rows = self._store_blobs(outcomes)
        if docs:
            self.case.index.upsert(docs, self.case.settings.index_heap_bytes)
            self.case.index.commit()
        replaced = {str(row["locator"]) for row in items} & self.replacing
        self.case.db.write_batch(items, messages, addresses, attachments, blob_rows, extra, replacing=replaced)

    def _store_blobs(self, outcomes: list[Outcome]) -> list[dict[str, object]]:
        """Append the batch's new originals to the pack and make them durable."""
        fresh: dict[str, Any] = {}
        for outcome in outcomes:
            for blob in outcome.blobs:
                fresh.setdefault(blob.sha256, blob)
        missing = self.case.blobs.missing(fresh)
        rows = self.case.blobs.append((fresh[sha] for sha in fresh if sha in missing), self.dict_id)
        self.case.blobs.sync()
        return rows


def _message_row(mid: str, parsed: ParsedMessage, outcome: Outcome, parent: str | None) -> dict[str, Any]:
    sender = parsed.senders[0] if parsed.senders else None
    return {
        "id": mid,
        "message_id": parsed.message_id,
        "message_id_derived": parsed.message_id_derived,
        "subject": parsed.subject,
        "from_name": sender.name if sender else "",
        "from_email": (sender.email or sender.raw) if sender else "",
        "date": parsed.date.isoformat() if parsed.date else None,
        # a readable date is fully in `date` and in the original; an unreadable
        # one is kept here so a reporter can see what was written
        "date_raw": parsed.date_raw if parsed.date_flag.value != "ok" else "",
        "date_flag": parsed.date_flag.value,
        "in_reply_to": " ".join(parsed.in_reply_to),
        "references": " ".join(parsed.references),
        # the list's id (analysts.example.org), as facets and list: use it;
        # its display name stays in the original
        "list_id": _list_key(parsed.list_id),
        "body_source": parsed.body_source,
        "kind": parsed.kind,
        "doc_type": parsed.doc_type,
        "attachment_count": len(parsed.attachments),
        "size": outcome.size,
        "parent": parent,
        "defects": " ".join(parsed.defects),
        "parser_version": outcome.parser_version,
    }


#: The tables whose rows ``derived_rows`` makes: what ``loupe rebuild`` empties and fills again.
DERIVED_TABLES = (
    "thread_indexes",
    "near_signatures",
    "quoted_blocks",
    "signature_keys",
    "insights",
    "code_mentions",
    "glossary_pairs",
    "entity_names",
    "passages",
    "meaning_messages",
)


#: Rows to insert, by table name.
TableRows = dict[str, list[dict[str, Any]]]


def derived_rows(mid: str, parsed: ParsedMessage, outcome: Outcome) -> tuple[dict[str, Any], TableRows]:
    """A message's full-text document and its rows in ``DERIVED_TABLES``, as ingest writes them."""
    extra: TableRows = {table: [] for table in DERIVED_TABLES}
    _conversation_rows(mid, parsed, outcome, extra)
    return _index_doc(mid, parsed, outcome), extra


def _vector_rows(vectors: bytes) -> list[bytes]:
    """The worker's int8 matrix as one 256-byte row a passage."""
    return [vectors[i : i + DIMENSIONS] for i in range(0, len(vectors), DIMENSIONS)]


def _conversation_rows(
    mid: str, parsed: ParsedMessage, outcome: Outcome, extra: dict[str, list[dict[str, Any]]]
) -> None:
    """What the workers prepared for threads, near duplicates and forwarded authors."""
    if parsed.thread_index:
        extra["thread_indexes"].append({"message": mid, "thread_index": parsed.thread_index})
    if outcome.signature is not None:
        extra["near_signatures"].append({"message": mid, "minhash": outcome.signature})
    if outcome.signature_key is not None:
        extra["signature_keys"].append({"message": mid, "key": outcome.signature_key})
    if outcome.meaning:
        extra["meaning_messages"].append({"message": mid, "passages": len(outcome.passages)})
        for (start, end), row in zip(outcome.passages, _vector_rows(outcome.vectors), strict=True):
            extra["passages"].append({"message": mid, "start": start, "end": end, "vector": row})
    for code, where in sorted({(m.code, m.where) for m in outcome.codes}):
        extra["code_mentions"].append({"message": mid, "code": code, "where": where})
    for entity in outcome.entities:
        extra["entity_names"].append({"kind": entity.kind, "key": entity.normalised, "name": entity.name})
    for position, pair in enumerate(outcome.glossary):
        extra["glossary_pairs"].append(
            {
                "message": mid,
                "position": position,
                "abbreviation": pair.abbreviation,
                "expansion": pair.expansion,
                "form": pair.form,
            }
        )
    for position, insight in enumerate(outcome.insights):
        extra["insights"].append(
            {
                "message": mid,
                "position": position,
                "code": insight.code,
                "written_code": insight.written_code,
                "variant": insight.variant,
                "fields": json.dumps(insight.fields, ensure_ascii=False),
                "reliability": insight.reliability,
                "credibility": insight.credibility,
                "credibility_scale": insight.credibility_scale,
                "flags": " ".join(insight.flags),
                "start": insight.start,
                "end": insight.end,
            }
        )
    for position, block in enumerate(outcome.blocks):  # header blocks only: see worker._header_blocks
        extra["quoted_blocks"].append(
            {
                "message": mid,
                "position": position,
                "depth": block.depth,
                "author_name": block.author_name,
                "author_email": block.author_address.lower(),
                "date": block.date.isoformat() if block.date else None,
                "date_text": "" if block.date else block.date_text,
            }
        )


def _address_rows(mid: str, parsed: ParsedMessage) -> list[tuple[str, str, int, Address]]:
    groups = (
        ("from", parsed.senders),
        ("to", parsed.to),
        ("cc", parsed.cc),
        ("bcc", parsed.bcc),
        ("reply-to", parsed.reply_to),
    )
    return [(mid, role, position, address) for role, group in groups for position, address in enumerate(group)]


def _attachment_rows(mid: str, parsed: ParsedMessage) -> list[dict[str, Any]]:
    return [
        {
            "message": mid,
            "position": position,
            "filename": a.filename,
            "mimetype": a.mimetype,
            "size": a.size,
            "sha256": a.sha256,
            "inline": a.inline,
            "text_chars": len(a.text),
            "text_error": a.text_error,
            "ocr_pages": a.ocr_pages,
        }
        for position, a in enumerate(parsed.attachments)
    ]


def _people_text(group: tuple[Any, ...]) -> str:
    """What the index reads of a group of addresses (``from:``, ``to:``): each one's name, address and raw form."""
    return " ; ".join(f"{a.name} {a.email} {a.raw}".strip() for a in group)


def default_field_texts(parsed: ParsedMessage) -> dict[str, str]:
    """The text of the fields a bare word searches (``search.query.DEFAULT_FIELDS``), as the index reads it."""
    return {
        "subject": parsed.subject,
        "from": _people_text(parsed.senders),
        "to": _people_text(parsed.to + parsed.cc + parsed.bcc),
        "body": parsed.search_body,  # with the words only an HTML version has
        "attachments": "\n\n".join(a.text for a in parsed.attachments if a.text),
        "attachment_names": " ; ".join(a.filename for a in parsed.attachments if a.filename),
    }


def _list_key(list_id: str) -> str:
    """``"Analysts" <analysts.meridian.example>`` -> ``analysts.meridian.example``."""
    inside = re.search(r"<([^<>]+)>", list_id)
    return (inside.group(1) if inside else list_id).strip().lower()


def _index_doc(mid: str, parsed: ParsedMessage, outcome: Outcome) -> dict[str, Any]:
    real_attachments = [a for a in parsed.attachments if a.filename or not a.inline]
    return {
        "id": mid,
        "message_id": parsed.message_id,
        **default_field_texts(parsed),
        "list": parsed.list_id,
        "date": parsed.date if parsed.date is not None and parsed.date_flag.value == "ok" else None,
        "path": outcome.locator,
        "size": outcome.size,
        "has": ["attachment"] if real_attachments else [],
        "mimetypes": sorted({a.mimetype.lower() for a in parsed.attachments}),
        "sender": sorted({a.email for a in parsed.senders if a.email}),
        "recipients": sorted({a.email for a in parsed.to + parsed.cc + parsed.bcc if a.email}),
        "list_id": _list_key(parsed.list_id),
        # source: finds reports and prose; a bare mention counts only once the case established its
        # code, which one message cannot know, so mention: asks the database (Case.lookup)
        "sources": sorted(
            {m.code for m in outcome.codes if m.where != "mention"} | {i.code for i in outcome.insights if i.code}
        ),
        **{field: sorted({e.normalised for e in outcome.entities if e.kind == k}) for k, field in INDEX_FIELDS.items()},
    }
