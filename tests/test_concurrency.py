"""Many sessions on one case at once, as on the newsroom server, on SQLite and on PostgreSQL.

Each thread opens the case itself (``Case.open`` on the same folder and
database), as each web worker or reporter's command does. Threads start
together at a barrier, and the ingest hands over to the reader at each
progress step, so the interleavings come from events, not from sleeps.
"""

from __future__ import annotations

import queue
import shutil
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from loupe.case import Case
from loupe.errors import CaseError
from loupe.ingest.pipeline import RunSummary, ingest
from tests.conftest import corpus

pytestmark = pytest.mark.both_backends

#: Writers at once, and rounds of writes each makes.
WRITERS = 3
ROUNDS = 8


def _run_together(work: list[Callable[[], None]]) -> list[BaseException]:
    """Run each of ``work`` in a thread of its own; the errors they raised."""
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_writers_at_once_lose_nothing(case: Case) -> None:
    ingest(case, [corpus("notmuch-edge")], workers=1)
    ids = sorted(case.db.message_ids())[:6]  # every writer writes on all of them: they overlap
    emails = sorted({a["email"] for m in ids for a in case.db.message(m)["addresses"] if a["email"]})[:WRITERS]
    entity = case.entities(limit=1)[0]
    people_before, entities_before = len(case.db.people.edits()), len(case.db.entities.edits())
    root, url = case.root, case.db.url
    start = threading.Barrier(WRITERS)
    shared_added: list[int] = []

    def writer(n: int) -> Callable[[], None]:
        def work() -> None:
            mine = Case.open(root, db_url=url)
            try:
                start.wait()
                for k in range(ROUNDS):
                    mine.db.add_tags(ids, [f"w{n}"], author=f"w{n}")
                    shared_added.append(mine.db.add_tags(ids, ["shared"], author=f"w{n}"))
                    mine.db.notes.add(ids[k % len(ids)], f"w{n} round {k}", author=f"w{n}")
                    mine.db.save_search(f"w{n}-{k}", f"tag:w{n}", author=f"w{n}")
                    mine.db.save_search("shared", f"tag:w{n} round {k}", author=f"w{n}")
                    mine.db.people.add_edit("rename", [emails[n % len(emails)]], name=f"w{n} round {k}")
                    mine.db.entities.add_edit("hide" if k % 2 else "show", (entity.kind, entity.key))
            finally:
                mine.close()

        return work

    assert _run_together([writer(n) for n in range(WRITERS)]) == []

    for n in range(WRITERS):
        assert sorted(case.db.tagged(f"w{n}")) == ids
    assert sorted(case.db.tagged("shared")) == ids
    assert sum(shared_added) == len(ids), "each (message, tag) pair counted new exactly once"
    notes = [note["text"] for m in ids for note in case.db.notes.of(m)]
    assert sorted(notes) == sorted(f"w{n} round {k}" for n in range(WRITERS) for k in range(ROUNDS))
    saved = dict(case.db.saved_searches())
    assert all(saved[f"w{n}-{k}"] == f"tag:w{n}" for n in range(WRITERS) for k in range(ROUNDS))
    assert saved["shared"] in {f"tag:w{n} round {ROUNDS - 1}" for n in range(WRITERS)}  # a last one stands
    renames = [name for action, _, name in case.db.people.edits()[people_before:] if action == "rename"]
    assert sorted(renames) == sorted(f"w{n} round {k}" for n in range(WRITERS) for k in range(ROUNDS))
    assert len(case.db.entities.edits()) - entities_before == WRITERS * ROUNDS


def test_searching_while_an_ingest_adds_mail_sees_only_whole_states(case: Case) -> None:
    ingest(case, [corpus("notmuch-edge")], workers=1)
    before = case.db.status_counts()
    root, url = case.root, case.db.url
    case.settings = replace(case.settings, batch_size=10)  # several batches: several states to see
    asked: queue.Queue[None] = queue.Queue()
    answered: queue.Queue[None] = queue.Queue()
    done, reader_gone = threading.Event(), threading.Event()
    seen: list[dict[str, Any]] = []

    def observe(reader: Case) -> None:
        counts = reader.db.status_counts()
        _total, hits = reader.search("notmuch", limit=200, snippets=False)
        found = [h.id for h in hits]
        seen.append({"counts": counts, "hits": found, "exist": reader.db.existing_messages(found)})

    def read() -> None:
        reader = Case.open(root, db_url=url)
        try:
            while True:
                finished = done.is_set()
                pending = 0
                while not asked.empty():  # the ingest is paused between batches: look now
                    asked.get()
                    pending += 1
                observe(reader)
                for _ in range(pending):
                    answered.put(None)
                if finished:
                    return
        finally:
            reader_gone.set()
            reader.close()

    def hand_over(_summary: RunSummary, _done: int) -> None:
        asked.put(None)
        while not reader_gone.is_set():
            try:
                answered.get(timeout=1)  # a dead reader must not hang the ingest
                return
            except queue.Empty:
                continue

    def write() -> None:
        try:
            ingest(case, [corpus("notmuch-default")], workers=1, on_progress=hand_over)
        finally:
            done.set()

    assert _run_together([write, read]) == []
    after = case.db.status_counts()
    assert after.messages > before.messages and after.adds_up()
    assert len(seen) > 2
    messages = [s["counts"].messages for s in seen]
    assert messages == sorted(messages), "the message count never goes down"
    assert any(before.messages < m < after.messages for m in messages), "states in the middle were seen"
    for observed in seen:
        assert observed["counts"].adds_up(), observed["counts"]
        assert before.messages <= observed["counts"].messages <= after.messages
        assert observed["exist"] == set(observed["hits"]), "a hit is a stored message"
    assert seen[-1]["counts"] == after, "the reader sees the new state once the ingest is done"
    assert len(seen[-1]["hits"]) > len(seen[0]["hits"]) or before.messages == 0


def test_a_second_ingest_is_refused_while_one_runs(case: Case, tmp_path: Path) -> None:
    ingest(case, [corpus("notmuch-edge")], workers=1)
    postgres = case.db.engine.dialect.name == "postgresql"
    if postgres:  # another host: its own copy of the folder, the same database
        other_root = tmp_path / "elsewhere"
        other_root.mkdir()
        shutil.copy(case.root / "case.toml", other_root / "case.toml")
    else:
        other_root = case.root
    running, release = threading.Event(), threading.Event()

    def hold(_summary: RunSummary, _done: int) -> None:
        running.set()
        release.wait()

    def first() -> None:
        try:
            ingest(case, [corpus("notmuch-default")], workers=1, on_progress=hold)
        finally:
            running.set()  # an ingest that failed early must not leave the test waiting

    thread = threading.Thread(target=first)
    thread.start()
    try:
        running.wait()
        second = Case.open(other_root)  # by its folder alone: case.toml names the database
        try:
            counts = second.db.status_counts()
            with pytest.raises(CaseError) as refused:
                ingest(second, [corpus("mu-testdir")], workers=1)
            assert second.db.status_counts() == counts, "the refused ingest wrote nothing"
        finally:
            second.close()
    finally:
        release.set()
        thread.join()
    message = str(refused.value)
    assert message.startswith(f"case {other_root}: another job is writing to this case")
    if postgres:
        assert "from another folder or host (loupe ingest on " in message
    else:
        assert "(ingest, pid " in message
    assert case.db.status_counts().adds_up()
    again = Case.open(other_root)  # the first one done, its lock went with it
    try:
        assert ingest(again, [corpus("mu-testdir")], workers=1).indexed > 0
    finally:
        again.close()
