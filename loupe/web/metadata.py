"""What a metadata-only member of a case sees: dates, correspondents and subjects, nothing else.

A page module of its own (``ROUTES``, ``NAV``), mounted as the whole app for
that role (``loupe.web.team``), instead of flags inside the full pages: no
route here reads a body, an attachment, a snippet or an entity, so no later
change to the full pages can leak one to this role. Queries are limited to
envelope fields (``access.metadata_query_problem``).
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.errors import QueryError
from loupe.web.access import metadata_query_problem
from loupe.web.openapi import INTEGER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, page
from loupe.web.workbench import int_param, run

NAV = ("Search", "/")
PAGE_SIZE = 50

#: Each hit: when, from whom, about what. No snippet, no tags, no notes (they are the team's reading).
HIT_FIELDS = ("id", "date", "from", "subject")


def _checked_query(request: Request) -> str:
    query = request.query_params.get("q", "").strip()
    if query:
        problem = metadata_query_problem(query)
        if problem:
            raise QueryError(query, 0, problem)
    return query


def envelope_hits(case: Case, query: str, page_number: int, size: int) -> dict[str, Any]:
    """One page of hits, newest first, each reduced to its envelope."""
    # no snippets: they are made from the bodies, which this role may not read (an empty query is every message)
    total, hits = case.search(query, limit=size, offset=(page_number - 1) * size, by_date=True, snippets=False)
    return {
        "query": query,
        "total": total,
        "page": page_number,
        "pages": max(1, math.ceil(total / size)),
        "hits": [
            {"id": h.id, "date": h.date.isoformat() if h.date else None, "from": h.sender, "subject": h.subject}
            for h in hits
        ],
    }


def envelope(case: Case, message_id: str) -> dict[str, Any]:
    """A message's envelope: its date, sender, recipients and subject, and its Message-ID."""
    record = case.db.message(case.db.resolve(message_id))
    return {
        "id": record["id"],
        "message_id": record["message_id"],
        "date": record["date"] or None,
        "subject": record["subject"],
        "from": {"name": record["from_name"], "email": record["from_email"]},
        "recipients": [
            {"role": a["role"], "name": a["name"], "email": a["email"]}
            for a in record["addresses"]
            if a["role"] in ("to", "cc", "bcc")
        ],
    }


async def search_view(request: Request) -> Response:
    context: dict[str, Any] = {"q": request.query_params.get("q", "").strip(), "error": None, "result": None}
    try:
        query = _checked_query(request)
        if query:
            context["result"] = await run(request, envelope_hits, query, int_param(request, "page", 1), PAGE_SIZE)
    except QueryError as exc:
        context["error"] = str(exc)
        return page(request, "metadata_search.html", context, status_code=400)
    return page(request, "metadata_search.html", context)


async def message_view(request: Request) -> Response:
    return page(request, "metadata_message.html", {"m": await run(request, envelope, request.path_params["id"])})


ENVELOPE_HIT = obj(id=STRING, date=nullable(STRING), subject=STRING, **{"from": STRING})
ADDRESS = obj(name=STRING, email=STRING)


@documented(
    Operation(
        "Search by envelope (metadata-only members): from:, to:, cc:, subject:, date:, list:, person:, thread:",
        "search",
        obj(query=STRING, total=INTEGER, page=INTEGER, pages=INTEGER, hits=array(ENVELOPE_HIT)),
        (
            Param("q", "query", "A query of envelope fields only.", STRING, example="from:burton"),
            Param("page", "query", "Page number, from 1.", INTEGER),
        ),
        errors=(400,),
    )
)
async def api_search(request: Request) -> Response:
    query = _checked_query(request)
    return api_json(await run(request, envelope_hits, query, int_param(request, "page", 1), PAGE_SIZE))


@documented(
    Operation(
        "A message's envelope (metadata-only members): date, sender, recipients, subject",
        "messages",
        obj(
            id=STRING,
            message_id=STRING,
            date=nullable(STRING),
            subject=STRING,
            recipients=array(obj(role=STRING, name=STRING, email=STRING)),
            **{"from": ADDRESS},
        ),
        (Param("id", "path", "Message id (or a unique prefix of one).", STRING),),
        errors=(404, 409),
    )
)
async def api_message(request: Request) -> Response:
    return api_json(await run(request, envelope, request.path_params["id"]))


ROUTES = [
    Route("/", search_view, name="search"),
    Route("/message/{id}", message_view, name="message"),
    Route("/api/search", api_search, name="api_search"),
    Route("/api/messages/{id}", api_message, name="api_message"),
]
