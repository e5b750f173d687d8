"""The names page (``loupe entities``) and its corrections (``loupe entity``), ``/entities``.

People, organisations and places the mail names, counted for the whole case
or for a search; each links to its messages. A reporter corrects the rules
here, without the command line: hide a word read as a place, merge two
spellings, give an entity the name they know it by. Corrections are the
same edits ``loupe entity`` records, so they survive re-ingests.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.entities.corrections import KINDS
from loupe.store.entities import CORRECTIONS
from loupe.web.openapi import BOOLEAN, INTEGER, STRING, Operation, Param, array, documented, obj
from loupe.web.render import api_json, base_path, link, page, redirect
from loupe.web.workbench import int_param, json_body, run

NAV = ("Names", "/entities")
#: What a search for each kind looks like (a click on a name lists its messages).
SEARCH_FIELDS = {"person": "entity", "organisation": "org", "place": "place"}


def entity_rows(case: Case, q: str, kind: str, limit: int, hidden: bool) -> list[dict[str, Any]]:
    kinds = (kind,) if kind in KINDS else KINDS
    rows = [e.as_dict() for e in case.entities(q, kinds, limit, hidden)]
    for row in rows:
        row["search"] = f'{SEARCH_FIELDS[row["kind"]]}:"{row["name"]}"'
    return rows


def correct(case: Case, action: str, name: str, kind: str, target: str = "", target_kind: str = "") -> dict[str, Any]:
    """Record one correction, as ``loupe entity ACTION`` does (``EntityStore.correct``)."""
    try:
        ident, _ = case.db.entities.correct(action, name, kind or None, target, target_kind or None)
    except ValueError as wrong:
        raise HTTPException(400, str(wrong)) from None
    return {"action": action, "kind": ident[0], "key": ident[1]}


async def entities_page(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    kind = request.query_params.get("kind", "")
    hidden = request.query_params.get("hidden", "") == "1"
    limit = int_param(request, "limit", 100, 1, 1000)
    rows = await run(request, entity_rows, q, kind, limit, hidden)
    context = {"rows": rows, "q": q, "kind": kind, "hidden": hidden, "limit": limit, "kinds": KINDS}
    return page(request, "entities.html", context)


async def form_correct(request: Request) -> Response:
    form = await request.form()
    fields = {k: str(form.get(k, "")) for k in ("action", "name", "kind", "target", "target_kind", "back")}
    await run(
        request, correct, fields["action"], fields["name"], fields["kind"], fields["target"], fields["target_kind"]
    )
    back = fields["back"].removeprefix(base_path(request))  # the page's own link carries the case's base
    back = back if back.startswith("/entities") else link("/entities")
    return redirect(request, back)


ENTITY = obj(
    kind=STRING,
    key=STRING,
    name=STRING,
    messages=INTEGER,
    merged=array(STRING),
    hidden=BOOLEAN,
    search=STRING,
)


@documented(
    Operation(
        "People, organisations and places the matching messages name most, users' corrections applied",
        "entities",
        array(ENTITY),
        (
            Param("q", "query", "Only the messages matching this search (default: all).", STRING),
            Param("kind", "query", "person, organisation or place (default: all three).", STRING),
            Param("limit", "query", "Rows (1-1000, default 100).", INTEGER),
            Param("hidden", "query", "1 to list hidden entities too.", STRING),
        ),
        errors=(400,),
    )
)
async def api_entities(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    limit = int_param(request, "limit", 100, 1, 1000)
    hidden = request.query_params.get("hidden", "") == "1"
    return api_json(await run(request, entity_rows, q, request.query_params.get("kind", ""), limit, hidden))


@documented(
    Operation(
        "Correct an entity: hide, unhide, merge (into target), unmerge, rename (to target)",
        "entities",
        obj(action=STRING, kind=STRING, key=STRING),
        body={
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": list(CORRECTIONS)},
                "name": STRING,
                "kind": STRING,
                "target": STRING,
                "target_kind": STRING,
            },
            "required": ["action", "name"],
        },
        status=201,
        errors=(400, 403, 404, 409),
    )
)
async def api_correct(request: Request) -> Response:
    body = await json_body(request)
    values = [body.get(k, "") for k in ("action", "name", "kind", "target", "target_kind")]
    if not all(isinstance(v, str) for v in values):
        raise HTTPException(400, "action, name, kind, target and target_kind must be strings")
    return api_json(await run(request, correct, *values), status_code=201)


ROUTES = [
    Route("/entities", entities_page, methods=["GET"], name="entities"),
    Route("/entities", form_correct, methods=["POST"], name="form_entities"),
    Route("/api/entities", api_entities, methods=["GET"], name="api_entities"),
    Route("/api/entities", api_correct, methods=["POST"], name="api_entities_correct"),
]
