"""The app as a whole: security headers everywhere, the nav (and the Quote check slot), `loupe serve`."""

from __future__ import annotations

import importlib.util
import re
import signal
import socket
import subprocess
import sys
import types
from html import unescape
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.cli import cli
from loupe.web.app import create_app
from loupe.web.security import CSP

PAGES = [
    "/",
    "/?q=juarez",
    "/people",
    "/sources",
    "/glossary",
    "/tags",
    "/saved",
    "/api/status",
    "/api/openapi.json",
    "/static/loupe.css",
    "/no/such/page",
]


@pytest.fixture(scope="module")
def client(demo_case: tuple[Case, dict[str, Any]]) -> TestClient:
    case, _ = demo_case
    return TestClient(create_app(case, allowed_hosts=["testserver"]))


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    headers = response.headers
    assert headers["content-security-policy"] == CSP
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-src 'self'",
        "object-src 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ):
        assert directive in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["referrer-policy"] == "no-referrer"
    if not path.startswith("/static/"):
        assert headers["cache-control"] == "no-store"


def test_message_and_thread_pages_carry_the_policy(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    thread = case.db.conversations.thread_sizes_top(1)[0][0]
    for path in (f"/message/{thread}", f"/thread/{thread}", f"/api/messages/{thread}/original"):
        assert client.get(path).headers["content-security-policy"] == CSP


def test_an_internal_error_still_carries_the_policy(demo_case: tuple[Case, dict[str, Any]]) -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    module = types.ModuleType("broken_page")
    module.ROUTES = [Route("/broken", broken), Route("/api/broken", broken)]  # type: ignore[attr-defined]
    app = create_app(demo_case[0], allowed_hosts=["testserver"], modules=[module])
    client = TestClient(app, raise_server_exceptions=False)
    for path in ("/broken", "/api/broken"):
        response = client.get(path)
        assert response.status_code == 500
        assert response.headers["content-security-policy"] == CSP
        assert "a bug" not in response.text  # details stay in the server's terminal


def test_nav_lists_the_pages_and_quote_check_only_when_it_exists(client: TestClient) -> None:
    html = client.get("/").text
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S)
    assert nav is not None
    labels = [unescape(label) for label in re.findall(r">([^<]+)</a>", nav.group(1))]
    assert labels[:7] == ["Search", "People", "Sources", "Names", "Glossary", "Tags & notes", "Saved searches"]
    has_quotes = importlib.util.find_spec("loupe.web.routes.quotes") is not None
    assert ("Quote check" in labels) == has_quotes
    assert '<a href="/quotes">Quote check</a>' in html


def test_serve_is_documented_and_reports_a_busy_port(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    runner = CliRunner()
    assert "Example: loupe serve" in runner.invoke(cli, ["serve", "--help"]).output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--case", str(case.root), "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    missing = runner.invoke(cli, ["serve", "--case", str(case.root.parent / "nothing-here")])
    assert missing.exit_code != 0


def test_serve_runs_on_loopback_and_prints_its_address(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    process = subprocess.Popen(
        [sys.executable, "-m", "loupe", "serve", "--case", str(case.root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert found, line
        status = httpx.get(found.group(1) + "api/status", timeout=30).json()
        assert status["messages"] == case.db.status_counts().messages
        # the Host check: the same server under another name answers nothing
        refused = httpx.get(found.group(1) + "api/status", headers={"Host": "evil.example"}, timeout=30)
        assert refused.status_code == 400
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out.strip().endswith("stopped") and "interrupted" not in err


def test_serve_gets_the_gazetteer_ready_before_the_first_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """``loupe serve`` installs a gazetteer built in a child process, so the first message page
    does not build one (1.1 s) and the server does not keep what reading GeoNames leaves behind."""
    from loupe.commands.serve import _get_ready
    from loupe.entities import gazetteer

    monkeypatch.setattr(gazetteer, "_installed", [])

    def refuse() -> None:
        raise AssertionError("built in the server's own process")

    monkeypatch.setattr(gazetteer, "build_gazetteer", refuse)  # the child process has its own, real one
    _get_ready()
    ready = gazetteer.default_gazetteer()
    assert "monterrey" in ready.places and "pypdf" in sys.modules
