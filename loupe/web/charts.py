"""The timeline histogram of a result, as bars for an inline SVG drawn on the server.

No charting library (none could be loaded from a CDN anyway, and the page
must work with script off): a histogram is a list of rectangles. Each bar
links to the query narrowed to its period (``date:2010-06``).

Months by default; years when the result spans more than six years (bars
would be thinner than a pixel); days when it fits in one month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loupe.case import Case
from loupe.search.facets import Bucket, Timeline, binned

WIDTH, HEIGHT, AXIS = 1000, 110, 18
MAX_MONTHS = 72


@dataclass(frozen=True)
class Bar:
    label: str  # the bucket: 2010, 2010-06 or 2010-06-15, also its date: query value
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    bucket: Bucket
    bars: list[Bar]
    undated: int
    peak: int
    ticks: list[tuple[float, str]]  # (x, label) under the axis
    width: int = WIDTH
    height: int = HEIGHT
    axis: int = AXIS


def timeline_for(case: Case, query: str, literal: bool = False, expand: bool = False) -> Timeline:
    """The result's timeline at a bucket size that reads well (for the same hits as the search)."""
    days, total = case.day_counts(query, literal=literal, expand=expand)  # the index asked once, binned here
    months = binned(days, total, "month")
    if len(months.counts) > MAX_MONTHS:
        return binned(days, total, "year")
    if len(months.counts) == 1:
        return binned(days, total, "day")
    return months


def histogram(timeline: Timeline) -> Histogram:
    counts = _filled_days(timeline.counts) if timeline.bucket == "day" else timeline.counts
    peak = max((n for _, n in counts), default=0)
    slot = WIDTH / max(len(counts), 1)
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, (key, n) in enumerate(counts):
        height = (HEIGHT - AXIS - 4) * n / peak if peak else 0.0
        if n and height < 1.5:
            height = 1.5  # one message is still visible
        y = HEIGHT - AXIS - height
        bars.append(Bar(key, n, round(i * slot + gap / 2, 2), round(y, 2), round(slot - gap, 2), round(height, 2)))
    return Histogram(timeline.bucket, bars, timeline.undated, peak, _ticks(bars, timeline.bucket))


def _ticks(bars: list[Bar], bucket: Bucket) -> list[tuple[float, str]]:
    """Labels under the axis: every year's first bar (months, days) or a spread of them."""
    if not bars:
        return []
    if bucket == "month":
        marks = [(b.x, b.label[:4]) for b in bars if b.label.endswith("-01")]
        if not marks or marks[0][1] != bars[0].label[:4]:
            marks.insert(0, (bars[0].x, bars[0].label))
    else:
        step = max(1, len(bars) // 8)
        marks = [(b.x, b.label) for b in bars[::step]]
    spaced: list[tuple[float, str]] = []
    for x, text in marks:  # drop labels that would overlap the one before
        if not spaced or x - spaced[-1][0] > 7.5 * len(spaced[-1][1]):
            spaced.append((x, text))
    return spaced


def _filled_days(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Day buckets from the first to the last, with the empty days (timelines list only non-empty days)."""
    if not counts:
        return []
    known = dict(counts)
    first, last = date.fromisoformat(counts[0][0]), date.fromisoformat(counts[-1][0])
    out = []
    while first <= last:
        key = first.isoformat()
        out.append((key, known.get(key, 0)))
        first += timedelta(days=1)
    return out
