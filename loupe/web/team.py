"""The team server: many reporters, many cases, one process (or several) in front of them.

``create_team_app(team)`` answers:

- ``/login`` and ``/logout``: a session in a signed, HttpOnly, SameSite=Strict
  cookie (Secure when served over TLS), ``loupe.server.sessions``;
- ``/``: the case picker, the cases this user is a member of;
- ``/cases/<name>/members``: the members page, for the case's owners;
- ``/cases/<name>/...``: the case's own pages and API (``loupe.web.app``),
  each request let through by ``CaseGate`` only when the user's role allows
  it (``loupe.web.access``), and recorded in the audit log.

Scripts use API tokens instead of a cookie (``Authorization: Bearer ...``),
scoped to cases; a token never gives more than its owner's role.

A session's writes carry its CSRF token (a hidden ``csrf`` field, or the
``X-CSRF-Token`` header), on top of the origin check every Loupe server makes
(``security.SameOriginWrites``).

Each case is opened once per process, on its first request, and kept open
(warm index). Several processes (``loupe server serve --workers N``) share
nothing but the databases, so sessions, throttling and the audit chain live
there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote

from anyio import to_thread
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loupe.case import Case
from loupe.errors import LoginRefused, LoupeError
from loupe.server import audit, members, sessions
from loupe.server.accounts import authenticate
from loupe.server.cases import case_folder
from loupe.server.db import ROLES
from loupe.server.tokens import check_token
from loupe.web.access import allows, read_action, rule_for
from loupe.web.app import EXCEPTION_HANDLERS, create_app
from loupe.web.render import page, templates
from loupe.web.security import LOOPBACK_HOSTS, UNSAFE_METHODS, SameOriginWrites, SecurityHeaders, is_api
from loupe.web.workbench import Workbench

COOKIE = "loupe_session"
#: Where a failure to write an audit entry is reported (the server's terminal or log).
AUDIT_LOG = logging.getLogger("loupe.audit")
#: Largest write body the CSRF check reads before passing it on (an article for the quote check
#: fits many times over).
MAX_WRITE_BODY = 64 * 1024 * 1024


@dataclass
class Team:
    """What every request of a team server needs: its database, its folder, the cookie key, and the
    cases this process has opened."""

    engine: Engine
    server_dir: Path
    key: bytes
    secure_cookies: bool = False
    _apps: dict[tuple[str, bool], Starlette] = field(default_factory=dict)
    _benches: dict[str, Workbench] = field(default_factory=dict)
    _opening: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, engine: Engine, server_dir: Path, *, secure_cookies: bool = False) -> Team:
        return cls(engine, server_dir, sessions.signing_key(engine), secure_cookies)

    def case_app(self, name: str, metadata_only: bool) -> Starlette:
        """The app over case ``name``: the full one, or the envelope-only one (``loupe.web.metadata``);
        both share one open case and its lock."""
        with self._opening:
            if (name, metadata_only) not in self._apps:
                if name not in self._benches:
                    self._benches[name] = Workbench(Case.open(case_folder(self.server_dir, name)))
                bench = self._benches[name]
                modules = None
                if metadata_only:
                    from loupe.web import metadata

                    modules = [metadata]
                self._apps[(name, metadata_only)] = create_app(
                    bench.case, modules=modules, workbench=bench, behind_gate=True
                )
            return self._apps[(name, metadata_only)]

    def close(self) -> None:
        for bench in self._benches.values():
            bench.case.close()
        self.engine.dispose()


def _address(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response: Response
    if is_api(scope):
        kind = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}.get(status, "HTTPError")
        response = JSONResponse({"error": message, "kind": kind}, status_code=status)
    else:  # the error page, in the team app's frame (its links lead to the case picker, not into the case)
        response = page(Request(scope), "error.html", {"status": status, "message": message, "base": ""}, status)
    await response(scope, receive, send)


# -- sessions and CSRF ---------------------------------------------------------------------
class Sessions:
    """Finds the request's session from its cookie (``scope["loupe.session"]``), and checks the CSRF
    token of every write made with one."""

    def __init__(self, app: ASGIApp, team: Team) -> None:
        self.app = app
        self.team = team

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope)
        session = None
        if cookie:
            session = await to_thread.run_sync(sessions.find, self.team.engine, self.team.key, cookie)
        scope["loupe.session"] = session
        if session is not None and scope["method"] in UNSAFE_METHODS:
            body = await _read_body(receive)
            if body is None or not _csrf_ok(scope, body, session.csrf):
                await _refuse(
                    scope, receive, send, 403, "refused: this form is stale or not from this site (reload the page)"
                )
                return
            receive = _replay(body)
        await self.app(scope, receive, send)


def _cookie(scope: Scope) -> str | None:
    raw = Headers(scope=scope).get("cookie", "")
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_WRITE_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _csrf_ok(scope: Scope, body: bytes, expected: str) -> bool:
    """The token from the ``X-CSRF-Token`` header, or the form's ``csrf`` field (urlencoded or
    multipart: the field is found without parsing the whole upload)."""
    headers = Headers(scope=scope)
    given = headers.get("x-csrf-token")
    if given is None:
        kind = headers.get("content-type", "")
        if kind.startswith("application/x-www-form-urlencoded"):
            given = next(iter(parse_qs(body.decode("latin-1")).get("csrf", [])), None)
        elif kind.startswith("multipart/form-data"):
            given = _multipart_field(body, b"csrf")
    return given is not None and len(given) == len(expected) and given == expected


def _multipart_field(body: bytes, name: bytes) -> str | None:
    marker = b'name="' + name + b'"\r\n\r\n'
    start = body.find(marker)
    if start < 0:
        return None
    start += len(marker)
    end = body.find(b"\r\n", start)
    return body[start:end].decode("latin-1") if end > 0 else None


# -- the gate in front of each case ---------------------------------------------------------
class CaseGate:
    """Lets a request reach case ``/cases/<name>`` when its user's role allows the route, and records it."""

    def __init__(self, team: Team) -> None:
        self.team = team

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = str(scope["path_params"]["case"])
        session = scope.get("loupe.session")
        user: str | None = session.user.name if session is not None else None
        if user is None:
            token = _bearer(scope)
            if token is None:
                await _sign_in_first(scope, receive, send)
                return
            try:
                address = _address(scope)
                user = (
                    await to_thread.run_sync(lambda: check_token(self.team.engine, token, name, address=address))
                ).name
            except LoginRefused as exc:
                await _refuse(scope, receive, send, 401, str(exc))
                return
        role = await to_thread.run_sync(members.role_of, self.team.engine, user, name)
        if role is None:  # not a member, or no such case: the same answer
            await _refuse(scope, receive, send, 404, "no such case")
            return
        scope["loupe.user"], scope["loupe.role"] = user, role
        full = await to_thread.run_sync(self.team.case_app, name, False)
        route = _route_of(full, scope)
        if role == "metadata":
            envelope_app = await to_thread.run_sync(self.team.case_app, name, True)
            envelope_route = _route_of(envelope_app, scope)
            if route is not None and envelope_route is None:
                await _refuse(
                    scope, receive, send, 403, "your role on this case shows dates, correspondents and subjects only"
                )
                return
            action = read_action(envelope_route.path) if envelope_route is not None else None
            await self._answer(envelope_app, scope, receive, send, name, user, action)
            return
        rule = rule_for(scope["method"], route.path) if route is not None else None
        if rule is not None and not allows(role, rule.role):
            await _refuse(scope, receive, send, 403, f"your role on this case ({role}) may not do this")
            if rule.action is not None and route is not None:  # an attempt beyond one's role is worth a line too
                # with the route's own parameters (the message id), as the allowed request's line has them
                attempted = {**scope, **route.matches(scope)[1]}
                await to_thread.run_sync(_record, self.team.engine, attempted, name, user, rule.action, 403)
            return
        await self._answer(full, scope, receive, send, name, user, rule.action if rule else None)

    async def _answer(
        self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, case: str, user: str, action: str | None
    ) -> None:
        status = 0

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await app(scope, receive, noted)
        if action is not None:
            try:
                await to_thread.run_sync(_record, self.team.engine, scope, case, user, action, status)
            except SQLAlchemyError:  # the answer has gone: say so loudly, and keep the connection for the next request
                AUDIT_LOG.exception("audit entry not written: %s by %s on %s (%s)", action, user, case, scope["path"])


