"""Threads, people, graph and near-duplicate lookups on the demo archive and the real corpora."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.pipeline import ingest

from .conftest import corpus


def _by_header(case: Case) -> dict[str, str]:
    """Message-ID (without <>) -> Loupe id, for top-level messages."""
    with case.db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT message_id, id FROM messages WHERE parent IS NULL").all()
    return {mid: lid for mid, lid in rows}


@pytest.mark.both_backends
def test_demo_threads_are_the_generators_threads(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    ids = _by_header(case)
    truth_threads: dict[str, set[str]] = {}
    for m in truth["messages"]:
        if m["embedded_in"] is None and m["message_id"].strip("<>") in ids:
            truth_threads.setdefault(m["thread_root"], set()).add(ids[m["message_id"].strip("<>")])
    checked = 0
    for members in truth_threads.values():
        found = set(case.lookup("thread", next(iter(members))))
        assert members <= found, "a generated thread was split"
        # nothing else joins it but messages attached to its members
        extra = found - members
        assert all(case.db.message(x)["parent"] for x in extra), extra
        checked += len(members)
    assert checked >= 1900


def test_thread_command_prints_the_tree_and_what_each_message_added(
    demo_case: tuple[Case, dict[str, Any]],
) -> None:
    case, truth = demo_case
    ids = _by_header(case)
    parents = {m["message_id"]: m["in_reply_to"] for m in truth["messages"]}
    # a reply to a reply: a tree of three levels at least
    deep = next(mid for mid, parent in parents.items() if parent and parents.get(parent))
    runner = CliRunner()
    shown = runner.invoke(cli, ["thread", ids[deep.strip("<>")], "--added", "--case", str(case.root)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("thread ")
    assert "└─ " in shown.output and "   │ " in shown.output
    as_json = runner.invoke(cli, ["thread", ids[deep.strip("<>")], "--json", "--case", str(case.root)])
    records = [json.loads(line) for line in as_json.output.splitlines()]
    by_id = {r["id"]: r for r in records}
    child = by_id[ids[deep.strip("<>")]]
    assert child["parent"] == ids[parents[deep].strip("<>")]
    # added text: no quoted lines
    assert all(not line.strip().startswith(">") for r in records for line in r.get("added", "").splitlines())


def test_thread_and_person_work_in_search_and_timelines(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    ids = _by_header(case)
    some = next(m for m in truth["messages"] if m["in_reply_to"] and m["embedded_in"] is None)
    members = case.lookup("thread", ids[some["message_id"].strip("<>")])
    total, _ = case.search(f"thread:{ids[some['message_id'].strip('<>')][:12]}", limit=1000)
    assert total == len(members) >= 2
    sender = some["sender"]
    total, _ = case.search(f"person:{sender}", limit=1)
    direct, _ = case.search(f'from:"{sender}" OR to:"{sender}"', limit=1)
    assert total >= direct > 0
    runner = CliRunner()
    shown = runner.invoke(cli, ["timeline", f"person:{sender}", "--by", "week", "--case", str(case.root)])
    assert shown.exit_code == 0 and "-W" in shown.output


def test_is_near_duplicate_and_similar(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    near = case.db.conversations.near_duplicate_ids()
    assert near, "the demo plants near duplicates"
    total, _ = case.search("is:near-duplicate", limit=1)
    assert total == len(near)
    shown = CliRunner().invoke(cli, ["similar", near[0], "--case", str(case.root)])
    assert shown.exit_code == 0 and "near duplicate(s):" in shown.output


@pytest.fixture(scope="module")
def notmuch_case(tmp_path_factory: pytest.TempPathFactory) -> Any:
    case = Case.open(tmp_path_factory.mktemp("people") / "case", create=True)
    ingest(case, [corpus("notmuch-default")], workers=1)
    yield case
    case.close()


def test_people_on_a_real_mailing_list(notmuch_case: Case) -> None:
    runner = CliRunner()
    shown = runner.invoke(
        cli, ["people", "--all", "--format", "json", "--limit", "0", "--case", str(notmuch_case.root)]
    )
    assert shown.exit_code == 0, shown.output
    rows = {r["name"]: r for r in map(json.loads, shown.output.splitlines())}
    carl = rows["Carl Worth"]
    direct, _ = notmuch_case.search('from:"cworth@cworth.org"', limit=1)
    assert carl["kind"] == "person" and carl["sent"] == direct
    # the list's posting address is a list, not a person
    lists = [r for r in rows.values() if r["kind"] == "list"]
    assert any("notmuch" in r["name"].lower() for r in lists), lists
    profile = json.loads(
        runner.invoke(cli, ["person", "cworth@cworth.org", "--json", "--case", str(notmuch_case.root)]).output
    )
    assert profile["emails"] == ["cworth@cworth.org"] and profile["sent"] == direct
    assert profile["names"][0]["name"] == "Carl Worth"
    assert profile["lists"][0]["list"] == "notmuch@notmuchmail.org", "Carl writes to the notmuch list"
    # everything he wrote went to the list: it is not counted as a person he wrote to
    assert all(c["kind"] == "person" for c in profile["correspondents"])


def test_people_edits_survive_reingest(tmp_path: Path) -> None:
    runner = CliRunner()
    case_dir = str(tmp_path / "case")
    assert runner.invoke(cli, ["ingest", str(corpus("notmuch-default")), "--case", case_dir]).exit_code == 0
    merged = runner.invoke(cli, ["people", "merge", "cworth@cworth.org", "keithp@keithp.com", "--case", case_dir])
    assert merged.exit_code == 0, merged.output
    renamed = runner.invoke(cli, ["people", "rename", "keithp@keithp.com", "Carl and Keith", "--case", case_dir])
    assert "Carl and Keith" in renamed.output
    assert runner.invoke(cli, ["ingest", str(corpus("mu-testdir")), "--case", case_dir]).exit_code == 0
    profile = json.loads(runner.invoke(cli, ["person", "keithp@keithp.com", "--json", "--case", case_dir]).output)
    assert profile["emails"] == ["cworth@cworth.org", "keithp@keithp.com"]
    assert profile["name"] == "Carl and Keith"
    bad = runner.invoke(cli, ["people", "merge", "nobody@nowhere.example", "keithp@keithp.com", "--case", case_dir])
    assert bad.exit_code != 0 and "nobody@nowhere.example" in str(bad.exception)


def test_graph_exports_load_in_networkx(notmuch_case: Case, tmp_path: Path) -> None:
    runner = CliRunner()
    files = {ext: tmp_path / f"g.{ext}" for ext in ("graphml", "gexf", "csv", "png")}
    shown = runner.invoke(
        cli,
        [
            "graph",
            "--case",
            str(notmuch_case.root),
            "--graphml",
            str(files["graphml"]),
            "--gexf",
            str(files["gexf"]),
            "--csv",
            str(files["csv"]),
            "--png",
            str(files["png"]),
        ],
    )
    assert shown.exit_code == 0, shown.output
    graphml = nx.read_graphml(files["graphml"])
    gexf = nx.read_gexf(files["gexf"])
    assert graphml.is_directed() and graphml.number_of_edges() > 10
    assert graphml.number_of_nodes() == gexf.number_of_nodes()
    assert sum(d["weight"] for *_, d in graphml.edges(data=True)) == sum(
        int(d["weight"]) for *_, d in gexf.edges(data=True)
    )
    labels = {d["label"] for _, d in graphml.nodes(data=True)}
    assert "Carl Worth" in labels
    assert files["png"].read_bytes()[:4] == b"\x89PNG"
    assert files["csv"].read_text().startswith("source,source_name,target")
    ego = runner.invoke(cli, ["graph", "--person", "cworth@cworth.org", "--case", str(notmuch_case.root)])
    assert ego.exit_code == 0 and "Carl Worth" in ego.output


# pst-samples is left out: its four items carry no addresses at all (checked:
# no correspondents), so it has no people; reply-formats is mostly bare bodies.
PEOPLE_CORPORA = [
    "enron-sample",
    "mu-testdir",
    "msg-samples",
    "notmuch-edge",
    "cpython-email",
    "flanker-messages",
    "mailparser-samples",
    "mimekit-mbox",
]


@pytest.mark.parametrize("name", PEOPLE_CORPORA)
def test_people_commands_run_on_real_corpora(tmp_path: Path, name: str) -> None:
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [corpus(name)], workers=1)
        table = case.db.people.table()
        assert table, name
        runner = CliRunner()
        listing = runner.invoke(cli, ["people", "--all", "--case", str(case.root)])
        assert listing.exit_code == 0 and len(listing.output.splitlines()) >= 2, listing.output
        for row in table[:5]:
            profile = case.person_profile(str(row["id"]))
            assert profile["emails"] and profile["sent"] + profile["received"] > 0
    finally:
        case.close()


def _mail(folder: Path, name: str, sender: str, to: str, body: str, number: int) -> None:
    (folder / f"{name}.eml").write_text(
        f"From: {sender}\nTo: {to}\nSubject: Note {number}\nDate: Mon, {number} Jun 2010 10:00:00 +0000\n"
        f"Message-ID: <{name}@test.example>\n\n{body}\n",
        "utf-8",
    )


def test_a_shared_personal_signature_merges_addresses_and_an_office_block_does_not(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    ann_work = "Ann Lee\nSenior analyst, Meridian\nDirect: +1 512 555 0142"
    ann_home = "-- \nAnn  Lee\nSenior Analyst, Meridian\nDirect: +1 (512) 555-0142"
    office = "Meridian Risk Analysis\nAustin office\nTel +1 512 555 0100"
    _mail(mail, "a1", "Ann Lee <ann@meridian.example>", "bob@meridian.example", f"Plan attached.\n\n{ann_work}", 1)
    _mail(mail, "a2", "Ann Lee <ann@meridian.example>", "bob@meridian.example", f"Call me.\n\n{ann_work}", 2)
    _mail(mail, "a3", "Ann Lee <ann.lee@webmail.example>", "bob@meridian.example", f"From home.\n\n{ann_home}", 3)
    for number, who in enumerate(["Bob Ray", "Cy Tan", "Di Fox", "Ed Moe"], start=4):
        address = who.split()[0].lower() + "@meridian.example"
        _mail(mail, f"o{number}", f"{who} <{address}>", "ann@meridian.example", f"Noted, thanks.\n\n{office}", number)
    # the same block under two unrelated names (an assistant's line, say): no merge
    shared = "Front desk\nCall +44 20 7946 0000"
    _mail(mail, "x1", "Carl Worth <carl@one.example>", "ann@meridian.example", f"Hello.\n\n{shared}", 9)
    _mail(mail, "x2", "Dana Brown <dana@two.example>", "ann@meridian.example", f"Hi.\n\n{shared}", 10)

    runner = CliRunner()
    case_dir = str(tmp_path / "case")
    assert runner.invoke(cli, ["ingest", str(mail), "--case", case_dir]).exit_code == 0
    ann = json.loads(runner.invoke(cli, ["person", "ann.lee@webmail.example", "--json", "--case", case_dir]).output)
    assert ann["emails"] == ["ann.lee@webmail.example", "ann@meridian.example"]
    assert "signature" in ann["evidence"] and ann["sent"] == 3
    for address in ("bob@meridian.example", "carl@one.example", "dana@two.example"):
        one = json.loads(runner.invoke(cli, ["person", address, "--json", "--case", case_dir]).output)
        assert one["emails"] == [address], one
    # a user's split wins over the rule, and survives the next ingest
    assert runner.invoke(cli, ["people", "split", "ann.lee@webmail.example", "--case", case_dir]).exit_code == 0
    _mail(mail, "a4", "Ann Lee <ann@meridian.example>", "bob@meridian.example", f"Later.\n\n{ann_work}", 11)
    assert runner.invoke(cli, ["ingest", str(mail), "--case", case_dir]).exit_code == 0
    ann = json.loads(runner.invoke(cli, ["person", "ann@meridian.example", "--json", "--case", case_dir]).output)
    assert ann["emails"] == ["ann@meridian.example"] and ann["sent"] == 3
