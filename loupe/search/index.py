"""The Tantivy full-text index: its schema, writing documents, running queries.

Text fields use the ``fold`` analyzer (lower-case and ASCII-folded, so
Juárez = juarez = JUAREZ). Only the id is stored in the index: body text
is not, because storing it made the index a third of the size of the mail;
snippets are cut from the body re-parsed from the original (``body_for``),
which for one page of hits costs a few milliseconds.

Writes are upserts (delete by ``id``, then add): after an interrupted ingest
the same message may be written again, and must not appear twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy

from loupe.errors import CaseError, IndexOutdated
from loupe.search.paging import Key, format_cursor, newest_page
from loupe.search.query import (
    DEFAULT_FIELDS,
    ENTITY_LOOKUPS,
    FIELDS,
    And,
    DateRange,
    Has,
    Lookup,
    MatchAll,
    Node,
    Not,
    Or,
    SizeRange,
    Tag,
    Term,
)
from loupe.sources.codes import normalise_code

FOLD = "fold"
#: What this Loupe writes into an index, recorded beside it in ``FORMAT_FILE``.
#: Bump it whenever the fields (``build_schema``) or the analysis of their
#: text (``prepare``, ``_analyzer``, a field's tokenizer) change: other fields
#: make Tantivy refuse to open the index, but other analysis opens fine and
#: silently misses matches (an index folded one way, queries another). A
#: case whose index records an older format is rebuilt from its originals
#: (``loupe.commands.common.open_case``); ``tests/test_rebuild.py`` holds the analysis each
#: format stands for, and fails when it changes without a bump.
INDEX_FORMAT = 1
#: One line, the format number, inside the index folder (Tantivy leaves files
#: it did not write alone). An index without one was made before formats were
#: recorded: it counts as current if Tantivy opens it with today's fields.
FORMAT_FILE = "loupe-index-format"
TEXT_FIELDS = ("subject", "from", "to", "body", "attachments", "attachment_names", "list", "path")
#: Exact-value fields (raw tokenizer, lower-cased at both ends), fast for facets.
KEYWORD_FIELDS = (
    "mimetypes", "has", "sender", "recipients", "list_id", "sources", "named_people", "organisations", "places",
)  # fmt: skip
SNIPPET_CHARS = 240


#: Scripts written without spaces between words.
CJK = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f])")


def prepare(text: str) -> str:
    """What the analyzer sees, at index and at query time alike.

    NFKC folds Unicode compatibility forms (fullwidth ＵＳ７１４, ligatures,
    superscripts) into their plain letters. Chinese, Japanese and Korean are
    written without spaces, so each of their characters becomes a token of
    its own; a query word in those scripts then becomes a phrase of single
    characters, which finds it inside longer runs (日本語 in 日本語メール).
    """
    return CJK.sub(r" \1 ", unicodedata.normalize("NFKC", text))


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(80))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("message_id", stored=False, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=FOLD)
    for name in KEYWORD_FIELDS:
        # one whole value per term: document ids are all a query needs
        builder.add_text_field(name, stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    # only the id is stored: a hit's subject, sender and date come from the
    # database in one query per page (storing them was 8% of the index)
    builder.add_date_field("date", stored=False, indexed=True, fast=True)
    builder.add_unsigned_field("size", stored=False, indexed=True, fast=True)
    return builder.build()


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    subject: str
    sender: str
    date: datetime | None
    snippet: str
    cursor: str = ""  # newest-first order only: continue after this hit (``search.paging``)


def recorded_format(path: Path) -> int | None:
    """The index format the folder ``path`` records; None when it records none (or nothing readable)."""
    try:
        return int((path / FORMAT_FILE).read_text("ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def check_format(path: Path) -> bool:
    """Whether the index at ``path`` records today's format; False when it records none.

    Raises ``IndexOutdated`` when it records an older one, and ``CaseError``
    when a newer one: an older Loupe cannot know what a newer one changed.
    """
    found = recorded_format(path)
    if found is None:
        return False
    if found < INDEX_FORMAT:
        raise IndexOutdated(str(path), found, INDEX_FORMAT)
    if found > INDEX_FORMAT:
        raise CaseError(
            str(path), f"this index was made by a newer Loupe (index format {found}; this one reads {INDEX_FORMAT})"
        )
    return True


def _record_format(path: Path) -> None:
    """Write ``FORMAT_FILE`` whole (a temporary file renamed), or not at all on a read-only case:
    an unrecorded index is opened and compared again next time, which is all it costs."""
    temporary = path / f"{FORMAT_FILE}.tmp"
    try:
        temporary.write_text(f"{INDEX_FORMAT}\n", "ascii")
        temporary.replace(path / FORMAT_FILE)
    except OSError:
        temporary.unlink(missing_ok=True)


class FullTextIndex:
    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        recorded = check_format(path)
        self.schema = build_schema()
        try:
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        except ValueError as exc:
            if "schema does not match" not in str(exc):
                raise
            raise IndexOutdated(str(path), None, INDEX_FORMAT) from exc
        if not recorded:  # new, or made before formats were recorded: today's fields, so today's format
            _record_format(path)
        self.analyzer = _analyzer()
        self.index.register_tokenizer(FOLD, self.analyzer)
        self._writer: Any = None
        #: tag name -> ids of the messages carrying it; set by the case
        self.tagged: Callable[[str], list[str]] | None = None
        #: (kind, value) of a ``Lookup`` -> the message ids it stands for; set by the case
        self.lookup: Callable[[str, str], list[str]] | None = None
        #: ``person:`` value -> the person's addresses; set by the case
        self.person_emails: Callable[[str], list[str]] | None = None
        #: ``entity:``/``place:``/``org:`` kinds and value -> (index field, key) terms, after users' merges
        self.entity_terms: Callable[[tuple[str, ...], str], list[tuple[str, str]]] | None = None

    # -- writing --------------------------------------------------------------
    def writer(self, heap_bytes: int) -> Any:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=heap_bytes, num_threads=1)
        return self._writer

    def upsert(self, docs: Iterable[dict[str, Any]], heap_bytes: int) -> None:
        writer = self.writer(heap_bytes)
        for doc in docs:
            writer.delete_documents_by_term("id", doc["id"])
            document = tantivy.Document()
            for name, value in doc.items():
                if value is None or value == "":
                    continue
                if name == "date":
                    document.add_date(name, value)
                elif name == "size":
                    document.add_unsigned(name, value)
                elif isinstance(value, list | tuple):
                    for one in value:
                        document.add_text(name, one)
                elif name in TEXT_FIELDS:
                    document.add_text(name, prepare(value))
                else:
                    document.add_text(name, value)
            writer.add_document(document)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None

    # -- reading --------------------------------------------------------------
    def compile(self, node: Node) -> tantivy.Query:
        """Turn a parsed query into a Tantivy query over this schema."""
        if isinstance(node, MatchAll):
            return tantivy.Query.all_query()
        if isinstance(node, Term):
            fields = FIELDS[node.field] if node.field else DEFAULT_FIELDS
            queries = [q for q in (self._term(f, node) for f in fields) if q is not None]
            if not queries:
                return tantivy.Query.empty_query()
            if len(queries) == 1:
                return queries[0]
            # a should-clause per field (scores add up, as Lucene's
            # "most fields"): unlike a disjunction-max, Tantivy can skip
            # blocks of low-scoring documents here (block-max WAND), which
            # cut the median query time by about a third at 1,000,000 messages
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])
        if isinstance(node, Tag):
            # tags change without re-indexing: they live in the database, and
            # the index is asked for exactly the tagged ids
            ids = self.tagged(node.name) if self.tagged is not None else []
            return tantivy.Query.term_set_query(self.schema, "id", ids) if ids else tantivy.Query.empty_query()
        if isinstance(node, Lookup) and node.kind == "person":
            # from or to any of the person's addresses: the exact-value address fields
            emails = self.person_emails(node.value) if self.person_emails is not None else []
            return self._any_address(("sender", "recipients"), emails)
        if isinstance(node, Lookup) and node.kind in ENTITY_LOOKUPS:
            terms = self.entity_terms(ENTITY_LOOKUPS[node.kind], node.value) if self.entity_terms else []
            if not terms:
                return tantivy.Query.empty_query()
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, f, key)) for f, key in terms]
            )
        if isinstance(node, Lookup) and node.kind == "is" and node.value == "mail":
            # everything but the documents: asked as "not is:document", never as a list of all the mail
            documents = self.lookup("is", "document") if self.lookup is not None else []
            everything = tantivy.Query.all_query()
            if not documents:
                return everything
            return tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, everything),
                    (tantivy.Occur.MustNot, tantivy.Query.term_set_query(self.schema, "id", documents)),
                ]
            )
        if isinstance(node, Lookup):
            found = self.lookup(node.kind, node.value) if self.lookup is not None else []
            return tantivy.Query.term_set_query(self.schema, "id", found) if found else tantivy.Query.empty_query()
        if isinstance(node, Has):
            return tantivy.Query.term_query(self.schema, "has", node.what)
        if isinstance(node, SizeRange):
            return tantivy.Query.range_query(
                self.schema, "size", tantivy.FieldType.Unsigned, node.low, node.high, True, True
            )
        if isinstance(node, DateRange):
            return tantivy.Query.range_query(
                # the end is exclusive; an open end must be passed as inclusive
                self.schema,
                "date",
                tantivy.FieldType.Date,
                node.start,
                node.end,
                True,
                node.end is None,
            )
        if isinstance(node, Not):
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, self.compile(node.item))]
            )
        if isinstance(node, And):
            clauses = []
            for item in node.items:
                if isinstance(item, Not):
                    clauses.append((tantivy.Occur.MustNot, self.compile(item.item)))
                else:
                    clauses.append((tantivy.Occur.Must, self.compile(item)))
            if all(occur == tantivy.Occur.MustNot for occur, _ in clauses):
                clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
            return tantivy.Query.boolean_query(clauses)
        if isinstance(node, Or):
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, self.compile(i)) for i in node.items])
        raise TypeError(f"unknown query node {node!r}")

    def _term(self, field: str, term: Term) -> tantivy.Query | None:
        """One field's query for a term. Literal terms compile to their
        normalised form here, a superset the caller then checks as typed."""
        if field == "message_id":
            return tantivy.Query.term_query(self.schema, field, term.text.strip().strip("<>"))
        if field == "sources":  # codes are kept normalised and upper-case: MX01 -> MX1
            value = normalise_code(term.text.strip().upper())
            if term.prefix:
                return tantivy.Query.regex_query(self.schema, field, re.escape(value) + ".*")
            return tantivy.Query.term_query(self.schema, field, value)
        if field in KEYWORD_FIELDS:
            value = term.text.lower()
            if term.prefix:
                return tantivy.Query.regex_query(self.schema, field, re.escape(value) + ".*")
            return tantivy.Query.term_query(self.schema, field, value)
        words: list[str] = list(self.analyzer.analyze(prepare(term.text)))
        if not words:
            return None
        if term.prefix:
            if len(words) == 1:
                return tantivy.Query.regex_query(self.schema, field, re.escape(words[0]) + ".*")
            return tantivy.Query.phrase_prefix_query(self.schema, field, list(words))
        if term.fuzzy and len(words) == 1:
            return tantivy.Query.fuzzy_term_query(self.schema, field, words[0], distance=term.fuzzy)
        if len(words) == 1:
            return tantivy.Query.term_query(self.schema, field, words[0])
        phrase_words: list[str | tuple[int, str]] = list(words)
        return tantivy.Query.phrase_query(self.schema, field, phrase_words, slop=term.slop)

    def search(
        self,
        node: Node,
        limit: int = 20,
        offset: int = 0,
        by_date: bool = False,
        body_for: Callable[[str], str] | None = None,
        attachments_for: Callable[[str], list[tuple[str, str]]] | None = None,
        after: Key | None = None,
    ) -> tuple[int, list[Hit]]:
        """The exact total and one page of hits, ranked or newest first.

        ``after`` (a cursor, see ``search.paging``) continues newest first
        from a given hit, at any depth in the same time; ``offset`` is then
        ignored. Newest-first hits carry their own cursor.

        ``body_for(id)`` gives a hit's body text for its snippet; without it
        hits have no snippet. When the match is not in the body,
        ``attachments_for(id)`` gives (file name, text) pairs to cut the
        snippet from instead, marked "in attachment NAME".
        """
        self.index.reload()
        searcher = self.index.searcher()
        query = self.compile(node)
        rows: list[tuple[float, str, str]] = []  # (score, id, cursor)
        if after is not None or by_date:
            # one order for every newest-first page, offset or cursor: date, then id (see search.paging)
            keys, total = newest_page(searcher, self.schema, query, limit, offset, after)
            rows = [(0.0, key[1], format_cursor(key)) for key in keys]
        else:
            result = searcher.search(query, limit=limit, offset=offset, count=True)
            total = int(getattr(result, "count", 0) or 0)
            for score, address in result.hits:
                rows.append((float(score), str(searcher.doc(address).get_first("id")), ""))
        # one generator per field: each keeps only the query terms that occur
        # in its field somewhere in the index
        generators = {}
        for name in ("body", "attachments"):
            generators[name] = tantivy.SnippetGenerator.create(searcher, query, self.schema, name)
            generators[name].set_max_num_chars(SNIPPET_CHARS)

        def highlighted(text: str, field: str = "body") -> str:
            text_doc = tantivy.Document()
            text_doc.add_text(field, text)
            return _highlight(generators[field].snippet_from_doc(text_doc))

        hits = []
        for score, hit_id, cursor in rows:
            snippet = ""
            if body_for is not None:
                body = body_for(hit_id)
                snippet = highlighted(body)
                if "[[" not in snippet and attachments_for is not None:
                    for name, text in attachments_for(hit_id):
                        found = highlighted(text, "attachments")
                        if "[[" in found:
                            snippet = f"(in attachment {name}) {found}"
                            break
                snippet = snippet or " ".join(body[:SNIPPET_CHARS].split())
            hits.append(Hit(id=hit_id, score=score, subject="", sender="", date=None, snippet=snippet, cursor=cursor))
        return total, hits

    def searcher(self) -> tantivy.Searcher:
        """A searcher that sees every commit so far (Tantivy reloads readers lazily after a commit)."""
        self.index.reload()
        return self.index.searcher()

    def prepared(self, node: Node) -> tuple[tantivy.Searcher, tantivy.Query]:
        """A fresh searcher and the compiled query, for aggregations."""
        self.index.reload()
        return self.index.searcher(), self.compile(node)

    def matching_ids(self, node: Node, by_date: bool = False) -> list[str]:
        """Every matching message id, uncapped (batch jobs, exports, tests)."""
        self.index.reload()
        searcher = self.index.searcher()
        total = int(searcher.num_docs)
        if total == 0:
            return []
        if by_date:
            result = searcher.search(self.compile(node), limit=total, count=False, order_by_field="date")
        else:
            result = searcher.search(self.compile(node), limit=total, count=False)
        return [str(searcher.doc(address).get_first("id")) for _score, address in result.hits]

    def matching_ids_among(self, node: Node, ids: Sequence[str]) -> list[str]:
        """Which of ``ids`` match ``node``: one search, as long as ``ids`` at most (the tag facet)."""
        if not ids:
            return []
        self.index.reload()
        searcher = self.index.searcher()
        among = tantivy.Query.term_set_query(self.schema, "id", list(ids))
        both = tantivy.Query.boolean_query([(tantivy.Occur.Must, self.compile(node)), (tantivy.Occur.Must, among)])
        result = searcher.search(both, limit=len(ids), count=False)
        return [str(searcher.doc(address).get_first("id")) for _score, address in result.hits]

    def _any_address(self, fields: Sequence[str], emails: Sequence[str]) -> tantivy.Query:
        if not emails:
            return tantivy.Query.empty_query()
        lowered = [e.lower() for e in emails]
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_set_query(self.schema, f, lowered)) for f in fields]
        return tantivy.Query.boolean_query(clauses)

    def ids_with_addresses(self, fields: Sequence[str], emails: Sequence[str]) -> list[str]:
        """Every message with one of these addresses in these exact-value fields."""
        self.index.reload()
        searcher = self.index.searcher()
        total = int(searcher.num_docs)
        if total == 0 or not emails:
            return []
        result = searcher.search(self._any_address(fields, emails), limit=total, count=False)
        return [str(searcher.doc(address).get_first("id")) for _score, address in result.hits]

    def count(self) -> int:
        self.index.reload()
        return int(self.index.searcher().num_docs)


def _highlight(snippet: Any) -> str:
    """Snippet text with matches wrapped in ``[[...]]`` (terminal-friendly)."""
    raw: bytes = snippet.fragment().encode("utf-8")  # Tantivy's ranges are byte offsets
    out, last = [], 0
    for span in snippet.highlighted():
        out.append(raw[last : span.start])
        out.append(b"[[" + raw[span.start : span.end] + b"]]")
        last = span.end
    out.append(raw[last:])
    return " ".join(b"".join(out).decode("utf-8", "replace").split())
