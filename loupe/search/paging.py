"""Newest-first pages that continue from a cursor, at any depth, in the same time.

An offset makes page 40,000 cost as much as reading the 800,000 hits before
it, and a message ingested meanwhile shifts every later page by one. A
cursor names the last hit shown instead: its date and id. The next page is
"older than that date, or as old with a larger id", which the index answers
with a date range, so every page costs about the same and none repeats or
skips a message when the case grows.

The order is total: date, newest first; equal dates by id; undated messages
last, by id. A cursor is written ``<nanoseconds>.<id>`` (``-.<id>`` for an
undated message), and every hit carries its own, so a reader can continue
after any of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import tantivy

from loupe.errors import QueryError

Key = tuple[int | None, str]  # (date in nanoseconds since 1970, or None when undated; message id)


def parse_cursor(text: str) -> Key:
    """``1277985600000000000.3f9a2c...`` or ``-.3f9a2c...``; anything else is a clear error."""
    stamp, dot, message = text.strip().partition(".")
    if not dot or not message or not (stamp == "-" or stamp.isdigit()):
        raise QueryError(text, 0, "not a cursor (it looks like 1277985600000000000.3f9a2c or -.3f9a2c)")
    return (None if stamp == "-" else int(stamp)), message


def format_cursor(key: Key) -> str:
    return f"{'-' if key[0] is None else key[0]}.{key[1]}"


def newest_page(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    query: tantivy.Query,
    limit: int,
    offset: int = 0,
    after: Key | None = None,
) -> tuple[list[Key], int]:
    """One newest-first page and the total: after a cursor, or else after ``offset`` hits (read and dropped)."""
    skip = offset if after is None else 0
    keys, total = newest_first(searcher, schema, query, limit + skip, after)
    return keys[skip:], total


def newest_first(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, limit: int, after: Key | None
) -> tuple[list[Key], int]:
    """The next ``limit`` hits of ``query`` after ``after`` (from the start when None), in the order
    above, and the exact number of hits of ``query``. From the start, the first pass over the hits
    both counts them and ranks them by date, as a plain newest-first search does."""
    page: list[Key] = []
    upper: int | None = None
    total: int | None = None
    if after is not None and after[0] is not None:
        page += [
            (after[0], m) for m in ids_matching(searcher, _both(query, _date(schema, after[0], after[0])), after[1])
        ]
        upper = after[0]
    if after is None or after[0] is not None:
        while len(page) < limit:
            if upper is None:  # from the start: undated hits rank last, and are dropped below
                found = searcher.search(query, limit=limit - len(page), count=True, order_by_field="date")
                total = int(getattr(found, "count", 0) or 0)
            else:
                older = _date(schema, None, upper)
                found = searcher.search(_both(query, older), limit=limit - len(page), order_by_field="date")
            rows = _dated(searcher, found)
            if not rows and upper is None and found.hits:  # undated ranked first after all: ask for dated ones
                dated = _both(query, tantivy.Query.exists_query("date"))
                rows = _dated(searcher, searcher.search(dated, limit=limit - len(page), order_by_field="date"))
            if not rows:
                break
            last = rows[-1][0]
            page += [(d, m) for d, m in sorted(rows, key=lambda r: (-r[0], r[1])) if d != last]
            # the last date may hold more hits than fit: all of them, by id, then cut
            page += [(last, m) for m in ids_matching(searcher, _both(query, _date(schema, last, last)))]
            upper = last
        page = page[:limit]
    if len(page) < limit:
        undated = _both(query, _not(tantivy.Query.exists_query("date")))
        start = after[1] if after is not None and after[0] is None else ""
        page += [(None, m) for m in ids_matching(searcher, undated, start)][: limit - len(page)]
    if total is None:
        total = int(getattr(searcher.search(query, limit=1, count=True), "count", 0) or 0)
    return page, total


def _dated(searcher: tantivy.Searcher, found: tantivy.SearchResult) -> list[tuple[int, str]]:
    """(date, id) of the hits of a date-ordered search that have a date."""
    return [(int(nanos), _id(searcher, address)) for nanos, address in found.hits if nanos is not None]


def ids_matching(searcher: tantivy.Searcher, query: tantivy.Query, after: str = "") -> list[str]:
    """Every id matching ``query``, sorted, those after ``after`` only."""
    count = int(getattr(searcher.search(query, limit=1, count=True), "count", 0) or 0)
    if count == 0:
        return []
    found = searcher.search(query, limit=count, count=False)  # a collector sized to the hits, not the case
    return sorted(m for m in (_id(searcher, a) for _s, a in found.hits) if m > after)


def _id(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> str:
    return str(searcher.doc(address).get_first("id"))


def _date(schema: tantivy.Schema, low: int | None, high: int | None) -> tantivy.Query:
    """Dates in [low, high] when both are given (one instant); else before ``high``, exclusive."""
    inclusive = low is not None
    return tantivy.Query.range_query(schema, "date", tantivy.FieldType.Date, _when(low), _when(high), True, inclusive)


def _when(nanos: int | None) -> datetime | None:
    return None if nanos is None else _instant(nanos)


def _instant(nanos: int) -> datetime:
    seconds, rest = divmod(nanos, 1_000_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest // 1000)


def _both(a: tantivy.Query, b: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, a), (tantivy.Occur.Must, b)])


def _not(a: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, a)])
