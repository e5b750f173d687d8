"""The quote check in Chromium, streamed: the quotations listed at once, each verdict put in its place
as it comes, the finished report the same as the page without JavaScript gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loupe.case import Case
from tests.browser.conftest import watched

#: Records, in the page, each quotation's verdict in the order it arrives, and when the report is finished.
OBSERVER = """() => {
  window.arrivals = [];
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches("article.quote-check:not(.pending)")) window.arrivals.push(node.id);
        if (node.matches("section.quote-stream")) window.arrivals.push("listed");
      }
      if (change.type === "attributes" && change.target.matches("section.quote-report")) {
        if (!window.arrivals.includes("finished")) window.arrivals.push("finished");
      }
    }
  }).observe(document.querySelector("main"), { childList: true, subtree: true, attributes: true,
                                               attributeFilter: ["class"] });
}"""


def test_verdicts_arrive_one_by_one_without_leaving_the_page(
    page: Any, demo_server: str, demo_case: tuple[Case, dict[str, Any]], demo_dir: Path, screenshots: Path
) -> None:
    _, truth = demo_case
    watch = watched(page, demo_server)
    page.goto(demo_server + "/quotes")
    page.evaluate(OBSERVER)
    page.fill("#article", (demo_dir / "article.md").read_text("utf-8"))
    page.click("#check-quotes")
    page.wait_for_selector("section.quote-report")
    assert page.url == demo_server + "/quotes"  # no page load: the script posted the form itself
    assert demo_server + "/quotes/stream" in watch.requests
    arrivals = page.evaluate("window.arrivals")
    count = len(truth["article"]["quotes"])
    assert arrivals[0] == "listed" and arrivals[-1] == "finished"
    assert arrivals[1:-1] == [f"q{n}" for n in range(1, count + 1)]  # each in its turn, before the end
    assert page.locator(".quote-check.pending").count() == 0 and page.locator(".stream-status").count() == 0
    verdicts = page.locator(".quote-head .verdict").all_inner_texts()
    assert sorted(verdicts) == sorted(q["classification"] for q in truth["article"]["quotes"])
    assert page.input_value("#article").startswith("#")  # the article stays in the box
    page.screenshot(path=str(screenshots / "8b-quote-check-streamed.png"))
    assert not watch.aborted and not watch.errors


def test_without_javascript_the_form_posts_the_whole_report(
    browser: Any, demo_server: str, demo_case: tuple[Case, dict[str, Any]], demo_dir: Path
) -> None:
    _, truth = demo_case
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_server + "/quotes")
    page.fill("#article", (demo_dir / "article.md").read_text("utf-8"))
    page.click("#check-quotes")
    page.wait_for_selector("section.quote-report")
    verdicts = page.locator(".quote-head .verdict").all_inner_texts()
    assert sorted(verdicts) == sorted(q["classification"] for q in truth["article"]["quotes"])
    context.close()
