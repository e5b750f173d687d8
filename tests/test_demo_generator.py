"""The demo generator: deterministic bytes, and a ground truth that matches the disk.

Later features are tested against ``truth.json``, so these tests check the
truth itself against what is on disk, read with independent tools (the
stdlib ``mailbox`` and ``email`` packages, ``zipfile``, ``pypdf``) rather
than with the generator's own code.
"""

from __future__ import annotations

import email
import hashlib
import io
import itertools
import mailbox
import re
import zipfile
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pypdf
import pytest

from loupe.demo.generator import generate_demo
from loupe.demo.truth import load_truth

SMALL = 600
VARIANTS = {"full", "stripped", "subject-only", "forwarded"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, n_messages=SMALL, seed=7)
    return out, load_truth(out / "truth.json")


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def mbox_entries(path: Path, offsets: list[int]) -> dict[int, bytes]:
    """Each entry's message bytes (envelope line and separator blank line removed, mboxrd unescaped)."""
    data = path.read_bytes()
    bounds = [*sorted(offsets), len(data)]
    out = {}
    for start, end in itertools.pairwise(bounds):
        entry = data[start:end]
        assert entry.startswith(b"From ")
        body = entry.split(b"\n", 1)[1][:-1]
        out[start] = re.sub(rb"^>(>*From )", rb"\1", body, flags=re.MULTILINE)
    return out


def read_copy(out: Path, copy: dict[str, str], cache: dict[str, dict[int, bytes]], truth: dict[str, Any]) -> bytes:
    container = out / copy["container"]
    if copy["kind"] == "mbox":
        if copy["container"] not in cache:
            offsets = [
                int(c["member"]) for m in truth["messages"] for c in m["copies"] if c["container"] == copy["container"]
            ]
            cache[copy["container"]] = mbox_entries(container, offsets)
        return cache[copy["container"]][int(copy["member"])]
    if copy["kind"] == "maildir":
        return (container / copy["member"]).read_bytes()
    if copy["kind"] == "zip":
        with zipfile.ZipFile(container) as archive:
            return archive.read(copy["member"])
    return container.read_bytes()


def test_same_seed_gives_byte_identical_trees(tmp_path: Path) -> None:
    generate_demo(tmp_path / "a", n_messages=SMALL, seed=11)
    generate_demo(tmp_path / "b", n_messages=SMALL, seed=11)
    first, second = tree_hashes(tmp_path / "a"), tree_hashes(tmp_path / "b")
    assert first == second
    assert len(first) > 20
    generate_demo(tmp_path / "c", n_messages=SMALL, seed=12)
    assert tree_hashes(tmp_path / "c") != first


def test_rerun_replaces_an_earlier_demo_but_not_other_folders(tmp_path: Path) -> None:
    generate_demo(tmp_path / "a", n_messages=200)
    generate_demo(tmp_path / "a", n_messages=200)  # an earlier demo is replaced
    (tmp_path / "b" / "archive").mkdir(parents=True)
    with pytest.raises(FileExistsError):
        generate_demo(tmp_path / "b", n_messages=200)


def test_totals_match_what_is_on_disk(demo: tuple[Path, dict[str, Any]]) -> None:
    out, truth = demo
    archive = out / "archive"
    totals = truth["totals"]
    mbox_count = sum(len(mailbox.mbox(str(p), create=False)) for p in sorted(archive.glob("*.mbox")))
    maildir_count = sum(1 for p in (archive / "maildir").rglob("*") if p.is_file() and p.parent.name in ("cur", "new"))
    eml_count = sum(1 for _ in archive.rglob("*.eml"))
    with zipfile.ZipFile(archive / "attachments-dump.zip") as dump:
        zip_count = len(dump.namelist())
    assert mbox_count + maildir_count + eml_count + zip_count == totals["items_written"]
    assert sum(totals["per_container"].values()) == totals["items_written"]
    assert totals["distinct_messages"] == SMALL
    assert totals["items_written"] == (
        totals["distinct_messages"] + totals["exact_duplicate_copies"] + totals["not_mail_items"]
    )
    assert totals["exact_duplicate_copies"] > 0
    assert totals["not_mail_items"] == 1
    top_level = [m for m in truth["messages"] if m["embedded_in"] is None]
    assert len({m["message_id"] for m in top_level}) == len(top_level) == SMALL


