"""Evidence packs from the browser: the search, message and quote-check pages' downloads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.evidence.check import check_pack
from loupe.evidence.citations import check_citations
from loupe.web.app import create_app
from loupe.web.routes import packs


@pytest.fixture(scope="module")
def client(demo_case: tuple[Case, dict[str, Any]]) -> TestClient:
    return TestClient(create_app(demo_case[0], allowed_hosts=["testserver"]))


def _unzipped(data: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (top,) = {name.split("/", 1)[0] for name in archive.namelist()}
        archive.extractall(into)
    return into / top


def test_search_pack_downloads_a_zip_that_verifies(client: TestClient, tmp_path: Path) -> None:
    answer = client.get("/export.pack.zip", params={"q": "source:MX1"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"]
    pack = _unzipped(answer.content, tmp_path)
    assert pack.name == "loupe-evidence-source-mx1"
    result = check_pack(pack, expect=answer.headers["x-loupe-pack-fingerprint"])
    assert result.ok and result.messages >= 5, result.problems


def test_message_page_offers_its_pack(
    client: TestClient, demo_case: tuple[Case, dict[str, Any]], tmp_path: Path
) -> None:
    (message,) = demo_case[0].matching_ids("source:MX1")[:1]
    page = client.get(f"/message/{message}")
    assert f'href="/message/{message}/pack.zip"' in page.text
    answer = client.get(f"/message/{message}/pack.zip")
    assert answer.status_code == 200
    pack = _unzipped(answer.content, tmp_path)
    result = check_pack(pack)
    assert result.ok and result.messages == 1
    assert client.get("/message/doesnotexist/pack.zip").status_code == 404


def test_search_page_links_the_pack_and_says_the_limit(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "/export.pack.zip?q=source%3AMX1" in client.get("/", params={"q": "source:MX1"}).text
    monkeypatch.setattr(packs, "WEB_PACK_LIMIT", 2)
    refused = client.get("/export.pack.zip", params={"q": "source:MX1"})
    assert refused.status_code == 400
    assert "loupe export" in refused.text and "--pack DIR" in refused.text


def test_quote_page_packs_the_articles_citations(client: TestClient, demo_dir: Path, tmp_path: Path) -> None:
    page = client.get("/quotes")
    assert 'formaction="/quotes/pack"' in page.text
    article = (demo_dir / "article.md").read_text("utf-8")
    answer = client.post("/quotes/pack", data={"article": article})
    assert answer.status_code == 200, answer.text
    pack = _unzipped(answer.content, tmp_path)
    result = check_pack(pack)
    check_citations(pack, result)
    assert result.ok and result.citations > 0, result.problems
