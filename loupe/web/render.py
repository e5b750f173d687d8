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
from starlette.responses import RedirectResponse, Response
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
    env.globals.update(nav=nav, link=based_link, csrf_field=csrf_field)
    return Jinja2Templates(env=env)


def base_path(request: Request) -> str:
    """Where the case's pages start: empty for ``loupe serve``; ``/cases/<name>`` on a team
    server (``loupe.web.team`` mounts each case there), so every link a page writes stays in its case."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render a template; ``request.app.state.templates`` is set up by ``app.create_app``.

    Every page gets ``base`` (see ``base_path``), ``path`` (the page's own path within the case,
    for the top bar), and on a team server the signed-in ``user``, their ``role`` and the
    session's ``csrf`` token (``csrf_field`` writes it into each form)."""
    engine: Jinja2Templates = request.app.state.templates
    base = base_path(request)
    session = request.scope.get("loupe.session")
    context = {
        "case_name": request.app.state.case_name,
        "base": base,
        "path": request.url.path[len(base) :] or "/",
        "user": session.user.name if session is not None else None,
        "role": request.scope.get("loupe.role"),
        # the write forms are shown to whoever may use them: everyone on a laptop, editors and owners on a team
        "can_write": request.scope.get("loupe.role") in (None, "editor", "owner"),
        "csrf": session.csrf if session is not None else "",
        **context,
    }
    return engine.TemplateResponse(request, name, context, status_code=status_code)


def redirect(request: Request, path: str) -> Response:
    """A 303 to ``path`` of this case (prefixed as ``base_path`` says)."""
    return RedirectResponse(base_path(request) + path, status_code=303)


@jinja2.pass_context
def based_link(context: jinja2.runtime.Context, path: str, **params: Any) -> str:
    """``link`` for templates: a path of the case gets the page's ``base`` in front."""
    url = link(path, **params)
    return str(context.get("base", "")) + url if url.startswith("/") else url


@jinja2.pass_context
def csrf_field(context: jinja2.runtime.Context) -> Markup:
    """The hidden field carrying the session's CSRF token, in every form that posts (nothing
    when there is no session: ``loupe serve`` on a laptop)."""
    token = context.get("csrf", "")
    return Markup(f'<input type="hidden" name="csrf" value="{escape(token)}">') if token else Markup("")


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
