"""The case store on both backends: SQLite (the embedded default) and PostgreSQL (a newsroom server).

The same real corpus ingested into a case on each must give the same case:
counts, searches (the index is on disk either way, but the database feeds it
tags, threads and people), threads and people; and so must the demo archive,
whose whole-case step fills sources, glossary, near duplicates and entities,
down to the order lists come back in (a query without ORDER BY is the
backend's to order). The smaller tests take ``case`` and run once per backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loupe.case import Case
from loupe.errors import CaseError, NotFound
from loupe.ingest.pipeline import ingest, message_key
from tests.conftest import FIXTURES, corpus, open_case_on

QUERIES = ("notmuch", 'from:"cworth@cworth.org"', "subject:patch", "thread:{first}", "tag:look")


def _fingerprint(case: Case) -> dict[str, Any]:
    """What a reporter sees of a case, in a form that does not depend on row order."""
    ids = sorted(case.db.message_ids())
    first = ids[0]
    case.db.add_tags(ids[:5], ["look"])
    searches = {}
    for query in QUERIES:
        total, hits = case.search(query.format(first=first), limit=1000, snippets=False)
        searches[query] = (total, sorted(h.id for h in hits))
    threads = {m: case.db.conversations.thread_of(m) for m in ids}
    people = sorted((p["name"], p["kind"], p["sent"], p["received"]) for p in case.db.people.table())
    return {
        "counts": case.db.status_counts().as_dict(),
        "searches": searches,
        "threads": threads,
        "thread_count": case.db.conversations.thread_count(),
        "people": people,
        "tags": case.db.tag_counts(),
        "near": sorted(case.db.conversations.near_duplicate_ids()),
    }


def test_a_real_corpus_gives_the_same_case_postgresql_as_on_sqlite(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    seen = {}
    for backend in ("sqlite", "postgresql"):
        case = open_case_on(backend, tmp_path / backend, request)
        ingest(case, [corpus("notmuch-default")], workers=1)
        seen[backend] = _fingerprint(case)
    on_sqlite, on_postgresql = seen["sqlite"], seen["postgresql"]
    assert on_sqlite["counts"]["messages"] > 40 and on_sqlite["counts"]["adds_up"]
    assert on_sqlite["thread_count"], "the corpus has threads"
    for key in on_sqlite:
        assert on_postgresql[key] == on_sqlite[key], key


@pytest.mark.both_backends
def test_a_second_ingest_adds_nothing_on_either_backend(case: Case) -> None:
    ingest(case, [corpus("notmuch-default")], workers=1)
    before = case.db.status_counts()
    ingest(case, [corpus("notmuch-default")], workers=1)
    assert case.db.status_counts().messages == before.messages


@pytest.mark.both_backends
def test_tags_saved_searches_and_notes_on_either_backend(case: Case) -> None:
    ingest(case, [corpus("notmuch-default")], workers=1)
    ids = sorted(case.db.message_ids())[:3]
    assert case.db.add_tags(ids, ["Look", "later"]) == 6
    assert case.db.add_tags(ids, ["look"]) == 0
    assert sorted(case.db.tagged("LOOK")) == ids
    assert case.db.remove_tags(ids[:1], ["later"]) == 1
    assert case.db.tags_of(ids[0]) == ["look"]
    case.db.save_search("mine", "from:cworth")
    case.db.save_search("mine", "from:keithp")
    assert case.db.saved_searches() == [("mine", "from:keithp")]
    case.db.delete_saved_search("mine")
    with pytest.raises(NotFound):
        case.db.saved_search("mine")
    note = case.db.notes.add(ids[1], "check with the desk")
    assert [n["text"] for n in case.db.notes.of(ids[1])] == ["check with the desk"]
    assert case.db.notes.delete(ids[1], note["id"])
    assert case.db.resolve(ids[2][:8]) == ids[2]


def test_a_case_on_postgresql_opens_again_with_its_mail(tmp_path: Path, pg_url: str) -> None:
    root = tmp_path / "case"
    with pytest.raises(CaseError):
        Case.open(root, db_url=pg_url)  # no case made there yet
    made = Case.open(root, create=True, db_url=pg_url)
    ingest(made, [corpus("notmuch-default")], workers=1)
    counts = made.db.status_counts()
    made.close()
    assert not (root / "case.db").exists(), "the database is on the server, not in the folder"
    again = Case.open(root, db_url=pg_url)  # every migration recorded: none runs twice
    try:
        assert again.db.status_counts() == counts
        assert again.search("notmuch", limit=1, snippets=False)[0] > 0
    finally:
        again.close()


@pytest.mark.both_backends
def test_nul_bytes_in_headers_are_stored(case: Case) -> None:
    """PostgreSQL's text cannot hold NUL: its columns get U+FFFD there (``store.postgres_text``),
    SQLite's keep the NUL; the original bytes, the id and the index are the same on both."""
    original = (FIXTURES / "mail" / "nul_in_headers.eml").read_bytes()
    ingest(case, [FIXTURES / "mail" / "nul_in_headers.eml"], workers=1)
    assert case.db.status_counts().indexed == 1
    (mid,) = case.db.message_ids()
    stored = case.db.message(mid)
    nul = "\x00" if case.db.engine.dialect.name == "sqlite" else "\ufffd"
    assert stored["subject"] == f"budget{nul} figures"
    assert stored["from_name"] == f"Ann{nul}Lee"
    assert case.blobs.get(stored["raw_sha256"]) == original, "evidence stays as it was"
    reread = case.parsed(mid)
    assert "\x00" in reread.subject and message_key(reread) == mid, "the id is the original text's"
    assert [(a["role"], a["name"], a["email"]) for a in stored["addresses"] if a["role"] == "from"] == [
        ("from", f"Ann{nul}Lee", "ann@x.example")
    ]
    assert case.search("subject:budget", snippets=False)[0] == 1
    assert case.search('from:"ann@x.example"', snippets=False)[0] == 1
    assert case.db.resolve("nul-in-headers@x.example") == mid
    assert sorted(p["name"] for p in case.db.people.table()) == sorted([f"Ann{nul}Lee", "bob@x.example"])


