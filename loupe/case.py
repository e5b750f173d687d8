"""A case: one folder holding the database, the full-text index and the blobs.

my-case/
  case.toml   settings ([ingest] table; see ``loupe.config``)
  case.db     SQLite (WAL), readable in Datasette; or the PostgreSQL database
              (a schema of the newsroom's) that case.toml's [store] names
  index/      Tantivy full-text index
  blobs/      original messages and attachments, zstd, by SHA-256
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import tantivy

from loupe.config import CASE_DB, DB_ENV, Settings, database_url, record_database
from loupe.entities.corrections import KINDS, Corrections, Ident
from loupe.entity_counts import EntityCount, count_entities, entity_terms
from loupe.errors import CaseError, NotFound, QueryError
from loupe.kept import Kept
from loupe.model import LEVEL_ORDER, Address, ParsedMessage
from loupe.people.identities import PEOPLE_RULES
from loupe.search.expand import expand
from loupe.search.facets import Bucket, Timeline, binned, day_counts, facets
from loupe.search.index import FullTextIndex, Hit, check_format
from loupe.search.literal import all_literal, first_match, has_literal, superset
from loupe.search.literal import matches as literal_matches
from loupe.search.paging import format_cursor, newest_page, parse_cursor
from loupe.search.query import And, Lookup, Node, Not, Or, Tag, Term, parse
from loupe.sources.codes import normalise_code
from loupe.store.blobs import BlobStore
from loupe.store.database import CaseDatabase

if TYPE_CHECKING:  # each imported where it is used: a search or a count does not load them
    from loupe.aliases.glossary import Glossary
    from loupe.ingest.attachments import ExtractLimits
    from loupe.meaning.index import PassageIndex

CASE_TOML = """\
# Loupe case settings. Every key is optional; see `loupe ingest --help`.
[ingest]
# workers = 0            # parser processes; 0 = one per core
# batch_size = 2000      # messages per store transaction
# ocr = true             # read pictures and scanned PDF pages with Tesseract
# ocr_languages = "eng+spa"
# ocr_page_seconds = 30  # a page not read by then is given up (and noted)

