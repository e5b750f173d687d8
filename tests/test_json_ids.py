"""The JSON outputs name each message as other tools know it: its Message-ID and its thread.

``loupe search``, ``source``, ``quotes`` and ``corroborate`` (and the web API
behind them) give every message they name a ``message_id`` (the Message-ID
header without its angle brackets, as notmuch's ``id:`` and mu's ``msgid:``
take it; null where the message had none) and a ``thread`` beside Loupe's id,
so results join with notmuch, mu or Aleph. The expected values are read here
from the original bytes with the standard library, not from Loupe's parser;
threads are checked against the store's own ``thread_of`` and against the
In-Reply-To headers of the originals.
"""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.sources.codes import normalise_code
from tests.conftest import corpus
from tests.notmuch_corpora import Indexed

#: notmuch-default has threads of several messages; mu-testdir a message without a Message-ID.
REAL_MAIL = ("notmuch-default", "mu-testdir")
#: A query every message matches, dated or not.
EVERYTHING = "date:..2100 OR -date:..2100"


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def _header_id(case: Case, message: str) -> str | None:
    """The Message-ID of a message's original, read by the standard library, brackets stripped."""
    raw = case.blobs.get(case.db.raw_sha256_of(message))
    value = email.message_from_bytes(raw, policy=policy.compat32).get("Message-ID")
    return " ".join(str(value).split()).strip("<>") if value else None


def _check(case: Case, entry: dict[str, Any], key: str) -> None:
    """``entry`` names message ``entry[key]``: its message_id and thread are the original's and the store's."""
    message = entry[key]
    assert entry["message_id"] == _header_id(case, message), entry
    assert entry["thread"] == case.db.conversations.thread_of(message), entry


