"""Corroboration on real mail, by words and by meaning (``tests/corroboration_accuracy.py``).

Ten claims about real messages of ``../shared/corpora``, most worded in the
annotator's own words, each with every supporting message found by reading.
The issue's target is recall of supporting origins >= 0.8 at precision >=
0.8 for the hybrid. It is far from met (see ``bench/RESULTS.md``): these
paraphrases share neither words nor word pieces wordllama knows to be alike
with their claims ("front end modelled closely on" for "tried to clone the
UI"), and the rule that keeps the hybrid from counting other mail about the
same subject (``score.residual_meaning``) then rejects them too. The target stays here as an expected failure, so
meeting it one day is seen; what the hybrid does achieve is asserted.
"""

from __future__ import annotations

import pytest

from loupe.case import Case
from tests.conftest import CORPORA
from tests.corroboration_accuracy import Score, ingest_folders, score


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Score]:
    case: Case = ingest_folders(CORPORA, tmp_path_factory.mktemp("real-claims") / "case")
    try:
        return {"lexical": score(case, lexical=True), "hybrid": score(case, lexical=False)}
    finally:
        case.close()


def test_the_annotation_is_whole() -> None:
    from tests.corroboration_accuracy import claims

    found = claims()
    assert len(found) == 10
    assert sum(c["paraphrase"] for c in found) >= 6
    assert sum(len({s["origin"] for s in c["supporting"]}) for c in found) >= 20
    for claim in found:
        for item in claim["supporting"] + claim["not_supporting"]:
            assert (CORPORA / item["path"]).exists(), item["path"]


def test_meaning_keeps_precision_and_loses_nothing_words_find(scores: dict[str, Score]) -> None:
    """Measured: words alone and the hybrid both find 1 of 21 origins, at precision 1.0."""
    lexical, hybrid = scores["lexical"], scores["hybrid"]
    assert hybrid.recall >= lexical.recall
    assert hybrid.precision >= 0.8, [w for c in hybrid.claims for w in c.wrong]


@pytest.mark.xfail(strict=True, reason="wordllama's bag of word pieces misses most real paraphrases: see the module")
def test_the_issue_target_recall_08_at_precision_08(scores: dict[str, Score]) -> None:
    hybrid = scores["hybrid"]
    assert hybrid.recall >= 0.8 and hybrid.precision >= 0.8
