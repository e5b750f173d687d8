"""A reporter's first minutes, in Chromium, on the demo case: search, filter, read, follow, profile.

Each step asserts on what the page shows (checked against the case), saves
a screenshot, and the whole journey makes no request to any host but the
app's own and triggers no Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from loupe.case import Case
from tests.browser.conftest import watched


def _q(url: str) -> str:
    return parse_qs(urlparse(url).query).get("q", [""])[0]


def _shot(page: Any, screenshots: Path, name: str) -> None:
    path = screenshots / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000


def test_search_filter_open_follow_profile(
    page: Any, demo_server: str, demo_case: tuple[Case, dict[str, Any]], screenshots: Path
) -> None:
    case, _ = demo_case
    watch = watched(page, demo_server)

    # 1. search: type a query, press Enter; exact total, highlighted snippets, a timeline
    page.goto(demo_server + "/")
    page.fill("#q", "juarez")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"\?q=juarez"))
    total, hits = case.search("juarez", limit=20)
    assert page.inner_text(".summary .total") == f"{total:,}"
    assert page.locator("li.result").count() == 20
    assert page.locator("li.result").first.locator("a.result-link").inner_text() == hits[0].subject
    assert page.locator(".snippet mark").count() >= 20
    assert page.locator("figure.timeline rect.bar").count() >= 12
    _shot(page, screenshots, "1-search")

    # 2. filter by a facet: the first list; the query box shows the filter, the total is the facet's count
    value, count = case.facets("juarez")["lists"][0]
    page.locator("aside.facets section", has_text="Lists").locator("a", has_text=value).click()
    page.wait_for_url(re.compile(r"list"))
    assert _q(page.url) == f"juarez list:{value}"
    assert page.input_value("#q") == f"juarez list:{value}"
    assert page.inner_text(".summary .total") == f"{count:,}"
    assert page.locator("li.facet.include").count() == 1
    _shot(page, screenshots, "2-facet")

    # 3. open a message with the keyboard: the first hit that belongs to a conversation (j moves, o opens)
    filtered = case.search(f"juarez list:{value}", limit=20)[1]
    sizes = [len(case.lookup("thread", h.id)) for h in filtered]
    index = next(i for i, n in enumerate(sizes) if n > 1)
    for _ in range(index + 2):
        page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.locator("li.result.selected").count() == 1
    assert page.locator("li.result").nth(index).get_attribute("class") == "result selected"
    page.keyboard.press("o")
    page.wait_for_url(re.compile(r"/message/"))
    opened = filtered[index]
    record = case.db.message(opened.id)
    assert page.url.endswith(f"/message/{opened.id}")
    assert page.inner_text("h1") == record["subject"]
    assert record["raw_sha256"] in page.inner_text(".provenance")
    assert record["locator"] in page.inner_text(".provenance")
    _shot(page, screenshots, "3-message")

    # 4. follow its thread: the whole conversation as a tree, this message marked; then what each added
    page.click("a.thread-link")
    page.wait_for_url(re.compile(r"/thread/"))
    assert page.locator("ul.tree li.node").count() == sizes[index]
    assert page.locator(".own.current a.result-link").get_attribute("href") == f"/message/{opened.id}"
    if sizes[index] > 2:
        assert page.locator("ul.tree ul").count() >= 1  # replies nest under what they answer
    page.click("a.added-toggle")
    page.wait_for_url(re.compile(r"added=1"))
    assert page.locator(".tree .added").count() >= 1
    _shot(page, screenshots, "4-thread")

    # 5. open a source page from the sources table
    rows = case.db.sources.table()
    top = max(rows, key=lambda r: (r["reports"], r["code"]))
    page.click("header nav >> text=Sources")
    page.wait_for_url(re.compile(r"/sources$"))
    assert page.locator("table.grid tbody tr").count() == len(rows)
    page.click(f'a.result-link[href="/source/{top["code"]}"]')
    page.wait_for_url(re.compile(r"/source/"))
    assert page.inner_text("h1") == f"Source {top['code']}"
    assert f"{top['reports']} report" in page.inner_text(".summary")
    assert page.locator("table.reports tbody tr").count() >= top["reports"]
    _shot(page, screenshots, "5-source")

    # 6. a person: the sender of the opened message, from its From link
    page.goto(f"{demo_server}/message/{opened.id}")
    page.locator("table.headers tr", has_text="From").locator("a").first.click()
    page.wait_for_url(re.compile(r"/person/"))
    profile = case.person_profile(record["from_email"])
    assert profile["name"] in page.inner_text("h1")
    assert f"Sent {profile['sent']:,}" in page.inner_text(".summary")
    _shot(page, screenshots, "6-person")

    assert watch.foreign() == [] and watch.aborted == []
    assert not [e for e in watch.errors if "Content Security Policy" in e], watch.errors


def test_slash_focuses_search_and_query_is_in_the_url(page: Any, demo_server: str, screenshots: Path) -> None:
    watch = watched(page, demo_server)
    page.goto(demo_server + "/people")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("kidnapping OR extortion")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    assert _q(page.url) == "kidnapping OR extortion"
    shared = page.url
    page.goto(demo_server + "/")
    page.goto(shared)  # a shared link shows the same search
    assert page.input_value("#q") == "kidnapping OR extortion"
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/message/"))
    _shot(page, screenshots, "7-keyboard")
    assert watch.foreign() == []


def test_every_page_keeps_to_its_own_policy(
    page: Any, demo_server: str, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    """No page breaks its own Content-Security-Policy (no inline style or script slipped in), none loads
    anything from elsewhere."""
    case, _ = demo_case
    thread = case.db.conversations.thread_sizes_top(1)[0][0]
    watch = watched(page, demo_server)
    for path in (
        "/",
        "/?q=juarez&sort=date&page=2",
        "/people",
        "/people?kind=list",
        "/sources",
        "/glossary",
        "/entities?kind=place",
        "/quotes?claim=a+gravel+quarry+near+Monterrey",
        "/tags",
        "/saved",
        f"/message/{thread}",
        f"/thread/{thread}?added=1",
        "/no/such/page",
    ):
        page.goto(demo_server + path, wait_until="load")
        assert page.locator("header.top nav a").count() >= 6, path
    assert not [e for e in watch.errors if "Content Security Policy" in e], watch.errors
    assert watch.foreign() == []
