"""The search page's downloads in Chromium: what a reporter's browser saves is every match."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from loupe.case import Case
from loupe.export import mboxrd_unquote
from loupe.ingest.mbox import iter_mbox
from tests.browser.conftest import watched


def _save(page: Any, label: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.locator("a.export", has_text=label).click()
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def test_download_every_match_as_csv_and_mbox(
    page: Any, demo_server: str, demo_case: tuple[Case, dict[str, Any]], tmp_path: Path
) -> None:
    case, _ = demo_case
    watch = watched(page, demo_server)
    page.goto(demo_server + "/?q=source%3AMX1")
    expected = sorted(case.matching_ids("source:MX1"))
    listing = _save(page, "CSV", tmp_path)
    assert listing.name == "loupe-source_MX1.csv"
    rows = list(csv.DictReader(io.StringIO(listing.read_text("utf-8-sig"))))
    assert sorted(r["id"] for r in rows) == expected
    mbox = _save(page, "mbox", tmp_path)
    messages = [mboxrd_unquote(m) for _, m in iter_mbox(mbox.open("rb"))]
    assert len(messages) == len(expected) and all(b"Message-ID" in m or b"Message-Id" in m for m in messages)
    assert page.url.endswith("/?q=source%3AMX1"), "a download does not leave the page"
    assert not watch.aborted and not watch.errors
