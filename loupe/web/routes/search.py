"""The search page (also the home page) and its API: ``/``, ``/api/search``, ``/api/facets``, ``/api/timeline``.

Everything a search page shows is in its URL (``/?q=...&sort=date&page=3``),
so a link can be shared and bookmarked. Facet clicks edit the query text
(``querytext``), so the box always shows what is searched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.errors import QueryError
from loupe.search.facets import Timeline
from loupe.search.query import parse
from loupe.web import querytext
from loupe.web.charts import histogram, timeline_for
from loupe.web.openapi import INTEGER, NUMBER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, hit_record, page
from loupe.web.routes.exports import WEB_EXPORT_LIMIT
from loupe.web.routes.packs import WEB_PACK_LIMIT
from loupe.web.workbench import choice_param, flag_param, int_param, run

NAV = ("Search", "/")
SORTS = ("relevance", "date")
BUCKETS = ("auto", "year", "month", "week", "day")
PAGE_SIZE = 20
FACET_SIZE = 10

#: Shown on the empty search page; each is a link.
EXAMPLES = (
    ("juarez", "every message mentioning Juárez (accents and case folded)"),
    ('"port of entry" date:2010..2011-06', "a phrase, in a date range"),
    ("kidnapping OR extortion", "either word"),
    ('subject:insight "law enforcement"', "a word in the subject, a phrase anywhere"),
    ("source:MX1", "messages naming informant MX1 (= MX01) as a source"),
    ("has:attachment mimetype:application/pdf", "messages with a PDF attached"),
    ("tag:starred", "what you starred"),
)


@dataclass(frozen=True)
class SearchRequest:
    q: str
    sort: str
    page: int
    size: int
    expand: bool
    literal: bool
    after: str | None = None

    @classmethod
    def read(cls, request: Request) -> SearchRequest:
        return cls(
            q=request.query_params.get("q", "").strip(),
            sort=choice_param(request, "sort", SORTS),
            page=int_param(request, "page", 1),
            size=int_param(request, "size", PAGE_SIZE, 1, 100),
            expand=flag_param(request, "expand"),
            literal=flag_param(request, "literal"),
            after=request.query_params.get("after") or None,
        )


def results(case: Case, s: SearchRequest) -> dict[str, Any]:
    """One page of hits with the exact total; each hit with its copies, tags and notes."""
    total, hits = case.search(
        s.q,
        limit=s.size,
        offset=(s.page - 1) * s.size,
        by_date=s.sort == "date" or s.after is not None,
        literal=s.literal,
        expand=s.expand,
        after=s.after,
    )
    ids = [hit.id for hit in hits]
    copies = case.db.copies_of(ids)
    notes = case.db.notes.counts(ids)
    known_as = case.db.conversations.identifiers(ids)  # message_id and thread, as `loupe search --json`
    about = case.db.conversations.headlines(ids)
    tags = case.db.tags_by_message(ids)
    return {
        "query": s.q,
        "total": total,
        "page": s.page,
        "page_size": s.size,
        "pages": max(1, math.ceil(total / s.size)),
        "sort": "date" if s.after else s.sort,
        "after": s.after,
        "next": hits[-1].cursor if hits and hits[-1].cursor and len(hits) == s.size else None,
        "hits": [
            {
                **hit_record(hit),
                **known_as.get(hit.id, {}),
                "copies": len(copies.get(hit.id, [])),
                "tags": tags.get(hit.id, []),
                "notes": notes.get(hit.id, 0),
                "kind": about.get(hit.id, {}).get("kind", "mail"),
                "doc_type": about.get(hit.id, {}).get("doc_type", ""),
            }
            for hit in hits
        ],
    }


def facet_counts(
    case: Case, q: str, size: int = FACET_SIZE, literal: bool = False, expand: bool = False
) -> dict[str, list[dict[str, Any]]]:
    found = case.facets(q, size, literal=literal, expand=expand)
    return {name: [{"value": v, "count": n} for v, n in entries] for name, entries in found.items()}


def search_page(case: Case, s: SearchRequest) -> dict[str, Any]:
    data = results(case, s)
    data["facets"] = facet_counts(case, s.q, literal=s.literal, expand=s.expand)
    data["timeline_chart"] = histogram(timeline_for(case, s.q, literal=s.literal, expand=s.expand))
    return data


def home(case: Case) -> dict[str, Any]:
    from loupe.verify import last_verification

    counts = case.db.status_counts()
    return {
        "counts": counts,
        "verified": last_verification(case),
        "saved": case.db.saved_searches(),
        "tags": case.db.tag_counts(),
    }


def facet_groups(q: str, facets: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The sidebar: each facet's entries with their filter state, and the values filtered out
    (no longer in the result, so not among its facets) so they can be clicked back in."""
    groups = []
    for name, entries in facets.items():
        field = querytext.facet_field(name)
        rows = [
            {
                **e,
                "state": querytext.state(q, field, e["value"]) if field else "",
                "toggled": querytext.toggle(q, field, e["value"]) if field else None,
            }
            for e in entries
        ]
        if field:
            shown = {e["value"].lower() for e in entries}
            for value, state in querytext.mentioned(q, field):
                if state == "exclude" and value.lower() not in shown:
                    rows.append(
                        {"value": value, "count": None, "state": state, "toggled": querytext.toggle(q, field, value)}
                    )
        if rows:
            groups.append({"name": name, "field": field, "entries": rows})
    return groups


