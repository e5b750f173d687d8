"""People pages: ``/people`` (the table, as ``loupe people``) and ``/person/{who}`` (a profile, as ``loupe person``).

Corrections (merge, split, rename) stay in the CLI for now: they rewrite
the whole case's people, and a reporter should do them deliberately.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.analysis import PEOPLE_ACTIONS, edit_people
from loupe.case import Case
from loupe.store.people import TABLE_ORDERS
from loupe.web.charts import histogram, timeline_for
from loupe.web.openapi import INTEGER, STRING, Operation, Param, array, documented, obj
from loupe.web.render import api_json, page, redirect
from loupe.web.workbench import choice_param, int_param, run

NAV = ("People", "/people")
KINDS = ("person", "list", "all")
SORTS = TABLE_ORDERS  # the same orders as ``loupe people --sort``
SORT_NAMES = tuple(SORTS)
PAGE_SIZE = 100


def people_table(case: Case, kind: str, sort: str, name: str) -> list[dict[str, Any]]:
    """``loupe people``'s rows: filtered by kind and by a part of a name, sorted as the CLI sorts."""
    rows = [r for r in case.db.people.table() if kind == "all" or r["kind"] == kind]
    if name:
        wanted = name.casefold()
        rows = [r for r in rows if wanted in r["name"].casefold()]
    rows.sort(key=SORTS[sort])
    return rows


def person_data(case: Case, who: str) -> dict[str, Any]:
    """``loupe person``'s profile, with how often others forwarded or quoted this person."""
    profile = case.person_profile(who)
    quoted = case.db.conversations.quoted_by_author(profile["emails"])
    profile["forwarded_or_quoted_by_others"] = len({q["message"] for q in quoted})
    profile["search"] = f"person:{profile['emails'][0]}" if profile["emails"] else f"person:{profile['id']}"
    return profile


def _person_page(case: Case, who: str) -> dict[str, Any]:
    profile = person_data(case, who)
    return {"p": profile, "timeline_chart": histogram(timeline_for(case, profile["search"]))}


async def people_page(request: Request) -> Response:
    kind = choice_param(request, "kind", KINDS)
    sort = choice_param(request, "sort", SORT_NAMES)
    name = request.query_params.get("name", "").strip()
    number = int_param(request, "page", 1)
    rows = await run(request, people_table, kind, sort, name)
    last = max(1, -(-len(rows) // PAGE_SIZE))
    shown = rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    context = {"rows": shown, "total": len(rows), "kind": kind, "sort": sort, "name": name, "page": number}
    return page(request, "people.html", {**context, "pages": last})


def correct_person(case: Case, who: str, action: str, other: str, name: str) -> int:
    """One correction from the person page, as ``loupe people ACTION`` makes it; the person's number after."""
    if action not in PEOPLE_ACTIONS:
        raise HTTPException(400, f"action must be one of {', '.join(PEOPLE_ACTIONS)}")
    number = case.db.people.resolve(who)
    keys = {"merge": [str(number), other.strip()], "split": [other.strip()]}.get(action, [str(number)])
    if action in ("merge", "split") and not other.strip():
        raise HTTPException(400, f"{action} needs an address (or a person's number or name)")
    if action == "rename" and not name.strip():
        raise HTTPException(400, "rename needs the name to show")
    person = edit_people(case.db, action, keys, name.strip())
    return int(person["id"]) if action != "split" else number


async def form_correct_person(request: Request) -> Response:
    form = await request.form()
    values = [str(form.get(k, "")) for k in ("action", "other", "name")]
    number = await run(request, correct_person, request.path_params["who"], *values)
    return redirect(request, f"/person/{number}")


async def person_page(request: Request) -> Response:
    return page(request, "person.html", await run(request, _person_page, request.path_params["who"]))


PERSON_ROW = obj(
    id=INTEGER, name=STRING, kind=STRING, sent=INTEGER, received=INTEGER, first=STRING, last=STRING, addresses=INTEGER
)
PROFILE = obj(
    id=INTEGER,
    name=STRING,
    kind=STRING,
    emails=array(STRING),
    evidence=STRING,
    names=array(obj(name=STRING, messages=INTEGER)),
    sent=INTEGER,
    received=INTEGER,
    first=STRING,
    last=STRING,
    correspondents=array(obj(id=INTEGER, name=STRING, kind=STRING, to=INTEGER, **{"from": INTEGER})),
    lists=array(obj(list=STRING, messages=INTEGER)),
    forwarded_or_quoted_by_others=INTEGER,
    search=STRING,
)


@documented(
    Operation(
        "People (or mailing lists) with mail sent and received, first and last date",
        "people",
        array(PERSON_ROW),
        (
            Param("kind", "query", "person (default), list or all.", {"type": "string", "enum": KINDS}),
            Param(
                "sort",
                "query",
                "messages (default), sent, received, name or first.",
                {"type": "string", "enum": SORT_NAMES},
            ),
            Param("name", "query", "Only people whose name contains this.", STRING),
        ),
        errors=(400,),
    )
)
async def api_people(request: Request) -> Response:
    kind = choice_param(request, "kind", KINDS)
    sort = choice_param(request, "sort", SORT_NAMES)
    return api_json(await run(request, people_table, kind, sort, request.query_params.get("name", "").strip()))


@documented(
    Operation(
        "One person's profile: addresses, names, counts, dates, top correspondents, lists",
        "people",
        PROFILE,
        (Param("who", "path", "An address, a person number, or a unique part of a name.", STRING),),
        errors=(404, 409),
    )
)
async def api_person(request: Request) -> Response:
    return api_json(await run(request, person_data, request.path_params["who"]))


ROUTES = [
    Route("/people", people_page, name="people"),
    Route("/person/{who}/corrections", form_correct_person, methods=["POST"], name="form_correct_person"),
    Route("/person/{who:path}", person_page, name="person"),
    Route("/api/people", api_people, name="api_people"),
    Route("/api/people/{who:path}", api_person, name="api_person"),
]
