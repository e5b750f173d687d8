"""The open case behind the server, and how a request reaches it.

One ``Case`` stays open for the life of the server (warm index, warm
parsers). Requests use it one at a time, under a lock, in a worker thread:
the blob store's zstd decompressors and the index writer are not safe to
share between threads, and a single reporter's requests take milliseconds,
so serialising them costs nothing anyone notices while keeping the event
loop free to serve static files.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from loupe.case import Case

T = TypeVar("T")


@dataclass
class Workbench:
    case: Case
    lock: threading.Lock = field(default_factory=threading.Lock)


async def run(request: Request, gather: Callable[..., T], *args: Any) -> T:
    """``gather(case, *args)`` in a worker thread, holding the case's lock."""
    bench: Workbench = request.app.state.workbench

    def locked() -> T:
        with bench.lock:
            return gather(bench.case, *args)

    return await run_in_threadpool(locked)


def author_of(request: Request) -> str | None:
    """Who is writing: the signed-in account on a team server (``loupe.web.team`` sets it), None
    for ``loupe serve`` on a laptop, where the one reporter is the author of everything."""
    user = request.scope.get("loupe.user")
    return str(user) if user else None


def int_param(request: Request, name: str, default: int, low: int = 1, high: int = 10_000) -> int:
    """An integer query parameter, clamped to [low, high]; a non-number is a 400."""
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number, not {raw!r}") from None
    return max(low, min(high, value))


def choice_param(request: Request, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first is the default); anything else is a 400."""
    raw = request.query_params.get(name, "") or choices[0]
    if raw not in choices:
        raise HTTPException(400, f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def flag_param(request: Request, name: str) -> bool:
    return request.query_params.get(name, "") in ("1", "true", "on", "yes")


async def json_body(request: Request) -> dict[str, Any]:
    """A request's JSON object; anything else is a 400."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HTTPException(400, "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the request body must be a JSON object")
    return body
