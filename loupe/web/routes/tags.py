"""Tags, stars and notes on messages: ``/tags`` and the forms on the message page.

A star is the tag ``starred`` (so ``tag:starred`` finds them, in the browser
and in ``loupe search``); tags are the store's tags (``loupe tag``); notes
are the reporter's dated notebook (``loupe.store.notes``). The forms work
without script: each posts, then redirects back to the message (303).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.errors import NotFound
from loupe.store.notes import MAX_NOTE_CHARS
from loupe.web.openapi import INTEGER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, page, redirect
from loupe.web.workbench import author_of, json_body, run

NAV = ("Tags & notes", "/tags")
STAR = "starred"
#: Tags are searched as ``tag:NAME``, so a name is one word: letters, digits, ``-``, ``_``, ``.``.
TAG_NAME = re.compile(r"[\w.-]{1,100}")


def checked_tag(name: str) -> str:
    name = name.strip().lower()
    if not TAG_NAME.fullmatch(name):
        raise HTTPException(400, f"a tag is one word of letters, digits, '-', '_' or '.' (not {name!r})")
    return name


def checked_note(text: str) -> str:
    if not text.strip():
        raise HTTPException(400, "the note is empty")
    if len(text.strip()) > MAX_NOTE_CHARS:
        raise HTTPException(400, f"a note holds at most {MAX_NOTE_CHARS:,} characters")
    return text


def retag(case: Case, key: str, add: list[str], remove: list[str], author: str | None = None) -> dict[str, Any]:
    mid = case.db.resolve(key)
    if add:
        case.db.add_tags([mid], add, author=author)
    if remove:
        case.db.remove_tags([mid], remove)
    return {"id": mid, "tags": case.db.tags_of(mid)}


def add_note(case: Case, key: str, text: str, author: str | None = None) -> dict[str, Any]:
    return case.db.notes.add(case.db.resolve(key), text, author=author)


def notes_of(case: Case, key: str) -> list[dict[str, Any]]:
    return case.db.notes.of(case.db.resolve(key))


def delete_note(case: Case, key: str, note: int) -> dict[str, Any]:
    mid = case.db.resolve(key)
    if not case.db.notes.delete(mid, note):
        raise NotFound(f"note of message {mid} numbered", str(note))
    return {"deleted": note}


def overview(case: Case) -> dict[str, Any]:
    """Every tag with its count, the starred messages, and the latest notes, each with its message's summary."""
    starred = case.db.tagged(STAR)
    notes = case.db.notes.recent(100)
    summaries = case.db.summaries(list({*starred, *(n["message"] for n in notes)}))
    return {
        "tags": [{"tag": t, "count": n} for t, n in case.db.tag_counts()],
        "starred": sorted(
            ({"id": m, **summaries[m]} for m in starred if m in summaries),
            key=lambda s: (s["date"] is None, s["date"] or 0),
        ),
        "notes": [{**n, "summary": summaries.get(n["message"])} for n in notes],
    }


async def tags_page(request: Request) -> Response:
    return page(request, "tags.html", await run(request, overview))


def _back(request: Request, key: str) -> Response:
    return redirect(request, f"/message/{key}#annotations")


async def form_tags(request: Request) -> Response:
    form = await request.form()
    key = request.path_params["id"]
    tag = checked_tag(str(form.get("tag", "")))
    if form.get("action") == "remove":
        await run(request, retag, key, [], [tag])
    else:
        await run(request, retag, key, [tag], [], author_of(request))
    return _back(request, key)


async def form_star(request: Request) -> Response:
    form = await request.form()
    key = request.path_params["id"]
    if form.get("starred") == "1":
        await run(request, retag, key, [STAR], [], author_of(request))
    else:
        await run(request, retag, key, [], [STAR])
    return _back(request, key)


async def form_note(request: Request) -> Response:
    form = await request.form()
    key = request.path_params["id"]
    await run(request, add_note, key, checked_note(str(form.get("text", ""))), author_of(request))
    return _back(request, key)


