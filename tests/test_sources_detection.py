"""Coded sources: codes found only where the context says "source", and insight blocks read.

Three layers: hand-written strings for each shape (and two lists, sources
and look-alikes, each in a sentence), the demo archive scored against its
generator's truth, and the real corpora, which have no coded sources.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.model import LEVEL_ORDER, SOURCE_LEVELS
from loupe.sources.codes import (
    DEFAULT_PATTERNS,
    compile_patterns,
    find_codes,
    normalise_code,
    strip_subject_prefixes,
)
from loupe.sources.insights import DIGITS, LETTERS, Insight, credibility_scale, parse_insights

from .conftest import CORPORA, corpus

# -- the two lists ------------------------------------------------------------------------------

#: (subject, body, the code it names). Every one must be found, normalised.
SOURCES: list[tuple[str, str, str]] = [
    ("", "SOURCE: MX01\nATTRIBUTION: Meridian source in Mexico", "MX1"),
    ("", "Source Code: US718", "US718"),
    ("", "CODE: VE012", "VE12"),
    ("", "SOURCE CODE : CO3", "CO3"),
    ("", "  source   code:ME22", "ME22"),
    ("", "SOURCE:EA5", "EA5"),
    ("", "> SOURCE : RU02", "RU2"),
    ("", "SOURCE: PK100 (new contact)", "PK100"),
    ("[alpha] INSIGHT - MEXICO - cartel violence in Juarez - MX01", "Things are worse.", "MX1"),
    ("INSIGHT - US - DHS reorganisation - US2", "", "US2"),
    ("Re: [alpha] INSIGHT - EAST ASIA - port security in Shanghai - EA05", "Agreed.", "EA5"),
    ("[analysts] Fwd: [secure] INSIGHT - VENEZUELA - oil output - VE101", "", "VE101"),
    ("", "Subject: [secure] INSIGHT - TURKEY - FM visit - TR04\nDate: Mon, 3 May 2010", "TR4"),
    ("[analysts] Fwd: From MX1 -- 2", "Interesting - see below.", "MX1"),
    ("", "-------- Original Message --------\nSubject: From BR06 -- 3\nFrom: x", "BR6"),
    ("", "MX1 -- 2:\n\nThings in Juarez are worse than the press is reporting.", "MX1"),
    ("", "From US714: the bill is dead for this session.", "US714"),
    ("", "From ME9 -- the court is split on the succession.", "ME9"),
    ("", "I heard this from PK03 yesterday, before the attack.", "PK3"),
    ("", "Word from EA14: shipping rates are up again.", "EA14"),
    ("", "Our source US714 says the bill is dead.", "US714"),
    ("", "Source RU11 is nervous and asked for a break.", "RU11"),
    ("", "According to MX1, the army left on Monday.", "MX1"),
    ("", "according to BR21 the auction will slip", "BR21"),
    ("", "US714 said the vote was delayed.", "US714"),
    ("", "As usual VE04 thinks the opposition will split.", "VE4"),
    ("", "Mr. MX1 is nervous again.", "MX1"),
    ("", "Mr MX40 called twice this morning.", "MX40"),
    # issue 13: forms of real mail
    ("", "Our contact in Monterrey (MX4) says the plaza is quiet.", "MX4"),
    ("", "Have you heard back from VE101 on the decree?", "VE101"),
    ("", "On a call with TR41 yesterday he was gloomy.", "TR41"),
    ("", "MX1 also said the army left.", "MX1"),
    ("", "IL5 is saying that the freeze will lapse.", "IL5"),
    ("", "On the plaza fight, Mr.\nMX4 stated that the police were bought.", "MX4"),
    ("", "> The ministry is split. According to\n> EA2, the timing is political.", "EA2"),
    ("", "As\nEG3 put it, the chairs were counted.", "EG3"),
    ("", "*Subject:* Re: From RU09 -- 2", "RU9"),
    ("Re: [Fwd: Re: FW: From IR3 -- 2]", "", "IR3"),
    ("", "Nadia - ask IR3 what the merchants are saying.", "IR3"),
    ("", "This is from TR5. He was at the meeting.", "TR5"),
    ("INSIGHT - ME1 - Gulf reactions to the sanctions vote", "", "ME1"),
    ("", "ME1, who is close to the party, expects a walkout.", "ME1"),
    ("", "ME1 (a Lebanese politician) said the cabinet will fall.", "ME1"),
    ("", "Just got off the phone with TR5. He is worried.", "TR5"),
    ("", "Our contact TR325 relayed that the army is restless.", "TR325"),
    ("", "US714 stated that the bill is dead.", "US714"),
    ("", "I emailed ME1 this morning and he replied within the hour.", "ME1"),
    ("", "Reached out to VE101 about the decree; nothing yet.", "VE101"),
    ("[alpha] INSIGHT - CHINA - lending squeeze (CN65)", "", "CN65"),
    ("", "A source in the ministry, VE101, said the decree is ready.", "VE101"),
]

#: (subject, body): shaped like codes, none of them a source.
LOOKALIKES: list[tuple[str, str]] = [
    ("", "The MP3 of the press conference is on the shared drive."),
    ("", "From MP3 files we learned nothing new."),
    ("", "Please print the country briefs on A4 paper for the London client."),
    ("", "The F16 sale is still stuck in committee, per the trade press."),
    ("", "The G20 summit will eat most of the news cycle next week."),
    ("", "The diver's PO2 was too high at depth."),
    ("", "Check the source PO2 values in the lab report."),
    ("", "COVID19 cases rose again in the capital."),
    ("", "The CO2 figures the energy desk quoted look off by a factor of ten."),
    ("", "According to CO2 measurements the plant is within limits."),
    ("", "Source: CO2 emissions data, energy ministry"),
    ("", "Yes, the B52 photo in the slide deck is a stock image."),
    ("", "The watch office PS3 is not a work computer, whatever IT says."),
    ("", "The EU27 ministers meet again in March on the sanctions file."),
    ("", "According to EU27 ministers, the talks stalled."),
    ("", "According to MI6, the plot was foiled."),
    ("", "Part no. KT220-4 is the fan the server room needs replaced."),
    ("", "Source KT220-4 from the usual supplier."),
    ("", "Order QZ7731 (replacement toner) went to the wrong office."),
    ("", "Model QZ7731 said to be discontinued."),
    ("", "The office is at 10 Main St, London SW1A 1AA."),
    ("", "Send the contracts to EC1 4AB by Friday."),
    ("", "From EC1 4AB it is a short walk to the office."),
    ("", "From SE1 to EC1 takes ten minutes on the bus."),
    ("", "The new office is in SE1, near the river."),
    ("", "I land on flight AA100 at 6:40, so I will miss the morning call."),
    ("", "Flight BA2490 said to be delayed by two hours."),
    ("", "From BA2490 we went straight to the hotel."),
    ("", "Someone left a silver MX5 in the client parking spot again."),
    ("", "The MX5 said to be for sale is gone."),
    ("", "Code: XY20 expires Friday, use it at checkout."),
    ("", "Promo code: AB20"),
    ("", "IBAN: ES67 2100 3467 1007 0001 6539"),
    ("", "Write to ab12@example.org or call room AB12."),
    ("Flight - AA100", "Boarding at gate B12."),
    ("Your order - QZ7731", "Thanks for shopping."),
    ("Re: MP3 of the call", "From MP3 to transcript takes a day."),
    # issue 13: the forms of real mail add contexts, and these must stay out of them
    ("", "The Fed's QE2 suggests more easing is on the way."),
    ("", "Per FY11, the budget was cut by a tenth."),
    ("", "Can you ping DB3 before the maintenance window?"),
    ("", "We had lunch with the AA100 crew at the gate."),
    ("", "According to the\nEU27 statement, talks resume Monday."),
    ("", "> Flight\n> AF447 said to have gone down over the Atlantic."),
    ("", "AF447 (Rio-Paris) went down in June.\nUS1549 (LGA-CLT) landed on the Hudson."),
    ("Re: [Fwd: itinerary AA1782]", "Seat 14C on AA1782, then TK1980 to Istanbul."),
    ("", "*Subject:* RE: invoice HQ91 for the group licence"),
    ("", "The backup is from DB3, the old server."),
    ("INSIGHT - EU27 - the summit communique", "Nothing new."),
    ("Weekly - DB3 - maintenance window", "Saturday."),
    ("", "Please contact HR1 by Friday about the forms."),
    ("", "DB3, which hosts the archive, stated its disk is full."),
    ("", "The MP3 (from the press call) said nothing new."),
    ("", "Sources of delay: AA100, TK1980 and BA287 all left late."),
]


@pytest.mark.parametrize(("subject", "body", "code"), SOURCES, ids=[s or b[:40] for s, b, _ in SOURCES])
def test_every_listed_source_is_found(subject: str, body: str, code: str) -> None:
    found = find_codes(subject, body)
    assert [m.code for m in found] == [code]
    mention = found[0]
    text = subject if mention.part == "subject" else body
    assert text[mention.start : mention.start + len(mention.written)] == mention.written
    assert normalise_code(mention.written) == code


@pytest.mark.parametrize(("subject", "body"), LOOKALIKES, ids=[s or b[:40] for s, b in LOOKALIKES])
def test_no_lookalike_becomes_a_source(subject: str, body: str) -> None:
    assert find_codes(subject, body) == []
    assert parse_insights(subject, body, None) == []


def test_where_says_which_rule_accepted_the_code() -> None:
    found = find_codes(
        "[alpha] INSIGHT - MEXICO - plaza dispute - MX01", "SOURCE: MX01\n\nAccording to MX02, nothing changed."
    )
    assert [(m.code, m.where, m.part) for m in found] == [
        ("MX1", "subject", "subject"),
        ("MX1", "header", "body"),
        ("MX2", "phrase", "body"),
    ]


def test_normalise_code_folds_padding_and_case() -> None:
    assert normalise_code("MX01") == "MX1"
    assert normalise_code("MX001") == normalise_code("MX1") == "MX1"
    assert normalise_code("ve012") == "VE12"
    assert normalise_code("US714") == "US714"
    assert normalise_code("MX00") == "MX0"
    assert normalise_code("MX" + "0" * 5000 + "7") == "MX7"  # no int(): Python limits digits


def test_patterns_come_from_the_case() -> None:
    """Another leak's codes: three letters and three digits."""
    patterns = (r"SRC\d{3}",)
    assert [m.code for m in find_codes("", "SOURCE: SRC042", patterns)] == ["SRC42"]
    assert find_codes("", "SOURCE: MX1", patterns) == []
    assert [i.code for i in parse_insights("", "SOURCE: SRC042\nATTRIBUTION: x\n\nText.", None, patterns)] == ["SRC42"]
    with pytest.raises(ValueError, match="code pattern"):
        compile_patterns(("[A-Z",))
    with pytest.raises(ValueError, match="do not combine"):
        compile_patterns((r"(?P<n>A\d)", r"(?P<n>B\d)"))
    assert compile_patterns(DEFAULT_PATTERNS).search("xMX1") is None  # whole tokens only


