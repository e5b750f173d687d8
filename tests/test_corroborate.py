"""Corroboration's pure parts on hand-made mail: speakers, supporting passages, origins.

The demo archive's seeded claims (k independent origins plus copies) are
checked in ``test_quote_check_demo.py``; here each rule is shown on a case
small enough to read.
"""

from __future__ import annotations

import doctest

import pytest

from loupe.quotes import speaker as speaker_module
from loupe.quotes.corroborate import SUPPORT, Claim, Evidence, best_passage, group_origins, same_text
from loupe.quotes.speaker import Speaker, speaker_at

FORWARD = """FYI, see below.

---------- Forwarded message ---------
From: Ann Lee <Ann@Example.org>
Date: Mon, 3 May 2010 10:00:00 +0000
Subject: port

The port at Lazaro Cardenas is closed to night shipments.
"""

REPLY = """Agreed, we should tell the desk.

On Mon, 3 May 2010, Ann Lee <ann@example.org> wrote:
> The port at Lazaro Cardenas is closed to night shipments.
> Nobody moves anything after dark.
"""


def test_speaker_of_a_forward_is_its_author() -> None:
    at = FORWARD.index("The port")
    found = speaker_at(FORWARD, at, ("Bob Ray", "bob@example.org"))
    assert (found.how, found.address, found.name) == ("forward", "ann@example.org", "Ann Lee")
    assert speaker_at(FORWARD, 0, ("Bob Ray", "bob@example.org")).how == "sender"


def test_speaker_of_quoted_lines_is_who_wrote_them() -> None:
    sender = ("Bob Ray", "bob@example.org")
    assert speaker_at(REPLY, REPLY.index("Nobody"), sender).address == "ann@example.org"
    assert speaker_at(REPLY, REPLY.index("tell the desk"), sender).how == "sender"


def test_speaker_inside_an_insight_block_is_the_source() -> None:
    body = "SOURCE: MX1\nThe port is closed.\n\nBob's note: check it."
    insights = [("MX1", 0, body.index("\n\nBob"))]
    assert speaker_at(body, body.index("port"), ("Bob", "bob@example.org"), insights) == Speaker("source", code="MX1")
    assert speaker_at(body, body.index("check"), ("Bob", "bob@example.org"), insights).how == "sender"


def _claim(text: str) -> Claim:
    return Claim.weighed(text, lambda word: 1, 100)  # every word equally rare


@pytest.mark.parametrize(
    ("body", "supports"),
    [
        ("The port of Lazaro Cardenas was closed to night shipments last week.", True),
        ("Night shipments: the Lazaro Cardenas port closed them.", True),  # reworded, other order
        ("Shipping through the port\nat Lazaro Cardenas has closed\nfor the night.", True),  # across line wraps
        ("The port was busy. We had dinner at night in Cardenas.", False),  # a few shared words, no claim
        ("Nothing about it here.", False),
    ],
)
def test_support_is_most_of_the_claims_weight(body: str, supports: bool) -> None:
    claim = _claim("Lazaro Cardenas port closed to night shipments")
    score, start, end = best_passage(claim, body)
    assert (score >= SUPPORT) is supports, score
    if supports:
        assert "Cardenas" in body[start:end]


WORDINGS = {
    "ann": "The port at Lazaro Cardenas is closed to night shipments.",
    "carl": "Carl heard from dockers that nothing ships from Cardenas after dark now.",
    "ann2": "Ann again: the night closure at the Cardenas terminal is still in force.",
    "mx1": "SOURCE says the harbour at Lazaro Cardenas stopped all night cargo last week.",
}


def _evidence(message: str, date: str, speaker: Speaker, wording: str) -> Evidence:
    return Evidence(message, date, "", "", WORDINGS[wording], 0, 7, 1.0, speaker)


def test_origins_collapse_forwards_replies_and_copies() -> None:
    ann = Speaker("sender", address="ann@example.org")
    evidence = [
        _evidence("m1", "2010-05-03", ann, "ann"),  # Ann says it
        _evidence("m2", "2010-05-04", Speaker("forward", address="ann@example.org"), "ann"),  # Bob forwards Ann
        _evidence("m3", "2010-05-05", Speaker("quoted reply", name="Ann Lee", address="ann@example.org"), "ann"),
        _evidence("m4", "2010-05-03", Speaker("sender", address="list@example.org"), "ann"),  # a list re-post of m1
        _evidence("m5", "2010-05-06", Speaker("sender", address="carl@example.org"), "carl"),  # independently
        _evidence("m6", "2010-05-01", Speaker("source", code="MX1"), "mx1"),  # a coded source's report
        _evidence("m7", "2010-05-02", Speaker("sender", address="desk@example.org"), "mx1"),  # its stripped copy
        _evidence("m8", "2010-05-07", Speaker("sender", address="ann.lee@home.example"), "ann2"),  # Ann, elsewhere
        # a reply quoting Ann under "Ann Lee wrote:" (no address): the same text joins her
        _evidence("m9", "2010-05-08", Speaker("quoted reply", name="Ann Lee"), "ann"),
    ]
    person_of = {"ann@example.org": (1, "Ann Lee"), "ann.lee@home.example": (1, "Ann Lee"), "carl@example.org": (2, "")}
    group_of = {"m1": "g1", "m4": "g1", "m6": "g2", "m7": "g2"}
    origins = group_origins(evidence, person_of, group_of)
    assert same_text(WORDINGS["ann"], "> The port at Lazaro\n> Cardenas is closed to night shipments")
    assert not same_text(WORDINGS["ann"], WORDINGS["mx1"])
    assert [o.key for o in origins] == ["source:MX1", "person:1", "person:2"]
    by_key = {o.key: o for o in origins}
    assert by_key["person:1"].evidence[0].message == "m1"
    assert {e.message for e in by_key["person:1"].evidence} == {"m1", "m2", "m3", "m4", "m8", "m9"}
    assert {e.message: e.relation for e in by_key["person:1"].evidence}["m2"] == "forward"
    assert {e.message for e in by_key["source:MX1"].evidence} == {"m6", "m7"}
    assert by_key["source:MX1"].evidence[0].relation == "original"


def test_docstring_examples() -> None:
    assert doctest.testmod(speaker_module).failed == 0


def test_speaker_of_a_passage_starting_at_a_quote_marker() -> None:
    at = REPLY.index("> The port")  # a passage may start on the marker itself
    assert speaker_at(REPLY, at, ("Bob Ray", "bob@example.org")).address == "ann@example.org"
