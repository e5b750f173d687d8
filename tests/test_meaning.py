"""Meaning vectors: passages of the author's own text, the shipped model, the store and the index."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.meaning import index as meaning_index
from loupe.meaning.build import refresh
from loupe.meaning.index import INDEX_FILE, STATE_FILE, PassageIndex
from loupe.meaning.model import embed, from_codes, to_codes
from loupe.meaning.passages import is_prose, own_passages, window_passages
from loupe.meaning.score import ClaimReading, names, residual_meaning
from loupe.meaning.similar import says_the_same
from loupe.meaning.stance import stance
from loupe.quotes.corroborate import Claim
from tests.conftest import corpus, open_case_on

REPLY = """Hi all,

The shipments now leave Veracruz at night, after the
customs shift changes. Two clerks are paid to look away.

Thanks,
Ann

On Mon, 3 May 2010, Bob Reyes wrote:
> The shipments leave in the morning, as far as I know.
> Nobody at customs has been paid.
"""

FORWARD = """FYI, see below: this matches what our man in the port told us last week.

---------- Forwarded message ----------
From: Carla Diaz <carla@example.org>
Date: Tue, 4 May 2010 10:00:00 -0500
Subject: port

The harbour master signs off on every container without opening it.
"""


def test_passages_are_the_authors_own_text_not_what_it_quotes_or_forwards() -> None:
    texts = [p.text for p in own_passages(REPLY)]
    assert texts == [
        "The shipments now leave Veracruz at night, after the customs shift changes. Two clerks are paid to look away."
    ]
    forwarded = " ".join(p.text for p in own_passages(FORWARD))
    assert "our man in the port" in forwarded
    assert "harbour master" not in forwarded  # Carla's words, found in Carla's own message if the case has it


def test_a_passage_points_at_its_place_in_the_body() -> None:
    (passage,) = own_passages(REPLY)
    assert " ".join(REPLY[passage.start : passage.end].split()) == passage.text


def test_query_windows_read_quotes_too_and_stay_within_a_paragraph() -> None:
    windows = [w.text for w in window_passages(REPLY, 2)]
    assert "The shipments leave in the morning, as far as I know. Nobody at customs has been paid." in windows
    assert not any("Thanks" in w and "shipments" in w for w in windows)  # a blank line ends a paragraph
    for w in window_passages(REPLY, 2):
        assert " ".join(REPLY[w.start : w.end].replace(">", " ").split()) == w.text


@pytest.mark.parametrize(
    ("text", "prose"),
    [
        ("The army commander meets the cartel's lawyers at a ranch outside the city.", True),
        ("El gobernador de Sinaloa recibe sobornos, según nuestra fuente.", True),
        ("Signed-off-by: Jan <jan at example.com> --- lib/database.cc | 21 ++++++++------- 1 files changed", False),
        ("diff --git a/Makefile b/Makefile index 96aaa73..023b2ec 100644 --- a/Makefile +++ b/Makefile", False),
    ],
)
def test_only_prose_is_embedded(text: str, prose: bool) -> None:
    assert is_prose(text) is prose


def test_vectors_are_unit_length_and_survive_int8() -> None:
    vectors = embed(["fuel stolen from the pipeline", "", "gasolina robada del ducto"])
    assert vectors.shape == (3, 256)
    assert np.allclose(np.linalg.norm(vectors[[0, 2]], axis=1), 1.0, atol=1e-5)
    assert not vectors[1].any()  # an empty text has no direction
    back = from_codes(to_codes(vectors))
    assert float(back[0] @ vectors[0]) > 0.999


def test_meaning_ranks_a_paraphrase_above_an_unrelated_sentence_in_english_and_spanish() -> None:
    claim, paraphrase, unrelated = embed(
        [
            "the army commander meets cartel lawyers at a ranch",
            "the military officer holds meetings with the gang's attorneys on a farm",
            "fuel prices went up again this month and the drivers may strike",
        ]
    )
    assert claim @ paraphrase > claim @ unrelated + 0.2
    es_claim, es_paraphrase, es_unrelated = embed(
        [
            "el gobernador de Sinaloa recibe sobornos de los narcotraficantes",
            "los traficantes pagan cada mes al gobernador de Sinaloa",
            "los precios del combustible en Reynosa subieron otra vez este mes",
        ]
    )
    assert es_claim @ es_paraphrase > es_claim @ es_unrelated + 0.2


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("The governor of Sinaloa takes money from the smugglers, two aides say.", "says"),
        ("The governor of Sinaloa denies that he takes bribes from smugglers.", "denies"),
        ("It is not true that the governor takes bribes, his office said.", "denies"),
        ("The governor does not take bribes from anyone.", "denies"),
        ("There is no evidence that the governor takes bribes.", "denies"),
        ("Is it true that the governor of Sinaloa takes bribes from smugglers?", "asks"),
        ("Can anyone confirm whether the governor takes bribes?", "asks"),
        ("No doubt the governor takes bribes from the smugglers.", "says"),
        ("Valid for C but not for C++, the compiler says of the governor's bribes.", "says"),
        ("El gobernador niega haber recibido sobornos de los contrabandistas.", "denies"),
        ("No es cierto que el gobernador reciba sobornos.", "denies"),
        ("¿Es verdad que el gobernador recibe sobornos?", "asks"),
    ],
)
def test_stance(passage: str, expected: str) -> None:
    assert stance(passage, "the governor of Sinaloa takes bribes from smugglers") == expected


def test_a_claim_that_itself_denies_is_supported_by_a_denial() -> None:
    assert stance("The minister denies any link to the port.", "the minister denies a link to the port") == "says"


def test_names_are_the_claims_capitalised_words_and_codes() -> None:
    assert names("the army commander in Culiacan meets MX7's lawyers") == ("culiacan", "mx7")
    assert names("Reynosa fuel is stolen") == ()  # the first word is capitalised by grammar, not as a name


def _ingested(root: Path, meaning: bool, backend: str, request: pytest.FixtureRequest) -> Case:
    case = open_case_on(backend, root, request)
    case = dataclasses.replace(case, settings=dataclasses.replace(case.settings, meaning=meaning))
    ingest(case, [corpus("notmuch-default")], workers=1)
    return case


@pytest.mark.both_backends
def test_ingest_embeds_every_indexed_message_and_indexes_the_passages(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    case = _ingested(tmp_path / "case", meaning=True, backend=backend, request=request)
    try:
        messages = case.db.message_ids()
        assert case.db.meaning.messages_done() == len(messages)
        assert case.db.meaning.count() > len(messages)  # a few passages a message
        index = PassageIndex(case.root, case.db.meaning)
        assert index.is_current()
        (hits,) = index.search(embed(["too many open files when searching a big mail store"]), 5)
        assert len(hits) == 5 and hits[0][1] >= hits[-1][1]
    finally:
        case.close()


@pytest.mark.both_backends
def test_meaning_off_then_on_backfills_from_the_originals(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    case = _ingested(tmp_path / "case", meaning=False, backend=backend, request=request)
    try:
        assert case.db.meaning.count() == 0
        assert not list(case.root.glob("meaning*.usearch"))
        embedded = refresh(case, workers=1)
        assert embedded == len(case.db.message_ids()) == case.db.meaning.messages_done()
        assert PassageIndex(case.root, case.db.meaning).is_current()
        assert refresh(case, workers=1) == 0  # nothing left to do
    finally:
        case.close()


@pytest.mark.both_backends
def test_a_stale_or_missing_index_file_is_rebuilt_from_the_rows(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    case = _ingested(tmp_path / "case", meaning=True, backend=backend, request=request)
    try:
        index = PassageIndex(case.root, case.db.meaning)
        (segment,) = index.files()
        segment.unlink()
        assert not index.is_current()
        assert index.update() == case.db.meaning.count()
        (segment,) = index.files()
        segment.write_bytes(b"not an index")  # overwritten, state file still agreeing
        (hits,) = PassageIndex(case.root, case.db.meaning).search(embed(["the archive is broken"]), 3)
        assert len(hits) == 3
        case.db.meaning.clear()
        index.reset()
        refresh(case, workers=1)
        assert index.is_current()
        (hits,) = index.search(embed(["the archive of the mailing list is broken"]), 3)
        assert len(hits) == 3
    finally:
        case.close()


@pytest.mark.both_backends
def test_the_index_is_cut_into_segments_and_adding_rewrites_only_the_last(
    tmp_path: Path, monkeypatch, backend: str, request: pytest.FixtureRequest
) -> None:
    """Memory and writing bounded by a segment, whatever the case's size; the nearest are still found."""
    monkeypatch.setattr(meaning_index, "SEGMENT_PASSAGES", 40)
    case = _ingested(tmp_path / "case", meaning=True, backend=backend, request=request)
    try:
        index = PassageIndex(case.root, case.db.meaning)
        first = index.files()
        assert len(first) == -(-case.db.meaning.count() // 40) >= 3
        sealed = {f.name: f.stat().st_mtime_ns for f in first[:-1]}
        ingest(case, [corpus("mu-testdir")], workers=1)  # more mail: its passages extend the index
        files = index.files()
        total = case.db.meaning.count()
        assert len(files) == -(-total // 40) > len(first)
        assert {f.name: f.stat().st_mtime_ns for f in files if f.name in sealed} == sealed  # not rewritten
        assert sorted(case.root.glob("meaning*.usearch")) == sorted(files)  # the replaced last one is gone
        # what a search finds is what comparing the claim with every stored vector finds
        ids = np.concatenate([i for i, _ in case.db.meaning.vectors_after(0)])
        vectors = from_codes(np.concatenate([c for _, c in case.db.meaning.vectors_after(0)]))
        for claim in ("too many open files when searching a big mail store", "the build fails on macOS"):
            query = embed([claim])
            (hits,) = PassageIndex(case.root, case.db.meaning).search(query, 10)
            exact = np.sort(vectors @ query[0])[::-1][:10]
            assert len(hits) == 10 and set(int(k) for k, _ in hits) <= set(int(i) for i in ids)
            assert np.allclose([score for _, score in hits], exact, atol=2e-3)
    finally:
        case.close()


@pytest.mark.both_backends
def test_an_index_of_one_file_from_before_segments_is_extended_not_rebuilt(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    case = _ingested(tmp_path / "case", meaning=True, backend=backend, request=request)
    try:
        index = PassageIndex(case.root, case.db.meaning)
        (segment,) = index.files()
        state = index.state()
        assert state is not None
        segment.replace(case.root / INDEX_FILE)  # as Loupe wrote it before: one file, no segment list
        (case.root / STATE_FILE).write_text(
            f'{{"model": "{state.model}", "last_id": {state.last_id}, "count": {state.count}}}', "utf-8"
        )
        old = PassageIndex(case.root, case.db.meaning)
        assert old.is_current() and old.files() == [case.root / INDEX_FILE]
        (hits,) = old.search(embed(["too many open files when searching a big mail store"]), 5)
        assert len(hits) == 5
    finally:
        case.close()


@pytest.mark.both_backends
def test_says_the_same_thing_lists_other_wordings_not_copies(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    case = _ingested(tmp_path / "case", meaning=True, backend=backend, request=request)
    try:
        found = {}
        for message in sorted(case.db.message_ids()):
            for point in says_the_same(case, message):
                found[(message, point.message)] = point
        assert found, "the notmuch list thanks its new users in several wordings"
        for (message, other), point in found.items():
            assert other != message
            assert other not in case.db.conversations.near_duplicates_of(message)
            assert point.cosine >= 0.62
            assert len(point.passage.split()) >= 8 and len(point.ours.split()) >= 8
    finally:
        case.close()


def test_claim_reading_keeps_the_claims_words_and_vector() -> None:
    claim = Claim.weighed("a gravel quarry near Monterrey launders money", lambda word: 1, 10)
    reading = ClaimReading.of(claim)
    assert reading.text == claim.text and reading.names == ("monterrey",)
    assert abs(float(np.linalg.norm(reading.vector)) - 1.0) < 1e-5


def test_residual_meaning_tells_a_restatement_from_other_news_of_the_place_in_both_languages() -> None:
    """``tests/fixtures/meaning_pairs.json``: six claims, each with a paraphrase and a sentence about the
    same place saying something else, in English and in Spanish (``bench/meaning_languages.py``)."""
    import json

    from tests.conftest import FIXTURES

    pairs = json.loads((FIXTURES / "meaning_pairs.json").read_text("utf-8"))
    for lang, right_at_least in (("en", 6), ("es", 5)):
        right = 0
        for claim, paraphrase, other in pairs[lang]:
            reading = ClaimReading.of(Claim.weighed(claim, lambda word: 1, 10))
            right += (residual_meaning(reading, paraphrase) or 0.0) > (residual_meaning(reading, other) or 0.0)
        assert right >= right_at_least, (lang, right)


def test_the_message_page_lists_what_says_the_same_thing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    from starlette.testclient import TestClient

    from loupe.web.app import create_app

    case = _ingested(tmp_path / "case", meaning=True, backend=backend, request=request)
    try:
        message, point = next(
            (m, points[0]) for m in sorted(case.db.message_ids()) if (points := says_the_same(case, m))
        )
        client = TestClient(create_app(case, allowed_hosts=["testserver"]))
        page = client.get(f"/message/{message}").text
        assert "Says the same thing in other words" in page and f"/message/{point.message}" in page
        data = client.get(f"/api/messages/{message}").json()
        assert data["same_point"][0]["message"] == point.message
    finally:
        case.close()


@pytest.mark.both_backends
def test_a_quote_found_nowhere_gets_passages_closest_in_meaning_labelled_as_such(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    from loupe.quotes.extract import Quote
    from loupe.quotes.in_case import check_quote

    text = "we copied most of the sup user interface into emacs, with its inbox and thread views"
    case = _ingested(tmp_path / "case", meaning=True, backend=backend, request=request)
    try:
        check = check_quote(case, Quote(1, (text,), text, 0, len(text), text))
        assert check.verdict == "not found"
        data = check.as_dict()
        closest = data["closest_in_meaning"]
        assert closest and all(c["cosine"] >= 0.5 for c in closest)
        assert any("sup UI inside emacs" in c["passage"] for c in closest)  # Keith's words, not the quote
        assert all(c["passage"] != text for c in closest)
    finally:
        case.close()