[sources]
# Informant codes: a two-letter prefix and digits by default (MX1 = MX01).
# patterns = ['[A-Z]{2}\\d{1,4}']
# ordinary = ['MP3', 'CO2']   # never a source when met in a phrase
"""


#: The case's folder of OCR results (``ingest.ocr_cache``).
OCR_CACHE = "ocr"
#: A glossed abbreviation joins its expansion's entity once this many messages gloss it.
GLOSSARY_MERGE_EVIDENCE = 2
#: How many hits' bodies a case keeps for snippets (``Case._body_text``): a few MB.
BODIES_KEPT = 2000
T = TypeVar("T")
#: How many parsed messages a case keeps (``Case.parsed``): one message page's worth, and a few more.
PARSED_KEPT = 32
#: How many facet and timeline answers a case keeps (``Case._remembered``).
ANSWERS_KEPT = 256
#: Facet name -> entity kind.
ENTITY_FACETS = {"places": "place", "organisations": "organisation", "people named": "person"}


@dataclass
class Case:
    root: Path
    settings: Settings
    db: CaseDatabase
    blobs: BlobStore
    _index: FullTextIndex | None = field(default=None, repr=False)
    _glossary_merges: tuple[int, list[tuple[Ident, Ident]]] | None = field(default=None, repr=False)
    _passage_index: PassageIndex | None = field(default=None, repr=False)
    _bodies: Kept[str, str] = field(default_factory=lambda: Kept(BODIES_KEPT), repr=False)
    _attachments: Kept[str, list[tuple[str, str]]] = field(default_factory=lambda: Kept(BODIES_KEPT), repr=False)
    _answers: Kept[tuple[Any, ...], Any] = field(default_factory=lambda: Kept(ANSWERS_KEPT), repr=False)
    _parses: Kept[str, tuple[bool, bool, ParsedMessage]] = field(default_factory=lambda: Kept(PARSED_KEPT), repr=False)

    @property
    def passage_index(self) -> PassageIndex:
        """The meaning vectors' nearest-neighbour index, opened once (memory-mapped) for the case's life."""
        if self._passage_index is None:
            from loupe.meaning.index import PassageIndex  # numpy, usearch: only for meaning search

            self._passage_index = PassageIndex(self.root, self.db.meaning)
        return self._passage_index

    @property
    def index(self) -> FullTextIndex:
        """Opened on first use: commands that only read the database stay fast.

        Raises ``IndexOutdated`` for an index made by an older Loupe (see ``check_index``).
        """
        if self._index is None:
            self._index = FullTextIndex(self.root / "index")
            self._index.tagged = self.db.tagged
            self._index.lookup = self.lookup
            self._index.person_emails = lambda key: self.db.people.emails_of(self.db.people.resolve(key))
            self._index.entity_terms = lambda kinds, value: entity_terms(
                self.entity_corrections(), kinds, value, self.db.entities.keys_written(value, kinds)
            )
        return self._index

    def check_index(self) -> None:
        """Raise ``IndexOutdated`` if the full-text index was made by an older Loupe.

        Cheap: the format an index records is one small file, read without
        opening the index. One from before formats were recorded is opened,
        once, which compares its fields with today's and records the format
        (``loupe.search.index``).
        """
        folder = self.root / "index"
        if folder.exists() and not check_format(folder):
            _ = self.index

    def forget_index(self) -> None:
        """Close the full-text index if it is open (committing what its writer holds); the next use opens
        the folder again: ``loupe rebuild`` moves the old one aside in between."""
        if self._index is not None:
            self._index.close()
            self._index = None

    @classmethod
    def open(cls, root: Path, *, create: bool = False, db_url: str | None = None) -> Case:
        """The case in folder ``root``; its database is the first of ``db_url`` (``--db``), the
        folder's ``[store] database`` (case.toml), ``$LOUPE_DB`` (not for a folder that already
        holds a case.db), the folder's case.db (``config.database_url``). A case made on a
        database named by ``db_url`` or ``$LOUPE_DB`` records it in its case.toml, so the folder
        alone finds it again. ``CaseError`` when the database cannot be reached."""
        if root.exists() and not root.is_dir():
            raise CaseError(str(root), "not a folder")
        settings = Settings.from_toml(root / "case.toml")
        url, origin = database_url(root, db_url, settings, os.environ)
        # a case whose database is on a server keeps its settings, index and blobs in ``root``: its
        # settings file is the sign that the case was made
        here = (root / (CASE_DB if origin == CASE_DB else "case.toml")).exists()
        if not here:
            if not create:
                raise CaseError(str(root), "no case here (run `loupe ingest PATH --case DIR` to create one)")
            root.mkdir(parents=True, exist_ok=True)
            if not (root / "case.toml").exists():  # settings written before the first ingest stay
                (root / "case.toml").write_text(CASE_TOML, "utf-8")
            if origin in ("--db", DB_ENV) and url != f"sqlite:///{root / CASE_DB}":
                record_database(root / "case.toml", url)
                settings = Settings.from_toml(root / "case.toml")
        db = _open_database(root, url, origin)
        if db.people.rules() not in (None, PEOPLE_RULES):
            # filed by older list rules: refiled now (seconds at 1,000,000 messages, once), so
            # no page or command shows kinds the current rules would not give
            from loupe.analysis import refresh_people  # the whole-case step: imported only when needed

            refresh_people(db)
        return cls(root=root, settings=settings, db=db, blobs=BlobStore(root / "blobs", db))

    def extraction(self, read_ocr: bool = True) -> ExtractLimits:
        """Text extraction as the settings ask, OCR results kept in the case's ``ocr/`` folder
        (``ingest.ocr_cache``); ``read_ocr=False`` takes only what is kept there."""
        return self.settings.extraction(self.root / OCR_CACHE, read_ocr)

    def parsed(self, message_id: str, with_headers: bool = False, attachment_text: bool = True) -> ParsedMessage:
        """A stored message re-parsed from its original bytes.

        Bodies live only in the originals; parsing one again shows exactly what
        the evidence says. The last ``PARSED_KEPT`` are kept: a message id is a
        hash of the message, so its parse never changes, and a message page
        asks for it three ways (headers, attachments, HTML) in one request. A
        kept parse with more (headers, attachment text) answers a call for less.
        """
        kept = self._parses.find(message_id)
        if kept is not None and (kept[0] or not with_headers) and (kept[1] or not attachment_text):
            return kept[2]
        if kept is not None:  # parsed with less than asked now: parse once with both
            with_headers, attachment_text = with_headers or kept[0], attachment_text or kept[1]
        parsed = self._parse(message_id, with_headers, attachment_text)
        self._parses.put(message_id, (with_headers, attachment_text, parsed))
        return parsed

    def _parse(self, message_id: str, with_headers: bool, attachment_text: bool) -> ParsedMessage:
        from loupe.ingest.stored import parse_item, stored_kind  # the parsers: not for a count

        raw_sha256, locator, kind = self.db.stored_item(message_id)
        raw = self.blobs.get(raw_sha256)
        return parse_item(
            raw,
            stored_kind(raw, kind),
            locator,
            self.extraction(read_ocr=False),  # what OCR read at ingest, from the case's OCR cache
            with_headers=with_headers,
            attachment_text=attachment_text,
        )

    def search(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        by_date: bool = False,
        literal: bool = False,
        snippets: bool = True,
        expand: bool = False,
        after: str | None = None,
    ) -> tuple[int, list[Hit]]:
        """Run a query; the exact total and one page of hits with snippets.

        ``literal`` takes every term as typed (``--literal``); ``=term`` in
        the query does so for one term. See ``search.literal`` for how.
        Snippets re-parse each hit's original (~0.5 ms a hit); ``snippets=False``
        skips them. ``after``: a hit's cursor, to continue newest first after
        it (``search.paging``); ``offset`` and ``by_date`` are then implied.
        """
        node = self._expanded(_query_node(query, literal), expand)
        key = parse_cursor(after) if after is not None else None
        if has_literal(node):
            ids = self._literal_ids(node, by_date)
            if key is None and not by_date:
                return len(ids), [self._hit(i, node) for i in ids[offset : offset + limit]]
            # newest first: the same order and cursors as any other search, over the exact matches
            exact = tantivy.Query.term_set_query(self.index.schema, "id", ids) if ids else tantivy.Query.empty_query()
            keys = newest_page(self.index.searcher(), self.index.schema, exact, limit, offset, key)[0]
            return len(ids), [replace(self._hit(k[1], node), cursor=format_cursor(k)) for k in keys]
        total, hits = self.index.search(
            node,
            limit=limit,
            offset=offset,
            by_date=by_date,
            body_for=self._body_text if snippets else None,
            attachments_for=self._attachment_texts if snippets else None,
            after=key,
        )
        about = self.db.summaries([hit.id for hit in hits])
        return total, [replace(hit, **about[hit.id]) for hit in hits if hit.id in about]

    def _body_text(self, message_id: str) -> str:
        """A hit's body for its snippet. Kept for the case's life (``BODIES_KEPT`` of them): a message
        id is a hash of the message, so its body never changes, and a warm server (the web) shows
        the same hits again and again (the next page, the same query by a colleague), each a
        re-parse of the original otherwise (about 1.5 ms)."""
        return self._bodies.get(message_id, lambda: self.parsed(message_id, attachment_text=False).search_body)

    def _attachment_texts(self, message_id: str) -> list[tuple[str, str]]:
        """(name, text) of a hit's attachments, for a snippet when the words are not in its body: kept
        like bodies (``BODIES_KEPT``), as reading a PDF's text again takes milliseconds."""
        return self._attachments.get(message_id, partial(self._read_attachment_texts, message_id))

    def _read_attachment_texts(self, message_id: str) -> list[tuple[str, str]]:
        if not self.db.has_attachments(message_id):
            return []  # most hits: no second parse, no text extraction
        parsed = self.parsed(message_id)
        # the snippet says "(in attachment scan.png, read by OCR)": the words are a machine's reading
        return [
            (f"{a.filename or a.mimetype}{', read by OCR' if a.ocr_pages else ''}", a.text)
            for a in parsed.attachments
            if a.text
        ]

    def glossary(self) -> Glossary:
        """The archive's own abbreviations, with their evidence (read from the case)."""
        from loupe.aliases.glossary import Glossary, Pair

        glossary = Glossary()
        for message, abbreviation, expansion, form in self.db.sources.glossary_pairs():
            glossary.add(message, [Pair(abbreviation, expansion, form, 0)])  # type: ignore[arg-type]
        return glossary

    def _expanded(self, node: Node, wanted: bool) -> Node:
        if not wanted:
            return node
        glossary = self.glossary()
        return expand(node, lambda term: glossary.expansions(term) + glossary.abbreviations(term))

    def matching_ids(self, query: str, literal: bool = False, expand: bool = False) -> list[str]:
        """Ids of every message matching a query, with no cap."""
        node = self._expanded(_query_node(query, literal), expand)
        if has_literal(node):
            return self._literal_ids(node, by_date=False)
        return self.index.matching_ids(node)

    def facets(
        self, query: str, size: int = 10, literal: bool = False, expand: bool = False
    ) -> dict[str, list[tuple[str, int]]]:
        """Top senders, recipients, lists, attachment types, sources, tags and entities of a query's hits.

        ``literal`` and ``expand`` as for ``search``, so the counts are of the same hits."""
        node = self._expanded(_query_node(query, literal), expand)
        exact = set(self._literal_ids(node, by_date=False)) if has_literal(node) else None
        prepared = cache(lambda: self._prepared(node, exact))  # only when an answer is not kept
        result = dict(self._remembered(node, ("facets", size), lambda: facets(*prepared(), size)))
        result["tags"] = self._tag_facet(node, exact, size)
        corrections = self.entity_corrections()

        def named(kind: str) -> list[tuple[str, int]]:
            top = count_entities(
                self.index, self.db.entities, node, (kind,), size, compiled=prepared()[1], corrections=corrections
            )
            return [(e.name, e.messages) for e in top]

        for facet, kind in ENTITY_FACETS.items():  # by the name a reporter knows: place:"NAME" finds them
            result[facet] = self._remembered(
                node, ("named", kind, size, corrections.fingerprint()), partial(named, kind)
            )
        return result

    def _index_generation(self) -> tuple[int, int, int] | None:
        """Which commit of the full-text index is current: Tantivy replaces ``meta.json`` (a new file)
        at every commit, so its inode, time and size change together; None without an index."""
        try:
            found = (self.root / "index" / "meta.json").stat()
        except OSError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def _remembered(self, node: Node, key: tuple[Any, ...], work: Callable[[], T]) -> T:
        """``work()``, kept for the same query, ``key`` and commit of the index (``ANSWERS_KEPT`` of them).

        For the counts a search page shows beside its hits (facets, timeline): they cost
        most of the page, and the next page of the same query, or a colleague's, asks
        again. Only for queries the index answers alone: ``tag:``, ``person:``, ``thread:``
        and the other lookups read the database, which changes without a commit of the index.
        """
        generation = self._index_generation()
        if generation is None or not _index_only(node):
            return work()
        found: T = self._answers.get((generation, repr(node), *key), work)
        return found

    def _tag_facet(self, node: Node, exact: set[str] | None, size: int) -> list[tuple[str, int]]:
        """How many of the hits carry each tag: the tags read in one query, and one index search for
        the hits among the tagged messages (a search, or a lookup, per tag made the search page
        slower with every tag a team added)."""
        by_tag: dict[str, set[str]] = {}
        for message, tag in self.db.tag_pairs():
            by_tag.setdefault(tag, set()).add(message)
        if not by_tag:
            return []
        tagged = sorted(set().union(*by_tag.values()))
        hits = exact if exact is not None else set(self.index.matching_ids_among(node, tagged))
        counts = [(tag, len(ids & hits)) for tag, ids in by_tag.items()]
        return sorted((pair for pair in counts if pair[1]), key=lambda pair: (-pair[1], pair[0]))[:size]

    def _prepared(self, node: Node, exact: set[str] | None = None) -> tuple[tantivy.Searcher, tantivy.Query]:
        """A searcher and the query for exactly the messages ``node`` matches (literal terms checked
        against the originals first, then asked of the index as a set of ids: ``exact``, if known)."""
        if not has_literal(node):
            return self.index.prepared(node)
        ids = sorted(exact if exact is not None else self._literal_ids(node, by_date=False))
        searcher = self.index.searcher()
        if not ids:
            return searcher, tantivy.Query.empty_query()
        return searcher, tantivy.Query.term_set_query(self.index.schema, "id", ids)

    def entities(
        self, query: str = "", kinds: tuple[str, ...] = KINDS, limit: int = 50, hidden: bool = False
    ) -> list[EntityCount]:
        """The people, organisations and places the matching messages name most, corrections applied."""
        corrections = self.entity_corrections()
        return count_entities(self.index, self.db.entities, parse(query), kinds, limit, hidden, corrections=corrections)

    def entity_corrections(self) -> Corrections:
        """Users' entity edits over the glossary's merges (an abbreviation glossed in two or more
        messages joins its expansion when both are named as entities). The merges are worked out
        once per state of the glossary: a long-lived process (the web) asks this for every page."""
        pairs = self.db.sources.glossary_pair_count()
        if self._glossary_merges is None or self._glossary_merges[0] != pairs:
            entries = self.glossary().entries(GLOSSARY_MERGE_EVIDENCE)
            merges = self.db.entities.glossary_merges([(e.abbreviation, e.expansion) for e in entries])
            self._glossary_merges = (pairs, merges)
        return self.db.entities.corrections(self._glossary_merges[1])

    def timeline(self, query: str, bucket: Bucket = "month", literal: bool = False, expand: bool = False) -> Timeline:
        """How many matching messages per year, month, week or day."""
        return binned(*self.day_counts(query, literal=literal, expand=expand), bucket)

    def day_counts(
        self, query: str, literal: bool = False, expand: bool = False
    ) -> tuple[list[tuple[datetime, int]], int]:
        """The matches of each day, and of all (``search.facets.day_counts``): ``binned`` makes any timeline of them."""
        node = self._expanded(_query_node(query, literal), expand)
        return self._remembered(node, ("days",), lambda: day_counts(*self._prepared(node)))

    def _literal_ids(self, node: Node, by_date: bool) -> list[str]:
        candidates = self.index.matching_ids(superset(node), by_date=by_date)
        answered: dict[Node, set[str]] = {}

        def in_index(part: Node, message_id: str) -> bool:
            if part not in answered:
                answered[part] = set(self.index.matching_ids(part))
            return message_id in answered[part]

        kept = []
        for message_id in candidates:

            def in_index_here(part: Node, mid: str = message_id) -> bool:
                return in_index(part, mid)

            if literal_matches(node, self._texts(message_id), in_index_here):
                kept.append(message_id)
        return kept

    def _texts(self, message_id: str) -> dict[str, str]:
        parsed = self.parsed(message_id)

        def people(group: tuple[Address, ...]) -> str:
            return " ; ".join(a.display() for a in group)

        return {
            "subject": parsed.subject,
            "body": parsed.search_body,
            "attachments": "\n\n".join(a.text for a in parsed.attachments),
            "attachment_names": " ; ".join(a.filename for a in parsed.attachments),
            "from": people(parsed.senders),
            "to": people(parsed.to + parsed.cc + parsed.bcc),
        }

    def _hit(self, message_id: str, node: Node) -> Hit:
        record = self.db.message(message_id)
        body = self._body_text(message_id)
        span = first_match(node, body)
        if span:
            start, end = span
            before = body[max(0, start - 100) : start]
            snippet = " ".join(f"{before}[[{body[start:end]}]]{body[end : end + 120]}".split())
        else:
            snippet = " ".join(body[:240].split())
        date = datetime.fromisoformat(record["date"]) if record["date"] else None
        sender = f"{record['from_name']} {record['from_email']}".strip()
        return Hit(id=message_id, score=0.0, subject=record["subject"], sender=sender, date=date, snippet=snippet)

    def lookup(self, kind: str, value: str) -> list[str]:
        """The messages a ``thread:``, ``is:`` or ``mention:`` query term stands for."""
        conversations = self.db.conversations
        if kind == "thread":
            try:
                key = self.db.resolve(value)
            except NotFound:
                key = value
            thread = conversations.thread_of(key)
            if thread is None:
                raise NotFound("message or thread", value)
            return conversations.thread_members(thread)
        if kind == "is" and value == "near-duplicate":
            return conversations.near_duplicate_ids()
        if kind == "is" and value == "document":
            return self.db.documents()
        if kind == "type":
            return self.db.documents(value.strip())
        if kind == "mention":  # any level that counts: reports, prose, and bare mentions of an established code
            return self.db.sources.mentions(normalise_code(value.strip()))
        raise QueryError(f"{kind}:{value}", 0, f"{kind}:{value} is not known")

    def person_profile(self, key: str) -> dict[str, Any]:
        """A person's profile (see ``PeopleStore.profile``), their messages found in the index."""
        number = self.db.people.resolve(key)
        emails = self.db.people.emails_of(number)
        sent = self.index.ids_with_addresses(["sender"], emails)
        received = self.index.ids_with_addresses(["recipients"], emails)
        return self.db.people.profile(number, sent, received)

    def source_profile(self, code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A source's profile (``sources.registry.build_profile``) and its reports, their texts
        re-read from the originals (bodies are not stored), each with its message's Message-ID
        and thread (``ConversationStore.identifiers``); ``NotFound`` when no message names it."""
        from loupe.sources.registry import build_profile  # the entity extractor: only for a source's page

        wanted = normalise_code(code.strip().upper())
        reports = self.db.sources.reports(wanted)
        known_as = self.db.conversations.identifiers(r["message"] for r in reports)
        bodies: dict[str, str] = {}
        for r in reports:
            r.update(known_as[r["message"]])  # reports are joined to their messages: every one is known
            if r["code"] is not None and r["message"] not in bodies:
                bodies[r["message"]] = self.parsed(r["message"], attachment_text=False).body_text
            r["text"] = bodies.get(r["message"], "")[r["start"] : r["end"]]
        levels = self.db.sources.named_in(wanted).get(wanted, {})
        messages = sorted({r["message"] for r in reports} | set(levels))
        if not messages:
            raise NotFound("source", wanted)
        alongside = self.db.sources.codes_in(messages)
        alongside.pop(wanted, None)
        profile = build_profile(wanted, reports, alongside)
        profile["messages_mentioning"] = len(messages)
        profile["levels"] = {level: sum(1 for v in levels.values() if v == level) for level in LEVEL_ORDER}
        profile["named_in"] = self._named_in(levels)
        return profile, reports

    def _named_in(self, levels: dict[str, str]) -> list[dict[str, Any]]:
        """The messages naming a source in prose or in a bare mention (its reports are listed
        apart), oldest first, with the level, and what other tools know each message by."""
        weaker = [message for message, level in levels.items() if level != "report"]
        known_as = self.db.conversations.identifiers(weaker)
        about = self.db.conversations.headlines(weaker)
        rows = [
            {
                "message": message,
                **known_as[message],
                "level": levels[message],
                "date": about[message]["date"] or "",
                "subject": about[message]["subject"],
            }
            for message in weaker
        ]
        return sorted(rows, key=lambda r: (r["date"], r["message"]))

    def own_text(self, message_id: str) -> str:
        """What a message's author wrote in it: quoted text, forwarded blocks and signature removed."""
        from loupe.threads.quoting import split_reply  # talon takes ~1 s to import: only when asked

        return split_reply(self.parsed(message_id, attachment_text=False).body_text).new.strip()

    def close(self) -> None:
        self.forget_index()
        self.blobs.close()
        self.db.close()


def _open_database(root: Path, url: str, origin: str) -> CaseDatabase:
    """The case's database, or a ``CaseError`` naming it (password hidden) and why it cannot be opened."""
    from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError

    shown = _PASSWORD.sub(r"\1:***@", url, count=1)  # as typed, but for the password
    try:
        return CaseDatabase(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise CaseError(shown, f"not a database URL Loupe can open (from {origin}): {exc}") from None
    except (OperationalError, InterfaceError) as exc:
        why = " ".join(str(exc.orig).split())
        raise CaseError(shown, f"the database of the case in {root} (from {origin}) cannot be reached: {why}") from None


#: The password of a database URL, as SQLAlchemy reads one: ``scheme://user:password@``.
_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*):[^@]*@")


def _index_only(node: Node) -> bool:
    """Does the full-text index alone answer ``node``? Not with tags and lookups (the database says
    which messages they are) or literal terms (the originals are read)."""
    if isinstance(node, And | Or):
        return all(_index_only(item) for item in node.items)
    if isinstance(node, Not):
        return _index_only(node.item)
    if isinstance(node, Term):
        return not node.literal
    return not isinstance(node, Tag | Lookup)


def _query_node(query: str, literal: bool) -> Node:
    """Parse a query; ``--literal`` makes every plain term literal."""
    node = parse(query)
    return all_literal(node) if literal else node