def page_numbers(current: int, last: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 40: None is a gap."""
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[int | None] = []
    for n in wanted:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


async def search_view(request: Request) -> Response:
    s = SearchRequest.read(request)
    saved_as = request.query_params.get("saved", "")
    context: dict[str, Any] = {"s": s, "examples": EXAMPLES, "error": None, "saved_as": saved_as}
    if not s.q:
        context.update(await run(request, home))
        return page(request, "search.html", context)
    try:
        parse(s.q)
        data = await run(request, search_page, s)
    except QueryError as exc:
        context.update(await run(request, home))
        context["error"] = exc
        return page(request, "search.html", context, status_code=400)
    context.update(data)
    context["export_limit"] = WEB_EXPORT_LIMIT
    context["pack_limit"] = WEB_PACK_LIMIT
    context["groups"] = facet_groups(s.q, data["facets"])
    context["page_list"] = page_numbers(s.page, data["pages"])
    return page(request, "search.html", context)


# -- API --------------------------------------------------------------------------
Q = Param("q", "query", "The query, in Loupe's query language (see `loupe search --help`).", STRING, example="juarez")
HIT = obj(
    id=STRING,
    message_id=nullable(STRING),
    thread=STRING,
    date=nullable(STRING),
    subject=STRING,
    snippet=STRING,
    score=NUMBER,
    copies=INTEGER,
    tags=array(STRING),
    notes=INTEGER,
    cursor=STRING,
    kind={"type": "string", "enum": ["mail", "document"]},
    doc_type=STRING,
    **{"from": STRING},
)
SEARCH = obj(
    query=STRING,
    total=INTEGER,
    page=INTEGER,
    page_size=INTEGER,
    pages=INTEGER,
    sort={"type": "string", "enum": list(SORTS)},
    after=nullable(STRING),
    next=nullable(STRING),
    hits=array(HIT),
)
FACETS = obj(
    query=STRING,
    facets={"type": "object", "additionalProperties": array(obj(value=STRING, count=INTEGER))},
)
TIMELINE = obj(
    query=STRING,
    bucket={"type": "string", "enum": list(BUCKETS[1:])},
    counts=array(obj(bucket=STRING, count=INTEGER)),
    undated=INTEGER,
)


@documented(
    Operation(
        "Search: the exact total and one page of hits",
        "search",
        SEARCH,
        (
            Q,
            Param("sort", "query", "relevance (default) or date (newest first).", {"type": "string", "enum": SORTS}),
            Param("page", "query", "Page number, from 1; there is no cap.", INTEGER),
            Param(
                "after",
                "query",
                "A hit's cursor: newest first, continuing after that hit (the answer's `next` is the "
                "last hit's); every page costs the same at any depth, and none shifts when the case grows.",
                STRING,
            ),
            Param("size", "query", "Hits per page (1-100, default 20).", INTEGER),
            Param("expand", "query", "1: also find what the archive's glossary says a term means.", STRING),
            Param("literal", "query", "1: match every term as typed (case, accents, punctuation).", STRING),
        ),
        errors=(400,),
        description="Snippets mark matches with [[ and ]]. Hits are messages: exact copies are one hit "
        "(`copies` counts them).",
    )
)
async def api_search(request: Request) -> Response:
    s = SearchRequest.read(request)
    return api_json(await run(request, results, s))


@documented(
    Operation(
        "Facets of a query: top senders, recipients, lists, attachment types, sources, tags",
        "search",
        FACETS,
        (Q, Param("size", "query", "Entries per facet (1-100, default 10).", INTEGER)),
        errors=(400,),
    )
)
async def api_facets(request: Request) -> Response:
    q = request.query_params.get("q", "")
    size = int_param(request, "size", FACET_SIZE, 1, 100)
    return api_json({"query": q, "facets": await run(request, facet_counts, q, size)})


def _timeline(case: Case, q: str, by: str) -> Timeline:
    return timeline_for(case, q) if by == "auto" else case.timeline(q, by)  # type: ignore[arg-type]


@documented(
    Operation(
        "Timeline of a query: matching messages per year, month, week or day",
        "search",
        TIMELINE,
        (
            Q,
            Param(
                "by",
                "query",
                "Bucket size; auto (default) picks months, years for long spans, days within one month. "
                "Years and months include empty buckets; weeks and days list non-empty ones.",
                {"type": "string", "enum": BUCKETS},
            ),
        ),
        errors=(400,),
    )
)
async def api_timeline(request: Request) -> Response:
    q = request.query_params.get("q", "")
    result = await run(request, _timeline, q, choice_param(request, "by", BUCKETS))
    return api_json(
        {
            "query": q,
            "bucket": result.bucket,
            "counts": [{"bucket": k, "count": n} for k, n in result.counts],
            "undated": result.undated,
        }
    )


ROUTES = [
    Route("/", search_view, name="search"),
    Route("/api/search", api_search, name="api_search"),
    Route("/api/facets", api_facets, name="api_facets"),
    Route("/api/timeline", api_timeline, name="api_timeline"),
]