def test_subject_prefixes() -> None:
    assert strip_subject_prefixes("[alpha] Fwd: [secure] INSIGHT - US - x") == ("INSIGHT - US - x", False, True)
    assert strip_subject_prefixes("Re: [alpha] RE: x") == ("x", True, False)
    assert strip_subject_prefixes("FW: x") == ("x", False, True)
    assert strip_subject_prefixes("Reply needed") == ("Reply needed", False, False)


# -- insight blocks -------------------------------------------------------------------------------

EARLY = datetime(2010, 3, 4, 15, 0, tzinfo=UTC)
LATE = datetime(2011, 9, 1, 15, 0, tzinfo=UTC)

FULL = """SOURCE: MX01
ATTRIBUTION: Meridian source in Mexico
SOURCE DESCRIPTION: Mexican government official
PUBLICATION: as needed
SOURCE RELIABILITY: B
ITEM CREDIBILITY: 2
SPECIAL HANDLING: none
DISTRIBUTION: analysts
SOURCE HANDLER: Frank

Things in Juarez are worse than the press is reporting.

Nobody at the army expects this to change before May."""


def test_full_block() -> None:
    [ins] = parse_insights("[secure] INSIGHT - MEXICO - plaza dispute", FULL, EARLY)
    assert (ins.code, ins.written_code, ins.code_label, ins.variant) == ("MX1", "MX01", "SOURCE", "full")
    assert ins.fields == {
        "code": "MX01",
        "attribution": "Meridian source in Mexico",
        "description": "Mexican government official",
        "publication": "as needed",
        "reliability": "B",
        "credibility": "2",
        "special_handling": "none",
        "distribution": "analysts",
        "handler": "Frank",
    }
    assert (ins.reliability, ins.credibility, ins.credibility_scale, ins.flags) == ("B", "2", DIGITS, ())
    assert ins.text.startswith("Things in Juarez") and ins.text.endswith("before May.")
    assert (ins.start, ins.end) == (0, len(FULL))


