"""The email query language, parsed into a small tree. Pure: no index here.

    sinaloa juarez             both terms (AND is the default)
    "controlled drug trades"   phrase
    sinaloa OR juarez          either
    -forwarded  NOT forwarded  exclude
    ( ... )                    grouping
    from:burton  to:secure@    field terms (also cc: bcc: subject: body:)
    from:"Fred Burton"         field phrase
    date:2010..2011-06         date range; date:2010, date:..2009, date:2011-03-01..
    sinal*                     prefix          hitmen~1  fuzzy (edit distance 1 or 2)
    "hit men juarez"~5         proximity: the words within 5 positions
    =US-714  ="Exact Phrase"   literal: case, accents and punctuation as typed
    has:attachment  mimetype:application/pdf  attachment:report.pdf
    size:>1M  size:10k..2M     message size in bytes (k, M, G suffixes)
    path:box.mbox              where a copy was found (its locator)
    list:analysts  id:<message-id>  tag:follow-up
    thread:<id>                every message of the conversation of a message (or thread) id
    person:ann@example.org     mail from or to a person, under any of their addresses
    is:near-duplicate          messages with near-identical copies
    is:document  type:pdf      files of the leak that are not mail (of one type: pdf, docx, xlsx, csv, png ...)
    is:mail                    mail only, no documents
    source:MX1                 messages naming informant MX1 (= MX01) where the context says "source"
    mention:MX1                also bare mentions of MX1 ("ping MX1"), once a report established the code

Errors name the problem and the column, and never silently change the
query: ``unclosed quote at column 6``.

>>> parse('from:burton -juarez')
And(items=(Term(field='from', text='burton', phrase=False, prefix=False, fuzzy=0, slop=0, literal=False), \
Not(item=Term(field=None, text='juarez', phrase=False, prefix=False, fuzzy=0, slop=0, literal=False))))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from loupe.errors import QueryError

#: Fields a user may name, and the index fields each one searches.
FIELDS: dict[str, tuple[str, ...]] = {
    "from": ("from",),
    "to": ("to",),
    "cc": ("to",),
    "bcc": ("to",),
    "subject": ("subject",),
    "body": ("body",),
    "attachment": ("attachment_names",),
    "id": ("message_id",),
    "list": ("list",),
    "mimetype": ("mimetypes",),
    "path": ("path",),
    "source": ("sources",),
    "sender": ("sender",),  # the exact address, as facets list it (from: searches names and addresses as words)
    "recipient": ("recipients",),
}
#: Fields that later capabilities fill in; named here so a query using them
#: gets a clear "not available yet" rather than "unknown field".
HOOKS: dict[str, str] = {}
#: Fields answered from the case database rather than the index: the value
#: is resolved to a set of message ids when the query runs.
LOOKUPS = ("thread", "person", "entity", "place", "org", "mention", "type")
#: The lookups that name an entity (a person, organisation or place the text names), and the kinds each covers.
ENTITY_LOOKUPS = {"entity": ("person", "organisation", "place"), "place": ("place",), "org": ("organisation",)}
#: What ``is:`` can ask, with the spellings accepted for each.
IS_VALUES = {
    "near-duplicate": "near-duplicate",
    "near-dup": "near-duplicate",
    "nearduplicate": "near-duplicate",
    "document": "document",
    "doc": "document",
    "mail": "mail",
}
#: What a bare term searches.
DEFAULT_FIELDS = ("subject", "from", "to", "body", "attachments", "attachment_names")


@dataclass(frozen=True)
class Term:
    field: str | None
    text: str
    phrase: bool
    prefix: bool = False  # sinal*
    fuzzy: int = 0  # hitmen~1: edit distance
    slop: int = 0  # "a b"~5: words within this many positions
    literal: bool = False  # =US-714: as typed, not normalised


@dataclass(frozen=True)
class Has:
    """``has:attachment``: a property a message has."""

    what: str


@dataclass(frozen=True)
class Tag:
    """``tag:follow-up``: messages a user tagged so (tags live in the database)."""

    name: str


@dataclass(frozen=True)
class Lookup:
    """``thread:``, ``person:``, ``is:``: answered by the case database, not the index."""

    kind: str
    value: str


@dataclass(frozen=True)
class SizeRange:
    low: int | None  # bytes, inclusive
    high: int | None  # bytes, inclusive


@dataclass(frozen=True)
class DateRange:
    start: datetime | None  # inclusive
    end: datetime | None  # exclusive


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Term | DateRange | Has | SizeRange | Tag | Lookup | Not | And | Or | MatchAll

_TOKEN = re.compile(r'\s+|\(|\)|"|[^\s()"]+')


@dataclass(frozen=True)
class _Tok:
    kind: str  # "word", "phrase", "(", ")"
    text: str
    pos: int
    end: int = 0  # position just after the token
    slop: int = 0  # "a b"~5


def _tokenize(query: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(query):
        char = query[pos]
        if char.isspace():
            pos += 1
        elif char in "()":
            tokens.append(_Tok(char, char, pos))
            pos += 1
        elif char == '"':
            end = query.find('"', pos + 1)
            if end < 0:
                raise QueryError(query, pos, "unclosed quote")
            text = query[pos + 1 : end]
            slop_match = re.compile(r"~(\d+)").match(query, end + 1)
            slop = int(slop_match.group(1)) if slop_match else 0
            after = slop_match.end() if slop_match else end + 1
            tokens.append(_Tok("phrase", text, pos, after, slop))
            pos = after
        else:
            match = re.compile(r'[^\s()"]+').match(query, pos)
            assert match is not None  # the branch guarantees one character at least
            tokens.append(_Tok("word", match.group(), pos, match.end()))
            pos = match.end()
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            return MatchAll()
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise QueryError(self.query, tok.pos, "unmatched closing parenthesis")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "word" and tok.text == "OR":
            self.take()
            if self.peek() is None or self.peek().kind == ")":  # type: ignore[union-attr]
                raise QueryError(self.query, tok.pos, "OR needs a term on both sides")
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind != ")":
            if tok.kind == "word" and tok.text == "OR":
                if not items:
                    raise QueryError(self.query, tok.pos, "OR needs a term on both sides")
                break
            if tok.kind == "word" and tok.text == "AND":
                self.take()
                if not items:
                    raise QueryError(self.query, tok.pos, "AND needs a term on both sides")
                continue
            items.append(self.unary())
        if not items:
            tok = self.peek()
            raise QueryError(self.query, tok.pos if tok else len(self.query), "empty group")
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        tok = self.peek()
        assert tok is not None
        if tok.kind == "word" and tok.text == "NOT":
            self.take()
            if self.peek() is None:
                raise QueryError(self.query, tok.pos, "NOT needs a term after it")
            return Not(self.unary())
        if tok.kind == "word" and tok.text.startswith("-") and len(tok.text) > 1:
            self.take()
            inner = _Tok("word", tok.text[1:], tok.pos + 1, tok.end)
            return Not(self.word(inner))
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "(":
            node = self.or_expr()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(self.query, tok.pos, "unclosed parenthesis")
            self.take()
            return node
        if tok.kind == ")":
            raise QueryError(self.query, tok.pos, "unmatched closing parenthesis")
        if tok.kind == "phrase":
            return self.phrase(None, tok, literal=False)
        return self.word(tok)

    def phrase(self, field: str | None, tok: _Tok, literal: bool) -> Term:
        if not tok.text.strip():
            raise QueryError(self.query, tok.pos, "empty phrase")
        return Term(field, tok.text, True, slop=tok.slop, literal=literal)

    def attached_phrase(self, tok: _Tok) -> _Tok | None:
        """A phrase written right after this word, as in ``from:"Fred Burton"``."""
        nxt = self.peek()
        if nxt is not None and nxt.kind == "phrase" and nxt.pos == tok.end:
            return self.take()
        return None

    def word(self, tok: _Tok) -> Node:
        name, colon, value = tok.text.partition(":")
        if not colon or not re.fullmatch(r"[A-Za-z]+", name) or value.startswith("//"):
            return self.value(None, tok.text, tok, tok.pos)
        field = name.lower()
        at = tok.pos + len(name) + 1
        if field in HOOKS:
            raise QueryError(self.query, tok.pos, HOOKS[field])
        if field == "date":
            return _date_range(self.query, at, value)
        if field == "size":
            return _size_range(self.query, at, value)
        if field == "tag":
            if not value:
                raise QueryError(self.query, tok.pos, "'tag:' needs a value")
            return Tag(value.lower())
        if field in LOOKUPS:
            attached = self.attached_phrase(tok) if not value else None
            text = attached.text if attached is not None else value
            if not text.strip():
                raise QueryError(self.query, tok.pos, f"'{field}:' needs a value")
            return Lookup(field, text.strip())
        if field == "is":
            if value.lower() not in IS_VALUES:
                known = "is:near-duplicate, is:document, is:mail"
                raise QueryError(self.query, at, f"is:{value} is not known (known: {known})")
            return Lookup("is", IS_VALUES[value.lower()])
        if field == "has":
            if value.lower() not in ("attachment", "attachments"):
                raise QueryError(self.query, at, f"has:{value} is not known (known: has:attachment)")
            return Has("attachment")
        if field not in FIELDS:
            known = ", ".join(sorted([*FIELDS, "date", "size", "has", "tag", "is", *LOOKUPS, *HOOKS]))
            raise QueryError(self.query, tok.pos, f"unknown field '{name}:' (known: {known})")
        return self.value(field, value, tok, at)

    def value(self, field: str | None, value: str, tok: _Tok, at: int) -> Term:
        """A field's value: word, phrase, ``=literal``, ``prefix*`` or ``fuzzy~1``."""
        literal = value.startswith("=")
        if literal:
            value, at = value[1:], at + 1
        if not value:
            attached = self.attached_phrase(tok)
            if attached is not None:
                return self.phrase(field, attached, literal)
            what = f"'{field}:'" if field else "'='"
            raise QueryError(self.query, tok.pos, f"{what} needs a value")
        fuzzy = re.fullmatch(r"(.+)~(\d*)", value)
        if fuzzy:
            distance = int(fuzzy.group(2) or 1)
            if distance not in (1, 2):
                raise QueryError(self.query, at, "fuzzy distance must be 1 or 2 (term~1, term~2)")
            if literal:
                raise QueryError(self.query, at, "a literal term cannot also be fuzzy")
            return Term(field, fuzzy.group(1), False, fuzzy=distance)
        star = value.find("*")
        if star >= 0:
            if star != len(value) - 1 or star == 0:
                raise QueryError(self.query, at + star, "'*' only works at the end of a term (sinal*)")
            if literal:
                raise QueryError(self.query, at, "a literal term cannot also be a prefix")
            return Term(field, value[:-1], False, prefix=True)
        return Term(field, value, False, literal=literal)


