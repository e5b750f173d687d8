"""The quote check streamed: each verdict is sent as soon as it is made, not when the article is done.

The order of events is what is tested, never a duration: the app is driven
through ASGI directly (Starlette's test client collects a whole response
before it returns), the check of each quotation records when it is made,
and the ``send`` callable records when each line leaves the app.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.quotes import extract_quotes, load_article
from loupe.quotes.in_case import check_quotes
from loupe.web.app import create_app
from loupe.web.routes import quotes as quote_routes

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture(scope="module")
def client(demo_case: tuple[Case, dict[str, Any]]) -> TestClient:
    case, _ = demo_case
    return TestClient(create_app(case, allowed_hosts=["testserver"]))


def _planted(truth: dict[str, Any]) -> list[str]:
    return sorted(q["classification"] for q in truth["article"]["quotes"])


def _drive(app: Any, path: str, body: bytes, content_type: str, events: list[tuple[str, Any]]) -> list[bytes]:
    """POST ``body`` to ``path`` through ASGI; each complete line the app sends is recorded in ``events``
    (as ("sent", its number or "head")) when it is sent; the lines are returned."""
    lines: list[bytes] = []
    buffer = b""
    request = {"type": "http.request", "body": body, "more_body": False}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", content_type.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        nonlocal request
        if request is not None:
            sent, request = request, None  # type: ignore[assignment]
            return sent
        await anyio.sleep_forever()  # the client stays: nothing more to receive
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal buffer
        if message["type"] == "http.response.start":
            assert message["status"] == 200
        if message["type"] == "http.response.body":
            buffer += message.get("body", b"")
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                lines.append(line)
                events.append(("sent", json.loads(line).get("number", "head")))

    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(anyio.run, app, scope, receive, send).result()
    return lines


def _recording(monkeypatch: pytest.MonkeyPatch, events: list[tuple[str, Any]]) -> None:
    real = quote_routes.check_quote

    def check(case: Case, quote: Any) -> Any:
        checked = real(case, quote)
        events.append(("made", quote.number))
        return checked

    monkeypatch.setattr(quote_routes, "check_quote", check)


def test_api_stream_sends_each_verdict_before_the_next_is_made(
    demo_case: tuple[Case, dict[str, Any]], demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, truth = demo_case
    article = (demo_dir / "article.md").read_text("utf-8")
    events: list[tuple[str, Any]] = []
    _recording(monkeypatch, events)
    app = create_app(case, allowed_hosts=["testserver"])
    body = json.dumps({"article": article, "name": "article.md"}).encode()
    lines = [json.loads(line) for line in _drive(app, "/api/quotes/stream", body, "application/json", events)]

    head, *checks = lines
    numbers = [q["number"] for q in head["quotes"]]
    assert len(numbers) == len(truth["article"]["quotes"]) > 2
    assert [c["number"] for c in checks] == numbers  # one verdict a quotation, in the article's order
    assert sorted(c["verdict"] for c in checks) == _planted(truth)
    # the list of quotations leaves before any is checked; each verdict before the next is made
    assert events[0] == ("sent", "head")
    assert events[1:] == [event for n in numbers for event in (("made", n), ("sent", n))]
    assert events.index(("sent", numbers[0])) < events.index(("made", numbers[-1]))
    # the same answers as the whole article checked at once
    whole = check_quotes(case, load_article(article.encode(), "article.md"))
    assert checks == [c.as_dict() for c in whole]


def test_page_stream_lists_the_quotations_then_fills_each_in(
    demo_case: tuple[Case, dict[str, Any]], demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, truth = demo_case
    article = (demo_dir / "article.md").read_text("utf-8")
    events: list[tuple[str, Any]] = []
    _recording(monkeypatch, events)
    app = create_app(case, allowed_hosts=["testserver"])
    body = urlencode({"article": article}).encode()
    raw = _drive(app, "/quotes/stream", body, "application/x-www-form-urlencoded", events)
    head, *verdicts = [json.loads(line) for line in raw]
    quotes = extract_quotes(load_article(article.encode(), ""))
    assert head["count"] == len(quotes)
    assert head["html"].count('<article class="quote-check pending"') == len(quotes)
    assert 'class="quote-stream" id="report" aria-busy="true"' in head["html"]
    assert "quote-report" not in head["html"]  # the finished report's class comes with the last verdict
    assert [v["number"] for v in verdicts] == [q.number for q in quotes]
    assert sorted(v["verdict"] for v in verdicts) == _planted(truth)
    for v in verdicts:
        assert v["html"].startswith(f'<article class="quote-check" id="q{v["number"]}">')
        assert f'<span class="verdict {v["verdict"].replace(" ", "-")}">{v["verdict"]}</span>' in v["html"]
    assert events.index(("sent", quotes[0].number)) < events.index(("made", quotes[-1].number))


def test_stream_errors_come_before_the_stream(client: TestClient) -> None:
    blank = client.post("/quotes/stream", data={"article": "  "}, headers=ORIGIN)
    assert blank.status_code == 400 and "paste an article" in blank.text
    empty = client.post("/api/quotes/stream", json={"article": ""}, headers=ORIGIN)
    assert empty.status_code == 400 and empty.json()["error"]
    foreign = client.post("/api/quotes/stream", json={"article": "x"}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403


def test_an_article_without_quotations_streams_one_line(client: TestClient) -> None:
    answer = client.post("/api/quotes/stream", json={"article": "No one said anything."}, headers=ORIGIN)
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in answer.text.splitlines()] == [{"title": "article", "quotes": []}]
    page = client.post("/quotes/stream", data={"article": "No one said anything."}, headers=ORIGIN)
    (head,) = [json.loads(line) for line in page.text.splitlines()]
    assert head["count"] == 0 and "No quotations found" in head["html"]


def test_the_page_loads_its_script_and_the_stream_is_documented(client: TestClient) -> None:
    html = client.get("/quotes").text
    assert '<script src="/static/quotes.js" defer></script>' in html
    assert 'data-stream="/quotes/stream"' in html
    assert client.get("/static/quotes.js").status_code == 200
    assert client.get("/static/quotes.css").status_code == 200
    schema = client.get("/api/openapi.json").json()
    stream = schema["paths"]["/api/quotes/stream"]["post"]
    assert "application/x-ndjson" in stream["responses"]["200"]["content"]
