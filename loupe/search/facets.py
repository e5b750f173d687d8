"""Facets and timelines for any query, computed inside the index.

Top senders, recipients, lists and attachment types are Tantivy terms
aggregations over exact-value fast fields: no hit is pulled into Python.

Timelines use calendar buckets, which Tantivy's histogram cannot express
(it has fixed intervals only, and months differ in length). But a UTC day
*is* a fixed interval, and every month, ISO week and year is a whole
number of UTC days; so the index counts hits per day and Python adds the
days up. That reads a few thousand buckets instead of every hit's date:
about 15 ms instead of 1.5 s for 900,000 hits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import tantivy

Bucket = Literal["year", "month", "week", "day"]

#: Facet name -> index field (see ``search.index.KEYWORD_FIELDS``).
FACET_FIELDS = {
    "sources": "sources",
    "senders": "sender",
    "recipients": "recipients",
    "lists": "list_id",
    "attachment types": "mimetypes",
}


@dataclass(frozen=True)
class Timeline:
    bucket: Bucket
    counts: list[tuple[str, int]]  # (bucket label, messages), in date order, empty buckets included
    undated: int  # matching messages with no usable date


def facets(searcher: tantivy.Searcher, query: tantivy.Query, size: int = 10) -> dict[str, list[tuple[str, int]]]:
    spec = {name: {"terms": {"field": field, "size": size}} for name, field in FACET_FIELDS.items()}
    result: dict[str, Any] = searcher.aggregate(query, spec)
    return {
        name: [(str(b["key"]), int(b["doc_count"])) for b in result.get(name, {}).get("buckets", []) if b["key"]]
        for name in FACET_FIELDS
    }


def day_counts(searcher: tantivy.Searcher, query: tantivy.Query) -> tuple[list[tuple[datetime, int]], int]:
    """The matches of each day with some, and the matches in all (dated or not): every bucket size
    is binned from these (``binned``), so choosing one for a chart asks the index once."""
    total = int(getattr(searcher.search(query, limit=1, count=True), "count", 0) or 0) if searcher.num_docs else 0
    return (_days(searcher, query) if total else []), total


def binned(days: list[tuple[datetime, int]], total: int, bucket: Bucket) -> Timeline:
    if total == 0:
        return Timeline(bucket, [], 0)
    counts: Counter[str] = Counter()
    for day, hits in days:
        counts[label(day, bucket)] += hits
    return Timeline(bucket, _fill(counts, bucket), total - sum(counts.values()))


def _days(searcher: tantivy.Searcher, query: tantivy.Query) -> list[tuple[datetime, int]]:
    """(UTC midnight, matching messages that day) for every day with a match."""
    spec = {"days": {"date_histogram": {"field": "date", "fixed_interval": "1d", "min_doc_count": 1}}}
    buckets = searcher.aggregate(query, spec)["days"]["buckets"]
    return [(datetime.fromtimestamp(b["key"] / 1000, tz=UTC), int(b["doc_count"])) for b in buckets if b["doc_count"]]


def label(when: datetime, bucket: Bucket) -> str:
    if bucket == "year":
        return f"{when.year:04d}"
    if bucket == "month":
        return f"{when.year:04d}-{when.month:02d}"
    if bucket == "week":
        year, week, _ = when.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return when.strftime("%Y-%m-%d")


def _fill(counts: Counter[str], bucket: Bucket) -> list[tuple[str, int]]:
    """Years and months from the first to the last, zeros included: a gap in
    a leak's timeline is itself a finding. Weeks and days list the non-empty
    buckets only (years of empty days would drown the table)."""
    if not counts:
        return []
    keys = sorted(counts)
    if bucket in ("week", "day"):
        return [(key, counts[key]) for key in keys]
    if bucket == "year":
        first, last = int(keys[0]), int(keys[-1])
        return [(f"{y:04d}", counts.get(f"{y:04d}", 0)) for y in range(first, last + 1)]
    year, month = map(int, keys[0].split("-"))
    end = keys[-1]
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= end:
            return out
        month += 1
        if month == 13:
            year, month = year + 1, 1
