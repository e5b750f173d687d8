"""Corroboration says when a limit, not the support, decided how much was read; and reads on when asked.

At a million messages ``loupe corroborate`` answered "400 supporting
messages of 400 read": every candidate it read supported the claim, so the
count was the limit's, not the archive's. Here nine people say one thing;
reading two of them must say it read only the best two while support went
on, and ``--all`` (``?all=1``) or a higher ``--limit`` must count all nine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.pipeline import ingest
from loupe.quotes.in_case import corroborate
from loupe.web.app import create_app

CLAIM = "the ferry operator bribes the customs inspectors at the northern pier"
SAYINGS = (
    "I heard the ferry operator bribes the customs inspectors at the northern pier.",
    "Everyone knows the ferry operator bribes customs inspectors at the northern pier.",
    "The ferry operator bribes the customs inspectors at the northern pier, again.",
    "Word is the ferry operator still bribes the customs inspectors at the northern pier.",
    "So the ferry operator bribes the customs inspectors at the northern pier every week.",
    "My cousin says the ferry operator bribes the customs inspectors at the northern pier.",
    "Apparently the ferry operator bribes the customs inspectors at the northern pier.",
    "It is said the ferry operator bribes the customs inspectors at the northern pier.",
    "Again: the ferry operator bribes the customs inspectors at the northern pier.",
)
OTHERS = (
    "The ferry timetable for the northern route changes in May.",
    "Customs forms for the pier office are in the shared folder.",
    "Lunch at the pier cafe on Friday?",
)


@pytest.fixture(scope="module")
def saying_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("cap")
    mail = base / "mail"
    mail.mkdir()
    for n, text in enumerate(SAYINGS + OTHERS):
        (mail / f"m{n}.eml").write_text(
            f"From: Writer {n} <w{n}@harbour{n}.example>\nTo: desk@news.example\nSubject: note {n}\n"
            f"Date: 0{1 + n % 9} Jun 2012 09:00:00 +0000\nMessage-ID: <n{n}@harbour.example>\n\n{text}\n"
        )
    case = Case.open(base / "case", create=True)
    ingest(case, [mail], workers=1)
    case.close()
    return base / "case"


@pytest.fixture(scope="module")
def case(saying_case: Path) -> Iterator[Case]:
    opened = Case.open(saying_case)
    yield opened
    opened.close()


@pytest.mark.parametrize("lexical", [True, False])
def test_a_limit_that_ends_the_reading_is_reported(case: Case, lexical: bool) -> None:
    capped = corroborate(case, CLAIM, lexical=lexical, limit=2)
    whole = corroborate(case, CLAIM, lexical=lexical)
    assert whole.supporting == len(SAYINGS) and not whole.capped and whole.limit == 400
    if lexical:  # by words only, exactly the two best candidates are read, and both say it
        assert (capped.examined, capped.supporting, capped.capped, capped.limit) == (2, 2, True, 2)
        assert "only the 2 best candidates" in capped.counted() and "more messages may say it" in capped.counted()
    else:  # meaning reads every passage close to the claim first: nothing left unread, nothing to report
        assert capped.supporting == len(SAYINGS) and not capped.capped
    unlimited = corroborate(case, CLAIM, lexical=lexical, limit=None)
    assert unlimited.supporting == len(SAYINGS) and not unlimited.capped and unlimited.limit is None
    assert unlimited.as_dict()["limit"] is None and whole.as_dict()["capped"] is False
    assert whole.counted() == f"{len(SAYINGS)} supporting messages of {whole.examined} read"


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_says_so_and_reads_on_when_asked(saying_case: Path) -> None:
    text = _run("corroborate", CLAIM, "--case", str(saying_case), "--lexical", "--limit", "3")
    assert "3 supporting messages among the 3 read (only the 3 best candidates" in text
    assert "to read further: --limit 12, or --all" in text
    answer = json.loads(_run("corroborate", CLAIM, "--case", str(saying_case), "--lexical", "--limit", "3", "--json"))
    assert (answer["examined"], answer["limit"], answer["capped"]) == (3, 3, True)
    every = json.loads(_run("corroborate", CLAIM, "--case", str(saying_case), "--lexical", "--all", "--json"))
    assert (every["supporting_messages"], every["limit"], every["capped"]) == (len(SAYINGS), None, False)
    plain = _run("corroborate", CLAIM, "--case", str(saying_case), "--lexical")
    assert f"{len(SAYINGS)} supporting messages of" in plain and "to read further" not in plain


def test_page_and_api_say_so_and_link_to_more(case: Case) -> None:
    client = TestClient(create_app(case, allowed_hosts=["testserver"]))
    html = client.get("/quotes", params={"claim": CLAIM, "lexical": "1", "limit": "2"}).text
    assert "2 supporting messages among the 2 read" in html
    assert 'class="meta capped"' in html and "Only the 2 best candidates" in html
    assert "limit=8#corroborate" in html and "all=1#corroborate" in html
    more: dict[str, Any] = client.get("/api/corroborate", params={"claim": CLAIM, "lexical": "1", "all": "1"}).json()
    assert (more["supporting_messages"], more["limit"], more["capped"]) == (len(SAYINGS), None, False)
    capped = client.get("/api/corroborate", params={"claim": CLAIM, "lexical": "1", "limit": "2"}).json()
    assert (capped["examined"], capped["capped"]) == (2, True)
    plain = client.get("/quotes", params={"claim": CLAIM, "lexical": "1"}).text
    assert 'class="meta capped"' not in plain and f"{len(SAYINGS)} supporting messages of" in plain
    assert client.get("/api/corroborate", params={"claim": CLAIM, "limit": "many"}).status_code == 400
