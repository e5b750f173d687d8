"""Writing from the browser: star, tag and note a message with the page's own forms.

Chromium sends ``Origin: null`` with these posts (the app's no-referrer
policy), so this is what proves the same-origin check lets the app's own
forms through; on a copy of the demo case, so other tests see it unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from loupe.case import Case
from tests.browser.conftest import serving, watched


def test_star_tag_and_note_a_message(
    browser: Any, demo_case: tuple[Case, dict[str, Any]], tmp_path: Path, screenshots: Path
) -> None:
    case, _ = demo_case
    copy = tmp_path / "case"
    shutil.copytree(case.root, copy)
    message = case.search("juarez", limit=1, snippets=False)[1][0].id
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    with serving(copy) as url:
        watch = watched(page, url)
        page.goto(f"{url}/message/{message}")
        page.click("form.star button")
        page.wait_for_selector("form.star button.starred")
        page.fill("input[name=tag]:not([type=hidden])", "follow-up")
        page.press("input[name=tag]:not([type=hidden])", "Enter")
        page.wait_for_selector(".tag-editor .tag:has-text('follow-up')")
        page.fill("textarea[name=text]", "Ask the port authority about the north gate.")
        page.click("form.note button")
        page.wait_for_selector(".notes .note-text:has-text('north gate')")
        page.screenshot(path=str(screenshots / "11-annotations.png"))
        page.goto(f"{url}/?q=tag:follow-up")
        assert page.inner_text(".summary .total") == "1"
        assert not watch.aborted
    context.close()
    reopened = Case.open(copy)
    try:
        assert {"starred", "follow-up"} <= set(reopened.db.tags_of(message))
        assert [n["text"] for n in reopened.db.notes.of(message)] == ["Ask the port authority about the north gate."]
    finally:
        reopened.close()
