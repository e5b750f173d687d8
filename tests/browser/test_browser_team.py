"""The team server in a browser: log in, tag as an editor, be refused as a reader, find another
case's message a 404, log out (issue 18's "Done when").

One real ``loupe server serve`` subprocess over a SQLite server folder made
only with the CLI, as an administrator would: users from ``--password-stdin``,
two cases from ``case add``, filled by ``loupe ingest``, members from
``member set``. Each user signs in through the login page in a browser
context of their own.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CORPORA = Path("/work/shared/corpora")
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class TeamServer:
    url: str
    folder: Path


def loupe(*args: str, stdin: str | None = None) -> None:
    """One ``loupe`` command, as an administrator types it; its output shown if it fails."""
    done = subprocess.run([sys.executable, "-m", "loupe", *args], input=stdin, capture_output=True, text=True)
    assert done.returncode == 0, f"loupe {' '.join(args)}: {done.stdout}{done.stderr}"


def free_port() -> int:
    """``server serve --port 0`` would print port 0 and never say which one uvicorn took, so pick one."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Uvicorn binds after the command prints its address: ask until it answers (or the process dies)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"loupe server serve stopped ({process.returncode}): {log.read_text()}")
        try:
            httpx.get(url + "/login", timeout=5).raise_for_status()
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"loupe server serve did not answer in 60 s: {log.read_text()}")


