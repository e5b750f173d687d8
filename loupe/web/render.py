"""Templates and JSON: how a page's data becomes a response.

One Jinja2 environment with autoescaping on and ``StrictUndefined`` (a typo
in a template is an error in the tests, not a blank on the page), plus the
few filters the templates need. JSON goes out with dates as ISO text.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from loupe.search.index import Hit


def templates(nav: list[tuple[str, str]]) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("loupe.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "svg"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(marked=marked, when=when, day=day, size=human_size, number=number)
    env.globals.update(nav=nav, link=link)
    return Jinja2Templates(env=env)


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render a template; ``request.app.state.templates`` is set up by ``app.create_app``."""
    engine: Jinja2Templates = request.app.state.templates
    context = {"case_name": request.app.state.case_name, "path": request.url.path, **context}
    return engine.TemplateResponse(request, name, context, status_code=status_code)


def api_json(data: Any, status_code: int = 200) -> Response:
    """JSON with dates as ISO 8601 text and non-ASCII kept as written."""
    body = json.dumps(data, ensure_ascii=False, default=_plain)
    return Response(body, status_code=status_code, media_type="application/json")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Hit):
        return hit_record(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def hit_record(hit: Hit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "date": hit.date.isoformat() if hit.date else None,
        "from": hit.sender,
        "subject": hit.subject,
        "score": round(hit.score, 4),
        "snippet": hit.snippet,
        "cursor": hit.cursor,
    }


def marked(snippet: str) -> Markup:
    """A snippet with its ``[[matches]]`` (as ``Case.search`` marks them) in ``<mark>``; the rest escaped."""
    out = str(escape(snippet))
    return Markup(out.replace("[[", "<mark>").replace("]]", "</mark>"))


def when(value: datetime | str | None) -> str:
    """A date as a reporter reads it: ``2010-06-15 14:03 UTC``."""
    if value is None or value == "":
        return "undated"
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    shown = text[:16].replace("T", " ")
    return f"{shown} UTC" if len(shown) > 10 else shown


def day(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "–"
    return (value.isoformat() if isinstance(value, datetime) else str(value))[:10]


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # not reached


def number(n: int) -> str:
    return f"{n:,}"


def link(path: str, **params: Any) -> str:
    """A URL with query parameters, leaving out empty ones (short, shareable links).

    A flag that is on is written ``1``, which ``workbench.flag_param`` reads back (``True`` it did
    not: the sort, page and "older" links of an ``--expand`` or ``--literal`` search lost it)."""
    kept = {k: "1" if v is True else v for k, v in params.items() if v not in (None, "", False, 0)}
    return f"{path}?{urlencode(kept)}" if kept else path