def _bearer(scope: Scope) -> str | None:
    value = Headers(scope=scope).get("authorization", "")
    kind, _, token = value.partition(" ")
    return token.strip() or None if kind.lower() == "bearer" else None


def _route_of(app: Starlette, scope: Scope) -> Route | None:
    """The route that will answer, as Starlette's router picks it: the first that matches path and
    method; else the first that matches the path only (it answers 405)."""
    partial: Route | None = None
    for route in app.routes:
        if isinstance(route, Route):
            matched, _ = route.matches(scope)
            if matched == Match.FULL:
                return route
            if matched == Match.PARTIAL and partial is None:
                partial = route
    return partial


def _record(engine: Engine, scope: Scope, case: str, user: str, action: str, status: int) -> None:
    """One audit entry: who, which case, what (the query searched, the message read, the path
    written), and the answer's status (a refused or failed request is recorded as such)."""
    relative = str(scope["path"])[len(str(scope.get("root_path", ""))) :] or "/"
    params = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
    target: str | None = relative
    if action == "search":
        target = next(iter(params.get("q", [])), "")
        if not target:  # the search page without a query: the case's home, not a search
            return
    elif "id" in scope.get("path_params", {}):
        target = str(scope["path_params"]["id"])
    with engine.begin() as conn:
        audit.record(
            conn,
            action=action,
            user=user,
            address=_address(scope),
            case=case,
            target=target,
            detail={"path": relative, "method": scope["method"], "status": status},
        )


