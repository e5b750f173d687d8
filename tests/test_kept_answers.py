"""What a warm case keeps between requests (bodies, facets, timelines) is never a stale answer.

The web server keeps one case open for its life, and with it the answers that
cost most of a search page (``Case._remembered``, ``loupe.kept``). These tests
change the case under it, each way a team changes a case, and check that the
next answer is the one a freshly opened case gives.
"""

from __future__ import annotations

import pytest

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.kept import Kept
from tests.conftest import corpus

pytestmark = pytest.mark.both_backends


def test_the_least_recently_used_entry_goes_first() -> None:
    kept: Kept[str, int] = Kept(2)
    calls: list[str] = []

    def work(key: str, value: int) -> int:
        calls.append(key)
        return value

    assert kept.get("a", lambda: work("a", 1)) == 1
    assert kept.get("b", lambda: work("b", 2)) == 2
    assert kept.get("a", lambda: work("a", 9)) == 1  # kept, and now the most recent
    assert kept.get("c", lambda: work("c", 3)) == 3  # "b" goes
    assert kept.get("b", lambda: work("b", 4)) == 4
    assert calls == ["a", "b", "c", "b"] and len(kept) == 2


def _fresh(case: Case) -> Case:
    """The same case opened anew: nothing kept."""
    return Case.open(case.root, db_url=None if case.db.url.startswith("sqlite") else case.db.url)


def test_facets_and_timeline_follow_an_ingest(case: Case) -> None:
    ingest(case, [corpus("notmuch-default")], workers=1)
    query = "the"
    before = (case.facets(query), case.timeline(query, "month"))
    assert case.facets(query) == before[0]  # asked again: the kept answer
    ingest(case, [corpus("mu-testdir")], workers=1)
    after = (case.facets(query), case.timeline(query, "month"))
    fresh = _fresh(case)
    try:
        assert after == (fresh.facets(query), fresh.timeline(query, "month"))
        assert sum(n for _, n in after[1].counts) >= sum(n for _, n in before[1].counts)
        assert after[0]["senders"] != before[0]["senders"] or after[1] != before[1]
    finally:
        fresh.close()


def test_a_correction_or_a_tag_shows_in_the_next_facets(case: Case) -> None:
    ingest(case, [corpus("notmuch-default")], workers=1)
    query = "notmuch"
    named = {
        facet: values
        for facet, values in case.facets(query).items()
        if values and facet in ("places", "organisations", "people named")
    }
    assert named, "the corpus names someone or somewhere in messages about notmuch"
    facet, values = next(iter(named.items()))
    hidden = values[0][0]
    kind = {"places": "place", "organisations": "organisation", "people named": "person"}[facet]
    case.db.entities.correct("hide", hidden, kind)
    assert hidden not in [name for name, _ in case.facets(query)[facet]]
    [first, *_] = case.matching_ids(query)
    case.db.add_tags([first], ["follow-up"])
    assert ("follow-up", 1) in case.facets(query)["tags"]
    fresh = _fresh(case)
    try:
        assert case.facets(query) == fresh.facets(query)
    finally:
        fresh.close()