async def form_note_delete(request: Request) -> Response:
    key = request.path_params["id"]
    await run(request, delete_note, key, request.path_params["note"])
    return _back(request, key)


# -- API ----------------------------------------------------------------------------
def _names(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HTTPException(400, f"{key} must be a list of tag names")
    return [checked_tag(v) for v in value]


ID = Param("id", "path", "A Loupe message id (or a unique prefix of one), or a Message-ID.", STRING)
#: ``author``: the account that wrote it on a team server; null from the command line or a laptop.
NOTE = obj(id=INTEGER, message=STRING, text=STRING, created=STRING, author=nullable(STRING))
SUMMARY = obj(subject=STRING, sender=STRING, date=nullable(STRING))


@documented(
    Operation(
        "Every tag with its number of messages, the starred messages, and the latest notes",
        "tags",
        obj(
            tags=array(obj(tag=STRING, count=INTEGER)),
            starred=array(obj(id=STRING, subject=STRING, sender=STRING, date=nullable(STRING))),
            notes=array({**NOTE, "properties": {**NOTE["properties"], "summary": nullable(SUMMARY)}}),
        ),
    )
)
async def api_tags(request: Request) -> Response:
    return api_json(await run(request, overview))


@documented(
    Operation(
        "Add and remove tags on a message (a star is the tag `starred`)",
        "tags",
        obj(id=STRING, tags=array(STRING)),
        (ID,),
        body={
            "type": "object",
            "properties": {"add": array(STRING), "remove": array(STRING)},
            "example": {"add": ["follow-up", "starred"], "remove": []},
        },
        errors=(400, 403, 404),
    )
)
async def api_retag(request: Request) -> Response:
    body = await json_body(request)
    add, remove = _names(body, "add"), _names(body, "remove")
    return api_json(await run(request, retag, request.path_params["id"], add, remove, author_of(request)))


@documented(Operation("A message's notes, oldest first", "tags", array(NOTE), (ID,), errors=(404,)))
async def api_notes(request: Request) -> Response:
    return api_json(await run(request, notes_of, request.path_params["id"]))


@documented(
    Operation(
        "Add a note to a message",
        "tags",
        NOTE,
        (ID,),
        body={"type": "object", "properties": {"text": STRING}, "required": ["text"]},
        status=201,
        errors=(400, 403, 404),
    )
)
async def api_add_note(request: Request) -> Response:
    body = await json_body(request)
    text = body.get("text")
    if not isinstance(text, str):
        raise HTTPException(400, "text must be a string")
    added = await run(request, add_note, request.path_params["id"], checked_note(text), author_of(request))
    return api_json(added, status_code=201)


@documented(
    Operation(
        "Delete one note of a message",
        "tags",
        obj(deleted=INTEGER),
        (ID, Param("note", "path", "The note's id.", INTEGER)),
        errors=(403, 404),
    )
)
async def api_delete_note(request: Request) -> Response:
    return api_json(await run(request, delete_note, request.path_params["id"], request.path_params["note"]))


ROUTES = [
    Route("/tags", tags_page, name="tags"),
    Route("/message/{id}/tags", form_tags, methods=["POST"], name="form_tags"),
    Route("/message/{id}/star", form_star, methods=["POST"], name="form_star"),
    Route("/message/{id}/notes", form_note, methods=["POST"], name="form_note"),
    Route("/message/{id}/notes/{note:int}/delete", form_note_delete, methods=["POST"], name="form_note_delete"),
    Route("/api/tags", api_tags, name="api_tags"),
    Route("/api/messages/{id}/tags", api_retag, methods=["POST"], name="api_retag"),
    Route("/api/messages/{id}/notes", api_notes, methods=["GET"], name="api_notes"),
    Route("/api/messages/{id}/notes", api_add_note, methods=["POST"], name="api_add_note"),
    Route("/api/messages/{id}/notes/{note:int}", api_delete_note, methods=["DELETE"], name="api_delete_note"),
]