def _size_range(query: str, pos: int, value: str) -> SizeRange:
    """``size:>1M``, ``size:<10k``, ``size:10k..2M``, ``size:5000``."""
    if value.startswith((">", "<")):
        bound = _size(query, pos + 1, value[1:])
        return SizeRange(bound, None) if value[0] == ">" else SizeRange(None, bound)
    if ".." in value:
        low, _, high = value.partition("..")
        return SizeRange(
            _size(query, pos, low) if low else None, _size(query, pos + len(low) + 2, high) if high else None
        )
    exact = _size(query, pos, value)
    return SizeRange(exact, exact)


def _size(query: str, pos: int, text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)[bB]?", text)
    if not match:
        raise QueryError(query, pos, f"cannot read size '{text}' (use 5000, 10k, 2M or 1G)")
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def _date_range(query: str, pos: int, value: str) -> DateRange:
    if ".." in value:
        low, _, high = value.partition("..")
        start = _date_bound(query, pos, low, upper=False) if low else None
        end = _date_bound(query, pos + len(low) + 2, high, upper=True) if high else None
        if start is None and end is None:
            raise QueryError(query, pos, "date range needs at least one end")
        if start and end and start >= end:
            raise QueryError(query, pos, "date range ends before it starts")
        return DateRange(start, end)
    return DateRange(_date_bound(query, pos, value, upper=False), _date_bound(query, pos, value, upper=True))


def _date_bound(query: str, pos: int, text: str, *, upper: bool) -> datetime:
    """``2010`` / ``2010-06`` / ``2010-06-15`` to the first instant of that
    period (lower bound) or of the period after it (exclusive upper bound)."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text)
    if not match:
        raise QueryError(query, pos, f"cannot read date '{text}' (use 2010, 2010-06 or 2010-06-15)")
    year = int(match.group(1))
    month = int(match.group(2) or 1)
    day = int(match.group(3) or 1)
    try:
        start = datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        raise QueryError(query, pos, f"no such date '{text}'") from None
    if not upper:
        return start
    if match.group(3):
        return datetime.fromordinal(start.toordinal() + 1).replace(tzinfo=UTC)
    if match.group(2):
        return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return datetime(year + 1, 1, 1, tzinfo=UTC)


def parse(query: str) -> Node:
    """Parse a query string; raises ``QueryError`` naming the column."""
    return _Parser(query).parse()
