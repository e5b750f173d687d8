"""``loupe export QUERY --ftm FILE``: FollowTheMoney entities for Aleph, read back with the
followthemoney library (so each is valid in its model), on the demo case and on real mail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from followthemoney import model

from loupe.case import Case
from loupe.cli import cli
from loupe.entity_counts import named_in
from loupe.ingest.pipeline import ingest

from .conftest import corpus


def _export(case: Case, query: str, path: Path) -> list[Any]:
    result = CliRunner().invoke(cli, ["export", query, "--ftm", str(path), "--case", str(case.root)])
    assert result.exit_code == 0, result.output
    return [model.get_proxy(json.loads(line)) for line in path.read_text("utf-8").splitlines()]


def test_demo_emails_their_people_and_what_they_name(demo_case: tuple[Case, dict[str, Any]], tmp_path: Path) -> None:
    case, _ = demo_case
    query = "juarez OR source:MX1"
    entities = _export(case, query, tmp_path / "out.ftm.json")
    emails = [e for e in entities if e.schema.name == "Email"]
    parties = {e.id: e for e in entities if e.schema.name in ("Person", "LegalEntity")}
    assert len(emails) == len(case.matching_ids(query)) > 50
    assert len(parties) == len({e.id for e in entities if e.schema.name != "Email"}), "each person once"
    by_message = {e.get("fileName")[0].removesuffix(".eml"): e for e in emails}
    corrections = case.entity_corrections()
    for message, email in list(by_message.items())[:200]:
        record = case.db.message(message)
        # every emitter and recipient is an entity of the file, with the address the message used
        for prop, roles in (("emitters", ("from",)), ("recipients", ("to", "cc", "bcc"))):
            used = {a["email"].lower() for a in record["addresses"] if a["role"] in roles and a["email"]}
            named = set()
            for ref in email.get(prop):
                named |= {address.lower() for address in parties[ref].get("email")}
            assert used <= named, (message, prop)
        assert email.get("messageId") == [record["message_id"]]
        assert email.get("subject") == ([record["subject"]] if record["subject"] else [])
        assert record["raw_sha256"] in email.get("notes")[0]
        parsed = case.parsed(message, attachment_text=False)
        places = named_in(parsed.subject, parsed.body_text, corrections)["place"]
        assert sorted(email.get("locationMentioned")) == sorted(places)
    replies = [e for e in emails if e.get("inReplyToEmail")]
    ids = {e.id for e in emails}
    assert replies and all(e.get("inReplyToEmail")[0] in ids for e in replies)
    # the same export again gives the same ids: Aleph updates instead of duplicating
    again = _export(case, query, tmp_path / "again.ftm.json")
    assert sorted(e.id for e in again) == sorted(e.id for e in entities)


@pytest.fixture(scope="module")
def list_case(tmp_path_factory: pytest.TempPathFactory) -> Any:
    case = Case.open(tmp_path_factory.mktemp("ftm") / "case", create=True)
    ingest(case, [corpus("notmuch-default")], workers=1)
    yield case
    case.close()


def test_real_mail_names_the_list_as_an_organisation(list_case: Case, tmp_path: Path) -> None:
    entities = _export(list_case, "notmuch", tmp_path / "list.ftm.json")
    legal = [e for e in entities if e.schema.name == "LegalEntity"]
    assert any("notmuch@notmuchmail.org" in e.get("email") for e in legal)
    people = {e.id: e for e in entities if e.schema.name == "Person"}
    carl = next(e for e in people.values() if "cworth@cworth.org" in e.get("email"))
    sent = [e for e in entities if e.schema.name == "Email" and carl.id in e.get("emitters")]
    assert len(sent) == list_case.search("notmuch from:cworth@cworth.org")[0]


def test_ftm_export_never_overwrites(list_case: Case, tmp_path: Path) -> None:
    taken = tmp_path / "taken.json"
    taken.write_text("mine")
    result = CliRunner().invoke(cli, ["export", "notmuch", "--ftm", str(taken), "--case", str(list_case.root)])
    assert result.exit_code != 0 and "exists" in result.output and taken.read_text() == "mine"
