"""The audit log's hash chain (issue 18, item 5): an intact chain verifies; one entry edited,
deleted or inserted directly in the database, first, in the middle or last, is found and named.

The tampering is done with SQL, as someone with the database file would do
it; the "inserted" cases recompute a valid hash for the new entry, which is
the best a forger without a copy of the head can do.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from loupe.server.audit import (
    WITHHELD,
    Entry,
    check_chain,
    entries,
    export,
    head,
    read_export,
    record,
    set_withhold_search_terms,
    verify,
)
from loupe.server.db import GENESIS, open_server_db
from tests.conftest import server_db_url

N = 5


pytestmark = pytest.mark.both_backends


@pytest.fixture
def engine(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Engine:
    """The server's database, on SQLite, then on PostgreSQL (the module is marked ``both_backends``)."""
    engine = open_server_db(server_db_url(backend, tmp_path, request))
    for n in range(1, N + 1):
        with engine.begin() as conn:
            record(
                conn,
                user="anna",
                address="10.0.0.1",
                case="gifiles",
                action="view",
                target=f"msg{n}",
                detail={"n": n, "note": "ünïcode"},
            )
    return engine


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    assert verify(engine) is None
    chain = list(entries(engine))
    assert [e.id for e in chain] == list(range(1, N + 1))
    assert chain[0].prev_hash == GENESIS and all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert head(engine) == (N, chain[-1].hash)


def test_a_rolled_back_action_leaves_no_entry_and_no_gap(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        record(conn, user="anna", action="tag", target="msg1")
        raise RuntimeError("the tagging failed")
    with engine.begin() as conn:
        record(conn, user="anna", action="tag", target="msg1")
    assert verify(engine) is None and head(engine)[0] == N + 1


@pytest.mark.parametrize("k", [1, 3, N])
@pytest.mark.parametrize("column", ["target", "user", "time", "detail"])
def test_an_edited_entry_is_named(engine: Engine, k: int, column: str) -> None:
    value = '{"n":0}' if column == "detail" else "someone else"
    with engine.begin() as conn:
        conn.execute(text(f'UPDATE audit_entries SET "{column}" = :v WHERE id = :k'), {"v": value, "k": k})
    problem = verify(engine)
    assert problem is not None and (problem.entry, problem.what.split(":")[0]) == (k, "edited")


@pytest.mark.parametrize("k", [1, 3, N])
def test_a_deleted_entry_is_named(engine: Engine, k: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :k"), {"k": k})
    problem = verify(engine)
    assert problem is not None and problem.entry == k and problem.what.startswith("missing")


def test_deleting_the_last_entry_and_its_trace_in_the_head_is_still_named(engine: Engine) -> None:
    """Deleting the last entry and rewinding the head's count still leaves the head's hash behind."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :k"), {"k": N})
        conn.execute(text("UPDATE audit_head SET length = :n"), {"n": N - 1})
    problem = verify(engine)
    assert problem is not None and problem.entry == N - 1 and "head" in problem.what


def _insert(engine: Engine, k: int) -> None:
    """Insert a forged entry at position ``k``: later ids shifted up, its own hash valid."""
    chain = list(entries(engine))
    prev = chain[k - 2].hash if k > 1 else GENESIS
    forged = Entry(k, chain[0].time, "mallory", None, "gifiles", "view", "msg-forged", {}, prev)
    forged = Entry(**{**forged.__dict__, "hash": forged.computed_hash()})
    with engine.begin() as conn:
        for later in sorted((e.id for e in chain if e.id >= k), reverse=True):
            conn.execute(text("UPDATE audit_entries SET id = id + 1 WHERE id = :i"), {"i": later})
        conn.execute(
            text(
                'INSERT INTO audit_entries (id, time, "user", address, case_name, action, target, detail, '
                "prev_hash, hash) VALUES (:id, :time, :user, NULL, :case, :action, :target, '{}', :prev, :hash)"
            ),
            {
                "id": k,
                "time": forged.time,
                "user": forged.user,
                "case": forged.case,
                "action": forged.action,
                "target": forged.target,
                "prev": forged.prev_hash,
                "hash": forged.hash,
            },
        )


@pytest.mark.parametrize(
    ("k", "named", "words"),
    [(1, 2, "does not follow entry 1"), (3, 4, "does not follow entry 3"), (N + 1, N + 1, "inserted")],
)
def test_an_inserted_entry_is_named(engine: Engine, k: int, named: int, words: str) -> None:
    _insert(engine, k)
    problem = verify(engine)
    assert problem is not None and problem.entry == named and words in problem.what


def test_a_carelessly_inserted_entry_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entries (id, time, action, detail, prev_hash, hash) "
                "VALUES (:id, '2026-01-01T00:00:00', 'login', '{}', :prev, :prev)"
            ),
            {"id": N + 1, "prev": GENESIS},
        )
    problem = verify(engine)
    assert problem is not None and problem.entry == N + 1


def test_search_terms_withheld_when_the_case_asks(engine: Engine) -> None:
    set_withhold_search_terms(engine, "gifiles", True, user="cli:editor")
    with engine.begin() as conn:
        hidden = record(conn, user="anna", case="gifiles", action="search", target="MX1 Stratfor source")
        shown = record(conn, user="anna", case="podesta", action="search", target="risotto")
    assert (hidden.target, hidden.detail) == (WITHHELD, {"words": 3})
    assert shown.target == "risotto"
    assert "Stratfor" not in "".join(str(e) for e in entries(engine))
    assert [e.action for e in entries(engine)][-3:] == ["case-setting", "search", "search"]
    assert verify(engine) is None


def test_export_is_json_lines_that_verify_on_their_own(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    assert export(engine, path) == N
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == N and json.loads(lines[0])["detail"] == {"n": 1, "note": "ünïcode"}
    assert read_export(path) == list(entries(engine))
    assert check_chain(read_export(path), head(engine)) is None
    edited = json.loads(lines[2])
    edited["target"] = "msg-other"
    path.write_text("\n".join([*lines[:2], json.dumps(edited), *lines[3:]]) + "\n", "utf-8")
    problem = check_chain(read_export(path))
    assert problem is not None and problem.entry == 3


def test_appends_from_many_connections_at_once_make_one_unbroken_chain(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Worker processes append at once (each its own connection): none may take another's place."""
    url = server_db_url(backend, tmp_path, request)
    engines = [open_server_db(url) for _ in range(4)]
    writers, each = 8, 25
    start = threading.Barrier(writers)

    def append(number: int) -> None:
        engine = engines[number % len(engines)]
        start.wait()
        for n in range(each):
            with engine.begin() as conn:
                record(conn, action="view", user=f"reporter{number}", case="gifiles", target=str(n))

    threads = [threading.Thread(target=append, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verify(engines[0]) is None
    assert head(engines[0])[0] == writers * each
    by_writer = Counter(entry.user for entry in entries(engines[0]))
    assert by_writer == {f"reporter{number}": each for number in range(writers)}
    for engine in engines:
        engine.dispose()
