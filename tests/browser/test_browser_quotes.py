"""Quote check in Chromium: paste the demo's article, read the verdicts, count a claim's origins;
and the downloadable report opened on its own, with the network cut off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loupe.case import Case
from tests.browser.conftest import watched


def test_paste_an_article_and_count_a_claim(
    page: Any, demo_server: str, demo_case: tuple[Case, dict[str, Any]], demo_dir: Path, screenshots: Path
) -> None:
    _, truth = demo_case
    watch = watched(page, demo_server)
    page.goto(demo_server + "/")
    page.locator("nav a", has_text="Quote check").click()
    page.wait_for_url(demo_server + "/quotes")
    page.fill("#article", (demo_dir / "article.md").read_text("utf-8"))
    page.click("#check-quotes")
    page.wait_for_selector("section.quote-report")
    verdicts = page.locator(".quote-head .verdict").all_inner_texts()
    assert sorted(verdicts) == sorted(q["classification"] for q in truth["article"]["quotes"])
    altered = page.locator("article.quote-check", has=page.locator(".verdict.altered")).first
    assert altered.locator("ul.differences li").count() >= 1
    page.screenshot(path=str(screenshots / "8-quote-check.png"))

    claim = truth["claims"][0]
    page.fill("input[name=claim]", claim["claim"])
    page.click("#corroborate-claim")
    page.wait_for_selector(".origins-count")
    assert page.inner_text(".origins-count").startswith(f"{claim['k']} independent origin")
    page.screenshot(path=str(screenshots / "9-corroborate.png"))
    assert not watch.aborted and not watch.errors


def test_downloaded_report_renders_offline(
    browser: Any, demo_server: str, demo_dir: Path, screenshots: Path, tmp_path: Path
) -> None:
    import httpx

    with (demo_dir / "article.md").open("rb") as article:
        report = httpx.post(
            demo_server + "/quotes/report", files={"file": ("article.md", article)}, headers={"origin": demo_server}
        )
    saved = tmp_path / "quote-check.html"
    saved.write_bytes(report.content)
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(saved.as_uri())
    assert page.locator("section.quote").count() == 11
    assert page.locator(".verdict.not-found").count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('.verdict.altered')).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    )  # its own styles apply
    assert requests == [saved.as_uri()]  # nothing but the file itself
    page.screenshot(path=str(screenshots / "10-report.png"))
    context.close()
