"""Safe by default for the single-user laptop: headers on every response, and two request checks.

- **Content-Security-Policy** forbids inline script and every remote load:
  the case is a leak, and a page that fetched from elsewhere would tell
  someone it is being read. A route may set a stricter policy of its own
  (the mail frame does); it is then left alone.
- **Host check** (``TrustedHostMiddleware`` in ``app.py``): a web page the
  reporter visits could point its own host name at 127.0.0.1 (DNS
  rebinding) and read the case through the browser; only the names the
  server was started for are answered.
- **Origin check** on writes: a page elsewhere can post a form to
  127.0.0.1 (no CORS preflight for forms); a write that the browser marks
  as from another site (``Sec-Fetch-Site``), or whose ``Origin`` is not
  this server, is refused. Requests without ``Origin`` (curl, scripts) pass:
  they are not a browser acting for another site.
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The app's pages: its own script and styles only, never inline, never remote.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "object-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)

#: The sanitised mail document shown inside the sandboxed frame: nothing may
#: load at all (images the mail carries are inlined as data: URIs), and the
#: styles are the mail's own, filtered by nh3 (see ``mailhtml``).
MAIL_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox"
)

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    # a link followed out of a message must not carry the case's URL (and query) with it
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

#: Host names answered when the server listens on a loopback address.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: A case's JSON API, as its own app sees it (``/api/...``), or as a team server's middleware sees
#: it before the case is mounted (``/cases/NAME/api/...``).
API_PATH = re.compile(r"(/cases/[^/]+)?/api/")


def is_api(scope: Scope) -> bool:
    """Is the request for the JSON API, so that its answers (errors and refusals too) are JSON?
    Read from the path within the app: a case mounted at ``/cases/NAME`` has that in ``root_path``."""
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", "")).rstrip("/")
    if root and path.startswith(root):
        path = path[len(root) :]
    return API_PATH.match(path) is not None


class SecurityHeaders:
    """Adds the policy headers to every response; pages are not cached (a leak's text stays off the disk cache)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    headers[name] = value
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = CSP
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


class SameOriginWrites:
    """Refuses a write whose ``Origin`` header names another site (cross-site form posts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = Headers(scope=scope)
            if _from_elsewhere(scope, headers):
                message = "refused: a write from another site"
                response: Response = (
                    JSONResponse({"error": message, "kind": "Forbidden"}, status_code=403)
                    if is_api(scope)
                    else PlainTextResponse(message, status_code=403)
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _from_elsewhere(scope: Scope, headers: Headers) -> bool:
    """Did another site send this write?

    Browsers say so in ``Sec-Fetch-Site``; it is read first because this
    app's ``Referrer-Policy: no-referrer`` makes Chromium send ``Origin:
    null`` with the app's own form posts. Without it (older browsers), the
    ``Origin`` header must be this server's; scripts and curl send neither.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    return origin is not None and origin != _own_origin(scope, headers)


def _own_origin(scope: Scope, headers: Headers) -> str:
    return f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
