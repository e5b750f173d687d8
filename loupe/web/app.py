"""The ASGI app: pages, API, static files, security, and the one error handler.

``create_app(case)`` wires an open case into a Starlette app; ``loupe serve``
runs it under uvicorn. Errors from the library map to HTTP statuses here
and nowhere else: a missing message is a 404, an ambiguous name a 409, a
malformed query a 400 that names the column, as the CLI's one line does.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from loupe.case import Case
from loupe.errors import Ambiguous, CaseError, LoupeError, NotFound, QueryError
from loupe.web.openapi import BOOLEAN, INTEGER, STRING, Operation, documented, nullable, obj, openapi_schema
from loupe.web.render import api_json, page, templates
from loupe.web.routes import page_modules, routes_and_nav
from loupe.web.security import BASE_HEADERS, CSP, LOOPBACK_HOSTS, SameOriginWrites, SecurityHeaders, is_api
from loupe.web.workbench import Workbench, run

STATUS_OF: tuple[tuple[type[LoupeError], int], ...] = (
    (NotFound, 404),
    (Ambiguous, 409),
    (QueryError, 400),
    (CaseError, 500),
)


def create_app(
    case: Case,
    *,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    modules: list[ModuleType] | None = None,
    workbench: Workbench | None = None,
    behind_gate: bool = False,
) -> Starlette:
    """The app over an open case. ``allowed_hosts``: the Host names answered (see ``security``);
    ``modules``: the page modules (default: every page whose module exists); ``workbench``: shared
    with another app over the same case (a team server's metadata-only app, which must take the
    same lock); ``behind_gate``: mounted in a team server (``loupe.web.team``), whose own
    middleware checks hosts, origins and sessions, so this app adds none."""
    page_routes, nav = routes_and_nav(modules if modules is not None else page_modules())
    routes: list[BaseRoute] = [
        *page_routes,
        Route("/api/status", api_status, name="api_status"),
        Route("/api/openapi.json", api_openapi, name="api_openapi"),
        Mount("/static", StaticFiles(packages=[("loupe.web", "static")]), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
        Middleware(SameOriginWrites),
    ]
    app = Starlette(
        routes=routes,
        middleware=[] if behind_gate else middleware,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.workbench = workbench or Workbench(case)
    app.state.templates = templates(nav)
    app.state.case_name = case.root.name
    app.state.nav = nav
    return app


def _version() -> str:
    try:
        return version("loupe")
    except PackageNotFoundError:  # running from a source tree
        return "0"


def _status(case: Case) -> dict[str, Any]:
    from loupe.verify import last_verification

    counts = case.db.status_counts()
    return {"case": case.root.name, **counts.as_dict(), "last_verified": last_verification(case)}


@documented(
    Operation(
        "Counts of everything in the case (as `loupe status`); they always add up",
        "case",
        obj(
            case=STRING,
            items=INTEGER,
            indexed=INTEGER,
            duplicates=INTEGER,
            quarantined=INTEGER,
            messages=INTEGER,
            embedded_messages=INTEGER,
            attachments=INTEGER,
            adds_up=BOOLEAN,
            last_verified=nullable(obj(finished=STRING, problems=INTEGER)),
        ),
    )
)
async def api_status(request: Request) -> Response:
    return api_json(await run(request, _status))


@documented(Operation("This schema", "case", {"type": "object"}))
async def api_openapi(request: Request) -> Response:
    return api_json(openapi_schema(request.app.routes, _version()))


# -- errors -----------------------------------------------------------------------------
def _error(request: Request, status: int, message: str, kind: str) -> Response:
    if is_api(request.scope):
        return api_json({"error": message, "kind": kind}, status_code=status)
    return page(request, "error.html", {"status": status, "message": message}, status_code=status)


async def loupe_error(request: Request, exc: Exception) -> Response:
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
    return _error(request, status, str(exc), type(exc).__name__)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # registered for HTTPException only
    kind = "NotFound" if exc.status_code == 404 else "BadRequest" if exc.status_code == 400 else "HTTPError"
    message = "no such page" if exc.status_code == 404 else str(exc.detail)
    return _error(request, exc.status_code, message, kind)


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug: one line for the reporter (the traceback is in the server's terminal). Sent outside
    the middleware stack by Starlette, so the security headers are set here too."""
    response = api_json({"error": f"internal error: {type(exc).__name__}", "kind": "InternalError"}, 500)
    if not is_api(request.scope):
        response = Response(
            f"Loupe hit an internal error ({type(exc).__name__}); the details are in the terminal running "
            "`loupe serve`.",
            status_code=500,
            media_type="text/plain",
        )
    response.headers.update({**BASE_HEADERS, "Content-Security-Policy": CSP})
    return response


EXCEPTION_HANDLERS: dict[Any, Any] = {LoupeError: loupe_error, HTTPException: http_error, Exception: server_error}
