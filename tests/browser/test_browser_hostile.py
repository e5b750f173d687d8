"""A hostile email, opened in Chromium, provably does nothing.

``hostile.eml`` (beside this file) tries every trick: script tags, ``onload``
and ``onerror`` handlers, ``javascript:`` links, remote images, stylesheets,
``@import``, ``@font-face`` and ``url()`` in styles, a form, meta refresh,
``base``, frames, objects, SVG script and a mutation-XSS attempt. Each
script would change ``document.title`` and set ``window.pwned``.

First a control: the same HTML loaded raw (no Loupe) does run its scripts
and does try to reach other hosts, so the checks below can see both. Then,
through ``loupe serve``, in the text view and the HTML view (clicking every
link in the frame too): the titles stay, no global is set, and not one
request is attempted to any host but the app's own.
"""

from __future__ import annotations

import email
import re
import shutil
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from tests.browser.conftest import serving, watched

HOSTILE = Path(__file__).resolve().parent / "hostile.eml"
TITLE = "Hostile HTML test message"


def _raw_html() -> str:
    message = email.message_from_bytes(HOSTILE.read_bytes(), policy=policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/html" and not p.get_filename())
    return str(part.get_content())


@pytest.fixture(scope="module")
def hostile_server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    base = tmp_path_factory.mktemp("hostile-browser")
    (base / "mail").mkdir()
    shutil.copy(HOSTILE, base / "mail" / "hostile.eml")
    case = Case.open(base / "case", create=True)
    try:
        ingest(case, [base / "mail"], workers=1)
        mid = case.db.resolve("<hostile-1@hostile.example>")
    finally:
        case.close()
    with serving(base / "case") as url:
        yield url, mid


def test_control_the_raw_html_does_run_and_fetch(page: Any) -> None:
    """Without Loupe, the same HTML runs script and reaches out: the checks below would notice."""
    watch = watched(page, "http://127.0.0.1:1")  # nothing is the app here: every remote load is recorded
    refresh = re.compile(r"<meta http-equiv=\"refresh\"[^>]*>")
    page.set_content(refresh.sub("", _raw_html()), wait_until="load")  # the refresh would leave the page
    page.wait_for_timeout(300)
    assert page.title().startswith("PWNED")
    assert page.evaluate("window.pwned") is not None
    hosts = {re.sub(r"^\w+://([^/]+).*", r"\1", u) for u in watch.aborted}
    assert {"pixel.evil.example", "script.evil.example", "import.evil.example", "css.evil.example"} <= hosts
    page.set_content(_raw_html())
    page.wait_for_timeout(500)
    assert any("refresh.evil.example" in u for u in watch.aborted)  # and the meta refresh would navigate away


def test_text_view_runs_nothing_and_loads_nothing(
    page: Any, hostile_server: tuple[str, str], screenshots: Path
) -> None:
    url, mid = hostile_server
    watch = watched(page, url)
    page.goto(f"{url}/message/{mid}?view=text", wait_until="load")
    assert page.inner_text("h1") == TITLE
    assert "<script>document.title='PWNED by text'</script>" in page.inner_text("pre.body")
    assert page.title().startswith(TITLE)
    assert page.evaluate("window.pwned") is None
    page.screenshot(path=str(screenshots / "hostile-text.png"))
    assert watch.foreign() == [] and watch.aborted == []


def test_html_view_runs_nothing_and_loads_nothing(
    page: Any, hostile_server: tuple[str, str], screenshots: Path
) -> None:
    url, mid = hostile_server
    watch = watched(page, url)
    page.goto(f"{url}/message/{mid}?view=html", wait_until="load")
    frame_element = page.wait_for_selector("iframe.mail-html")
    assert frame_element.get_attribute("sandbox") == ""
    frame = frame_element.content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    page.wait_for_timeout(500)  # time for any timer, refresh or late handler to fire

    # the sanitised mail is there, and readable
    marker = frame.locator("p", has_text="HOSTILE-MARKER")
    assert marker.is_visible()
    assert frame.locator("img[src^='data:image/png']").count() == 1  # the cid: image, inlined
    assert frame.locator("script, form, input, iframe, object, embed, base, link, meta[http-equiv]").count() == 0
    assert frame.locator("[onerror], [onload], [onclick]").count() == 0
    assert frame.locator("a[href]").count() == 0

    # no script ran: not in the page, not in the frame
    assert page.title().startswith(TITLE)
    assert frame.title() == ""
    assert page.evaluate("window.pwned") is None

    # clicking the links does nothing either (they have no target)
    for link in frame.locator("a").all():
        link.click()
    page.wait_for_timeout(300)
    assert frame.url == f"{url}/message/{mid}/body"
    assert page.url == f"{url}/message/{mid}?view=html"

    # what it tried to load is listed, as text
    blocked = page.inner_text("details.blocked")
    assert "pixel.evil.example" in blocked and "import.evil.example" in blocked
    page.screenshot(path=str(screenshots / "hostile-html.png"), full_page=True)

    # and not one request left for another host: none attempted, none even aborted
    assert watch.foreign() == [], watch.foreign()
    assert watch.aborted == []
    assert {u for u in watch.requests if not u.startswith("data:")} <= {
        f"{url}/message/{mid}?view=html",
        f"{url}/message/{mid}/body",
        f"{url}/static/loupe.css",
        f"{url}/static/loupe.js",
        f"{url}/static/favicon.svg",
    }


def test_attachments_download_instead_of_rendering(page: Any, hostile_server: tuple[str, str]) -> None:
    url, mid = hostile_server
    watch = watched(page, url)
    page.goto(f"{url}/message/{mid}", wait_until="load")
    for name in ("invoice.html", "chart.svg"):
        with page.expect_download() as info:
            page.click(f"a.download:text('{name}')")
        assert info.value.suggested_filename == name
    assert page.title().startswith(TITLE)
    assert page.evaluate("window.pwned") is None
    assert watch.foreign() == []
