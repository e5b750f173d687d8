"""Named entities on real mail: precision per kind, judged by reading every name found.

``fixtures/entities_real_annotated.json`` judges each person, organisation
and place the extractor finds in the development set written in the forms
of intelligence mail (gifiles-forms, 60 emails), the Enron sample and two
developers' lists (mu-testdir, notmuch-default), and notes the names a
reader would want that it misses. As in ``test_glossary_real.py``, a new
extraction fails until it is judged, and one no longer made fails until it
is taken out. ``pytest -s`` prints the table.

The floors are the precision measured when the annotation was written,
after the fixes it led to (before them: person 0.98, organisation 0.97,
place 0.94), so a change that adds wrong names fails even while the
figures stay above 0.9.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from loupe.entities import message_entities
from loupe.entities.lexicon import fold
from tests.conftest import FIXTURES
from tests.real_mail import RealMessage, assert_all_judged, read_corpus

ANNOTATION = json.loads((FIXTURES / "entities_real_annotated.json").read_text("utf-8"))
CORPORA: list[str] = ANNOTATION["corpora"]
KINDS = ("person", "organisation", "place")
#: Measured: person 226/227, organisation 35/36, place 158/164.
FLOORS = {"person": 0.99, "organisation": 0.97, "place": 0.96}

Key = tuple[str, str, str, str]  # corpus, file, kind, name as first written


def _key(row: dict[str, str]) -> Key:
    return row["corpus"], row["file"], row["kind"], row["name"]


JUDGED: dict[Key, dict[str, str]] = {_key(row): row for row in ANNOTATION["judged"]}


def _stored(message: RealMessage) -> list[Key]:
    """What ingest keeps of a message: the first mention of each (kind, normalised name)."""
    first: dict[tuple[str, str], str] = {}
    for entity in message_entities(message.subject, message.body):
        first.setdefault((entity.kind, entity.normalised), entity.name)
    return sorted({(message.corpus, message.file, kind, name) for (kind, _), name in first.items()})


@pytest.fixture(scope="module")
def extracted() -> list[Key]:
    return [key for name in CORPORA for message in read_corpus(name) for key in _stored(message)]


def test_the_annotation_is_well_formed() -> None:
    assert len(JUDGED) == len(ANNOTATION["judged"]), "a name judged twice"
    for row in ANNOTATION["judged"]:
        assert row["kind"] in KINDS and row["verdict"] in ("correct", "wrong"), row
        assert row["verdict"] == "correct" or row.get("reason"), f"a wrong name needs its reason: {row}"
    files = {(name, message.file) for name in CORPORA for message in read_corpus(name)}
    for row in ANNOTATION["missed"]:
        assert row["kind"] in KINDS and (row["corpus"], row["file"]) in files, row


def test_every_extraction_is_judged(extracted: list[Key]) -> None:
    assert_all_judged(extracted, JUDGED, "entities_real_annotated.json")


def test_misses_noted_are_still_missed(extracted: list[Key]) -> None:
    """A miss now found (same message, kind and name) is to be judged and taken off the list."""
    found = {(c, f, k, fold(n)) for c, f, k, n in extracted}
    now_found = [_key(row) for row in ANNOTATION["missed"] if (*_key(row)[:3], fold(row["name"])) in found]
    assert not now_found


def test_precision_per_kind_on_real_mail(extracted: list[Key]) -> None:
    right: Counter[tuple[str, str]] = Counter()  # (corpus or "all", kind)
    total: Counter[tuple[str, str]] = Counter()
    for corpus_name, where_found, kind, name in extracted:
        good = JUDGED.get((corpus_name, where_found, kind, name), {}).get("verdict") == "correct"  # unjudged: wrong
        for where in (corpus_name, "all"):
            total[where, kind] += 1
            right[where, kind] += good
    missed = Counter((row["corpus"], row["kind"]) for row in ANNOTATION["missed"])
    missed.update(("all", row["kind"]) for row in ANNOTATION["missed"])
    messages = sum(len(read_corpus(name)) for name in CORPORA)
    print(f"\nnamed entities on {messages} real messages")
    print(f"{'corpus':16} {'kind':13} {'found':>5} {'correct':>7} {'precision':>9} {'missed':>6}")
    for where in [*CORPORA, "all"]:
        for kind in KINDS:
            n, r = total[where, kind], right[where, kind]
            precision = f"{r / n:.3f}" if n else "-"
            print(f"{where:16} {kind:13} {n:5} {r:7} {precision:>9} {missed[where, kind]:6}")
    for kind in KINDS:
        n = total["all", kind]
        assert n > 0 and right["all", kind] / n >= FLOORS[kind], kind
