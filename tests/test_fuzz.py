"""Fuzzing, seeded and short (``bench/fuzz.py`` runs the long one): damaged real mail never crashes.

Every mutated message ends as parsed or refused with a reason, and every
random query as parsed or refused naming its column (``loupe.fuzzing``).
Crashes the long run found are kept below as named regression tests.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loupe.fuzzing import check_message, check_query, mutate, random_query, replay, seeds
from loupe.ingest.mime import parse_message
from tests.conftest import CORPORA

ORIGINALS = seeds(CORPORA, limit=120)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_real_messages_end_parsed_or_refused(seed: int) -> None:
    rng = random.Random(seed)
    data = mutate(rng, rng.choice(ORIGINALS))
    assert check_message(data).startswith(("parsed", "refused: "))


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_random_queries_end_parsed_or_refused(seed: int) -> None:
    assert check_query(random_query(random.Random(seed))).startswith(("parsed", "refused: "))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=80))
def test_any_text_as_a_query_ends_parsed_or_refused(query: str) -> None:
    assert check_query(query).startswith(("parsed", "refused: "))


def test_a_content_id_with_raw_non_ascii_bytes() -> None:
    """Found by ``bench/fuzz.py`` (seed 1, input 106): the email package gives such a header as a
    ``Header`` object, not a string."""
    data = (
        b"From: a@example.org\nSubject: cid\nContent-Type: multipart/related; boundary=b\n\n--b\n"
        b"Content-Type: text/plain\n\nbody\n--b\nContent-Type: image/png\nContent-ID: <\xff\xfeimg@x>\n\n"
        b"PNG\n--b--\n"
    )
    parsed = parse_message(data)
    assert parsed.body_text.strip() == "body"
    assert len(parsed.attachments) == 1


def test_a_delivery_report_whose_header_holds_an_embedded_header() -> None:
    """Found by ``bench/fuzz.py --seed 1`` (input 21,980, a damaged bounce from the notmuch corpus):
    the email package refused to write the report's part back to bytes."""
    data = replay(CORPORA, 1, 21_980)
    assert b"multipart/report" in data
    assert check_message(data) == "parsed"
