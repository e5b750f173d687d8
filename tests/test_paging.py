"""Cursor paging, newest first: chained pages are the whole ordered result, with nothing repeated or lost.

The order is total (date newest first, equal dates by id, undated last by
id), so the test can build it from the database and compare; the demo has
messages sharing a date (exact duplicates re-sent, lists) and undated ones.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.errors import QueryError
from loupe.ingest.pipeline import ingest
from loupe.search.paging import format_cursor, parse_cursor


def _chain(case: Case, query: str, size: int, literal: bool = False) -> list[str]:
    total, first = case.search(query, limit=size, by_date=True, snippets=False, literal=literal)
    seen = [h.id for h in first]
    cursor = first[-1].cursor if first else None
    while cursor and len(seen) < total + 5:
        _, hits = case.search(query, limit=size, after=cursor, snippets=False, literal=literal)
        if not hits:
            break
        seen += [h.id for h in hits]
        cursor = hits[-1].cursor
    return seen


def _expected(case: Case, ids: list[str]) -> list[str]:
    """The same order, built independently: the index's own dates (``date:`` ranges) via the database."""
    undated = set(case.matching_ids("-date:1900..2100"))
    dates = case.db.conversations.dates(ids)
    dated = [(datetime.fromisoformat(dates[m]), m) for m in ids if m not in undated]
    return [m for _, m in sorted(dated, key=lambda r: (-r[0].timestamp(), r[1]))] + sorted(
        m for m in ids if m in undated
    )


@pytest.mark.parametrize(("query", "size"), [("", 97), ("juarez", 13), ("source:MX1 OR list:analysts", 7)])
def test_chained_pages_are_the_whole_result_in_order(
    demo_case: tuple[Case, dict[str, Any]], query: str, size: int
) -> None:
    case, _ = demo_case
    every = case.matching_ids(query)
    chained = _chain(case, query, size)
    assert len(chained) == len(set(chained)) == len(every)  # nothing twice, nothing lost
    assert chained == _expected(case, every)


def test_ties_and_undated_messages(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    for n in range(7):  # four messages at one instant, three with no usable date
        date = "Date: Mon, 3 May 2010 10:00:00 +0000\n" if n < 4 else ("Date: not a date\n" if n == 4 else "")
        (mail / f"{n}.eml").write_text(
            f"From: a@example.org\nTo: b@example.org\nSubject: tie {n}\nMessage-ID: <t{n}@example.org>\n{date}\ntie\n"
        )
    case = Case.open(tmp_path / "case", create=True)
    ingest(case, [mail], workers=1)
    for size in (1, 2, 3, 7):
        chained = _chain(case, "tie", size)
        assert chained == _expected(case, case.matching_ids("tie")), size
    chained_literal = _chain(case, "=tie", 2)
    assert chained_literal == _expected(case, case.matching_ids("tie"))
    case.close()


def test_cursor_errors_and_round_trip() -> None:
    assert parse_cursor(format_cursor((1272880800000000000, "abc"))) == (1272880800000000000, "abc")
    assert parse_cursor("-.abc") == (None, "abc")
    for bad in ("", "abc", "12x.abc", "123."):
        with pytest.raises(QueryError, match="not a cursor"):
            parse_cursor(bad)


def test_cli_after(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    runner = CliRunner()
    first = runner.invoke(
        cli, ["search", "juarez", "--sort", "date", "--limit", "5", "--json", "--case", str(case.root)]
    )
    assert first.exit_code == 0, first.output

    rows = [json.loads(line) for line in first.output.splitlines()]
    second = runner.invoke(
        cli,
        [
            "search",
            "juarez",
            "--after",
            rows[-1]["cursor"],
            "--limit",
            "5",
            "--format",
            "ids",
            "--case",
            str(case.root),
        ],
    )
    assert second.exit_code == 0, second.output
    assert second.output.split() == _chain(case, "juarez", 5)[5:10]


def test_web_walks_by_cursor(demo_case: tuple[Case, dict[str, Any]]) -> None:
    from starlette.testclient import TestClient

    from loupe.web.app import create_app

    case, _ = demo_case
    client = TestClient(create_app(case, allowed_hosts=["testserver"]))
    first = client.get("/api/search", params={"q": "juarez", "sort": "date", "size": 10}).json()
    second = client.get("/api/search", params={"q": "juarez", "after": first["next"], "size": 10}).json()
    walked = [h["id"] for h in first["hits"] + second["hits"]]
    assert walked == _chain(case, "juarez", 10)[:20] and second["total"] == first["total"]
    page = client.get("/", params={"q": "juarez", "sort": "date"}).text
    assert 'rel="next" href="/?q=juarez&amp;after=' in page