def test_every_copy_is_where_the_truth_says_and_duplicates_are_exact(demo: tuple[Path, dict[str, Any]]) -> None:
    out, truth = demo
    cache: dict[str, dict[int, bytes]] = {}
    for message in truth["messages"]:
        first = None
        for copy in message["copies"]:
            raw = read_copy(out, copy, cache, truth)
            parsed = email.message_from_bytes(raw)
            assert parsed["Message-ID"] == message["message_id"]
            if first is None:
                assert copy["duplicate_of"] is None
                first = raw
            else:
                assert copy["duplicate_of"] == message["message_id"]
                assert raw == first


def test_planted_pdfs_have_extractable_text(demo: tuple[Path, dict[str, Any]]) -> None:
    out, truth = demo
    cache: dict[str, dict[int, bytes]] = {}
    checked = 0
    for message in truth["messages"]:
        pdfs = [a for a in message["attachments"] if a["content_type"] == "application/pdf" and a["truncated"] == "no"]
        if not pdfs:
            continue
        parsed = email.message_from_bytes(read_copy(out, message["copies"][0], cache, truth), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        for part in parsed.iter_attachments():
            if part.get_content_type() != "application/pdf":
                continue
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            want = next(a for a in pdfs if a["filename"] == part.get_filename())
            assert hashlib.sha256(data).hexdigest() == want["sha256"]
            text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
            assert text.split() == want["text"].split()
            checked += 1
    assert checked >= 1


def test_every_insight_variant_and_block_shape_appears(demo: tuple[Path, dict[str, Any]]) -> None:
    out, truth = demo
    cache: dict[str, dict[int, bytes]] = {}
    insights = [m for m in truth["messages"] if m["insight_variant"]]
    assert {m["insight_variant"] for m in insights} == VARIANTS
    for message in insights:
        body = read_copy(out, message["copies"][0], cache, truth).decode("utf-8", "replace")
        variant = message["insight_variant"]
        if variant == "full":
            assert message["insight"]["code_written"] in body
            assert "SOURCE HANDLER:" in body and "ATTRIBUTION:" in body
            scale = message["insight"]["credibility_scale"]
            assert message["insight"]["credibility"] in ("123456" if scale == "1-6" else "ABCDEF")
            assert (scale == "A-F") == (message["date"][:10] >= "2011-07-01")
        elif variant == "stripped":
            assert "ATTRIBUTION:" in body and "SOURCE DESCRIPTION:" in body
            assert "SOURCE HANDLER" not in body and "RELIABILITY" not in body.upper()
        elif variant == "subject-only":
            assert message["subject"].endswith(" - " + message["insight"]["code_written"])
        else:
            # Thunderbird, Apple Mail, or Outlook's emphasised headers ("*From:* ... *Subject:* From MX1 -- 2")
            assert "Original Message" in body or "Begin forwarded message:" in body or "\n*Subject:* " in body
            assert message["forwarded_author"] == message["source_code"]
    written = {s for source in truth["sources"] for s in source["written_as"]}
    assert any(s.startswith("MX0") for s in written) and "MX1" in written


def test_glossary_lookalikes_and_malformed_items_are_recorded(demo: tuple[Path, dict[str, Any]]) -> None:
    out, truth = demo
    assert len(truth["glossary"]) >= 5
    assert len(truth["lookalikes"]) >= 5
    codes = {s["code"] for s in truth["sources"]}
    assert not codes & {item["token"] for item in truth["lookalikes"]}
    problems = " ".join(item["problem"] for item in truth["malformed"])
    for needle in (
        "no Date",
        "year 0001",
        "year 2099",
        "garbage From",
        "final boundary",
        "truncated",
        "not mail",
        "message/rfc822",
    ):
        assert needle in problems
    blob = next(item for item in truth["malformed"] if not item["is_mail"])
    assert not (out / blob["container"] / blob["member"]).read_bytes().startswith(b"From")
    embedded = [m for m in truth["messages"] if m["embedded_in"]]
    assert len(embedded) == truth["totals"]["embedded_messages"] == 1
    charsets = {m["charset"] for m in truth["messages"]}
    assert {"iso-8859-1", "windows-1252", "iso-2022-jp"} <= charsets
    assert charsets & {"koi8-r", "windows-1251"}
    assert {"html-only", "alternative"} <= {m["body_format"] for m in truth["messages"]}


FORMS = {"wrapped", "outlook-forward", "bracketed-subject", "loose-prose"}


def test_looser_source_forms_are_recorded_as_written(demo: tuple[Path, dict[str, Any]]) -> None:
    """Every ``named_codes`` entry is in its message as planted, names a real source, and a bare
    mention only ever names a code that a report elsewhere in the archive names too."""
    out, truth = demo
    cache: dict[str, dict[int, bytes]] = {}
    sources = {s["code"] for s in truth["sources"]}
    lookalikes = {p["token"] for p in truth["lookalikes"]}
    reported = {m["source_code"] for m in truth["messages"] if "code_written" in (m["insight"] or {})}
    seen: set[tuple[str, str, bool]] = set()
    for message in truth["messages"]:
        if not message["named_codes"]:
            continue
        parsed = email.message_from_bytes(read_copy(out, message["copies"][0], cache, truth), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        plain = parsed.get_body(("plain",))
        assert plain is not None
        texts = {"subject": str(parsed["Subject"]), "body": re.sub(r"(?m)^(?:> ?)+", "", plain.get_content())}
        for named in message["named_codes"]:
            seen.add((named["form"], named["level"], named["quoted"]))
            assert named["text"] in texts[named["part"]], (message["message_id"], named)
            assert re.search(rf"(?<!\w){named['written']}(?!\w)", named["text"])
            assert named["code"] in sources and named["written"] not in lookalikes
            assert re.sub(r"(?<=\D)0+(?=\d)", "", named["written"]) == named["code"]
            if named["level"] == "mention":
                assert named["code"] in reported, named
    assert {form for form, _, _ in seen} == FORMS
    assert {level for form, level, _ in seen if form == "loose-prose"} == {"prose", "mention"}


@pytest.mark.slow
def test_default_size_has_all_sources(tmp_path: Path) -> None:
    truth = generate_demo(tmp_path / "full")  # how long it takes: `loupe demo` prints it; no clock in a test
    assert truth.totals.distinct_messages == 10_000
    active = [s for s in truth.sources if s.insight_messages > 0]
    assert len(active) >= 40
    assert sum(1 for s in active if len(s.written_as) > 1) >= 20  # MX1 and MX01 both in use


def test_threads_groups_and_containers_are_consistent(demo: tuple[Path, dict[str, Any]]) -> None:
    out, truth = demo
    by_id = {m["message_id"]: m for m in truth["messages"]}
    replies = [m for m in truth["messages"] if m["in_reply_to"]]
    assert len(replies) > 50
    for reply in replies:
        parent = by_id[reply["in_reply_to"]]
        assert reply["thread_root"] == parent["thread_root"]
        assert reply["subject"].startswith("Re: ")
    groups: dict[str, int] = {}
    for message in truth["messages"]:
        if message["near_duplicate_group"]:
            groups[message["near_duplicate_group"]] = groups.get(message["near_duplicate_group"], 0) + 1
    assert groups and all(size >= 2 for size in groups.values())
    forwards = [m for m in truth["messages"] if m["forward_of"]]
    assert forwards and all("Fwd: " in m["subject"] for m in forwards)
    maildir = out / "archive" / "maildir" / "exec"
    assert any((maildir / "cur").iterdir()) and any((maildir / "new").iterdir())
    assert all(":2," in p.name for p in (maildir / "cur").iterdir())
    kinds = {c["kind"] for m in truth["messages"] for c in m["copies"]}
    assert kinds == {"mbox", "maildir", "eml", "zip"}
    if truth["from_line_messages"]:
        assert any(b"\n>From " in p.read_bytes() for p in (out / "archive").glob("*.mbox"))