def _demo_fingerprint(case: Case) -> dict[str, Any]:
    """What the whole-case step leaves in the demo case and the pages and commands read of it."""
    ids = sorted(case.db.message_ids())
    sources = case.db.sources.table()
    busiest = max(sources, key=lambda row: (row["reports"], row["code"]))["code"]
    profile, reports = case.source_profile(busiest)
    return {
        "counts": case.db.status_counts().as_dict(),
        "sources": sources,
        "named_in": case.db.sources.named_in(),
        "profile": profile,
        "reports": reports,
        "glossary": case.db.sources.glossary_pairs(),
        "threads": {m: case.db.conversations.thread_of(m) for m in ids},
        "biggest_threads": case.db.conversations.thread_sizes_top(10),
        "near": case.db.conversations.near_duplicate_groups(),
        "people": case.db.people.table(),
        "entities": [e.as_dict() for e in case.entities(limit=0)],
        "facets": case.facets("", 20),
        "timeline": case.timeline("juarez", "month").counts,
    }


def test_the_demo_case_is_the_same_on_postgresql_as_on_sqlite(
    demo_case_sqlite: tuple[Case, dict[str, Any]], demo_case_postgresql: tuple[Case, dict[str, Any]]
) -> None:
    """Sources, codes, glossary, threads, near duplicates, people and entities of the 2,000-message
    demo, as they come back (lists in the order they are shown): the same from either backend."""
    on_sqlite, on_postgresql = _demo_fingerprint(demo_case_sqlite[0]), _demo_fingerprint(demo_case_postgresql[0])
    assert on_sqlite["sources"] and on_sqlite["near"] and on_sqlite["glossary"] and on_sqlite["entities"]
    for key in on_sqlite:
        assert on_postgresql[key] == on_sqlite[key], key
