"""Facets and timelines for any query, computed inside the index.

Top senders, recipients, lists and attachment types are Tantivy terms
aggregations over exact-value fast fields: no hit is pulled into Python.
Timelines use calendar buckets (months have different lengths, which
Tantivy's fixed-interval histogram cannot express), so they read the date
fast field of every hit, in one sorted search that loads no document.
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


def timeline(searcher: tantivy.Searcher, query: tantivy.Query, bucket: Bucket) -> Timeline:
    total = int(searcher.num_docs)
    if total == 0:
        return Timeline(bucket, [], 0)
    everything = searcher.search(query, limit=total, count=True)
    dated = searcher.search(query, limit=total, order_by_field="date", count=False)
    counts: Counter[str] = Counter()
    seen = 0
    for nanos, _address in dated.hits:
        if nanos is None:
            continue
        seen += 1
        counts[label(datetime.fromtimestamp(nanos / 1e9, tz=UTC), bucket)] += 1
    undated = int(getattr(everything, "count", 0) or 0) - seen
    return Timeline(bucket, _fill(counts, bucket), undated)


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
