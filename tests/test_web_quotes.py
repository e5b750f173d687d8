"""The quote check page and its API, on the demo case and its generated article."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.web.app import create_app


@pytest.fixture(scope="module")
def client(demo_case: tuple[Case, dict[str, Any]]) -> TestClient:
    case, _ = demo_case
    return TestClient(create_app(case, allowed_hosts=["testserver"]))


def _planted(truth: dict[str, Any]) -> list[str]:
    return sorted(q["classification"] for q in truth["article"]["quotes"])


def test_pasted_article_is_checked_on_the_page(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]], demo_dir: Path
) -> None:
    _, truth = demo_case
    article = (demo_dir / "article.md").read_text("utf-8")
    html = client.post("/quotes", data={"article": article}, headers={"origin": "http://testserver"}).text
    verdicts = re.findall(r'<h3 class="quote-head">Quote \d+ <span class="verdict [\w-]+">([\w ]+)</span>', html)
    assert sorted(verdicts) == _planted(truth)
    assert html.count('<table class="diff">') == sum(
        1 for q in truth["article"]["quotes"] if q["classification"] != "not found"
    )
    assert 'href="/source/MX3"' in html  # an insight's quote links to its source
    assert "Nearest candidates" in html


def test_uploaded_file_and_standalone_report(client: TestClient, demo_dir: Path) -> None:
    files = {"file": ("article.html", (demo_dir / "article.html").read_bytes(), "text/html")}
    page = client.post("/quotes", files=files, headers={"origin": "http://testserver"})
    assert page.status_code == 200 and "verdict not-found" in page.text
    report = client.post("/quotes/report", files=files, headers={"origin": "http://testserver"})
    assert report.headers["content-disposition"] == 'attachment; filename="quote-check.html"'
    assert report.headers["x-content-type-options"] == "nosniff"
    assert report.text.startswith("<!doctype html>") and "<script" not in report.text


def test_quotes_api_and_errors(client: TestClient, demo_case: tuple[Case, dict[str, Any]], demo_dir: Path) -> None:
    _, truth = demo_case
    article = (demo_dir / "article.md").read_text("utf-8")
    answer = client.post("/api/quotes", json={"article": article}, headers={"origin": "http://testserver"}).json()
    assert sorted(c["verdict"] for c in answer["checks"]) == _planted(truth)
    empty = client.post("/api/quotes", json={"article": " "}, headers={"origin": "http://testserver"})
    assert empty.status_code == 400
    blank_form = client.post("/quotes", data={"article": ""}, headers={"origin": "http://testserver"})
    assert blank_form.status_code == 400 and "paste an article" in blank_form.text
    foreign = client.post("/api/quotes", json={"article": article}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403


def test_corroboration_on_the_page_and_api(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    _, truth = demo_case
    for claim in truth["claims"]:
        if claim.get("wording", "shared") != "shared":
            continue  # the paraphrased ones are judged in test_corroborate_meaning_demo.py
        html = client.get("/quotes", params={"claim": claim["claim"]}).text
        plural = "" if claim["k"] == 1 else "s"
        assert f'<strong class="origins-count">{claim["k"]} independent origin{plural}</strong>' in html
        answer = client.get("/api/corroborate", params={"claim": claim["claim"]}).json()
        assert answer["independent_origins"] == claim["k"]
    assert client.get("/api/corroborate").status_code == 400
    # C9: both its origins are found by meaning alone (the mayor's brother's firms, in other words)
    paraphrased = next(c for c in truth["claims"] if c["id"] == "C9" and c["wording"] == "paraphrased")
    html = client.get("/quotes", params={"claim": paraphrased["claim"]}).text
    assert 'class="num found-by">meaning' in html and "by words and meaning" in html
    assert "Contradictions:" in html  # its planted denial, set apart
    words_only = client.get("/api/corroborate", params={"claim": paraphrased["claim"], "lexical": "1"}).json()
    assert words_only["mode"] == "lexical"