def test_labels_drift_in_case_spacing_and_order() -> None:
    body = (
        "ATTRIBUTION: Meridian source in Russia\n"
        "Item Credibility : C\n"
        "source code:RU011\n"
        "SOURCE Reliability : A\n"
        "\n"
        "SOURCE  DESCRIPTION  :   Russian energy analyst\n"
        "Source Handler: Ana\n"
        "\n"
        "Gas talks are stuck."
    )
    [ins] = parse_insights("INSIGHT - RUSSIA - gas pricing talks", body, LATE)
    assert (ins.code, ins.written_code, ins.code_label) == ("RU11", "RU011", "source code")
    assert (ins.reliability, ins.credibility, ins.credibility_scale) == ("A", "C", LETTERS)
    assert ins.fields["description"] == "Russian energy analyst"
    assert ins.fields["handler"] == "Ana"
    assert ins.text == "Gas talks are stuck."


def test_values_run_over_several_lines() -> None:
    body = (
        "CODE: CO8\n"
        "SOURCE DESCRIPTION: NGO worker in Cauca, close to\n"
        "  the regional human rights office\n"
        "SPECIAL HANDLING: Do not forward\n"
        "outside alpha\n"
        "SOURCE HANDLER: Luis\n"
        "Report text follows without a blank line."
    )
    [ins] = parse_insights("", body, EARLY)
    assert ins.fields["description"] == "NGO worker in Cauca, close to\nthe regional human rights office"
    assert ins.fields["special_handling"] == "Do not forward\noutside alpha"
    assert ins.fields["handler"] == "Luis"  # one line: what follows is the report
    assert ins.text == "Report text follows without a blank line."


