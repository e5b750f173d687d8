"""Tags, stars, notes and saved searches from the browser and the API, on a copy of the demo case.

A copy, because these write: the session's demo case is shared with every
other test module.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.web.app import create_app
from tests.test_web_api import conforms


@pytest.fixture(scope="module")
def writable(demo_case: tuple[Case, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    source, _ = demo_case
    target = tmp_path_factory.mktemp("annotations") / "case"
    shutil.copytree(source.root, target)
    case = Case.open(target)
    yield case
    case.close()


@pytest.fixture(scope="module")
def client(writable: Case) -> TestClient:
    return TestClient(create_app(writable, allowed_hosts=["testserver"]))


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict[str, Any]:
    return dict(client.get("/api/openapi.json").json())


def _answers(schema: dict[str, Any], path: str, method: str, status: int, body: Any) -> list[str]:
    responses = schema["paths"][path][method]["responses"]
    assert str(status) in responses
    return conforms(body, responses[str(status)]["content"]["application/json"]["schema"])


def _message(case: Case, query: str = "juarez") -> str:
    return case.search(query, limit=1, snippets=False)[1][0].id


def test_star_and_unstar_from_the_message_page(client: TestClient, writable: Case) -> None:
    mid = _message(writable)
    response = client.post(f"/message/{mid}/star", data={"starred": "1"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/message/{mid}#annotations"
    assert "starred" in writable.db.tags_of(mid)
    assert mid in [h.id for h in writable.search("tag:starred", limit=50, snippets=False)[1]]
    page = client.get(f"/message/{mid}").text
    assert "★ Starred" in page
    assert f'href="/message/{mid}"' in client.get("/tags").text
    client.post(f"/message/{mid}/star", data={"starred": "0"})
    assert "starred" not in writable.db.tags_of(mid)


def test_tag_add_and_remove_and_bad_names(client: TestClient, writable: Case) -> None:
    mid = _message(writable)
    client.post(f"/message/{mid}/tags", data={"tag": "Follow-Up", "action": "add"})
    assert "follow-up" in writable.db.tags_of(mid)
    home = client.get("/").text
    assert 'href="/?q=tag%3Afollow-up"' in home
    results = client.get("/?q=tag:follow-up").text
    assert 'class="total">1<' in results
    assert client.post(f"/message/{mid}/tags", data={"tag": "two words"}).status_code == 400
    client.post(f"/message/{mid}/tags", data={"tag": "follow-up", "action": "remove"})
    assert "follow-up" not in writable.db.tags_of(mid)


def test_notes_from_the_page(client: TestClient, writable: Case) -> None:
    mid = _message(writable)
    client.post(f"/message/{mid}/notes", data={"text": "  Ask the <b>desk</b> about this.\nSecond line.  "})
    notes = writable.db.notes.of(mid)
    assert [n["text"] for n in notes] == ["Ask the <b>desk</b> about this.\nSecond line."]
    page = client.get(f"/message/{mid}").text
    assert "Ask the &lt;b&gt;desk&lt;/b&gt; about this." in page
    assert "Ask the &lt;b&gt;desk" in client.get("/tags").text
    assert client.post(f"/message/{mid}/notes", data={"text": "   "}).status_code == 400
    deleted = client.post(f"/message/{mid}/notes/{notes[0]['id']}/delete", follow_redirects=False)
    assert deleted.status_code == 303 and writable.db.notes.of(mid) == []
    assert client.post(f"/message/{mid}/notes/{notes[0]['id']}/delete").status_code == 404


def test_tags_and_notes_through_the_api(client: TestClient, writable: Case, schema: dict[str, Any]) -> None:
    mid = _message(writable, "kidnapping")
    response = client.post(f"/api/messages/{mid}/tags", json={"add": ["lead", "starred"], "remove": []})
    assert response.status_code == 200
    assert response.json() == {"id": mid, "tags": ["lead", "starred"]}
    assert not _answers(schema, "/api/messages/{id}/tags", "post", 200, response.json())
    assert client.post(f"/api/messages/{mid}/tags", json={"add": "lead"}).status_code == 400
    assert client.post(f"/api/messages/{mid}/tags", content=b"not json").status_code == 400
    added = client.post(f"/api/messages/{mid}/notes", json={"text": "check the date"})
    assert added.status_code == 201
    assert not _answers(schema, "/api/messages/{id}/notes", "post", 201, added.json())
    listed = client.get(f"/api/messages/{mid}/notes").json()
    assert [n["text"] for n in listed] == ["check the date"]
    overview = client.get("/api/tags").json()
    assert not _answers(schema, "/api/tags", "get", 200, overview)
    assert {"tag": "lead", "count": 1} in overview["tags"]
    assert overview["starred"][0]["id"] == mid and overview["notes"][0]["message"] == mid
    gone = client.delete(f"/api/messages/{mid}/notes/{added.json()['id']}")
    assert gone.json() == {"deleted": added.json()["id"]}
    assert client.delete(f"/api/messages/{mid}/notes/{added.json()['id']}").status_code == 404
    client.post(f"/api/messages/{mid}/tags", json={"remove": ["lead", "starred"]})
    assert writable.db.tags_of(mid) == []


def test_saved_searches(client: TestClient, writable: Case, schema: dict[str, Any]) -> None:
    response = client.post("/saved", data={"name": "juarez 2010", "q": "juarez date:2010"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?q=juarez+date%3A2010&saved=juarez+2010"
    assert "Saved as" in client.get(response.headers["location"]).text
    total = writable.search("juarez date:2010", limit=1, snippets=False)[0]
    page = client.get("/saved").text
    assert "juarez 2010" in page and f'<td class="num">{total:,}</td>' in page
    assert client.post("/saved", data={"name": "broken", "q": "juarez ("}).status_code == 400
    assert client.post("/saved", data={"name": "", "q": "juarez"}).status_code == 400
    created = client.post("/api/saved", json={"name": "mx", "query": "source:MX1"})
    assert created.status_code == 201 and created.json() == {"name": "mx", "query": "source:MX1"}
    listed = client.get("/api/saved").json()
    assert not _answers(schema, "/api/saved", "get", 200, listed)
    assert {s["name"] for s in listed} == {"juarez 2010", "mx"}
    assert writable.db.saved_search("mx") == "source:MX1"  # the same store as `loupe saved`
    # forgetting: from the page, and through the API (a name not saved is a 404)
    assert client.post("/saved/delete", data={"name": "juarez 2010"}, follow_redirects=False).status_code == 303
    assert "juarez 2010" not in client.get("/saved").text
    gone = client.delete("/api/saved/mx")
    assert gone.status_code == 200 and not _answers(schema, "/api/saved/{name}", "delete", 200, gone.json())
    assert client.delete("/api/saved/mx").status_code == 404
    assert client.get("/api/saved").json() == []
