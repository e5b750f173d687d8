"""The JSON API and its OpenAPI schema: every route documented, every answer as documented.

``conforms`` is a small JSON Schema checker (type, required, properties,
additionalProperties, items, enum): enough for the schemas ``loupe.web``
writes, without a dependency.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.web.app import create_app
from loupe.web.openapi import ERROR, operation_of

TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


def conforms(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """The places where ``value`` breaks ``schema`` (empty when it conforms)."""
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        allowed = kinds if isinstance(kinds, list) else [kinds]
        ok = any(
            isinstance(value, TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool))
            for k in allowed
        )
        if not ok:
            return [f"{where}: {type(value).__name__} is not {allowed}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}: missing {key!r}")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += conforms(value[key], sub, f"{where}.{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if key not in schema.get("properties", {}):
                    problems += conforms(item, extra, f"{where}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value[:50]):
            problems += conforms(item, schema["items"], f"{where}[{i}]")
    return problems


@pytest.fixture(scope="module")
def client(demo_case: tuple[Case, dict[str, Any]]) -> TestClient:
    case, _ = demo_case
    return TestClient(create_app(case, allowed_hosts=["testserver"]))


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def test_every_api_route_is_in_the_schema_and_nothing_else(client: TestClient, schema: dict[str, Any]) -> None:
    app_routes = {
        (r.path.replace(":int", "").replace(":path", ""), m.lower())
        for r in client.app.routes  # type: ignore[attr-defined]
        if isinstance(r, Route) and r.path.startswith("/api/")
        for m in (r.methods or set()) - {"HEAD"}
    }
    documented = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert app_routes == documented
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/api/"):
            assert operation_of(route) is not None, route.path
    assert schema["openapi"] == "3.1.0"


def test_path_parameters_match_the_paths(schema: dict[str, Any]) -> None:
    for path, ops in schema["paths"].items():
        in_path = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, op in ops.items():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == in_path, (path, method)
            assert all(p["required"] for p in op["parameters"] if p["in"] == "path")
            assert op["responses"], (path, method)


def _examples(case: Case) -> dict[str, str]:
    """A value for each path parameter, taken from the demo case."""
    with_attachment = case.search("has:attachment mimetype:text/csv", limit=1, snippets=False)[1][0].id
    person = max(case.db.people.table(), key=lambda r: r["sent"])
    code = max(case.db.sources.table(), key=lambda r: r["reports"])["code"]
    thread = case.db.conversations.thread_sizes_top(1)[0][0]
    return {
        "/api/messages/{id}": with_attachment,
        "/api/threads/{id}": thread,
        "who": case.db.people.emails_of(person["id"])[0],
        "code": code,
        "number": "0",
        "position": "0",
    }


def test_every_documented_get_answers_as_documented(
    client: TestClient, schema: dict[str, Any], demo_case: tuple[Case, dict[str, Any]]
) -> None:
    case, _ = demo_case
    examples = _examples(case)
    checked = 0
    for path, ops in schema["paths"].items():
        if "get" not in ops:
            continue
        op = ops["get"]
        url = path
        for param in (p for p in op["parameters"] if p["in"] == "path"):
            name = param["name"]
            value = examples.get(path.split("/{")[0] + "/{id}") if name == "id" else examples[name]
            url = url.replace("{" + name + "}", str(value or examples["/api/messages/{id}"]))
        query = {p["name"]: p["example"] for p in op["parameters"] if p["in"] == "query" and "example" in p}
        response = client.get(url, params=query)
        status = str(response.status_code)
        assert status in op["responses"], (url, status, response.text[:200])
        assert status == "200", (url, response.text[:200])
        content = op["responses"]["200"]["content"]
        if "application/json" in content:
            problems = conforms(response.json(), content["application/json"]["schema"])
            assert not problems, (url, problems[:5])
        else:
            assert response.headers["content-type"] == "application/octet-stream"
            assert response.headers["content-disposition"].startswith("attachment")
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/messages/ffffffffffff", 404),
        ("/api/search?q=juarez+(sinaloa", 400),
        ("/api/search?q=juarez&sort=sideways", 400),
        ("/api/search?q=juarez&page=two", 400),
        ("/api/sources/ZZ999", 404),
        ("/api/people/nobody@nowhere.example", 404),
        ("/api/threads/ffffffffffff", 404),
    ],
)
def test_errors_are_json_with_a_documented_status(
    client: TestClient, schema: dict[str, Any], url: str, status: int
) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert not conforms(response.json(), ERROR)
    path = next(p for p in schema["paths"] if re.fullmatch(re.sub(r"{\w+}", "[^/]+", p), url.split("?")[0]))
    assert str(status) in schema["paths"][path]["get"]["responses"]


def test_search_api_matches_the_case(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    total, hits = case.search("kidnapping OR extortion", limit=5, offset=5, by_date=True)
    data = client.get(
        "/api/search", params={"q": "kidnapping OR extortion", "size": 5, "page": 2, "sort": "date"}
    ).json()
    assert data["total"] == total
    assert [h["id"] for h in data["hits"]] == [h.id for h in hits]
    assert data["pages"] == -(-total // 5)


def test_facets_and_timeline_api_match_the_case(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, _ = demo_case
    facets = client.get("/api/facets", params={"q": "juarez", "size": 3}).json()["facets"]
    expected = case.facets("juarez", 3)
    assert {k: [(e["value"], e["count"]) for e in v] for k, v in facets.items()} == expected
    timeline = client.get("/api/timeline", params={"q": "juarez", "by": "year"}).json()
    years = case.timeline("juarez", "year")
    assert [(c["bucket"], c["count"]) for c in timeline["counts"]] == years.counts
    assert timeline["undated"] == years.undated


def test_message_api_is_loupe_show(client: TestClient, demo_case: tuple[Case, dict[str, Any]]) -> None:
    from loupe.show import message_view

    case, _ = demo_case
    mid = case.search("juarez", limit=1, snippets=False)[1][0].id
    data = client.get(f"/api/messages/{mid[:12]}").json()  # a unique prefix is enough, as in the CLI
    view = message_view(case, mid)
    for key in ("id", "subject", "body", "raw_sha256", "locator", "near_duplicates", "thread"):
        assert data[key] == view[key]
