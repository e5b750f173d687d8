"""The thread page: the reply tree of a conversation, ``/thread/{id}``, and ``/api/threads/{id}``.

``?added=1`` shows under each message only what it added (quotes and
signature removed; ``loupe.threads.quoting.split_reply``, as ``loupe thread
--added``); otherwise the opening of each body. The tree is the one ``loupe
thread`` draws: parents from the case's threads table, children by date.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.web.openapi import INTEGER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, page
from loupe.web.workbench import flag_param, run

#: Characters of each body shown when not showing only what each message added.
OPENING_CHARS = 400


def _own_text(case: Case, message: str) -> str:
    """What a message added: the same split as ``loupe thread --added`` (talon, wrapped; ~1 s on first use)."""
    return case.own_text(message)


def _opening(case: Case, message: str) -> str:
    body = " ".join(case.parsed(message, attachment_text=False).body_text.split())
    return body[:OPENING_CHARS] + (" …" if len(body) > OPENING_CHARS else "")


def thread_data(case: Case, key: str, added: bool) -> dict[str, Any]:
    members = case.lookup("thread", key)
    summaries = case.db.summaries(members)
    parents = case.db.conversations.parents(members)
    order = sorted(members, key=lambda m: (_iso(summaries[m].get("date")) or "~", m))
    messages = []
    for m in order:
        s = summaries[m]
        parent = parents.get(m)
        messages.append(
            {
                "id": m,
                "parent": parent if parent in summaries else None,
                "subject": s["subject"],
                "sender": s["sender"],
                "date": _iso(s.get("date")),
                "text": _own_text(case, m) if added else _opening(case, m),
                "forwarded_authors": [
                    {k: b[k] for k in ("author_name", "author_email", "date", "date_text")}
                    for b in case.db.conversations.quoted_blocks(m)
                    if b["author_email"] or b["author_name"]
                ],
            }
        )
    dates = [m["date"] for m in messages if m["date"]]
    return {
        "thread": case.db.conversations.thread_of(order[0]) or order[0],
        "added": added,
        "first": min(dates) if dates else None,
        "last": max(dates) if dates else None,
        "senders": len({m["sender"] for m in messages}),
        "messages": messages,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def tree(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The flat, date-ordered list as nested nodes (``children``) for the template."""
    nodes = {m["id"]: {**m, "children": []} for m in messages}
    roots: list[dict[str, Any]] = []
    for m in messages:
        parent = m["parent"]
        (nodes[parent]["children"] if parent in nodes else roots).append(nodes[m["id"]])
    return roots


async def thread_page(request: Request) -> Response:
    key = request.path_params["id"]
    data = await run(request, thread_data, key, flag_param(request, "added"))
    return page(request, "thread.html", {"t": data, "roots": tree(data["messages"]), "current": key})


THREAD = obj(
    thread=STRING,
    added={"type": "boolean"},
    first=nullable(STRING),
    last=nullable(STRING),
    senders=INTEGER,
    messages=array(
        obj(
            id=STRING,
            parent=nullable(STRING),
            subject=STRING,
            sender=STRING,
            date=nullable(STRING),
            text=STRING,
            forwarded_authors=array(
                obj(author_name=STRING, author_email=STRING, date=nullable(STRING), date_text=STRING)
            ),
        )
    ),
)


@documented(
    Operation(
        "A conversation: its messages by date, each with the message it answers",
        "threads",
        THREAD,
        (
            Param("id", "path", "A message id (or unique prefix), a Message-ID, or a thread id.", STRING),
            Param(
                "added",
                "query",
                "1: `text` is only what each message added (no quotes, no signature); "
                "otherwise the opening of its body.",
                STRING,
            ),
        ),
        errors=(404,),
    )
)
async def api_thread(request: Request) -> Response:
    return api_json(await run(request, thread_data, request.path_params["id"], flag_param(request, "added")))


ROUTES = [
    Route("/thread/{id}", thread_page, name="thread"),
    Route("/api/threads/{id}", api_thread, name="api_thread"),
]
