"""The demo's paraphrased claims: origins that say the claim in other words, and decoys of two kinds.

``loupe/demo/claims.py`` plants ``PARAPHRASED_CLAIMS`` for corroboration by
meaning. Their wording is checked here as corroboration compares words: by
English stem, stop words out (``loupe.quotes.corroborate._STEMS``). Pure and
fast: the specs are read, and their drafts planned, without writing or
ingesting an archive.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from loupe.demo.claims import CLAIMS, DENIAL, PARAPHRASED_CLAIMS, SHARED_WORDS, ClaimSpec, plant_claims
from loupe.demo.episodes import Planner
from loupe.demo.people import make_cast
from loupe.demo.sources import CODES, make_sources
from loupe.meaning.stance import stance
from loupe.quotes.corroborate import _STEMS

DENIAL_CUES = ("denies", "denied", "not true", "no evidence", "are false", "is false")
ROLES = {"exec", "vp", "handler", "analyst", "watch"}


def stems(text: str) -> set[str]:
    """Content words as corroboration compares them: English stems, stop words out (and the "s" of a possessive)."""
    return {stem for stem in _STEMS.analyze(text) if len(stem) > 1}


def names(claim: str) -> set[str]:
    """The claim's proper names (places, organisations, people): its capitalised words."""
    return stems(" ".join(re.findall(r"\b[A-Z][\w'-]*", claim)))


def content(claim: str) -> set[str]:
    """The claim's content stems other than its names."""
    return stems(claim) - names(claim)


def _id(spec: ClaimSpec) -> str:
    return spec.claim[:40]


def test_ten_claims_with_one_to_four_origins() -> None:
    assert len(PARAPHRASED_CLAIMS) == 10
    ks = [len(spec.origins) for spec in PARAPHRASED_CLAIMS]
    assert set(ks) == {1, 2, 3, 4} and 20 <= sum(ks) <= 24
    decoys = [kind for spec in PARAPHRASED_CLAIMS for kind in spec.kinds]
    assert len(decoys) >= 15 and set(decoys) == {DENIAL, SHARED_WORDS}
    assert all(1 <= len(spec.decoys) <= 3 and len(spec.decoys) == len(spec.decoy_kinds) for spec in PARAPHRASED_CLAIMS)
    assert all(spec.wording == "paraphrased" for spec in PARAPHRASED_CLAIMS)
    assert all(spec.wording == "shared" and spec.kinds == (SHARED_WORDS,) * len(spec.decoys) for spec in CLAIMS)


def test_origins_are_existing_sources_outsiders_or_staff() -> None:
    codes = {f"{prefix}{number}" for prefix, number in CODES}
    outsiders = {p.address for p in make_cast(random.Random(7)).externals}
    for spec in PARAPHRASED_CLAIMS:
        for origin in spec.origins:
            assert origin.who in codes | outsiders | ROLES, origin.who
        coded = [o.who for o in spec.origins if o.who in codes]
        assert len(coded) == len(set(coded)), _id(spec)  # k distinct origins


@pytest.mark.parametrize("spec", PARAPHRASED_CLAIMS, ids=_id)
def test_origins_share_no_content_word_with_the_claim(spec: ClaimSpec) -> None:
    for origin in spec.origins:
        said = stems(origin.statement)
        assert not said & content(spec.claim), (origin.who, said & content(spec.claim))
        assert names(spec.claim) <= said, origin.who  # a corroborating report names the same place
        assert 10 <= len(origin.statement.split()) <= 25, origin.who
        assert len(re.findall(r"[.!?](?:\s|$)", origin.statement)) == 1, origin.who  # one sentence


@pytest.mark.parametrize("spec", PARAPHRASED_CLAIMS, ids=_id)
def test_origins_of_a_claim_word_it_differently(spec: ClaimSpec) -> None:
    for a, b in itertools.combinations(spec.origins, 2):
        shared = (stems(a.statement) & stems(b.statement)) - names(spec.claim)
        assert len(shared) <= 2, (a.who, b.who, shared)


@pytest.mark.parametrize("spec", PARAPHRASED_CLAIMS, ids=_id)
def test_decoys_use_the_claims_words(spec: ClaimSpec) -> None:
    claim = stems(spec.claim)
    for kind, text in zip(spec.kinds, spec.decoys, strict=True):
        assert 2 * len(stems(text) & claim) >= len(claim), (kind, text)
        if kind == DENIAL:
            assert any(cue in text.lower() for cue in DENIAL_CUES), text
        else:
            assert kind == SHARED_WORDS
            assert not any(cue in text.lower() for cue in DENIAL_CUES), text


@pytest.mark.parametrize("spec", PARAPHRASED_CLAIMS, ids=_id)
def test_only_denials_read_as_denials(spec: ClaimSpec) -> None:
    """No stray "not" or "?" in an origin or a shared-words decoy: only what the words say tells them apart."""
    for origin in spec.origins:
        assert stance(origin.statement, spec.claim) == "says", origin.who
    for kind, text in zip(spec.kinds, spec.decoys, strict=True):
        assert stance(text, spec.claim) == ("denies" if kind == DENIAL else "says"), text


def test_claims_do_not_share_words_with_each_other() -> None:
    specs = [*CLAIMS, *PARAPHRASED_CLAIMS]
    for a, b in itertools.combinations(specs, 2):
        assert len(stems(a.claim) & stems(b.claim)) <= 2, (a.claim, b.claim)
    for spec in PARAPHRASED_CLAIMS:  # nor does an origin or decoy of one lean on another claim's words
        texts = [o.statement for o in spec.origins] + list(spec.decoys)
        for other in specs:
            if other is not spec:
                for text in texts:
                    assert len(stems(text) & stems(other.claim)) <= 2, (text, other.claim)


def test_truth_records_wording_and_decoy_kinds() -> None:
    rng = random.Random(7)
    cast = make_cast(rng)
    planner = Planner(rng, cast, make_sources(rng, cast), random.Random("7-forms"))
    planned = plant_claims(planner, random.Random("7-claims"))  # raises if a source is not active yet
    truths = [claim.truth(n) for n, claim in enumerate(planned, 1)]
    assert len(truths) == len(CLAIMS) + len(PARAPHRASED_CLAIMS)
    assert [t.claim for t in truths] == [s.claim for s in (*CLAIMS, *PARAPHRASED_CLAIMS)]
    assert [t.id for t in truths] == [f"C{n}" for n in range(1, len(truths) + 1)]
    for truth, spec in zip(truths, (*CLAIMS, *PARAPHRASED_CLAIMS), strict=True):
        assert truth.wording == spec.wording
        assert len(truth.decoy_kinds) == len(truth.decoys) == len(spec.decoys)
        assert truth.decoy_kinds == list(spec.kinds)
        assert truth.k == len(spec.origins) == len(truth.origins)
        assert [o.statement for o in truth.origins] == [o.statement for o in spec.origins]
