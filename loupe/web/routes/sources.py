"""Coded sources: ``/sources`` (every code, as ``loupe sources``) and ``/source/{code}`` (as ``loupe source``).

``source_profile`` gathers what ``loupe source`` gathers inline (the
report texts re-read from the originals, the codes named alongside); if a
third caller appears, it belongs in ``loupe.sources.registry``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.store.sources import TABLE_ORDERS
from loupe.web.charts import histogram, timeline_for
from loupe.web.openapi import INTEGER, STRING, Operation, Param, Schema, array, documented, mapping, nullable, obj
from loupe.web.render import api_json, page
from loupe.web.workbench import choice_param, run

NAV = ("Sources", "/sources")

SORTS = TABLE_ORDERS  # the same orders as ``loupe sources --sort``
SORT_NAMES = tuple(SORTS)


def sources_table(case: Case, sort: str) -> list[dict[str, Any]]:
    rows = case.db.sources.table()
    rows.sort(key=SORTS[sort])
    return rows


def source_profile(case: Case, code: str) -> dict[str, Any]:
    """A source's whole profile, as ``loupe source`` shows it (``Case.source_profile``)."""
    return case.source_profile(code)[0]


def _source_page(case: Case, code: str) -> dict[str, Any]:
    profile = source_profile(case, code)
    return {"p": profile, "timeline_chart": histogram(timeline_for(case, f"source:{profile['code']}"))}


async def sources_page(request: Request) -> Response:
    sort = choice_param(request, "sort", SORT_NAMES)
    return page(request, "sources.html", {"rows": await run(request, sources_table, sort), "sort": sort})


async def source_page(request: Request) -> Response:
    return page(request, "source.html", await run(request, _source_page, request.path_params["code"]))


SOURCE_ROW = obj(
    code=STRING,
    reports=INTEGER,
    stripped_copies=INTEGER,
    quoted_copies=INTEGER,
    first=STRING,
    last=STRING,
    lists=INTEGER,
    messages_mentioning=INTEGER,
    report_messages=INTEGER,
    prose_messages=INTEGER,
    mention_messages=INTEGER,
)
TRAIL = array(obj(value=STRING, first=STRING, last=STRING, messages=array(STRING)))
PROFILE: Schema = obj(
    code=STRING,
    reports=INTEGER,
    stripped_copies=INTEGER,
    quoted_copies=INTEGER,
    variants=mapping(INTEGER),
    first=STRING,
    last=STRING,
    descriptions=TRAIL,
    attributions=TRAIL,
    publication=TRAIL,
    special_handling=TRAIL,
    grades=array(
        obj(
            date=STRING,
            message=STRING,
            message_id=nullable(STRING),
            thread=STRING,
            reliability=STRING,
            credibility=STRING,
            credibility_scale=STRING,
            flags=STRING,
        )
    ),
    handlers=TRAIL,
    senders=array(obj(value=STRING, messages=INTEGER)),
    lists=array(obj(value=STRING, messages=INTEGER)),
    top_terms=array(obj(term=STRING, count=INTEGER)),
    places=array(obj(name=STRING, reports=INTEGER)),
    organisations=array(obj(name=STRING, reports=INTEGER)),
    codes_alongside=array(obj(code=STRING, messages=INTEGER)),
    messages=array(
        obj(
            message=STRING,
            message_id=nullable(STRING),
            thread=STRING,
            date=STRING,
            list=STRING,
            variant=STRING,
            subject=STRING,
            linked_to=nullable(STRING),
        )
    ),
    messages_mentioning=INTEGER,
    levels=obj(report=INTEGER, prose=INTEGER, mention=INTEGER),
    named_in=array(
        obj(
            message=STRING,
            message_id=nullable(STRING),
            thread=STRING,
            level=STRING,
            date=STRING,
            subject=STRING,
        )
    ),
)


@documented(
    Operation(
        "Every informant code: reports, stripped copies, first and last date, lists",
        "sources",
        array(SOURCE_ROW),
        (
            Param(
                "sort",
                "query",
                "reports (default), code, first, last or mentions.",
                {"type": "string", "enum": SORT_NAMES},
            ),
        ),
        errors=(400,),
    )
)
async def api_sources(request: Request) -> Response:
    return api_json(await run(request, sources_table, choice_param(request, "sort", SORT_NAMES)))


@documented(
    Operation(
        "One source's profile: descriptions over time, grades as written, handlers, lists, terms, reports",
        "sources",
        PROFILE,
        (Param("code", "path", "The code, in any padding or case (MX01 = MX1).", STRING, example="MX1"),),
        errors=(404,),
    )
)
async def api_source(request: Request) -> Response:
    return api_json(await run(request, source_profile, request.path_params["code"]))


ROUTES = [
    Route("/sources", sources_page, name="sources"),
    Route("/source/{code}", source_page, name="source"),
    Route("/api/sources", api_sources, name="api_sources"),
    Route("/api/sources/{code}", api_source, name="api_source"),
]
