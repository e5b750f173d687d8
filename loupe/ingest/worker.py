"""What a parser process does with one raw item: parse, keep originals, slim down.

Runs in worker processes. It compresses originals (the costly part of
keeping them) but never writes the case: the database, the index and the
blob packs have one writer, the pipeline's main process. It returns slim
outcomes (attachment bytes only as compressed blobs).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from loupe.aliases.glossary import Pair, find_pairs
from loupe.entities import Entity, message_entities
from loupe.entities.gazetteer import install as install_gazetteer
from loupe.ingest.archives import sniff_archive
from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.documents import sniff_office
from loupe.ingest.ocr import USAGE
from loupe.ingest.outlook import OutlookError
from loupe.ingest.stored import parse_item
from loupe.meaning.model import DIMENSIONS, ModelMissing, embed, to_codes
from loupe.meaning.passages import own_passages
from loupe.model import PARSER_VERSION, Attachment, BadItem, ItemKind, ParsedMessage, RawItem
from loupe.near_duplicates.signature import signature
from loupe.people.signatures import signature_key
from loupe.sources.codes import DEFAULT_PATTERNS, ORDINARY_TOKENS, CodeMention, find_codes
from loupe.sources.insights import Insight, parse_insights
from loupe.store.compression import BlobCompressor, CompressedBlob
from loupe.threads.forwards import QuotedBlock, find_blocks

if TYPE_CHECKING:
    from loupe.ingest.containers import WalkContext

#: Between a message's locator and its attachment's number, for the members of an attached archive:
#: ``box.mbox@120#att2!report.docx`` is report.docx in the message's second attachment.
ATTACHED_ARCHIVE = "#att"
#: Content keys a parser process remembers in a run (``process_item``'s ``seen``): 64 bytes each,
#: so about 20 MB at most; forgetting them all at the limit costs only some analysis done twice.
SEEN_LIMIT = 200_000
#: Messages attached to messages attached to ... stop being unpacked here;
#: real mail rarely nests more than three deep, a crafted one can nest forever.
MAX_EMBEDDING_DEPTH = 12

T = TypeVar("T")


class SeenKeys(Protocol):
    """Content keys analysed so far in a run: a set, or ``ingest.distributed.SeenBefore`` on a Dask worker."""

    def __contains__(self, key: object, /) -> bool: ...
    def add(self, key: str, /) -> None: ...
    def __len__(self) -> int: ...
    def clear(self) -> None: ...


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
    blobs: list[CompressedBlob] = field(default_factory=list)  # originals to keep
    signature: bytes | None = None  # near-duplicate MinHash of the body, if long enough to judge
    blocks: tuple[QuotedBlock, ...] = ()  # forwarded and quoted blocks naming their author
    signature_key: str | None = None  # the author's personal signature block, as evidence of identity
    codes: tuple[CodeMention, ...] = ()  # informant codes met where the context says "source"
    insights: tuple[Insight, ...] = ()  # insight blocks (reports from coded sources)
    glossary: tuple[Pair, ...] = ()  # abbreviations the text glosses
    entities: tuple[Entity, ...] = ()  # people, organisations and places named, the first mention of each
    passages: tuple[tuple[int, int], ...] = ()  # the author's own passages (``loupe.meaning``), body offsets
    vectors: bytes = b""  # their meaning vectors, int8 rows of 256; empty when meaning is off
    passage_texts: tuple[str, ...] = ()  # the passages read as lines, until ``embed_outcomes`` makes vectors of them
    meaning: bool = False  # whether passages were cut (a message may have none and still be done)
    ocr_pages: int = 0  # pages Tesseract read for this item (its first outcome carries the item's)
    ocr_seconds: float = 0.0


@dataclass(frozen=True)
class TextRules:
    """What workers read out of each text, by the case's settings: informant codes
    as ``[sources]`` in case.toml has them, and named entities unless turned off."""

    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    ordinary: frozenset[str] = ORDINARY_TOKENS
    entities: bool = True
    meaning: bool = True


def process_item(
    item: RawItem | BadItem,
    compressor: BlobCompressor,
    limits: ExtractLimits,
    codes: TextRules = TextRules(),
    unpack: WalkContext | None = None,
    *,
    embed_now: bool = True,
    seen: SeenKeys | None = None,
) -> list[Outcome]:
    """Parse an item and every message embedded in it, compressing originals.

    With ``unpack`` (ingest's walk settings: archive limits and passwords), an archive attached
    to a message is opened too, and its members become items of their own (``_attached_archive``).
    ``embed_now=False`` leaves the meaning vectors to the caller's ``embed_outcomes``, which
    ``process_chunk`` calls once for a whole chunk: one batch costs less than many small ones.
    ``seen``: content keys this run has already analysed here (``SEEN_LIMIT``); a message with one of
    them is a copy the writer records as a duplicate, and its signature, codes, entities and meaning
    (which the writer would drop) are not computed again. Leaks are full of copies: the same mail in
    the sender's and each recipient's mailbox."""
    if isinstance(item, BadItem):
        if not item.data:
            return [Outcome(item.locator, None, None, 0, reason=item.reason)]
        blob = compressor.compress(item.data)
        return [Outcome(item.locator, None, blob.sha256, len(item.data), reason=item.reason, blobs=[blob])]
    outcomes: list[Outcome] = []
    ocr_before = (USAGE.pages, USAGE.seconds)
    queue: list[tuple[RawItem, int]] = [(item, 0)]
    while queue:
        current, depth = queue.pop(0)
        raw = compressor.compress(current.data)

        def failed(reason: str, current: RawItem = current, raw: CompressedBlob = raw) -> Outcome:
            return Outcome(
                current.locator, current.parent_locator, raw.sha256, len(current.data), reason=reason, blobs=[raw]
            )

        try:
            parsed = parse_item(current.data, current.kind, current.locator, limits)
        except OutlookError as exc:
            if current.kind is not ItemKind.MSG or "no message class" not in exc.reason:
                outcomes.append(failed(exc.reason))
                continue
            # OLE2 but no Outlook item: a legacy Office file (.doc, .xls, .ppt), a document of the case
            current = replace(current, kind=ItemKind.DOCUMENT)
            parsed = parse_item(current.data, current.kind, current.locator, limits)
        except ValueError as exc:
            outcomes.append(failed(getattr(exc, "reason", None) or str(exc)))
            continue
        except Exception as exc:  # a parser bug must not stop the batch: quarantine with the cause
            outcomes.append(failed(f"parser failed: {type(exc).__name__}: {exc}"[:300]))
            continue
        blobs = [raw] + [compressor.compress(a.data) for a in parsed.attachments if a.data]
        children = [(data, ItemKind.RFC822) for data in parsed.embedded]
        children += [(data, ItemKind.MSG) for data in parsed.embedded_msg]
        slim = replace(
            parsed,
            attachments=tuple(replace(a, data=b"") for a in parsed.attachments),
            embedded=(),
            embedded_msg=(),
        )
        if seen is not None and parsed.content_key in seen:
            outcomes.append(Outcome(current.locator, current.parent_locator, raw.sha256, len(current.data),
                                    message=slim, blobs=blobs))  # fmt: skip
        else:
            if seen is not None:
                if len(seen) >= SEEN_LIMIT:
                    seen.clear()
                seen.add(parsed.content_key)
            outcomes.append(_analysed(current, raw, slim, parsed, blobs, codes))
        for number, (data, kind) in enumerate(children, start=1):
            child = RawItem(f"{current.locator}#{number}", data, kind, current.locator)
            if depth < MAX_EMBEDDING_DEPTH:
                queue.append((child, depth + 1))
            else:
                reason = f"embedded more than {MAX_EMBEDDING_DEPTH} messages deep; kept as its parent's attachment"
                outcomes.append(failed(reason, child, compressor.compress(data)))
        for position, attachment in enumerate(parsed.attachments if unpack is not None else ()):
            assert unpack is not None
            where = f"{current.locator}{ATTACHED_ARCHIVE}{position + 1}"
            for member in _attached_archive(attachment, where, unpack):
                if isinstance(member, BadItem):  # an encrypted member, a bomb: quarantined, counted, kept
                    kept = compressor.compress(member.data) if member.data else None
                    outcomes.append(
                        Outcome(
                            member.locator,
                            current.locator,
                            kept.sha256 if kept else None,
                            len(member.data),
                            reason=member.reason,
                            blobs=[kept] if kept else [],
                        )
                    )
                elif depth < MAX_EMBEDDING_DEPTH:
                    queue.append((replace(member, parent_locator=current.locator), depth + 1))
    if USAGE.pages > ocr_before[0] and outcomes:  # what OCR this item cost, for the run's figures
        pages, seconds = USAGE.pages - ocr_before[0], USAGE.seconds - ocr_before[1]
        outcomes[0] = replace(outcomes[0], ocr_pages=pages, ocr_seconds=seconds)
    return embed_outcomes(outcomes) if embed_now else outcomes


def _analysed(
    current: RawItem,
    raw: CompressedBlob,
    slim: ParsedMessage,
    parsed: ParsedMessage,
    blobs: list[CompressedBlob],
    codes: TextRules,
) -> Outcome:
    """A parsed message's outcome with everything the workers read out of its text."""
    found_blocks = _guarded(find_blocks, parsed.body_text)  # None when finding them failed
    first_block = found_blocks[0].start if found_blocks else None
    return Outcome(
        current.locator,
        current.parent_locator,
        raw.sha256,
        len(current.data),
        message=slim,
        blobs=blobs,
        signature=_guarded(signature, parsed.body_text),
        blocks=_header_blocks(found_blocks or []),
        signature_key=_guarded(partial(signature_key, own_chars=first_block), parsed.body_text),
        codes=_source_codes(parsed, codes),
        insights=_insights(parsed, codes),
        glossary=tuple(_guarded(find_pairs, parsed.body_text) or ()),
        entities=_entities(parsed) if codes.entities else (),
        **(_meaning(parsed, found_blocks) if codes.meaning else {}),
    )


def _attached_archive(attachment: Attachment, locator: str, unpack: WalkContext) -> Iterator[RawItem | BadItem]:
    """The members of an archive attached to a message (zip, 7z, RAR, tar), read as any archive found
    in the leak is: by content, under the same limits, with the passwords given. A leak's mail often
    carries its documents this way; an Office file is a zip too, but a document, never opened here."""
    from loupe.ingest.containers import HEAD_BYTES, Source, read_source

    head = attachment.data[:HEAD_BYTES]
    if not head or sniff_archive(head) is None or sniff_office(head) is not None:
        return
    yield from read_source(Source(locator, data=attachment.data, depth=1), unpack)


def _meaning(parsed: ParsedMessage, blocks: list[QuotedBlock] | None) -> dict[str, Any]:
    """The author's passages, as ``Outcome`` fields (none when the body cannot be cut); their
    vectors are made by ``embed_outcomes``. ``blocks``: the body's quoted blocks, found already."""
    try:
        passages = own_passages(parsed.body_text, blocks)
    except Exception:  # an extra: a bug in cutting must not lose the message
        return {"meaning": True}
    return {
        "passages": tuple((p.start, p.end) for p in passages),
        "passage_texts": tuple(p.text for p in passages),
        "meaning": True,
    }


def embed_outcomes(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes with their passages' int8 meaning vectors made, in one batch for all of them."""
    texts = [text for outcome in outcomes for text in outcome.passage_texts]
    if not texts:
        return outcomes
    try:
        rows = to_codes(embed(texts))
    except ModelMissing:
        raise  # an installation fault stops the ingest with its reason; it is not a message's
    except Exception:  # an extra: a fault in embedding must not lose the messages
        rows = None
    done, at = [], 0
    for outcome in outcomes:
        count = len(outcome.passage_texts)
        if not count:
            done.append(outcome)
            continue
        if rows is None:
            done.append(replace(outcome, passages=(), passage_texts=()))
        else:
            vectors = rows[at : at + count].tobytes()
            assert len(vectors) == count * DIMENSIONS
            done.append(replace(outcome, vectors=vectors, passage_texts=()))
        at += count
    return done


def _source_codes(parsed: ParsedMessage, codes: TextRules) -> tuple[CodeMention, ...]:
    found = _guarded(
        lambda body: find_codes(parsed.subject, body, codes.patterns, codes.ordinary, bare=True), parsed.body_text
    )
    return tuple(found or ())


def _insights(parsed: ParsedMessage, codes: TextRules) -> tuple[Insight, ...]:
    found = _guarded(lambda body: parse_insights(parsed.subject, body, parsed.date, codes.patterns), parsed.body_text)
    return tuple(replace(i, text="") for i in found or ())  # the text stays in the original: start and end say where


def _entities(parsed: ParsedMessage) -> tuple[Entity, ...]:
    """The first mention of each entity in the subject and body (the subject's offsets come first)."""
    found: dict[tuple[str, str], Entity] = {}
    for entity in _guarded(lambda body: message_entities(parsed.subject, body), parsed.body_text) or ():
        found.setdefault((entity.kind, entity.normalised), entity)
    return tuple(found.values())


def _header_blocks(blocks: list[QuotedBlock]) -> tuple[QuotedBlock, ...]:
    """The blocks the case keeps (those with their own header lines and an author),
    without their text, and with their date read here rather than by the single writer."""
    kept = tuple(
        replace(b, text="", subject="") for b in blocks if b.kind == "forward" and (b.author_address or b.author_name)
    )
    for block in kept:
        _ = block.date  # cached on the block, so it travels with it
    return kept


def _guarded(step: Callable[[str], T], body: str) -> T | None:
    """Signatures and quoted blocks are extras: a bug there must not lose the message."""
    try:
        return step(body)
    except Exception:
        return None


_COMPRESSORS: dict[bytes | None, BlobCompressor] = {}


def _compressor(dictionary: bytes | None) -> BlobCompressor:
    """One per process and dictionary: building one costs more than an email."""
    if dictionary not in _COMPRESSORS:
        _COMPRESSORS[dictionary] = BlobCompressor(dictionary)
    return _COMPRESSORS[dictionary]


#: What this parser process has analysed in its run (set by ``start_worker``: a pool lives one run).
_RUN_SEEN: set[str] | None = None


def start_worker(gazetteer: bytes | None) -> None:
    """A parser process's initialiser: the gazetteer built once for the run (``pickled_gazetteer``)
    installed, then every object alive so far set aside from cyclic garbage collection.

    The gazetteer's tables and the imported modules are hundreds of thousands
    of objects that live as long as the process; a full collection walked them
    all, and with the tables in the process a sixth of the run's collections'
    time was spent so (``bench/ingest_profile.py``'s garbage-collection line).
    """
    global _RUN_SEEN
    install_gazetteer(gazetteer)
    _RUN_SEEN = set()
    gc.freeze()


def process_chunk(
    chunk: list[RawItem | BadItem],
    dictionary: bytes | None,
    limits: ExtractLimits,
    codes: TextRules,
    unpack: WalkContext | None = None,
    seen: SeenKeys | None = None,
) -> list[list[Outcome]]:
    """Many items per inter-process round trip: pickling dominates for small mail.

    ``seen``: the run's content keys analysed so far (``process_item``); in a parser process
    started by ``start_worker``, its own."""
    compressor = _compressor(dictionary)
    seen = seen if seen is not None else _RUN_SEEN
    per_item = [process_item(item, compressor, limits, codes, unpack, embed_now=False, seen=seen) for item in chunk]
    embedded = iter(embed_outcomes([outcome for outcomes in per_item for outcome in outcomes]))
    return [[next(embedded) for _ in outcomes] for outcomes in per_item]
