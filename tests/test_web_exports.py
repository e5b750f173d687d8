"""The search page's downloads: every match as CSV, or the messages as an mbox (on the demo case)."""

from __future__ import annotations

import csv
import io
import mailbox
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.export import mboxrd_unquote, raw_message
from loupe.ingest.mbox import iter_mbox
from loupe.ingest.stored import as_rfc822
from loupe.web.app import create_app
from loupe.web.routes import exports


@pytest.fixture(scope="module")
def client(demo_case: tuple[Case, dict[str, Any]]) -> TestClient:
    return TestClient(create_app(demo_case[0], allowed_hosts=["testserver"]))


def _is_download(response: Any, extension: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert extension in response.headers["content-disposition"]


def test_csv_lists_every_match_oldest_first(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    response = client.get("/export.csv", params={"q": "juarez"})
    _is_download(response, ".csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = case.matching_ids("juarez")
    assert len(expected) > 20, "paging must not cut the list"
    assert sorted(r["id"] for r in rows) == sorted(expected)
    dated = [r["date"] for r in rows if r["date"]]
    assert dated == sorted(dated)
    first = rows[0]
    assert first["page"] == f"/message/{first['id']}" and int(first["copies"]) >= 1 and first["found_at"]


def test_mbox_holds_the_messages(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    response = client.get("/export.mbox", params={"q": "source:MX1"})
    _is_download(response, ".mbox")
    expected = case.matching_ids("source:MX1")
    found = list(iter_mbox(io.BytesIO(response.content)))
    assert len(found) == len(expected) > 3
    for _, quoted in found:
        message = mboxrd_unquote(quoted)
        originals = {as_rfc822(raw_message(case, m)) for m in expected}
        assert message in originals or message[:-1] in originals  # an mbox ends each message with a line break


def test_mbox_is_read_by_pythons_mailbox(client: TestClient, tmp_path: Any) -> None:
    response = client.get("/export.mbox", params={"q": "source:MX1"})
    target = tmp_path / "mx1.mbox"
    target.write_bytes(response.content)
    read = mailbox.mbox(str(target))
    assert len(read) == len(list(iter_mbox(io.BytesIO(response.content)))) and all(m["Message-ID"] for m in read)


def test_too_many_for_a_browser_mbox_says_what_to_do(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "WEB_EXPORT_LIMIT", 3)
    response = client.get("/export.mbox", params={"q": "juarez"})
    assert response.status_code == 400 and "loupe export" in response.text and "Narrow the query" in response.text


def test_bad_query_is_a_400(client: TestClient) -> None:
    for url in ("/export.csv", "/export.mbox"):
        response = client.get(url, params={"q": "(juarez"})
        assert response.status_code == 400 and "unclosed parenthesis" in unescape(response.text)


def test_search_page_links_its_downloads(client: TestClient) -> None:
    page = unescape(client.get("/", params={"q": "juarez", "expand": "1"}).text)
    assert "/export.csv?q=juarez&expand=1" in page and "/export.mbox?q=juarez&expand=1" in page
    assert "download all" not in unescape(client.get("/", params={"q": "nosuchwordanywhere"}).text)


def test_links_keep_the_search_flags(client: TestClient) -> None:
    """Each link the search page makes for the same search (sort, pages, downloads) keeps
    expand, written so the server reads it back: CDJ expanded finds what Juarez finds."""
    import re

    def total(html: str) -> int:
        found = re.search(r'<strong class="total">([\d,]+)</strong>', html)
        assert found, html[:300]
        return int(found.group(1).replace(",", ""))

    expanded = client.get("/", params={"q": "CDJ", "expand": "1"}).text
    assert total(expanded) > total(client.get("/", params={"q": "CDJ"}).text)
    same_search = re.findall(r'href="(/(?:export\.\w+)?\?q=CDJ&[^"]*)"', unescape(expanded))
    assert len(same_search) >= 3 and all("expand=1" in url for url in same_search), same_search
    resorted = next(url for url in same_search if "sort=date" in url)
    assert total(client.get(resorted).text) == total(expanded)
    listed = client.get(next(url for url in same_search if url.startswith("/export.csv")))
    assert len(list(csv.DictReader(io.StringIO(listed.content.decode("utf-8-sig"))))) == total(expanded)


def test_aleph_and_datasette_downloads(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]], tmp_path: Any
) -> None:
    """The same files as ``loupe export --ftm`` and ``--sqlite``, for the reporter in the browser."""
    import json

    from followthemoney import model
    from sqlite_utils import Database

    case, _ = demo_case
    expected = sorted(case.matching_ids("source:MX1"))
    ftm = client.get("/export.ftm.json", params={"q": "source:MX1"})
    _is_download(ftm, ".ftm.json")
    entities = [model.get_proxy(json.loads(line)) for line in ftm.text.splitlines()]
    assert len([e for e in entities if e.schema.name == "Email"]) == len(expected)
    sqlite = client.get("/export.db", params={"q": "source:MX1"})
    _is_download(sqlite, ".db")
    (tmp_path / "mx1.db").write_bytes(sqlite.content)
    db = Database(tmp_path / "mx1.db")
    assert sorted(r["id"] for r in db.table("messages").rows) == expected
    assert db.table("messages").detect_fts() == "messages_fts"
    db.close()
    page = unescape(client.get("/", params={"q": "source:MX1"}).text)
    assert "/export.ftm.json?q=source%3AMX1" in page and "/export.db?q=source%3AMX1" in page
