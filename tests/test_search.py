"""The query language, its two matching modes, facets, timelines and the search commands."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.errors import QueryError
from loupe.ingest.pipeline import ingest
from loupe.search.query import parse

from .conftest import corpus, open_case_on

MALFORMED = [
    ('"hit men', "unclosed quote at column 1"),
    ("juarez (sinaloa OR culiacan", "unclosed parenthesis at column 8"),
    ("juarez (sinaloa OR", "OR needs a term on both sides at column 17"),
    ("juarez )", "unmatched closing parenthesis at column 8"),
    ("colour:red", "unknown field 'colour:'"),
    ("from:", "'from:' needs a value at column 1"),
    ("OR juarez", "OR needs a term on both sides at column 1"),
    ("juarez OR", "OR needs a term on both sides at column 8"),
    ("juarez NOT", "NOT needs a term after it at column 8"),
    ("date:2010-13", "no such date '2010-13'"),
    ("date:last-week", "cannot read date 'last-week'"),
    ("date:2011..2010", "date range ends before it starts"),
    ("size:huge", "cannot read size 'huge'"),
    ("hitmen~3", "fuzzy distance must be 1 or 2"),
    ("s*naloa", "'*' only works at the end of a term (sinal*) at column 2"),
    ('""', "empty phrase at column 1"),
    ("has:pictures", "has:pictures is not known"),
    ("is:starred", "is:starred is not known (known: is:near-duplicate, is:document, is:mail)"),
    ("person:", "'person:' needs a value at column 1"),
    ("source:", "'source:' needs a value at column 1"),
    ("=", "'=' needs a value"),
    ("tag:", "'tag:' needs a value at column 1"),
]


@pytest.mark.parametrize(("query", "message"), MALFORMED)
def test_malformed_queries_name_the_problem_and_column(query: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(query)
    assert message in str(info.value)
    assert str(info.value).count("\n") == 0


def test_cli_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loupe", "search", "juarez (sinaloa OR culiacan", "--case", str(tmp_path / "none")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr == "loupe: unclosed parenthesis at column 8\n"


@pytest.fixture(scope="module")
def texts_case(tmp_path_factory: pytest.TempPathFactory, backend: str, request: pytest.FixtureRequest) -> Any:
    tmp_path = tmp_path_factory.mktemp("texts")
    mails = {
        "1.eml": "Subject: code US-714\nMessage-ID: <1@x>\n\nSource US-714 said Juárez is calm.\n",
        "2.eml": "Subject: code US714\nMessage-ID: <2@x>\n\nSource US714 said JUAREZ is calm.\n",
        "3.eml": "Subject: other\nMessage-ID: <3@x>\n\nThe US 714 flight to juarez, no.\n",
        "4.eml": "Subject: wide\nMessage-ID: <4@x>\n\nFullwidth ＵＳ７１４ and the ﬁle.\n",
        "5.eml": "Subject: =?utf-8?b?5pel5pys6Kqe44Oh44O844Or?=\nMessage-ID: <5@x>\n\n日本語メールテスト\n",
    }
    folder = tmp_path / "mail"
    folder.mkdir()
    for name, text in mails.items():
        (folder / name).write_bytes(("From: a@example.org\n" + text).encode())
    case = open_case_on(backend, tmp_path / "case", request)
    ingest(case, [folder], workers=1)
    return case


def _ids(case: Case, query: str, literal: bool = False) -> set[str]:
    found = case.matching_ids(query, literal=literal)
    return {h.strip("<>").split("@")[0] for h in case.db.header_message_ids(found).values()}


@pytest.mark.both_backends
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # normalised: case and accents folded, punctuation is a separator
        ("juarez", {"1", "2", "3"}),
        ("JUÁREZ", {"1", "2", "3"}),
        ("us-714", {"1", "3"}),  # = the phrase "us 714"
        ("us714", {"2", "4"}),  # fullwidth ＵＳ７１４ folds to us714 (NFKC)
        ("file", {"4"}),  # the ﬁ ligature folds too
        ("日本語", {"5"}),  # CJK inside a longer run, body and subject
        ("メール", {"5"}),
        # literal: as typed
        ("=US-714", {"1"}),
        ("=US714", {"2"}),
        ("=Juárez", {"1"}),
        ("=JUAREZ", {"2"}),
        ("=juarez", {"3"}),
        ('="said Juárez"', {"1"}),
        ("calm -=Juárez", {"2"}),
        ("=日本語", {"5"}),
        ("=US-714 OR =US714", {"1", "2"}),
    ],
)
def test_normalised_and_literal_modes(texts_case: Case, query: str, expected: set[str]) -> None:
    assert _ids(texts_case, query) == expected


@pytest.mark.both_backends
def test_literal_flag_takes_every_term_as_typed(texts_case: Case) -> None:
    assert _ids(texts_case, "Juárez", literal=True) == {"1"}
    assert _ids(texts_case, "said JUAREZ", literal=True) == {"2"}
    total, hits = texts_case.search("Juárez", literal=True)
    assert total == 1 and "[[Juárez]]" in hits[0].snippet


@pytest.fixture(scope="module")
def notmuch_case(tmp_path_factory: pytest.TempPathFactory, backend: str, request: pytest.FixtureRequest) -> Any:
    """Real mail; on each backend for a test marked ``both_backends``, else on SQLite (the CLI's tests)."""
    case = open_case_on(backend, tmp_path_factory.mktemp("nm") / "case", request)
    ingest(case, [corpus("notmuch-default")], workers=1)
    return case


@pytest.mark.both_backends
def test_query_features_on_real_mail(notmuch_case: Case) -> None:
    count = lambda q: len(notmuch_case.matching_ids(q))  # noqa: E731
    # 50 messages say "notmuch", and so does the corpus's PROVENANCE.md, a text document of the case
    assert count("notmuch") == 51 and count("notmuch is:mail") == 50 and count("notmuch is:document") == 1
    assert count("notm*") == 51
    assert count("notmuhc~1") == 51  # a transposition
    assert count("type:txt") == count("is:document") == 1
    assert count('"notmuch help"') == 2
    assert count('"notmuch outputs"~3') >= count('"notmuch outputs"')
    assert count("from:carl") == 12
    assert count("from:carl OR from:keithp") == 19
    assert count("from:carl -subject:patch") + count("from:carl subject:patch") == 12
    assert count("date:2009-11-17") + count("date:2009-11-18") == count("date:2009-11-17..2009-11-18") == 50
    assert count("date:2009") + count("-date:2009") == 53  # two messages dated otherwise, a document undated
    assert count("date:..2009-11-17") == count("date:2009-11-17")
    # open ends (date:X.. once crashed): before and from a day split the dated messages
    assert count("date:..2009-11-17") + count("date:2009-11-18..") == 52
    assert count("has:attachment") == 5
    assert count("mimetype:application/pgp-signature") == 7
    assert count("size:>5k") + count("size:..5k") == 53


@pytest.mark.both_backends
def test_facets_and_timeline(notmuch_case: Case) -> None:
    facets = notmuch_case.facets("notmuch", 3)
    assert facets["senders"] == [("cworth@cworth.org", 12), ("keithp@keithp.com", 7), ("alex.boterolowry@gmail.com", 6)]
    assert facets["recipients"][0] == ("notmuch@notmuchmail.org", 50)
    assert facets["lists"] == [("notmuch.notmuchmail.org", 9)]
    months = notmuch_case.timeline("notmuch", "month")
    assert months.counts == [("2009-11", 50)] and months.undated == 1  # the PROVENANCE.md document has no date
    days = notmuch_case.timeline("from:carl", "day")
    assert days.counts == [("2009-11-17", 2), ("2009-11-18", 10)]


def test_search_commands(notmuch_case: Case, tmp_path: Path) -> None:
    runner = CliRunner()
    where = ["--case", str(notmuch_case.root)]
    lines = runner.invoke(cli, ["search", "from:carl", "--json", "--limit", "50", *where]).stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 12 and all(r["copies"] >= 1 for r in records)
    ids = runner.invoke(cli, ["search", "from:carl", "--format", "ids", *where]).stdout.split()
    assert sorted(ids) == sorted(r["id"] for r in records)
    # ids are every match, unless a page is asked for: then that page, in the table's order
    page = runner.invoke(cli, ["search", "from:carl", "--format", "ids", "--limit", "5", "--offset", "2", *where])
    assert page.stdout.split() == [r["id"] for r in records[2:7]]
    csv_out = runner.invoke(cli, ["search", "from:carl", "--format", "csv", *where]).stdout.splitlines()
    assert csv_out[0].startswith("id,date,from,subject,copies") and len(csv_out) == 13
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    result = runner.invoke(cli, ["timeline", "notmuch", "--by", "day", "--png", str(png), "--svg", str(svg), *where])
    assert result.exit_code == 0 and "2009-11-18" in result.stdout
    assert png.read_bytes().startswith(b"\x89PNG") and b"<svg" in svg.read_bytes()[:500]
    terms = tmp_path / "terms.txt"
    terms.write_text("from:carl\n(broken\n# a comment\nnosuchwordanywhere\n")
    table = runner.invoke(cli, ["batch", str(terms), "--csv", *where]).stdout.splitlines()
    assert table == [
        "query,hits,first,last,error",
        "from:carl,12,2009-11-17,2009-11-18,",
        "(broken,0,,,unclosed parenthesis at column 1",
        "nosuchwordanywhere,0,,,",
    ]
    assert runner.invoke(cli, ["saved", "add", "carl", "from:carl", *where]).exit_code == 0
    assert runner.invoke(cli, ["saved", "list", *where]).stdout == "carl\tfrom:carl\n"
    assert runner.invoke(cli, ["saved", "run", "carl", *where]).stdout.startswith("12 messages match 'from:carl'")


def test_broken_pipe_ends_quietly(notmuch_case: Case) -> None:
    command = f"{sys.executable} -m loupe search notmuch --format ids --case {notmuch_case.root} | head -1"
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
    assert result.returncode == 0 and len(result.stdout.split()) == 1
    assert result.stderr == ""


@pytest.mark.both_backends
def test_paging_has_no_cap(notmuch_case: Case) -> None:
    total, first = notmuch_case.search("notmuch", limit=20, offset=0)
    _, last = notmuch_case.search("notmuch", limit=20, offset=40)
    assert total == 51 and len(first) == 20 and len(last) == 11  # 50 messages and a document
    everything = [h.id for offset in (0, 20, 40) for h in notmuch_case.search("notmuch", limit=20, offset=offset)[1]]
    assert len(set(everything)) == 51


@pytest.mark.both_backends
def test_snippet_from_an_attachment_is_marked(tmp_path: Path, case: Case) -> None:
    mail = (
        b"From: a@example.org\nSubject: see attached\nMessage-ID: <att@x>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nPlease read the notes.\n'
        b'--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename="notes.txt"\n\n'
        b"The shipment leaves Zanzibar on Tuesday.\n--b--\n"
    )
    (tmp_path / "m.eml").write_bytes(mail)
    ingest(case, [tmp_path / "m.eml"], workers=1)
    total, hits = case.search("zanzibar")
    assert total == 1
    assert hits[0].snippet.startswith("(in attachment notes.txt)") and "[[Zanzibar]]" in hits[0].snippet
    _, hits = case.search("notes")
    assert not hits[0].snippet.startswith("(in attachment")  # the body matched first


def test_tags_are_searchable_counted_and_removable(notmuch_case: Case) -> None:
    runner = CliRunner()
    where = ["--case", str(notmuch_case.root)]
    added = runner.invoke(cli, ["tag", "add", "Follow-Up", "--query", "from:carl", *where])
    assert added.stdout == "tagged 12 message(s) 'follow-up' (0 already were)\n"
    again = runner.invoke(cli, ["tag", "add", "follow-up", "--query", "from:carl", *where])
    assert again.stdout == "tagged 0 message(s) 'follow-up' (12 already were)\n"
    count = lambda q: len(notmuch_case.matching_ids(q))  # noqa: E731
    assert count("tag:follow-up") == 12
    assert count("tag:FOLLOW-UP subject:patch") == count("from:carl subject:patch")
    assert count("notmuch -tag:follow-up") == count("notmuch") - count("notmuch from:carl")
    assert count("tag:nothing-like-it") == 0
    assert ("follow-up", 12) in notmuch_case.facets("notmuch")["tags"]
    some = notmuch_case.matching_ids("tag:follow-up")[0]
    assert notmuch_case.db.message(some)["tags"] == ["follow-up"]
    removed = runner.invoke(cli, ["tag", "remove", "follow-up", some, *where])
    assert removed.stdout == "removed 'follow-up' from 1 message(s)\n"
    assert count("tag:follow-up") == 11
    assert runner.invoke(cli, ["tag", "list", *where]).stdout == "      11  follow-up\n"
    runner.invoke(cli, ["tag", "remove", "follow-up", "--query", "tag:follow-up", *where])
    assert count("tag:follow-up") == 0


@pytest.mark.parametrize(
    ("minus", "spelled_out"),
    [('-from:"Fred Burton"', 'NOT from:"Fred Burton"'), ('-place:"Ciudad Juarez"', 'NOT place:"Ciudad Juarez"')],
)
def test_minus_before_a_field_with_a_quoted_value(minus: str, spelled_out: str) -> None:
    assert parse(f"juarez {minus}") == parse(f"juarez {spelled_out}")


@pytest.mark.both_backends
@pytest.mark.parametrize(("query", "literal"), [("=US-714", False), ("Juárez", True), ("juarez -=Juárez", False)])
def test_timeline_and_facets_count_the_same_hits_as_a_literal_search(
    texts_case: Case, query: str, literal: bool
) -> None:
    total, _ = texts_case.search(query, literal=literal, snippets=False)
    years = texts_case.timeline(query, "year", literal=literal)
    assert sum(n for _, n in years.counts) + years.undated == total
    senders = texts_case.facets(query, 50, literal=literal)["senders"]
    assert sum(n for _, n in senders) == total  # one sender each in this case


@pytest.mark.both_backends
def test_sender_and_recipient_are_exact_addresses(demo_case: tuple[Case, dict[str, Any]]) -> None:
    """What the senders facet counts is what sender: finds, address for address."""
    case, _ = demo_case
    for facet, field in (("senders", "sender"), ("recipients", "recipient")):
        for address, count in case.facets("juarez", 5)[facet]:
            assert len(case.matching_ids(f"juarez {field}:{address}")) == count, (field, address)
            assert case.matching_ids(f"{field}:{address.upper()}") == case.matching_ids(f"{field}:{address}")


def test_saved_search_delete(tmp_path: Path) -> None:
    runner = CliRunner()
    case = ["--case", str(tmp_path / "case")]
    Case.open(tmp_path / "case", create=True).close()
    assert runner.invoke(cli, ["saved", "add", "mx1", "MX1 OR MX01", *case]).exit_code == 0
    assert "deleted" in runner.invoke(cli, ["saved", "delete", "mx1", *case]).output
    assert "mx1" not in runner.invoke(cli, ["saved", "list", *case]).output
    again = runner.invoke(cli, ["saved", "delete", "mx1", *case])
    assert again.exit_code != 0


@pytest.fixture(scope="module")
def dated_case(tmp_path_factory: pytest.TempPathFactory, backend: str, request: pytest.FixtureRequest) -> Any:
    """Dates at the edges of calendar buckets: zones that move the UTC day and
    year, a leap day, ISO weeks that straddle a new year, the first plausible
    second, an impossible date (1969: kept, flagged, not on the timeline) and
    no date."""
    dates = [
        "Wed, 31 Dec 1969 12:00:00 +0000",
        "Fri, 01 Jan 1971 00:00:00 +0000",
        "Fri, 31 Dec 1999 23:30:00 -0100",  # 1 January 2000 in UTC
        "Tue, 17 Nov 2009 23:30:00 -0500",  # 18 November in UTC
        "Fri, 29 Feb 2008 10:00:00 +0000",
        "Sun, 03 Jan 2010 08:00:00 +0000",  # ISO week 2009-W53
        "Mon, 04 Jan 2010 00:00:00 +0000",  # ISO week 2010-W01, at midnight exactly
        "Mon, 01 Feb 2038 09:00:00 +0000",
        None,
    ]
    tmp_path = tmp_path_factory.mktemp("dated")
    folder = tmp_path / "mail"
    folder.mkdir()
    for number, date in enumerate(dates):
        header = f"Date: {date}\n" if date else ""
        (folder / f"{number}.eml").write_text(
            f"From: a@example.org\nMessage-ID: <{number}@x>\n{header}Subject: ledger\n\nThe ledger entry.\n"
        )
    case = open_case_on(backend, tmp_path / "case", request)
    ingest(case, [folder], workers=1)
    return case


def _timeline_from_dates(case: Case, query: str, bucket: str) -> tuple[dict[str, int], int]:
    """The oracle: each hit's own date from the database, bucketed in Python.
    Dates ingest flags as impossible are kept but left off the timeline."""
    from loupe.ingest.headers import EARLIEST_PLAUSIBLE, LATEST_PLAUSIBLE
    from loupe.search.facets import label

    counts: dict[str, int] = {}
    undated = 0
    for about in case.db.summaries(case.matching_ids(query)).values():
        if about["date"] is None or not EARLIEST_PLAUSIBLE <= about["date"] < LATEST_PLAUSIBLE:
            undated += 1
            continue
        key = label(about["date"].astimezone(UTC), bucket)  # type: ignore[arg-type]
        counts[key] = counts.get(key, 0) + 1
    return counts, undated


@pytest.mark.both_backends
@pytest.mark.parametrize("bucket", ["year", "month", "week", "day"])
def test_timeline_buckets_agree_with_each_messages_date(dated_case: Case, bucket: str) -> None:
    expected, undated = _timeline_from_dates(dated_case, "ledger", bucket)
    timeline = dated_case.timeline("ledger", bucket)  # type: ignore[arg-type]
    assert {k: n for k, n in timeline.counts if n} == expected
    assert timeline.undated == undated == 2
    if bucket == "day":
        assert ("1971-01-01", 1) in timeline.counts and ("2009-11-18", 1) in timeline.counts
    if bucket == "year":
        assert ("2000", 1) in timeline.counts and ("1999", 0) in timeline.counts
    if bucket == "week":
        assert ("2009-W53", 1) in timeline.counts and ("2010-W01", 1) in timeline.counts


@pytest.mark.both_backends
@pytest.mark.parametrize("bucket", ["year", "month", "week", "day"])
def test_demo_timeline_agrees_with_each_messages_date(demo_case: tuple[Case, dict[str, Any]], bucket: str) -> None:
    case, _ = demo_case
    for query in ("juarez", "", "has:attachment"):
        expected, undated = _timeline_from_dates(case, query, bucket)
        timeline = case.timeline(query, bucket)  # type: ignore[arg-type]
        assert {k: n for k, n in timeline.counts if n} == expected, query
        assert timeline.undated == undated, query


@pytest.mark.both_backends
def test_a_message_is_found_by_id_prefix_or_message_id(demo_case: tuple[Case, dict[str, Any]]) -> None:
    """What ``loupe show``, the message page and exports accept: an id, a unique prefix of one
    (any letter case, 4 characters or more), or a Message-ID with or without angle brackets."""
    from collections import Counter

    from loupe.errors import NotFound

    case, _ = demo_case
    ids = sorted(case.matching_ids(""))
    header_ids = case.db.header_message_ids(ids[:50])
    mid = next(i for i in ids if i in header_ids)
    assert case.db.resolve(mid) == mid
    assert case.db.resolve(mid[:10]) == mid and case.db.resolve(mid[:10].upper()) == mid
    assert case.db.resolve(header_ids[mid]) == mid
    assert case.db.resolve(f"<{header_ids[mid].strip('<>')}>") == mid
    # a prefix shared by two ids is refused, as is one that matches nothing
    shared = next(p for p, n in Counter(i[:4] for i in ids).items() if n > 1)
    with pytest.raises(NotFound):
        case.db.resolve(shared)
    with pytest.raises(NotFound):
        case.db.resolve("ffffffffffffffffffffff")
    with pytest.raises(NotFound):
        case.db.resolve(mid[:3])  # too short to be taken as a prefix


def test_batch_shows_progress_on_a_terminal_and_keeps_its_output_clean(notmuch_case: Case, tmp_path: Path) -> None:
    """``loupe batch names.txt --csv > hits.csv`` in a terminal: the bar is drawn on stderr (the
    terminal), the file gets only CSV."""
    import os
    import pty

    terms = tmp_path / "terms.txt"
    terms.write_text("from:carl\nnotmuch\n")
    out = tmp_path / "hits.csv"
    main, terminal = pty.openpty()
    with out.open("wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "loupe", "batch", str(terms), "--csv", "--case", str(notmuch_case.root)],
            stdout=stdout,
            stderr=terminal,
            env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
            timeout=120,
        )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main)
    assert done.returncode == 0
    assert out.read_text().splitlines() == [
        "query,hits,first,last,error",
        "from:carl,12,2009-11-17,2009-11-18,",
        "notmuch,51,2009-11-17,2009-11-18,",
    ]
    assert b"batch" in drawn and b"2/2" in drawn, drawn[-500:]
