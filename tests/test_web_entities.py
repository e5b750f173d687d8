"""The names page: entities counted for a search, and corrected from the browser's forms."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.web.app import create_app

SAME_SITE = {"origin": "http://testserver"}


@pytest.fixture()
def writable(demo_case: tuple[Case, dict[str, Any]], tmp_path: Path) -> Case:
    """A copy of the demo case: corrections here must not change what other tests see."""
    shutil.copytree(demo_case[0].root, tmp_path / "case")
    case = Case.open(tmp_path / "case")
    yield case
    case.close()


def _names(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<a class="result-link" href="[^"]+">([^<]+)</a>', html)]


def test_names_page_lists_what_the_case_counts(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    client = TestClient(create_app(case, allowed_hosts=["testserver"]))
    html = client.get("/entities", params={"kind": "place", "q": "juarez"}).text
    expected = [e.name for e in case.entities("juarez", ("place",), 100)]
    assert _names(html) == expected and expected
    link = unescape(re.findall(r'<a class="result-link" href="([^"]+)">', html)[0])
    first = case.entities("juarez", ("place",), 1)[0]
    assert client.get(link).status_code == 200
    assert len(case.matching_ids(f'place:"{first.name}"')) == first.messages
    api = client.get("/api/entities", params={"kind": "organisation", "limit": 5}).json()
    assert [r["name"] for r in api] == [e.name for e in case.entities(kinds=("organisation",), limit=5)]


def test_hide_rename_merge_from_the_page(writable: Case) -> None:
    client = TestClient(create_app(writable, allowed_hosts=["testserver"]))
    places = writable.entities(kinds=("place",), limit=3)
    a, b, c = places
    back = "/entities?kind=place"
    hide = {"action": "hide", "name": a.key, "kind": "place", "back": back}
    response = client.post("/entities", data=hide, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == back
    rename = {"action": "rename", "name": b.key, "kind": "place", "target": "The Capital", "back": back}
    client.post("/entities", data=rename, headers=SAME_SITE)
    merge = {"action": "merge", "name": c.name, "kind": "place", "target": "The Capital", "target_kind": "place"}
    assert client.post("/api/entities", json=merge, headers=SAME_SITE).status_code == 201
    names = _names(client.get(back).text)
    assert a.name not in names and "The Capital" in names and c.name not in names
    shown = next(e for e in writable.entities(kinds=("place",), limit=0) if e.name == "The Capital")
    assert shown.merged == (c.name,)
    assert shown.messages == len(writable.matching_ids('place:"The Capital"'))
    # the same edits as the command line's
    assert [e["action"] for e in writable.db.entities.edits()] == ["hide", "rename", "merge"]
    bad = client.post("/entities", data={"action": "explode", "name": b.key}, headers=SAME_SITE)
    assert bad.status_code == 400
    unknown = client.post("/api/entities", json={"action": "hide", "name": "Nowhere At All"}, headers=SAME_SITE)
    assert unknown.status_code == 404
    foreign = client.post("/entities", data=hide | {"action": "unhide"}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403


def test_people_corrections_from_the_person_page(writable: Case) -> None:
    client = TestClient(create_app(writable, allowed_hosts=["testserver"]))
    people = sorted(writable.db.people.table(), key=lambda p: -p["sent"])
    first, second = [p for p in people if p["kind"] == "person"][:2]
    a, b = writable.db.people.emails_of(first["id"])[0], writable.db.people.emails_of(second["id"])[0]
    assert "Correct this person" in client.get(f"/person/{first['id']}").text
    merged = client.post(f"/person/{first['id']}/corrections", data={"action": "merge", "other": b}, headers=SAME_SITE)
    assert merged.status_code == 200 and a in merged.text and b in merged.text  # one person, both addresses
    number = writable.db.people.resolve(a)
    assert writable.db.people.resolve(b) == number
    renamed = client.post(f"/person/{number}/corrections", data={"action": "rename", "name": "Ann Example"})
    assert "<h1>Ann Example" in renamed.text
    split = client.post(f"/person/{number}/corrections", data={"action": "split", "other": b}, headers=SAME_SITE)
    assert split.status_code == 200 and writable.db.people.resolve(b) != writable.db.people.resolve(a)
    assert [action for action, _emails, _name in writable.db.people.edits()] == ["merge", "rename", "split"]
    assert client.post(f"/person/{number}/corrections", data={"action": "merge", "other": ""}).status_code == 400
    missing = client.post(f"/person/{number}/corrections", data={"action": "merge", "other": "nobody@nowhere.example"})
    assert missing.status_code == 404
