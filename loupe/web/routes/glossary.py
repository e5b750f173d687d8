"""The glossary page: abbreviations the archive itself explains (``loupe glossary``), ``/glossary``.

Each abbreviation links to a search expanded with the glossary (``expand=1``:
``CDJ`` also finds "Ciudad Juarez").
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.web.openapi import INTEGER, STRING, Operation, Param, array, documented, obj
from loupe.web.render import api_json, page
from loupe.web.workbench import int_param, run

NAV = ("Glossary", "/glossary")


def glossary_entries(case: Case, min_evidence: int, contains: str) -> list[dict[str, Any]]:
    entries = case.glossary().entries(min_evidence)
    wanted = contains.casefold()
    return [
        {
            "abbreviation": e.abbreviation,
            "expansion": e.expansion,
            "evidence": e.evidence,
            "forms": list(e.forms),
            "examples": list(e.examples),
        }
        for e in entries
        if not wanted or wanted in e.abbreviation.casefold() or wanted in e.expansion.casefold()
    ]


async def glossary_page(request: Request) -> Response:
    least = int_param(request, "min", 1)
    contains = request.query_params.get("contains", "").strip()
    rows = await run(request, glossary_entries, least, contains)
    return page(request, "glossary.html", {"rows": rows, "min": least, "contains": contains})


ENTRY = obj(abbreviation=STRING, expansion=STRING, evidence=INTEGER, forms=array(STRING), examples=array(STRING))


@documented(
    Operation(
        "Abbreviations and what the archive says they mean, with evidence (messages glossing each)",
        "glossary",
        array(ENTRY),
        (
            Param("min", "query", "Only pairs glossed in at least this many messages (default 1).", INTEGER),
            Param("contains", "query", "Only pairs whose abbreviation or expansion contains this.", STRING),
        ),
        errors=(400,),
    )
)
async def api_glossary(request: Request) -> Response:
    least = int_param(request, "min", 1)
    return api_json(await run(request, glossary_entries, least, request.query_params.get("contains", "").strip()))


ROUTES = [
    Route("/glossary", glossary_page, name="glossary"),
    Route("/api/glossary", api_glossary, name="api_glossary"),
]