def test_html_bodies_bring_no_break_spaces_and_crlf() -> None:
    body = FULL.replace("SOURCE: ", "SOURCE:\xa0").replace("ITEM CREDIBILITY: ", "ITEM\xa0CREDIBILITY:\xa0")
    [ins] = parse_insights("", body.replace("\n", "\r\n"), EARLY)
    assert (ins.code, ins.credibility, ins.fields["handler"]) == ("MX1", "2", "Frank")
    assert [m.code for m in find_codes("", body)] == ["MX1"]


def test_several_insights_in_one_email() -> None:
    second = FULL.replace("MX01", "US714").replace("Frank", "Ana").replace("Juarez", "El Paso")
    body = f"Two for today.\n\n{FULL}\n\n{second}"
    first, other = parse_insights("INSIGHTS for the weekly", body, EARLY)
    assert (first.code, other.code) == ("MX1", "US714")
    assert "Juarez" in first.text and "El Paso" not in first.text and "SOURCE:" not in first.text
    assert "El Paso" in other.text
    assert first.end == other.start
    assert other.fields["handler"] == "Ana"


def test_stripped_copy_has_no_code() -> None:
    body = (
        "ATTRIBUTION: Meridian source in Mexico\nSOURCE DESCRIPTION: Mexican government official\n"
        "PUBLICATION: Yes\n\nThings in Juarez were worse than the press is reporting."
    )
    [ins] = parse_insights("[alpha] INSIGHT - MEXICO - plaza dispute", body, EARLY)
    assert (ins.code, ins.written_code, ins.variant) == (None, "", "stripped")
    assert set(ins.fields) == {"attribution", "description", "publication"}
    assert (ins.reliability, ins.credibility, ins.credibility_scale) == ("", "", "")
    assert find_codes("[alpha] INSIGHT - MEXICO - plaza dispute", body) == []


def test_code_only_in_the_subject() -> None:
    [ins] = parse_insights("[alpha] INSIGHT - US - DHS reorganisation - US02", "Funding is stuck.\n", EARLY)
    assert (ins.code, ins.written_code, ins.code_label, ins.variant) == ("US2", "US02", "subject", "subject-only")
    assert (ins.fields, ins.text) == ({}, "Funding is stuck.")


