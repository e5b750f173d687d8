"""Saved searches (``loupe saved``): ``/saved``, and the "save this search" form of the search page.

Saving under an existing name replaces it, as ``loupe saved add`` does.
Each saved search is listed with its current total, so a reporter sees at a
glance what a new ingest added.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.errors import QueryError
from loupe.search.query import parse
from loupe.web.openapi import BOOLEAN, INTEGER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, link, page, redirect
from loupe.web.workbench import author_of, json_body, run

NAV = ("Saved searches", "/saved")
MAX_NAME = 200


def saved_list(case: Case) -> list[dict[str, Any]]:
    out = []
    for saved in case.db.saved_search_details():
        try:
            total: int | None = case.search(saved["query"], limit=1, snippets=False)[0]
        except QueryError:  # saved before the language changed: still listed, with no total
            total = None
        out.append({**saved, "total": total})
    return out


def save(case: Case, name: str, query: str, author: str | None = None) -> dict[str, Any]:
    case.db.save_search(name, query, author=author)
    return {"name": name, "query": query}


def checked(name: str, query: str) -> tuple[str, str]:
    name, query = name.strip(), query.strip()
    if not name or len(name) > MAX_NAME:
        raise HTTPException(400, f"a saved search needs a name of 1 to {MAX_NAME} characters")
    if not query:
        raise HTTPException(400, "there is no query to save")
    parse(query)  # a malformed query is refused (400, with its column), not stored
    return name, query


async def saved_page(request: Request) -> Response:
    return page(request, "saved.html", {"saved": await run(request, saved_list)})


async def form_save(request: Request) -> Response:
    form = await request.form()
    name, query = checked(str(form.get("name", "")), str(form.get("q", "")))
    await run(request, save, name, query, author_of(request))
    return redirect(request, link("/", q=query, saved=name))


async def form_delete(request: Request) -> Response:
    form = await request.form()
    await run(request, forget, str(form.get("name", "")))
    return redirect(request, "/saved")


def forget(case: Case, name: str) -> dict[str, Any]:
    case.db.delete_saved_search(name)
    return {"name": name, "deleted": True}


SAVED = obj(name=STRING, query=STRING)


@documented(
    Operation(
        "Saved searches, each with its current total (null when its query no longer parses)",
        "saved",
        array(
            {
                **SAVED,
                "properties": {
                    **SAVED["properties"],
                    "total": nullable(INTEGER),
                    "author": nullable(STRING),
                    "created": STRING,
                },
            }
        ),
        description="`author`: the account that saved it on a team server (null from the command line).",
    )
)
async def api_saved(request: Request) -> Response:
    return api_json(await run(request, saved_list))


@documented(
    Operation(
        "Save (or replace) a named search",
        "saved",
        SAVED,
        body={"type": "object", "properties": {"name": STRING, "query": STRING}, "required": ["name", "query"]},
        status=201,
        errors=(400, 403),
    )
)
async def api_save(request: Request) -> Response:
    body = await json_body(request)
    name, query = body.get("name"), body.get("query")
    if not isinstance(name, str) or not isinstance(query, str):
        raise HTTPException(400, "name and query must be strings")
    return api_json(await run(request, save, *checked(name, query), author_of(request)), status_code=201)


@documented(
    Operation(
        "Forget a saved search",
        "saved",
        obj(name=STRING, deleted=BOOLEAN),
        (Param("name", "path", "The saved search's name.", STRING),),
        errors=(403, 404),
    )
)
async def api_delete(request: Request) -> Response:
    return api_json(await run(request, forget, request.path_params["name"]))


ROUTES = [
    Route("/saved", saved_page, methods=["GET"], name="saved"),
    Route("/saved", form_save, methods=["POST"], name="form_save"),
    Route("/api/saved", api_saved, methods=["GET"], name="api_saved"),
    Route("/api/saved", api_save, methods=["POST"], name="api_save"),
    Route("/saved/delete", form_delete, methods=["POST"], name="form_delete_saved"),
    Route("/api/saved/{name}", api_delete, methods=["DELETE"], name="api_delete_saved"),
]