async def _sign_in_first(scope: Scope, receive: Receive, send: Send) -> None:
    if is_api(scope) or scope["method"] != "GET":
        await _refuse(scope, receive, send, 401, "sign in first (or send an API token: Authorization: Bearer ...)")
        return
    wanted = str(scope["path"]) + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
    await RedirectResponse(f"/login?next={quote(wanted, safe='')}", status_code=303)(scope, receive, send)


# -- the team's own pages -------------------------------------------------------------------
def _team(request: Request) -> Team:
    team: Team = request.app.state.team
    return team


def _session(request: Request) -> sessions.Session | None:
    found: sessions.Session | None = request.scope.get("loupe.session")
    return found


def _safe_next(target: str) -> str:
    """Where to go after logging in: a path of this server only (never ``//elsewhere``)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


async def login_page(request: Request) -> Response:
    if _session(request) is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next", "/")), status_code=303)
    return page(request, "login.html", {"error": None, "name": "", "next": request.query_params.get("next", "/")})


async def login(request: Request) -> Response:
    form = await request.form()
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    code = str(form.get("code", "")) or None
    target = _safe_next(str(form.get("next", "/")))
    team = _team(request)
    address = _address(request.scope)
    try:
        user = await to_thread.run_sync(lambda: authenticate(team.engine, name, password, address=address, code=code))
    except LoginRefused as exc:
        status = 429 if exc.retry_after else 401
        context = {"error": str(exc), "name": name, "next": target}
        response = page(request, "login.html", context, status_code=status)
        if exc.retry_after:
            response.headers["Retry-After"] = str(int(exc.retry_after) + 1)
        return response
    cookie = await to_thread.run_sync(lambda: sessions.start(team.engine, team.key, user, address=address))
    response = RedirectResponse(target, status_code=303)
    secure = team.secure_cookies or request.url.scheme == "https"
    response.set_cookie(
        COOKIE, cookie, max_age=sessions.LIFETIME_SECONDS, httponly=True, samesite="strict", secure=secure, path="/"
    )
    return response


async def logout(request: Request) -> Response:
    session = _session(request)
    team = _team(request)
    if session is not None:

        def ended() -> None:
            sessions.end(team.engine, session)
            with team.engine.begin() as conn:
                audit.record(conn, action="logout", user=session.user.name, address=_address(request.scope))

        await to_thread.run_sync(ended)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


def signed_in(
    handler: Callable[[Request, sessions.Session], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A team page that needs a session: without one, pages go to the login, the API answers 401."""

    async def checked(request: Request) -> Response:
        session = _session(request)
        if session is None:
            if is_api(request.scope):
                return JSONResponse({"error": "sign in first", "kind": "Unauthorized"}, status_code=401)
            return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", status_code=303)
        return await handler(request, session)

    checked.__name__ = handler.__name__
    checked.__doc__ = handler.__doc__
    return checked


