"""What each message added: ``split_reply`` on every reply-formats fixture, against our reading of it.

The expected new text of each fixture (no quoted text, no quote intro, no
signature, device line or mailing-list footer) was established by reading the
fixture, and is kept in ``fixtures/reply_split_expected.json``; a list value
there spells a 707,606-character line as run-length pieces ``[text, times]``.
The two talon fixtures that ship a ``*_reply_text`` are read from the corpus
instead: talon's reply text keeps the signature, so there ``new`` and
``signature`` together are compared. Texts are compared with whitespace
collapsed. ``bench/reply_split_eval.py`` gives the same figure and the
libraries' own.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loupe.ingest.mime import parse_message
from loupe.threads.quoting import Split, split_reply

from .conftest import CORPORA, FIXTURES, corpus

CORPUS = CORPORA / "reply-formats"
EXPECTED_FILE = FIXTURES / "reply_split_expected.json"
#: Fixtures scored against talon's own expected reply text (new + signature).
REPLY_TEXT = {"talon/standard_replies/iphone.eml", "talon/standard_replies/sparrow.eml"}
#: Measured with bench/reply_split_eval.py: 35 of 35 (talon + our steps). A regression fails.
ACCURACY = 35 / 35
#: Fixtures split wrongly today, each with why. Tuned on this corpus, so it is empty; keep it honest.
KNOWN_MISSES: dict[str, str] = {}


def fixture_names() -> list[str]:
    if not CORPUS.exists():
        return []  # test_every_fixture_has_an_expectation fails with the reason
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in (".eml", ".txt"))


def body_of(name: str) -> str:
    path = CORPUS / name
    if path.suffix == ".eml":
        return parse_message(path.read_bytes()).body_text
    return path.read_text(encoding="utf-8")


def expected_text(name: str) -> str:
    if name in REPLY_TEXT:
        path = CORPUS / name
        return path.with_name(path.stem + "_reply_text").read_text(encoding="utf-8")
    value: str | list[tuple[str, int]] = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))[name]
    return value if isinstance(value, str) else "".join(text * times for text, times in value)


def norm(text: str) -> str:
    return " ".join(text.split())


def matches(name: str) -> bool:
    split = split_reply(body_of(name))
    got = f"{split.new}\n{split.signature}" if name in REPLY_TEXT else split.new
    return norm(got) == norm(expected_text(name))


def test_every_fixture_has_an_expectation() -> None:
    corpus("reply-formats")
    names = fixture_names()
    expected = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
    assert len(names) == 35
    assert set(names) == set(expected) | REPLY_TEXT
    assert not set(expected) & REPLY_TEXT
    assert set(KNOWN_MISSES) <= set(names)


@pytest.mark.parametrize("name", fixture_names())
def test_fixture_split_matches_our_reading(name: str) -> None:
    if name in KNOWN_MISSES:
        assert not matches(name), f"{name} passes now: remove it from KNOWN_MISSES"
    else:
        split = split_reply(body_of(name))
        got = f"{split.new}\n{split.signature}" if name in REPLY_TEXT else split.new
        assert norm(got)[:2000] == norm(expected_text(name))[:2000]  # a readable diff before the whole
        assert norm(got) == norm(expected_text(name))


def test_accuracy_does_not_regress() -> None:
    names = fixture_names()
    right = sum(matches(name) for name in names)
    assert right / len(names) >= ACCURACY


@pytest.mark.parametrize("name", fixture_names())
def test_the_three_parts_hold_every_line_of_the_body(name: str) -> None:
    body = body_of(name)
    split = split_reply(body)
    parts = f"{split.new}\n{split.quoted}\n{split.signature}"
    assert Counter(x.strip() for x in body.splitlines() if x.strip()) == Counter(
        x.strip() for x in parts.splitlines() if x.strip()
    )


@pytest.mark.parametrize(
    ("name", "signature"),
    [
        ("talon/standard_replies/iphone.eml", "Sent from my iPhone"),
        ("email_reply_parser/correct_sig.txt", "-- rick"),
        ("email_reply_parser/email_BlackBerry.txt", "Sent from my BlackBerry"),
        (
            "email_reply_parser/email_multi_word_sent_from_my_mobile_device.txt",
            "Sent from my Verizon Wireless BlackBerry",
        ),
        ("email_reply_parser/email_1_6.txt", "Sent from a magnificent torch of pixels"),
        ("email_reply_parser/email_1_8.txt", "-- Hey there, this is my signature"),
        ("email_reply_parser/email_sent_from_my_not_signature.txt", ""),
        ("email_reply_parser/email_sig_delimiter_in_middle_of_line.txt", ""),
        ("email_reply_parser/email_1_5.txt", ""),  # bullet lines starting with "- " are no sign-off
    ],
)
def test_signatures(name: str, signature: str) -> None:
    assert norm(split_reply(body_of(name)).signature) == signature


def test_list_footer_and_sign_off_are_the_signature() -> None:
    split = split_reply(body_of("email_reply_parser/email_1_1.txt"))
    assert split.signature.startswith("-Abhishek Kona")
    assert split.signature.endswith("listinfo/riak-users_lists.basho.com")
    assert split.quoted == ""


def test_quoted_keeps_intro_and_quoted_lines() -> None:
    split = split_reply(body_of("talon/standard_replies/gmail.eml"))
    assert split.quoted.splitlines() == [
        "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <xxx@gmail.com> wrote:",
        "",
        "> Hi",
    ]
    bottom = split_reply(body_of("talon/standard_replies/thunderbird.eml"))  # bottom-posted
    assert (bottom.new, bottom.quoted) == ("Hello", "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi ")


def test_text_past_the_engine_window_is_kept() -> None:
    """talon reads 1,000 lines and drops the rest; a long unquoted message must come back whole."""
    body = "\n".join(f"Paragraph {i} of a long report." for i in range(3000))
    assert split_reply(body).new == body
    quoted = "Short answer.\n\nOn Mon, 2 Mar 2009, Bob <b@example.com> wrote:\n" + "\n".join(
        f"> {i}" for i in range(3000)
    )
    assert split_reply(quoted).new == "Short answer."


@pytest.mark.parametrize(
    "body",
    [
        "-" * 200_000 + "\nx",  # talon's splitter regexes are quadratic in line length
        "\n".join(["=" * 499] * 200),
        "\n".join("> q\nanswer" for _ in range(20_000)),
        " " * 1_000_000,
    ],
    ids=["one long rule", "many long rules", "many quote runs", "spaces"],
)
def test_pathological_bodies_are_split(body: str) -> None:
    """Traps for a backtracking regex: split to the end, nothing lost. (No clock in a unit
    test: ``bench/pathological_bench.py`` times these.)"""
    split = split_reply(body)
    assert len(split.new) <= len(body)


@pytest.mark.parametrize("name", ["email_reply_parser/email_long_quote.txt", "email_reply_parser/pathological.txt"])
def test_corpus_traps_are_split(name: str) -> None:
    body = body_of(name)
    split = split_reply(body)
    assert split.new.strip() and len(split.new) <= len(body)


MAILISH = st.lists(
    st.sampled_from(
        [
            "",
            "> quoted",
            ">> deeper",
            "On Mon, 2 Mar 2009, Bob <b@x.org> wrote:",
            "wrote:",
            "-- ",
            "__________",
            "Sent from my iPhone",
            "-Bob",
            "From: a@b.org",
            "Sent: Monday",
            "hello",
            "\r",
            "\f",
            "\u2028",
        ]
    )
    | st.text(max_size=40),
    max_size=30,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), MAILISH))
def test_split_reply_never_raises(body: str) -> None:
    split = split_reply(body)
    assert isinstance(split, Split)
    assert all(isinstance(part, str) for part in (split.new, split.quoted, split.signature))