def test_a_reply_is_not_an_insight() -> None:
    """Its subject and quote repeat the parent: the quoted block is read (a leak may not hold
    the parent) but marked ``quoted``, a copy that the registry never counts as a report."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in FULL.splitlines())
    body = f"Agreed, worth a piece.\n\nOn Mon, 3 May 2010, Frank wrote:\n{quoted}"
    [copy] = parse_insights("Re: [alpha] INSIGHT - US - DHS reorganisation - US2", body, EARLY)
    assert (copy.code, copy.variant) == ("MX1", "quoted")
    assert copy.flags == ("subject names US2, block MX01",)
    assert copy.fields["attribution"] and copy.reliability
    [copy] = parse_insights("Re: [secure] INSIGHT - MEXICO - plaza dispute", body, EARLY)
    assert (copy.code, copy.variant) == ("MX1", "quoted")
    assert parse_insights("Re: [secure] INSIGHT - MEXICO - plaza dispute", "Agreed.\n", EARLY) == []
    # find_codes still reports the mentions: they are there, in a source context.
    assert {m.code for m in find_codes("Re: [secure] INSIGHT - MEXICO - plaza", body)} == {"MX1"}


@pytest.mark.parametrize(
    "head",
    [
        "-------- Original Message --------\nSubject: [secure] INSIGHT - MEXICO - plaza dispute\n"
        "Date: Thu, 04 Mar 2010 09:00:00 -0600\nFrom: Frank Okafor <fokafor@meridian-risk.example>\n"
        "To: secure@meridian-risk.example\n\n",
        "Begin forwarded message:\n\nFrom: Frank Okafor <fokafor@meridian-risk.example>\n"
        "Date: Thu, 04 Mar 2010 09:00:00 -0600\nSubject: [secure] INSIGHT - MEXICO - plaza dispute\n"
        "To: secure@meridian-risk.example\n\n",
        "> ",
    ],
    ids=["thunderbird", "apple", "quoted"],
)
def test_forwarded_block_speaks_for_the_source(head: str) -> None:
    inner = FULL if head != "> " else "\n".join(f"> {line}" for line in FULL.splitlines())
    body = f"Worth reading alongside today's piece.\n\n{head if head != '> ' else ''}{inner}"
    [ins] = parse_insights("[analysts] Fwd: [secure] INSIGHT - MEXICO - plaza dispute", body, EARLY)
    assert (ins.code, ins.variant, ins.fields["handler"]) == ("MX1", "forwarded", "Frank")
    assert ins.text.startswith("Things in Juarez") and ">" not in ins.text


def test_forwarded_handler_note() -> None:
    body = (
        "Interesting - see below.\n\n-------- Original Message --------\nSubject: From MX1 -- 2\n"
        "Date: Thu, 04 Mar 2010 09:00:00 +0000\nFrom: Frank Okafor <fokafor@meridian-risk.example>\n"
        "To: Ann Vale <avale@meridian-risk.example>\n\nMX1 -- 2:\n\nThe army left Juarez on Monday."
    )
    [ins] = parse_insights("[analysts] Fwd: From MX1 -- 2", body, EARLY)
    assert (ins.code, ins.written_code, ins.variant, ins.code_label) == ("MX1", "MX1", "forwarded", "note")
    assert ins.text == "The army left Juarez on Monday."
    # The note alone, without the subject, still names the speaker.
    [alone] = parse_insights("[analysts] interesting", body, EARLY)
    assert (alone.code, alone.variant) == ("MX1", "forwarded")


def test_direct_handler_note() -> None:
    [ins] = parse_insights("From MX1 -- 2", "MX1 -- 2:\n\nThe army left Juarez on Monday.", EARLY)
    assert (ins.code, ins.variant, ins.text) == ("MX1", "note", "The army left Juarez on Monday.")


def test_ordinary_labels_are_not_insights() -> None:
    clipping = "The army moved.\n\nSource: GlobalWire News wire, via watch office"
    assert parse_insights("MX - army deployment", clipping, EARLY) == []
    memo = "DISTRIBUTION: all staff\nPUBLICATION: internal\n\nThe office closes early."
    assert parse_insights("Staff memo", memo, EARLY) == []


def test_unreadable_code_and_disagreeing_subject_are_flagged() -> None:
    unreadable = "SOURCE: US 714\nATTRIBUTION: x\nSOURCE DESCRIPTION: y\n\nText."
    [ins] = parse_insights("", unreadable, EARLY)
    assert ins.code is None and ins.variant == "full"
    assert any("code not recognised" in f for f in ins.flags)
    [other] = parse_insights("INSIGHT - MEXICO - x - MX2", FULL, EARLY)
    assert other.code == "MX1"  # the block wins
    assert any("subject names MX2" in f for f in other.flags)


@pytest.mark.parametrize(
    ("value", "when", "scale", "flagged"),
    [
        ("2", EARLY, DIGITS, False),
        ("C", LATE, LETTERS, False),
        ("B", EARLY, LETTERS, True),  # letters before the switch: kept, flagged
        ("4", LATE, DIGITS, True),  # digits after it
        ("3", None, DIGITS, False),  # no date: the value alone says
        ("high", EARLY, "", True),
        ("", EARLY, "", False),
    ],
)
def test_credibility_scale_comes_from_the_value(value: str, when: datetime | None, scale: str, flagged: bool) -> None:
    read, flags = credibility_scale(value, when)
    assert (read, bool(flags)) == (scale, flagged)
    body = FULL.replace("ITEM CREDIBILITY: 2", f"ITEM CREDIBILITY: {value}")
    [ins] = parse_insights("", body, when)
    assert (ins.credibility, ins.credibility_scale) == (value, scale)  # as written, never mapped


_FRAGMENTS = [
    "SOURCE:",
    " MX01",
    "CODE : ",
    "ATTRIBUTION: ",
    "SOURCE DESCRIPTION:",
    "ITEM CREDIBILITY: ",
    "SOURCE RELIABILITY:",
    "\n",
    "\n\n",
    "> ",
    "From ",
    " -- 2:",
    "INSIGHT - ",
    "Re: ",
    "Fwd: ",
    "[alpha] ",
    "-------- Original Message --------",
    "Subject: ",
    "according to ",
    " said",
    "Mr. ",
    "KT220-4",
    "US714",
    "\r",
    "\x00",
    "é",
    "   ",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=8)), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=8)), max_size=8).map("".join),
    st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)
def test_fuzz_never_raises(body: str, subject: str, when: datetime | None) -> None:
    for mention in find_codes(subject, body):
        text = subject if mention.part == "subject" else body
        assert text[mention.start :].startswith(mention.written)
    for ins in parse_insights(subject, body, when):
        assert 0 <= ins.start <= ins.end <= len(body)


def test_random_text_is_linear() -> None:
    """Dense with code-shaped tokens and labels, and inputs that make a careless regex backtrack
    for ever; offsets stay right. No clock here (a unit test never times itself): how long these
    take is printed by ``bench/pathological_bench.py``."""
    rng = random.Random(5)
    words = ["MX1", "SOURCE:", "From", "--", "2:", "\n", ">", "according to", "said", "INSIGHT -", "the", "x" * 30]
    body = " ".join(rng.choice(words) for _ in range(60_000))
    for mention in find_codes(body[:2000], body, bare=True):
        text = body[:2000] if mention.part == "subject" else body
        assert text[mention.start :].startswith(mention.written)
    assert all(0 <= ins.start <= ins.end <= len(body) for ins in parse_insights(body[:2000], body, None))
    for pathological in ("SOURCE:" + " " * 200_000 + "x", ">" * 200_000, "[" * 200_000, "Re: " * 50_000):
        assert find_codes(pathological, pathological, bare=True) == []
        assert parse_insights(pathological, pathological, None) == []


# -- the demo archive --------------------------------------------------------------------------

#: The truth's credibility scale names, in this parser's words.
_SCALES = {DIGITS: "1-6", LETTERS: "A-F"}


def _as_truth(found: list[Insight]) -> set[tuple[str, str]]:
    """Parsed insights as (key, value) pairs in the truth's vocabulary (``Insight.facts``).

    ATTRIBUTION is not in the truth, and "subject" / "note" are this
    parser's names for where a code came from, not block labels: neither is
    compared.
    """
    pairs: set[tuple[str, str]] = set()
    for ins in found:
        named = {
            "code_written": ins.written_code,
            "reliability": ins.reliability,
            "credibility": ins.credibility,
            "credibility_scale": _SCALES.get(ins.credibility_scale, ins.credibility_scale),
            "code_label": ins.code_label if ins.code_label not in ("subject", "note") else "",
            **{key: ins.fields.get(key, "") for key in ("description", "handler", "publication")},
            **{key: ins.fields.get(key, "") for key in ("special_handling", "distribution")},
        }
        pairs |= {(key, value) for key, value in named.items() if value}
    return pairs


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def test_demo_archive_against_truth(demo_case: tuple[Case, dict[str, Any]]) -> None:
    """Code detection and field extraction, scored per message against ``truth.json``.

    Codes: for each message, the set of normalised codes ``find_codes``
    reports is compared with the codes the text really names. The truth's
    ``source_code`` says whose report a message carries, which is more than
    the text says, so the expected set is:

    - ``{source_code}`` when the truth's ``insight`` records a
      ``code_written`` (full blocks, subject-only, forwarded blocks and
      notes: the code is in the text);
    - empty for stripped copies: the truth gives them a ``source_code`` but
      their ``insight`` has no ``code_written`` (description and
      publication only) and their subject carries no code. Linking them to
      their source is the registry's job (body similarity), not detection's;
    - ``{root's source_code}`` for replies in the thread of a subject-only
      insight: the truth gives them no source, but its ``subject`` shows
      each repeats the root's subject, code included ("Re: [alpha] INSIGHT
      - US - ... - US2"). ``find_codes`` reports mentions, so it must find
      them; ``parse_insights`` must not take the reply for a report (it is
      scored below, where the truth has no insight for it);
    - plus, in any message, the codes its ``named_codes`` give at the
      ``report`` or ``prose`` level: the looser forms of real mail
      (``loupe/demo/forms.py``: a context and its code across a hard wrap,
      Outlook's emphasised forward headers, a bracketed forward subject,
      "Can you ping MX1 on this report?"), its own or carried in a quote.

    True positives are codes in both sets, false positives reported codes
    not expected, false negatives expected codes not reported; summed over
    all messages (embedded ones included, by their Message-ID).

    Bare mentions ("MX1 had a similar take", "Priya - IN11 on whether") are
    no evidence alone, so ``find_codes`` does not report them here; the case
    counts one only for a code some report established. They are scored
    through the case, ``named_in()``: the (message, code) pairs it counts at
    the ``mention`` level against those whose strongest level in the truth
    is ``mention``, with the same targets.

    Fields: ``parse_insights`` output as (key, value) pairs in the truth's
    vocabulary (see ``_as_truth``) against the truth's ``insight`` pairs;
    an insight found in a message the truth gives none costs all its pairs.
    The variant of each insight message is scored as well. A reply that
    quotes its parent's block yields a ``quoted`` copy, which is not a report
    (the truth gives replies none): it is scored apart, against the block of
    its thread's root.
    """
    case, truth = demo_case
    by_id = {m["message_id"].strip("<>"): m for m in truth["messages"]}
    code_tp = code_fp = code_fn = 0
    field_tp = field_fp = field_fn = 0
    variants_right = variants_total = extra_insights = quoted_copies = quoted_right = 0
    unknown: list[str] = []
    detected: dict[str, set[str]] = {}
    mentions_wanted: set[tuple[str, str]] = set()  # (Message-ID, code) whose strongest level is "mention"
    message_of: dict[str, str] = {}  # Loupe's id -> Message-ID
    for loupe_id in sorted(case.db.message_ids()):
        row = case.db.message(loupe_id)
        message_of[loupe_id] = row["message_id"]
        item = by_id.get(row["message_id"])
        if item is None:
            unknown.append(row["message_id"])
            continue
        subject, body = row["subject"], case.parsed(loupe_id).body_text
        when = datetime.fromisoformat(row["date"]) if row["date"] else None

        expected: set[str] = set()
        if item["source_code"] and "code_written" in (item["insight"] or {}):
            expected = {item["source_code"]}
        root = by_id.get(item["thread_root"].strip("<>"))
        if not item["source_code"] and root is not None and root["insight_variant"] == "subject-only":
            assert subject.endswith(root["insight"]["code_written"])
            expected = {root["source_code"]}
        expected |= {n["code"] for n in item["named_codes"] if n["level"] in ("report", "prose")}
        mentions_wanted |= {(row["message_id"], n["code"]) for n in item["named_codes"] if n["code"] not in expected}
        got = {m.code for m in find_codes(subject, body)}
        detected[row["message_id"]] = got
        code_tp += len(got & expected)
        code_fp += len(got - expected)
        code_fn += len(expected - got)

        read = parse_insights(subject, body, when)
        found = [ins for ins in read if ins.variant != "quoted"]
        for copy in (ins for ins in read if ins.variant == "quoted"):  # a reply's quote of its parent's block
            quoted_copies += 1
            parent = root if root is not None and root["insight"] else None
            if parent is not None:  # a stripped parent's quote names no code: its fields must still be the root's
                right = copy.code in (None, parent["source_code"]) and _as_truth([copy]) <= set(
                    parent["insight"].items()
                )
                quoted_right += right
                if not right:
                    print(
                        "quoted copy read wrong:",
                        subject,
                        copy.code,
                        _as_truth([copy]) - set(parent["insight"].items()),
                    )
        pairs, truth_pairs = _as_truth(found), set((item["insight"] or {}).items())
        field_tp += len(pairs & truth_pairs)
        field_fp += len(pairs - truth_pairs)
        field_fn += len(truth_pairs - pairs)
        if item["insight_variant"]:
            variants_total += 1
            variants_right += len(found) == 1 and found[0].variant == item["insight_variant"]
            assert all(ins.code in (None, item["source_code"]) for ins in found)  # the speaker, never the forwarder
        else:
            extra_insights += len(found)

    counted = case.db.sources.named_in()
    mentions_got = {
        (message_of[message], code)
        for code, held in counted.items()
        for message, level in held.items()
        if level == "mention"
    }
    bare_tp, bare_fp = len(mentions_got & mentions_wanted), len(mentions_got - mentions_wanted)
    bare_fn = len(mentions_wanted - mentions_got)
    bare_p, bare_r = _ratio(bare_tp, bare_tp + bare_fp), _ratio(bare_tp, bare_tp + bare_fn)

    code_p, code_r = _ratio(code_tp, code_tp + code_fp), _ratio(code_tp, code_tp + code_fn)
    field_p, field_r = _ratio(field_tp, field_tp + field_fp), _ratio(field_tp, field_tp + field_fn)
    print(
        f"\ndemo: {len(detected)} messages scored\n"
        f"codes:  precision {code_p:.3f} recall {code_r:.3f} (tp {code_tp}, fp {code_fp}, fn {code_fn})\n"
        f"bare mentions counted by the case: precision {bare_p:.3f} recall {bare_r:.3f}"
        f" (tp {bare_tp}, fp {bare_fp}, fn {bare_fn})\n"
        f"fields: precision {field_p:.3f} recall {field_r:.3f} (tp {field_tp}, fp {field_fp}, fn {field_fn})\n"
        f"variants right: {variants_right}/{variants_total}; insights in non-insight mail: {extra_insights}\n"
        f"quoted copies in replies: {quoted_copies}, {quoted_right} read as their thread's root"
    )
    assert not unknown, f"messages not in the truth: {unknown[:5]}"
    assert code_p >= 0.98 and code_r >= 0.95
    assert mentions_wanted, "the demo names no source by a bare mention"
    assert bare_p >= 0.98 and bare_r >= 0.95
    assert field_p >= 0.98 and field_r >= 0.95
    assert variants_right >= 0.95 * variants_total
    assert extra_insights == 0
    assert quoted_right == quoted_copies

    planted = [(p["token"], mid.strip("<>")) for p in truth["lookalikes"] for mid in p["message_ids"]]
    assert planted, "the demo planted no look-alikes"
    for token, message_id in planted:
        assert normalise_code(token) not in detected.get(message_id, set()), (token, message_id)
    every = set().union(*detected.values())
    assert not every & {normalise_code(p["token"]) for p in truth["lookalikes"]}
    sources = {s["code"] for s in truth["sources"]}
    assert every <= sources
    # Every spelling the truth lists for a source was read and folded to it.
    for source in truth["sources"]:
        assert {normalise_code(w) for w in source["written_as"]} <= {source["code"]}


#: How often each looser form must occur in the 2,000-message demo, in a message's own text.
_FORM_MINIMUM = {"wrapped": 10, "outlook-forward": 5, "bracketed-subject": 5, "loose-prose": 20}


def _planted_at(text: str, planted: str, written: str) -> list[int]:
    """Where ``written`` stands in each place ``text`` holds the planted words, also under ``>`` marks."""
    pattern = r"\n(?:>[^\S\n]?)*".join(re.escape(line) for line in planted.split("\n"))
    token = re.compile(rf"(?<!\w){re.escape(written)}(?!\w)")
    starts = []
    for match in re.finditer(pattern, text):
        found = token.search(text, match.start(), match.end())
        if found is not None:
            starts.append(found.start())
    return starts


@pytest.mark.both_backends
def test_demo_names_sources_in_the_forms_of_real_mail(demo_case: tuple[Case, dict[str, Any]]) -> None:
    """Each looser form occurs, and Loupe reads each place at the level the generator intends.

    For every ``named_codes`` entry: the planted words are found in the
    message (under ``>`` marks when carried in a reply's quote), and
    ``find_codes(..., bare=True)`` reports the code right there at the
    entry's level (``report``, ``prose`` or ``mention``); the case counts
    the message for the code at that level or a stronger one, so a bare
    mention is counted because a report elsewhere established its code.
    """
    case, truth = demo_case
    loupe_ids = {case.db.message(i)["message_id"]: i for i in case.db.message_ids()}
    counted = case.db.sources.named_in()
    lookalikes = {normalise_code(p["token"]) for p in truth["lookalikes"]}
    own: Counter[str] = Counter()
    quoted: Counter[str] = Counter()
    levels: Counter[tuple[str, str]] = Counter()
    wrong: list[tuple[str, str, str, str]] = []
    for item in truth["messages"]:
        if not item["named_codes"]:
            continue
        loupe_id = loupe_ids[item["message_id"].strip("<>")]
        row = case.db.message(loupe_id)
        texts = {"subject": row["subject"], "body": case.parsed(loupe_id).body_text}
        mentions = find_codes(texts["subject"], texts["body"], bare=True)
        for named in item["named_codes"]:
            (quoted if named["quoted"] else own)[named["form"]] += 1
            levels[(named["form"], named["level"])] += 1
            assert named["code"] not in lookalikes
            starts = _planted_at(texts[named["part"]], named["text"], named["written"])
            assert starts, (item["message_id"], named)
            read = {SOURCE_LEVELS[m.where] for m in mentions if m.part == named["part"] and m.start in starts}
            held = counted.get(named["code"], {}).get(loupe_id)
            in_case = held is not None and LEVEL_ORDER.index(held) <= LEVEL_ORDER.index(named["level"])
            if read != {named["level"]} or not in_case:
                wrong.append((item["message_id"], named["form"], named["level"], f"read {read}, case {held}"))
    print(f"\nforms in the demo: own {dict(own)}; quoted {dict(quoted)}; levels {dict(levels)}")
    for form, minimum in _FORM_MINIMUM.items():
        assert own[form] >= minimum, (form, own[form])
    assert quoted["wrapped"] >= 3  # "> ... Mr." / "> MX4 stated": the wrap inside a reply's quote
    assert {level for form, level in levels if form == "loose-prose"} == {"prose", "mention"}
    assert not wrong, wrong[:10]


# -- the real corpora --------------------------------------------------------------------------

#: (corpus, Message-ID, code) -> why a code reported in a real corpus is
#: acceptable. None are coded-source archives, so this stays empty unless a
#: corpus really does name something in a source context.
EXPLAINED: dict[tuple[str, str, str], str] = {}
#: Corpora written to name coded sources: scored against their own answers in
#: ``tests/test_sources_real_forms.py``, not held to "no sources" here.
SOURCE_CORPORA = frozenset({"gifiles-forms"})


def test_real_corpora_report_no_sources(tmp_path: Path) -> None:
    """Public test corpora (spam, Enron, parser fixtures) name no coded sources.

    Each is ingested with the project's pipeline and every message,
    attached ones included, goes through both parsers. Code-shaped tokens
    are rare there (an IBAN's "ES67"), so this guards the header and
    phrase rules against ordinary mail more than it measures them.
    """
    names = sorted(p.name for p in CORPORA.iterdir() if p.is_dir() and p.name not in SOURCE_CORPORA)
    assert names, "no corpora found"
    reported: dict[tuple[str, str, str], str] = {}
    messages = 0
    for name in names:
        opened = Case.open(tmp_path / name, create=True)
        try:
            ingest(opened, [corpus(name)], workers=1)
            for loupe_id in sorted(opened.db.message_ids()):
                row = opened.db.message(loupe_id)
                parsed = opened.parsed(loupe_id, attachment_text=False)
                messages += 1
                for mention in find_codes(row["subject"], parsed.body_text):
                    reported[(name, row["message_id"], mention.code)] = f"code ({mention.where})"
                for ins in parse_insights(row["subject"], parsed.body_text, parsed.date):
                    reported[(name, row["message_id"], ins.code or "")] = f"insight ({ins.variant})"
        finally:
            opened.close()
    print(f"\nreal corpora: {len(names)} corpora, {messages} messages, {len(reported)} source reports")
    unexplained = {key: why for key, why in reported.items() if key not in EXPLAINED}
    assert not unexplained