@signed_in
async def case_picker(request: Request, session: sessions.Session) -> Response:
    found = await to_thread.run_sync(members.cases_of, _team(request).engine, session.user.name)
    return page(request, "cases.html", {"cases": found})


@signed_in
async def api_cases(request: Request, session: sessions.Session) -> Response:
    return JSONResponse(await to_thread.run_sync(members.cases_of, _team(request).engine, session.user.name))


@signed_in
async def members_page(request: Request, session: sessions.Session) -> Response:
    """An owner's view of who may read the case, and the form that changes it."""
    team, case = _team(request), request.path_params["case"]
    role = await to_thread.run_sync(members.role_of, team.engine, session.user.name, case)
    if role is None:
        return page(request, "error.html", {"status": 404, "message": "no such case", "base": ""}, 404)
    if role != "owner":
        refusal = f"your role on this case ({role}) may not manage its members"
        return page(request, "error.html", {"status": 403, "message": refusal, "base": ""}, 403)
    error = None
    if request.method == "POST":
        form = await request.form()
        who, wanted = str(form.get("name", "")).strip(), str(form.get("role", ""))
        try:
            if wanted == "none":
                await to_thread.run_sync(lambda: members.remove(team.engine, who, case, by=session.user.name))
            else:
                await to_thread.run_sync(lambda: members.set_role(team.engine, who, case, wanted, by=session.user.name))
            return RedirectResponse(f"/cases/{case}/members", status_code=303)
        except LoupeError as exc:
            error = str(exc)
    listed = await to_thread.run_sync(members.members, team.engine, case)
    context = {
        "members": listed,
        "roles": ROLES,
        "error": error,
        "case_name": case,
        "base": f"/cases/{case}",
        "role": role,
    }
    return page(request, "members.html", context, status_code=400 if error else 200)


def create_team_app(team: Team, *, allowed_hosts: list[str] | tuple[str, ...] = LOOPBACK_HOSTS) -> Starlette:
    routes: list[BaseRoute] = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", case_picker),
        Route("/api/cases", api_cases),
        Route("/cases/{case}/members", members_page, methods=["GET", "POST"]),
        Mount("/cases/{case}", app=CaseGate(team)),
        Mount("/static", StaticFiles(packages=[("loupe.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
            Middleware(SameOriginWrites),
            Middleware(Sessions, team=team),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.team = team
    app.state.templates = templates([])
    app.state.case_name = ""
    return app


#: What ``loupe server serve`` hands each worker process (uvicorn starts them with the environment).
ENV_HOSTS = "LOUPE_ALLOWED_HOSTS"
ENV_SECURE = "LOUPE_SECURE_COOKIES"


def app_from_environment() -> Starlette:
    """The team app of one worker process: the server folder and database from ``$LOUPE_SERVER``
    and ``$LOUPE_DB`` (``loupe.server.db.server_url``), the Host names from ``$LOUPE_ALLOWED_HOSTS``."""
    import os

    from loupe.server.db import default_server_dir, open_server_db, server_url

    folder = default_server_dir()
    team = Team.open(open_server_db(server_url(folder)), folder, secure_cookies=os.environ.get(ENV_SECURE) == "1")
    hosts = [h for h in os.environ.get(ENV_HOSTS, "").split(",") if h] or list(LOOPBACK_HOSTS)
    return create_team_app(team, allowed_hosts=hosts)
