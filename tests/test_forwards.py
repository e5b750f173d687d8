"""Forwarded and quoted blocks: each shape by hand, the reply-formats corpus, and the demo archive's truth."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loupe.case import Case
from loupe.ingest.mime import parse_message
from loupe.threads.forwards import QuotedBlock, find_blocks

from .conftest import corpus


def only(body: str) -> QuotedBlock:
    blocks = find_blocks(body)
    assert len(blocks) == 1, blocks
    return blocks[0]


def test_outlook_original_message() -> None:
    body = (
        "See below.\n\n-----Original Message-----\nFrom: Fred Burton [mailto:burton@stratfor.com]\n"
        "Sent: Thursday, February 09, 2012 1:36 PM\nTo: Analysts\nSubject: CDJ update\n\nThe plaza is quiet.\n"
    )
    block = only(body)
    assert (block.kind, block.author_name, block.author_address) == ("forward", "Fred Burton", "burton@stratfor.com")
    assert block.date == datetime(2012, 2, 9, 13, 36, tzinfo=UTC)  # no zone given: taken as UTC
    assert (block.subject, block.text, block.depth) == ("CDJ update", "The plaza is quiet.", 0)
    assert body[block.start :].startswith("-----Original Message-----")


def test_thunderbird_original_message() -> None:
    body = (
        "Interesting - see below.\n\n-------- Original Message --------\nSubject: From MX1 -- 2\n"
        "Date: Mon, 02 Mar 2009 16:00:00 -0600\nFrom: Ana Ruiz <aruiz@example.org>\nTo: Bob <bob@example.org>\n\n"
        "MX1 -- 2:\n\nThe report.\n"
    )
    block = only(body)
    assert (block.author_name, block.author_address, block.subject) == (
        "Ana Ruiz",
        "aruiz@example.org",
        "From MX1 -- 2",
    )
    assert block.date == datetime(2009, 3, 2, 22, 0, tzinfo=UTC)
    assert block.text == "MX1 -- 2:\n\nThe report."


def test_apple_mail_begin_forwarded_message() -> None:
    body = (
        'FYI\n\nBegin forwarded message:\n\nFrom: "Smith, Jo" <jo@example.com>\n'
        "Date: 3 April 2012 16:19:00 GMT+04:00\nSubject: Test\nTo: bob@example.com\n\nHi there\n"
    )
    block = only(body)
    assert (block.kind, block.author_name, block.author_address) == ("forward", "Smith, Jo", "jo@example.com")
    assert block.date is not None and block.date.year == 2012
    assert block.text == "Hi there"


def test_gmail_forwarded_message() -> None:
    body = (
        "---------- Forwarded message ---------\nFrom: Megan One <xxx@gmail.com>\n"
        "Date: Mon, Apr 2, 2012 at 6:26 PM\nSubject: Test\nTo: <bob@example.com>\n\n\nHi\n"
    )
    block = only(body)
    assert (block.author_name, block.author_address) == ("Megan One", "xxx@gmail.com")
    assert block.date == datetime(2012, 4, 2, 18, 26, tzinfo=UTC)
    assert (block.start, block.text) == (0, "Hi")


def test_outlook_block_without_separator_needs_from_and_sent() -> None:
    body = "Agreed.\n\nFrom: Jo Bloggs\nSent: 23 March 2012 17:08\nTo: Desk\nSubject: Plan\n\nWe go Monday.\n"
    block = only(body)
    assert (block.author_name, block.author_address, block.text) == ("Jo Bloggs", "", "We go Monday.")
    assert block.start == body.index("From:")
    assert find_blocks("Memo\nFrom: the desk\nTo: all staff\n\nBe careful.\n") == []


def test_on_date_wrote_intro_strips_quote_markers() -> None:
    body = "Yes.\n\nOn Tue, Apr 29, 2014 at 4:22 PM, Example Dev <dev@example.com> wrote:\n> first line\n>\n> second\n"
    block = only(body)
    assert (block.kind, block.author_name, block.author_address) == ("reply-quote", "Example Dev", "dev@example.com")
    assert block.date == datetime(2014, 4, 29, 16, 22, tzinfo=UTC)
    assert block.date_text == "Tue, Apr 29, 2014 at 4:22 PM"
    assert block.text == "first line\n\nsecond"
    assert body[block.start :].startswith("On Tue")


def test_name_wrote_intro_and_wrapped_intro() -> None:
    assert only("Ok\n\nBob Jones wrote:\n> hi\n").author_name == "Bob Jones"
    wrapped = only("Fine\n\nOn Dec 16, 2011, at 12:47 PM, Corey Donohoe\n<reply@example.com>\nwrote:\n\n> Was it?\n")
    assert (wrapped.author_name, wrapped.author_address) == ("Corey Donohoe", "reply@example.com")
    assert wrapped.date == datetime(2011, 12, 16, 12, 47, tzinfo=UTC)


def test_mailing_list_archive_address_in_intro() -> None:
    """pipermail archives write "<isra at herraiz.org>" (notmuch-default has such mail)."""
    block = only(
        "Thanks.\n\nOn Tue, 17 Nov 2009 23:57:18 +0100, Israel Herraiz <isra at herraiz.org> wrote:\n> Not much\n"
    )
    assert (block.author_name, block.author_address) == ("Israel Herraiz", "isra@herraiz.org")
    assert block.date == datetime(2009, 11, 17, 22, 57, 18, tzinfo=UTC)


def test_nested_forward_gives_blocks_outermost_first() -> None:
    body = (
        "Look at this.\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\n"
        "Date: Tue, 3 Mar 2009 09:00:00 +0000\nSubject: Fwd: plan\n\nBob's note.\n\n"
        "-------- Original Message --------\nSubject: plan\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n"
        "From: Ana <ana@example.com>\n\nAna's plan.\n"
    )
    outer, inner = find_blocks(body)
    assert (outer.author_address, outer.depth, outer.text) == ("bob@example.com", 0, "Bob's note.")
    assert (inner.author_address, inner.depth, inner.text) == ("ana@example.com", 1, "Ana's plan.")
    assert outer.start < inner.start


def test_nested_quotes_and_inline_answers() -> None:
    body = (
        "On Mon, 2 Mar 2009 10:00:00 +0000, Bob <bob@example.com> wrote:\n> Bob's question?\n>\n"
        "> On Sun, 1 Mar 2009 09:00:00 +0000, Ana <ana@example.com> wrote:\n>> Ana's start.\n\n"
        "My answer.\n\n> Bob's second point.\n\nAnother answer.\n"
    )
    first, nested, second = find_blocks(body)
    assert (first.author_address, first.depth, first.text) == ("bob@example.com", 0, "Bob's question?")
    assert (nested.author_address, nested.depth, nested.text) == ("ana@example.com", 1, "Ana's start.")
    assert (second.author_address, second.depth, second.text) == ("bob@example.com", 0, "Bob's second point.")


def body_of(name: str) -> str:
    path = corpus("reply-formats") / name
    return parse_message(path.read_bytes()).body_text if path.suffix == ".eml" else path.read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "kind", "author", "address", "date"),
    [
        ("talon/standard_replies/outlook.eml", "forward", "", "xxx@xxx.mailgun.org", None),  # "March-09-12": no year
        ("talon/standard_replies/aol.eml", "forward", "bob", "bob@example.com", datetime(2012, 4, 2, 17, 49)),
        ("talon/standard_replies/comcast.eml", "forward", "", "bob@xxx.mailgun.org", datetime(2012, 4, 2, 17, 44, 22)),
        ("talon/standard_replies/hotmail.eml", "forward", "", "bob@xxx.mailgun.org", datetime(2012, 4, 2, 13, 44, 22)),
        ("talon/standard_replies/gmail.eml", "reply-quote", "Megan One", "xxx@gmail.com", datetime(2012, 4, 2, 18, 26)),
        ("talon/standard_replies/android.eml", "reply-quote", "bob@xxx.mailgun.org", "bob@xxx.mailgun.org", None),
        ("talon/reply-quotations-share-block.eml", "forward", "", "xxx@example.com", datetime(2012, 4, 4, 22, 23)),
        ("email_reply_parser/email_2_1.txt", "forward", "Google Apps Sync Team", "mail-noreply@google.com", None),
        ("email_reply_parser/email_2_2.txt", "forward", "CRM Comments", "crm-comment@example.com", None),
        ("email_reply_parser/pathological.txt", "reply-quote", "John Sullivan", "notifications@github.com", None),
        ("email_reply_parser/email_1_2.txt", "reply-quote", "Abhishek Kona", "", None),
    ],
)
def test_corpus_blocks_name_their_authors(
    name: str, kind: str, author: str, address: str, date: datetime | None
) -> None:
    block = find_blocks(body_of(name))[0]
    assert (block.kind, block.author_name, block.author_address) == (kind, author, address)
    if date is not None:
        assert block.date == date.replace(tzinfo=UTC)


def test_corpus_dates_and_nesting() -> None:
    assert find_blocks(body_of("talon/standard_replies/android.eml"))[0].date == datetime(
        2012, 4, 2, 14, 20, tzinfo=UTC
    )
    outlook = find_blocks(body_of("email_reply_parser/email_2_2.txt"))[0]
    assert outlook.date == datetime(2012, 3, 23, 17, 8, tzinfo=UTC)  # "5:08 p.m."
    assert outlook.subject == "[contact:106] John Greene"
    blocks = find_blocks(body_of("email_reply_parser/email_1_8.txt"))
    assert [(b.depth, b.author_address) for b in blocks] == [
        (0, "sugar@example.com"),
        (0, "sugar@example.com"),  # inline answers: later runs repeat the intro's author
        (0, "sugar@example.com"),
        (1, "tmhaines@example.com"),
    ]
    assert find_blocks(body_of("email_reply_parser/email_2_3.txt"))[0].text.startswith("A new comment")


@pytest.mark.parametrize("name", ["email_reply_parser/email_long_quote.txt", "email_reply_parser/pathological.txt"])
def test_corpus_traps_are_read(name: str) -> None:
    """Traps for a backtracking regex: read to the end, every block inside the body.
    (No clock in a unit test: ``bench/pathological_bench.py`` times these.)"""
    body = body_of(name)
    assert all(0 <= b.start < len(body) for b in find_blocks(body))


def test_many_blocks_are_linear() -> None:
    chain = "".join(
        f"-----Original Message-----\nFrom: p{i}@example.com\nSent: 2009\n\ntext {i}\n" for i in range(5000)
    )
    quotes = "\n".join(f"On Mon, 2 Mar 2009, P{i} <p{i}@x.org> wrote:\n> q\nanswer" for i in range(20_000))
    for body in (chain, quotes, ">" * 700_000, "From: a@b.c\n" * 50_000):
        assert all(0 <= b.start < len(body) for b in find_blocks(body))
    assert [b.depth for b in find_blocks(chain)][-1] == 4999
    assert len([b for b in find_blocks(quotes) if b.kind == "reply-quote"]) == 20_000


MAILISH = st.lists(
    st.sampled_from(
        [
            "",
            "> q",
            ">> qq",
            "On Mon, 2 Mar 2009, Bob <b@x.org> wrote:",
            "-----Original Message-----",
            "Begin forwarded message:",
            "From: Bob [mailto:b@x.org]",
            "Sent: 31 Feb 99999 25:61 PM",
            "Date: Mon, 01 Jan 0001 00:00:00 +2359",
            "Subject: x",
            " folded",
            "________",
            "\r",
            "\u2028",
        ]
    )
    | st.text(max_size=30),
    max_size=30,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), MAILISH))
def test_find_blocks_never_raises(body: str) -> None:
    for block in find_blocks(body):
        assert block.date is None or block.date.tzinfo is UTC
        assert 0 <= block.start <= len(body)


def test_demo_forwards_are_attributed_to_their_first_writer(demo_case: tuple[Case, dict[str, Any]]) -> None:
    """Every forward in the demo names who wrote the forwarded text, as the generator's truth says."""
    case, truth = demo_case
    with case.db.engine.connect() as conn:
        ids = dict(conn.exec_driver_sql("SELECT message_id, id FROM messages WHERE parent IS NULL").all())
    by_id = {m["message_id"]: m for m in truth["messages"]}
    handlers = {s["code"]: s["handler_address"] for s in truth["sources"]}
    checked = 0
    for message in truth["messages"]:
        author = message["forwarded_author"]
        if not author:
            continue
        original = by_id[message["forward_of"]] if message["forward_of"] else None
        expected = original["sender"] if original else handlers.get(author, author)
        blocks = find_blocks(case.parsed(ids[message["message_id"].strip("<>")]).body_text)
        assert blocks and blocks[0].kind == "forward", message["message_id"]
        assert blocks[0].author_address == expected, message["message_id"]
        if original and original["date"]:
            assert blocks[0].date == datetime.fromisoformat(original["date"])
        checked += 1
    assert checked >= 80  # 97 in the 2,000-message demo with seed 7