@pytest.fixture(scope="module")
def team_server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    """Case alpha (notmuch-default): erin edits, rita reads; case beta (notmuch-edge): bob owns it."""
    root = tmp_path_factory.mktemp("team")
    folder = root / "server"
    server = ("server", "--server", str(folder))
    for name in ("erin", "rita", "bob"):
        loupe(*server, "user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    loupe(*server, "case", "add", "alpha")
    loupe(*server, "case", "add", "beta", "--owner", "bob")
    loupe(*server, "member", "set", "erin", "alpha", "editor")
    loupe(*server, "member", "set", "rita", "alpha", "reader")
    loupe("ingest", str(CORPORA / "notmuch-default"), "--case", str(folder / "cases" / "alpha"))
    loupe("ingest", str(CORPORA / "notmuch-edge"), "--case", str(folder / "cases" / "beta"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "loupe", *server, "serve", "--port", str(port)], stdout=out, stderr=out
        )
    try:
        wait_until_up(process, url, log)
        yield TeamServer(url, folder)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """Makes a fresh browser context (its own cookie jar) per user; closes them all after the test."""
    made: list[Any] = []

    def new() -> Any:
        made.append(browser.new_context(viewport={"width": 1366, "height": 900}))
        return made[-1]

    yield new
    for context in made:
        context.close()


def sign_in(page: Any, name: str) -> None:
    """Fill and send the login form the page is on; wait until the server has sent us on."""
    assert "/login" in page.url, page.url
    page.fill("form.login input[name=name]", name)
    page.fill("form.login input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_selector("form.account .who")


def open_first_hit(page: Any, server: TeamServer, case: str, query: str) -> str:
    """Search ``case`` with its search form, open the first result; the message page's URL."""
    page.fill("form.search input[name=q]", query)
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_url(lambda url: url.startswith(f"{server.url}/cases/{case}/?q={query}"))
    page.click("a.result-link >> nth=0")
    page.wait_for_url(f"{server.url}/cases/{case}/message/*")
    page.wait_for_selector("article.message h1")
    return str(page.url)


def audit_entries(server: TeamServer, action: str, user: str) -> list[Any]:
    from loupe.server import audit
    from loupe.server.db import open_server_db, server_url

    engine = open_server_db(server_url(server.folder))
    try:
        return [e for e in audit.entries(engine) if e.action == action and e.user == user]
    finally:
        engine.dispose()


NEW_TAG = "input[name=tag]:not([type=hidden])"


def test_an_editor_logs_in_searches_and_tags_a_message(team_server: TeamServer, contexts: Any) -> None:
    page = contexts().new_page()
    page.goto(team_server.url + "/")
    page.wait_for_url(lambda url: url == team_server.url + "/login?next=%2F")
    sign_in(page, "erin")
    assert page.url == team_server.url + "/"
    assert page.locator("table.cases a.result-link").all_inner_texts() == ["alpha"]
    page.click("table.cases a.result-link:has-text('alpha')")
    page.wait_for_url(f"{team_server.url}/cases/alpha/")
    assert page.inner_text("form.account .who") == "erin · editor"
    message_url = open_first_hit(page, team_server, "alpha", "notmuch")
    page.fill(NEW_TAG, "follow-up")
    page.press(NEW_TAG, "Enter")
    shown = page.wait_for_selector(".tag-editor .tag:has-text('follow-up')")
    assert page.url.split("#")[0] == message_url
    assert "follow-up" in page.inner_text("table.headers")
    by = shown.query_selector(".by")  # who tagged it
    assert by is not None and "erin" in by.inner_text()
    [tagged] = audit_entries(team_server, "annotate", "erin")
    assert (tagged.case, tagged.target, tagged.detail["status"]) == ("alpha", message_url.rsplit("/", 1)[1], 303)


def test_a_reader_may_not_tag(team_server: TeamServer, contexts: Any) -> None:
    page = contexts().new_page()
    # A case page before signing in: the login, which then leads back to it.
    page.goto(team_server.url + "/cases/alpha/")
    page.wait_for_url(lambda url: url == team_server.url + "/login?next=%2Fcases%2Falpha%2F")
    sign_in(page, "rita")
    assert page.url == team_server.url + "/cases/alpha/"
    assert page.inner_text("form.account .who") == "rita · reader"
    message_url = open_first_hit(page, team_server, "alpha", "notmuch")
    # the write forms are not shown to a reader; one sent anyway (a stale page, a crafted post) is refused
    assert page.locator(NEW_TAG).count() == 1 and not page.locator(NEW_TAG).is_visible()
    page.eval_on_selector(NEW_TAG, "(input) => { input.value = 'by-a-reader'; }")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/tags")) as sent:
        page.eval_on_selector(NEW_TAG, "(input) => input.form.submit()")
    assert sent.value.status == 403
    page.wait_for_selector("text=your role on this case (reader) may not do this")
    assert [e.detail["status"] for e in audit_entries(team_server, "annotate", "rita")] == [403]
    page.goto(message_url)
    page.wait_for_selector("article.message h1")
    assert page.locator(".tag-editor .tag:has-text('by-a-reader')").count() == 0


def test_another_cases_message_is_not_found(team_server: TeamServer, contexts: Any) -> None:
    reader = contexts().new_page()
    reader.goto(team_server.url + "/cases/alpha/")
    sign_in(reader, "rita")
    message_url = open_first_hit(reader, team_server, "alpha", "notmuch")
    message_path = message_url.removeprefix(team_server.url)

    page = contexts().new_page()
    page.goto(team_server.url + "/")
    sign_in(page, "bob")
    assert page.locator("table.cases a.result-link").all_inner_texts() == ["beta"]
    seen = {}
    for path in (message_path, "/cases/alpha/", message_path.replace("/cases/alpha/", "/cases/no-such-case/")):
        response = page.goto(team_server.url + path)
        assert response is not None
        seen[path] = (response.status, page.inner_text("main").strip())
    assert set(seen.values()) == {(404, "Not found\n\nno such case\n\nBack to search")}, seen
    # bob's own case opens.
    response = page.goto(team_server.url + "/cases/beta/")
    assert response is not None and response.status == 200
    assert page.inner_text("form.account .who") == "bob · owner"


def test_logging_out_ends_the_session(team_server: TeamServer, contexts: Any) -> None:
    context = contexts()
    page = context.new_page()
    page.goto(team_server.url + "/cases/alpha/")
    sign_in(page, "erin")
    message_url = open_first_hit(page, team_server, "alpha", "notmuch")
    [cookie] = [c for c in context.cookies() if c["name"] == "loupe_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.click("form.account button:has-text('log out')")
    page.wait_for_url(team_server.url + "/login")
    assert not [c for c in context.cookies() if c["name"] == "loupe_session"]
    # Back to the message: not shown from a cache, but asked again, and sent to the login.
    page.go_back()
    page.wait_for_url(lambda url: url.startswith(team_server.url + "/login?next="))
    assert page.locator("form.login").is_visible()
    assert page.locator("article.message").count() == 0
    # The old cookie, put back, is refused too: the session ended on the server, not only in the browser.
    context.add_cookies([cookie])
    response = page.goto(message_url)
    assert response is not None and response.status == 200
    assert page.url.startswith(team_server.url + "/login?next=")
    assert page.locator("form.login").is_visible()
