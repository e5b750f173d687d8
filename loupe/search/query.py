"""The email query language, parsed into a small tree. Pure: no index here.

    sinaloa juarez             both terms (AND is the default)
    "controlled drug trades"   phrase
    sinaloa OR juarez          either
    -forwarded  NOT forwarded  exclude
    ( ... )                    grouping
    from:burton  to:secure@    field terms (also cc: bcc: subject: body:)
    from:"Fred Burton"         field phrase
    date:2010..2011-06         date range; date:2010, date:..2009, date:2011-03-01..

Errors name the problem and the column, and never silently change the
query: ``unclosed quote at column 6``.

>>> parse('from:burton "hit men" -juarez')
And(items=(Term(field='from', text='burton', phrase=False), Term(field=None, text='hit men', phrase=True), \
Not(item=Term(field=None, text='juarez', phrase=False))))
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
}
#: What a bare term searches.
DEFAULT_FIELDS = ("subject", "from", "to", "body", "attachments", "attachment_names")


@dataclass(frozen=True)
class Term:
    field: str | None
    text: str
    phrase: bool


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


Node = Term | DateRange | Not | And | Or | MatchAll

_TOKEN = re.compile(r'\s+|\(|\)|"|[^\s()"]+')


@dataclass(frozen=True)
class _Tok:
    kind: str  # "word", "phrase", "(", ")"
    text: str
    pos: int


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
            tokens.append(_Tok("phrase", query[pos + 1 : end], pos))
            pos = end + 1
        else:
            match = re.compile(r'[^\s()"]+').match(query, pos)
            assert match is not None  # the branch guarantees one character at least
            tokens.append(_Tok("word", match.group(), pos))
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
            inner = _Tok("word", tok.text[1:], tok.pos + 1)
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
            return Term(None, tok.text, True)
        return self.word(tok)

    def word(self, tok: _Tok) -> Node:
        name, colon, value = tok.text.partition(":")
        if not colon or not name or "@" in name:
            return Term(None, tok.text, False)
        field = name.lower()
        if field == "date":
            return _date_range(self.query, tok.pos + len(name) + 1, value)
        if field not in FIELDS:
            raise QueryError(self.query, tok.pos, f"unknown field '{name}:' (known: {', '.join(sorted(FIELDS))}, date)")
        if not value:
            nxt = self.peek()
            if nxt is not None and nxt.kind == "phrase" and nxt.pos == tok.pos + len(tok.text):
                self.take()
                return Term(field, nxt.text, True)
            raise QueryError(self.query, tok.pos, f"'{name}:' needs a value")
        return Term(field, value, False)


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
