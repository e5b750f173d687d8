"""Every page of `loupe serve`, on the demo case, through Starlette's TestClient.

Each test checks what the page shows against the capability layer (the same
``Case`` the CLI uses), not against the template's wording.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.web.app import create_app
from loupe.web.security import CSP


@pytest.fixture(scope="module")
def client(demo_case: tuple[Case, dict[str, Any]]) -> TestClient:
    case, _ = demo_case
    return TestClient(create_app(case, allowed_hosts=["testserver"]))


def _links(html: str, css_class: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a class="{css_class}" href="([^"]+)"', html)]


def _query_of(href: str) -> str:
    return parse_qs(urlparse(href).query).get("q", [""])[0]


def test_home_shows_counts_examples_and_syntax(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    counts = case.db.status_counts()
    assert f"{counts.messages:,}" in response.text
    assert "How to write a query" in response.text
    assert 'href="/?q=juarez"' in response.text
    assert '<script src="/static/loupe.js" defer></script>' in response.text
    assert "<script>" not in response.text and " style=" not in response.text  # the CSP forbids both


def test_search_page_total_snippets_facets_timeline_and_pages(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    case, _ = demo_case
    total, hits = case.search("juarez", limit=20)
    response = client.get("/?q=juarez")
    assert response.status_code == 200
    html = response.text
    assert f'<strong class="total">{total:,}</strong>' in html
    assert html.count('<li class="result">') == len(hits) == 20
    assert [h.split("/")[-1] for h in _links(html, "result-link")] == [h.id for h in hits]
    assert "<mark>" in html and "[[" not in html  # highlighted, markers gone
    assert "<svg" in html and html.count('<rect class="bar"') >= 12  # months of results
    assert "Senders" in html and "Lists" in html
    last = -(-total // 20)
    assert f'href="/?q=juarez&amp;page={last}"' in html
    assert 'rel="next" href="/?q=juarez&amp;page=2"' in html


def test_search_by_date_and_paging_follow_the_case(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    _, page3 = case.search("juarez", limit=20, offset=40, by_date=True)
    html = client.get("/?q=juarez&sort=date&page=3").text
    assert [h.split("/")[-1] for h in _links(html, "result-link")] == [h.id for h in page3]
    assert "showing 41–60" in html


def test_facet_click_filters_then_excludes_then_drops(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    case, _ = demo_case
    total, _ = case.search("juarez", limit=1, snippets=False)
    value, count = case.facets("juarez")["lists"][0]
    html = client.get("/?q=juarez").text
    facet_links = [unescape(h) for h in re.findall(r'<li class="facet ">\s*<a href="([^"]+)"', html)]
    include = next(h for h in facet_links if _query_of(h).endswith(f"list:{value}"))
    assert _query_of(include) == f"juarez list:{value}"
    html = client.get(include).text
    assert f'<strong class="total">{count:,}</strong>' in html
    exclude = next(unescape(h) for h in re.findall(r'<li class="facet include">\s*<a href="([^"]+)"', html))
    assert _query_of(exclude) == f"juarez -list:{value}"
    html = client.get(exclude).text
    assert f'<strong class="total">{total - count:,}</strong>' in html
    assert "excluded" in html  # the excluded value is still listed, to click back in
    drop = next(unescape(h) for h in re.findall(r'<li class="facet exclude">\s*<a href="([^"]+)"', html))
    assert _query_of(drop) == "juarez"


def test_timeline_bars_narrow_the_query(client: TestClient) -> None:
    html = client.get("/?q=juarez").text
    bars = [unescape(h) for h in re.findall(r'<a href="(/\?q=juarez\+date[^"]+)">\s*<rect class="bar"', html)]
    assert bars and all(re.fullmatch(r"juarez date:\d{4}-\d{2}", _query_of(b)) for b in bars)


def test_malformed_query_names_the_column(client: TestClient) -> None:
    response = client.get("/", params={"q": "juarez (sinaloa OR culiacan"})
    assert response.status_code == 400
    assert "unclosed parenthesis (at character 8)" in response.text


def _message_with(case: Case, query: str) -> str:
    return case.search(query, limit=1, snippets=False)[1][0].id


def test_message_page_headers_body_provenance(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    mid = _message_with(case, "juarez")
    record = case.db.message(mid)
    html = client.get(f"/message/{mid}").text
    assert f"<h1>{record['subject']}</h1>" in unescape(html)
    assert record["raw_sha256"] in html
    assert unescape(html).count(record["locator"]) >= 1
    assert f'href="/api/messages/{mid}/original"' in html
    body = case.parsed(mid).body_text.strip().splitlines()[0]
    assert body[:40] in unescape(html)


def test_original_download_is_an_attachment_with_nosniff(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    import hashlib

    case, _ = demo_case
    mid = _message_with(case, "juarez")
    response = client.get(f"/api/messages/{mid}/original")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(response.content).hexdigest() == case.db.message(mid)["raw_sha256"]


def test_attachments_listed_with_preview_and_download(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    import hashlib

    case, _ = demo_case
    mid = _message_with(case, "has:attachment mimetype:text/csv")
    html = client.get(f"/message/{mid}").text
    attachment = case.db.message(mid)["attachments"][0]
    assert attachment["sha256"] in html
    text = case.parsed(mid).attachments[0].text
    assert text.splitlines()[0][:30] in unescape(html)
    response = client.get(f"/api/messages/{mid}/attachments/{attachment['position']}")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(response.content).hexdigest() == attachment["sha256"]
    assert client.get(f"/api/messages/{mid}/attachments/99").status_code == 404


def test_html_only_message_defaults_to_the_sandboxed_frame(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    case, truth = demo_case
    wanted = next(m["message_id"] for m in truth["messages"] if m.get("body_format") == "html-only")
    mid = case.db.resolve(wanted)
    html = client.get(f"/message/{mid}").text
    assert f'<iframe class="mail-html" src="/message/{mid}/body" sandbox=""' in html
    assert '<a href="/message/' + mid + '?view=text">text</a>' in html
    frame = client.get(f"/message/{mid}/body")
    assert "default-src 'none'" in frame.headers["content-security-policy"]
    assert "sandbox" in frame.headers["content-security-policy"]
    assert "<script" not in frame.text.lower()
    text_view = client.get(f"/message/{mid}?view=text").text
    assert '<pre class="body">' in text_view and "<iframe" not in text_view


def test_unknown_message_is_a_404_page(client: TestClient) -> None:
    response = client.get("/message/ffffffffffffffff")
    assert response.status_code == 404
    assert "no message" in response.text
    assert response.headers["content-security-policy"] == CSP


def test_thread_page_tree_and_what_each_added(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    thread, size = case.db.conversations.thread_sizes_top(1)[0]
    html = client.get(f"/thread/{thread}").text
    assert html.count('<li class="node">') == size
    assert html.count('<div class="opening">') >= size - 1
    parents = case.db.conversations.parents(case.lookup("thread", thread))
    assert html.count("<ul>") >= len({p for p in parents.values() if p})  # nested: one list per parent
    added = client.get(f"/thread/{thread}?added=1").text
    assert added.count('<li class="node">') == size
    assert '<div class="added">' in added
    member = case.lookup("thread", thread)[-1]
    assert client.get(f"/message/{member}").text.count(f'href="/thread/{member}"') == 1


def test_people_and_person_pages(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    rows = sorted(
        (r for r in case.db.people.table() if r["kind"] == "person"), key=lambda r: -(r["sent"] + r["received"])
    )
    html = client.get("/people").text
    names = [unescape(n) for n in re.findall(r'<a class="result-link" href="/person/\d+">([^<]+)</a>', html)]
    assert names[:5] == [r["name"] for r in rows[:5]]
    lists = client.get("/people?kind=list").text
    assert "Mailing lists" in lists
    top = rows[0]
    profile = case.person_profile(str(top["id"]))
    person = client.get(f"/person/{top['id']}").text
    assert f"Sent <strong>{profile['sent']:,}</strong>" in person
    assert profile["emails"][0] in person
    assert client.get(f"/person/{profile['emails'][0]}").status_code == 200
    assert client.get("/person/nobody-at-all@nowhere.example").status_code == 404


def test_sources_and_source_pages(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    rows = case.db.sources.table()
    html = client.get("/sources").text
    codes = re.findall(r'<a class="result-link" href="/source/([^"]+)">', html)
    assert sorted(codes) == sorted(r["code"] for r in rows)
    top = max(rows, key=lambda r: r["reports"])
    page = client.get(f"/source/{top['code']}").text
    assert f"<h1>Source {top['code']}</h1>" in page
    assert f"<strong>{top['reports']}</strong> report" in page
    assert "identification trail" in page
    padded = top["code"][:2] + "0" + top["code"][2:]
    assert client.get(f"/source/{padded}").status_code == 200  # MX01 = MX1
    assert client.get("/source/ZZ999").status_code == 404


def test_glossary_page(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    entries = case.glossary().entries(2)
    html = client.get("/glossary?min=2").text
    shown = re.findall(r'<a class="result-link" href="[^"]+"><strong>([^<]+)</strong>', html)
    assert [unescape(s) for s in shown] == [e.abbreviation for e in entries]
    assert f'href="/?q={entries[0].abbreviation}&amp;expand=1"' in html


def test_tags_and_saved_pages_render(client: TestClient) -> None:
    assert "Tags, stars and notes" in client.get("/tags").text
    assert "Saved searches" in client.get("/saved").text


def test_static_assets_are_served_by_the_app(client: TestClient) -> None:
    for path, kind in (("/static/loupe.css", "text/css"), ("/static/loupe.js", "javascript")):
        response = client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "http://" not in response.text and "https://" not in response.text  # nothing remote