@pytest.fixture(scope="module")
def real_case(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("json-ids") / "case"
    for name in REAL_MAIL:
        _run("ingest", str(corpus(name)), "--case", str(root))
    case = Case.open(root)
    yield case
    case.close()


def test_search_json_names_every_hit_as_notmuch_and_mu_do(real_case: Case) -> None:
    where = ("--limit", "1000", "--case", str(real_case.root))
    records = _lines(_run("search", EVERYTHING, "--json", *where))
    assert len(records) == len(real_case.db.message_ids()) > 50
    assert _run("search", EVERYTHING, "--format", "json", *where) == _run("search", EVERYTHING, "--json", *where)
    for r in records:
        _check(real_case, r, "id")
    # the message without a Message-ID: null, not the id Loupe derived (no other tool knows that one)
    documents = set(real_case.db.documents())  # each corpus's PROVENANCE.md: files, not mail, with no Message-ID
    assert documents and all(r["message_id"] is None for r in records if r["id"] in documents)
    bare = [r for r in records if r["message_id"] is None and r["id"] not in documents]
    assert len(bare) == 1 and real_case.db.message(bare[0]["id"])["message_id_derived"]
    # the id is the one Loupe's own id: query (notmuch's syntax) finds
    some = next(r for r in records if r["message_id"] and "@" in r["message_id"])
    assert _lines(_run("search", f"id:{some['message_id']}", "--json", *where))[0]["id"] == some["id"]
    # a reply shares its thread with the message it answers, as the originals' headers say
    by_header = {r["message_id"]: r for r in records if r["message_id"]}
    replies = 0
    for r in records:
        raw = real_case.blobs.get(real_case.db.raw_sha256_of(r["id"]))
        answered = email.message_from_bytes(raw, policy=policy.compat32).get("In-Reply-To")
        parent = by_header.get(" ".join(str(answered).split()).strip("<>")) if answered else None
        if parent is not None:
            assert r["thread"] == parent["thread"] and r["id"] != parent["id"]
            replies += 1
    assert replies >= 10
    threads = {r["thread"] for r in records}
    assert 1 < len(threads) < len(records)  # threads of several messages, and more than one thread
    # CSV carries them too, beside the id
    header = _run("search", EVERYTHING, "--format", "csv", *where).splitlines()[0].split(",")
    assert {"message_id", "thread"} <= set(header)


def test_search_json_pages_keep_their_ids(real_case: Case) -> None:
    """A page by offset or cursor is looked up as well as the first (one query per page)."""
    where = ("--case", str(real_case.root))
    first = _lines(_run("search", "notmuch", "--sort", "date", "--limit", "5", "--json", *where))
    after = _lines(_run("search", "notmuch", "--after", first[-1]["cursor"], "--limit", "5", "--json", *where))
    offset = _lines(_run("search", "notmuch", "--sort", "date", "--limit", "5", "--offset", "5", "--json", *where))
    assert [r["id"] for r in after] == [r["id"] for r in offset] and len(after) == 5
    for r in first + after:
        _check(real_case, r, "id")


def _bare(message_id: str) -> str:
    """The demo's truth writes Message-IDs as in the header, with their angle brackets."""
    return message_id.strip("<>")


def _demo_code(truth: dict[str, Any]) -> str:
    codes = [normalise_code(m["source_code"]) for m in truth["messages"] if m["source_code"]]
    return max(set(codes), key=codes.count)


def test_sources_json_both_spellings(demo_case: tuple[Case, dict[str, Any]]) -> None:
    """``loupe sources`` lists codes, not messages: its JSON is the same by either flag."""
    case, _ = demo_case
    where = ("--case", str(case.root))
    assert _run("sources", "--json", *where) == _run("sources", "--format", "json", *where)
    assert all("code" in row for row in _lines(_run("sources", "--json", *where)))


def test_source_json_names_each_report_and_grade(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    code = _demo_code(truth)
    profile = json.loads(_run("source", code, "--json", "--case", str(case.root)))
    assert profile["messages"] and profile["grades"]
    for entry in profile["messages"] + profile["grades"]:
        _check(case, entry, "message")
    planted = {_bare(m["message_id"]) for m in truth["messages"] if normalise_code(m["source_code"] or "") == code}
    assert {m["message_id"] for m in profile["messages"]} <= planted
    # the generator's threads: reports it wrote into one conversation share one thread here
    root_of = {_bare(m["message_id"]): _bare(m["thread_root"]) for m in truth["messages"]}
    thread_of_root: dict[str, str] = {}
    for m in profile["messages"]:
        assert thread_of_root.setdefault(root_of[m["message_id"]], m["thread"]) == m["thread"], m


#: Hand-made: an insight report from MX1, a follow-up report in reply to it, and another report of its own.
INSIGHTS = {
    "report.eml": ("<r1@meridian.example>", "", "INSIGHT - MEXICO - MX01", "2", "The convoy left Juarez at night."),
    "follow-up.eml": (
        "<r2@meridian.example>",
        "<r1@meridian.example>",
        "Re: INSIGHT - MEXICO - MX01",
        "3",
        "A second convoy followed on the coast road.",
    ),
    "other.eml": ("<r3@meridian.example>", "", "INSIGHT - MEXICO - MX01", "2", "Port officials were paid in cash."),
}


def _insight(message_id: str, answers: str, subject: str, credibility: str, text: str) -> str:
    reply = f"In-Reply-To: {answers}\nReferences: {answers}\n" if answers else ""
    return (
        f"From: Ann Analyst <ann@meridian.example>\nTo: Intel List <intel@meridian.example>\n"
        f"Subject: {subject}\nDate: Tue, 15 Jun 2010 14:0{credibility}:00 +0000\nMessage-ID: {message_id}\n{reply}\n"
        f"SOURCE: MX1\nATTRIBUTION: a customs officer\nSOURCE RELIABILITY: B\nITEM CREDIBILITY: {credibility}\n\n"
        f"{text}\n"
    )


def test_source_json_reports_of_one_thread_share_it(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    for name, fields in INSIGHTS.items():
        (mail / name).write_text(_insight(*fields), "utf-8")
    root = tmp_path / "case"
    _run("ingest", str(mail), "--case", str(root))
    profile = json.loads(_run("source", "MX1", "--json", "--case", str(root)))
    thread = {m["message_id"]: m["thread"] for m in profile["messages"]}
    assert set(thread) == {"r1@meridian.example", "r2@meridian.example", "r3@meridian.example"}
    assert thread["r1@meridian.example"] == thread["r2@meridian.example"] != thread["r3@meridian.example"]
    case = Case.open(root)
    try:
        for entry in profile["messages"] + profile["grades"]:
            _check(case, entry, "message")
    finally:
        case.close()
    assert len(profile["grades"]) == 3


def test_quotes_json_names_each_match_origin_and_candidate(
    demo_case: tuple[Case, dict[str, Any]], demo_dir: Path
) -> None:
    case, truth = demo_case
    article = demo_dir / truth["article"]["markdown"]
    checks = _lines(_run("quotes", str(article), "--json", "--case", str(case.root)))
    places = [c[key] for c in checks for key in ("match", "origin") if c[key]]
    nearest = [n for c in checks for n in c["nearest"]]
    assert places and nearest
    for entry in places + nearest:
        _check(case, entry, "message")
    # the origin is the planted one, by its Message-ID as the generator wrote it
    planted = {_bare(q["origin"]["message_id"]) for q in truth["article"]["quotes"] if q.get("origin")}
    assert {c["origin"]["message_id"] for c in checks if c["origin"]} == planted


def test_corroborate_json_names_each_origins_messages(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    claim = truth["claims"][0]
    result = json.loads(_run("corroborate", claim["claim"], "--json", "--case", str(case.root)))
    evidence = [e for origin in result["origins"] for e in origin["evidence"]]
    assert len(evidence) >= claim["k"]
    for entry in evidence:
        _check(case, entry, "message")
    planted = {_bare(o["message_id"]) for o in claim["origins"]} | {
        _bare(copy["message_id"]) for o in claim["origins"] for copy in o["copies"]
    }
    assert planted <= {e["message_id"] for e in evidence}


def test_web_api_search_names_hits_as_the_cli_does(real_case: Case) -> None:
    from starlette.testclient import TestClient

    from loupe.web.app import create_app

    cli_records = _lines(_run("search", "notmuch", "--json", "--limit", "30", "--case", str(real_case.root)))
    with TestClient(create_app(real_case, allowed_hosts=["testserver"])) as client:
        hits = client.get("/api/search", params={"q": "notmuch", "size": 30}).json()["hits"]
    assert [(h["id"], h["message_id"], h["thread"]) for h in hits] == [
        (r["id"], r["message_id"], r["thread"]) for r in cli_records
    ]


def test_message_ids_are_what_notmuch_finds_by_id(indexed: dict[str, Indexed]) -> None:
    """The join itself: notmuch's id: query finds each message_id of the JSON as written."""
    mail = indexed["notmuch-default"]
    records = _lines(_run("search", EVERYTHING, "--json", "--limit", "1000", "--case", str(mail.case.root)))
    named = {r["message_id"] for r in records if r["message_id"] and '"' not in r["message_id"]}
    assert len(named) > 40
    for message_id in named:
        assert mail.notmuch(f'id:"{message_id}"') == {message_id}
