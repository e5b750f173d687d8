"""The permission matrix of a team server (issue 18): every route of a case, every method, every role.

The routes are taken from the case's app itself (``create_app(...).routes``,
pages included) and from its OpenAPI description, and each one needs a
decision in ``DECISIONS`` below: a route added later without one fails
``test_every_route_has_a_decision``. Each request is made with real values
from the case (a message with attachments, a person, a source code, a saved
search and a note made just before they are deleted), so an allowed request
really succeeds, and its answer cannot be confused with the gate's refusal.

A metadata-only member gets the envelope app; the last tests walk every route
and many queries as that member and check that no answer holds a sentence of
a body or a line of an attachment.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.team_server import MEMBERS, OUTSIDER, TeamServer, build_team

CASE = "alpha"
READ, QUOTE_CHECK, WRITE = "read", "quote check", "write"
ROLES = ("anonymous", "outsider", "metadata", "reader", "editor", "owner")
#: What the envelope app of a metadata-only member answers (GET and HEAD).
ENVELOPE_ROUTES = {"/", "/api/search", "/message/{id}", "/api/messages/{id}", "/api/status", "/api/openapi.json"}
ARTICLE = (
    'Notmuch news. Alexander wrote that he "did a preliminary compile which worked out fine" '
    'and Carl said "usage() could take a FILE argument" in the end.'
)


@dataclass(frozen=True)
class Decision:
    """What a route is (a read, a quote check's read-only POST, a write) and how to call it: query
    parameters, a form, or a JSON body. Path parameters are filled from the case."""

    kind: str
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    json: Any = None


def _read(**query: str) -> Decision:
    return Decision(READ, query)


ARTICLE_FORM = {"article": ARTICLE}
#: Every route of the case app, by (path template, method). GET implies HEAD.
DECISIONS: dict[tuple[str, str], Decision] = {
    ("/", "GET"): _read(q="subject:notmuch"),  # an envelope query: a metadata-only member may ask it too
    ("/api/search", "GET"): _read(q="subject:notmuch"),
    ("/api/facets", "GET"): _read(q="notmuch"),
    ("/api/timeline", "GET"): _read(q="notmuch"),
    ("/people", "GET"): _read(),
    ("/person/{who:path}", "GET"): _read(),
    ("/api/people", "GET"): _read(),
    ("/api/people/{who:path}", "GET"): _read(),
    ("/sources", "GET"): _read(),
    ("/source/{code}", "GET"): _read(),
    ("/api/sources", "GET"): _read(),
    ("/api/sources/{code}", "GET"): _read(),
    ("/entities", "GET"): _read(),
    ("/api/entities", "GET"): _read(),
    ("/glossary", "GET"): _read(),
    ("/api/glossary", "GET"): _read(),
    ("/tags", "GET"): _read(),
    ("/api/tags", "GET"): _read(),
    ("/api/messages/{id}/notes", "GET"): _read(),
    ("/saved", "GET"): _read(),
    ("/api/saved", "GET"): _read(),
    ("/message/{id}", "GET"): _read(),
    ("/message/{id}/body", "GET"): _read(),
    ("/api/messages/{id}", "GET"): _read(),
    ("/api/messages/{id}/html", "GET"): _read(),
    ("/api/messages/{id}/original", "GET"): _read(),
    ("/api/messages/{id}/copies/{number:int}", "GET"): _read(),
    ("/api/messages/{id}/attachments/{position:int}", "GET"): _read(),
    ("/thread/{id}", "GET"): _read(),
    ("/api/threads/{id}", "GET"): _read(),
    ("/export.csv", "GET"): _read(q='subject:"notmuch help"'),
    ("/export.mbox", "GET"): _read(q='subject:"notmuch help"'),
    ("/export.ftm.json", "GET"): _read(q='subject:"notmuch help"'),
    ("/export.db", "GET"): _read(q='subject:"notmuch help"'),
    ("/export.pack.zip", "GET"): _read(q='subject:"notmuch help"'),
    ("/message/{id}/pack.zip", "GET"): _read(),
    ("/quotes", "GET"): _read(claim="a preliminary compile worked out fine", lexical="1"),
    ("/api/corroborate", "GET"): _read(claim="a preliminary compile worked out fine", lexical="1"),
    ("/api/status", "GET"): _read(),
    ("/api/openapi.json", "GET"): _read(),
    ("/quotes", "POST"): Decision(QUOTE_CHECK, form=ARTICLE_FORM),
    ("/quotes/stream", "POST"): Decision(QUOTE_CHECK, form=ARTICLE_FORM),
    ("/quotes/report", "POST"): Decision(QUOTE_CHECK, form=ARTICLE_FORM),
    ("/quotes/pack", "POST"): Decision(QUOTE_CHECK, form=ARTICLE_FORM),
    ("/api/quotes", "POST"): Decision(QUOTE_CHECK, json={"article": ARTICLE}),
    ("/api/quotes/stream", "POST"): Decision(QUOTE_CHECK, json={"article": ARTICLE}),
    ("/person/{who}/corrections", "POST"): Decision(WRITE, form={"action": "rename", "name": "{person_name}"}),
    ("/entities", "POST"): Decision(WRITE, form={"action": "hide", "name": "{entity}", "kind": "{entity_kind}"}),
    ("/api/entities", "POST"): Decision(WRITE, json={"action": "unhide", "name": "{entity}", "kind": "{entity_kind}"}),
    ("/message/{id}/tags", "POST"): Decision(WRITE, form={"tag": "follow-up"}),
    ("/message/{id}/star", "POST"): Decision(WRITE, form={"starred": "1"}),
    ("/message/{id}/notes", "POST"): Decision(WRITE, form={"text": "ask the sender"}),
    ("/message/{id}/notes/{note:int}/delete", "POST"): Decision(WRITE, form={}),
    ("/api/messages/{id}/tags", "POST"): Decision(WRITE, json={"add": ["checked"], "remove": []}),
    ("/api/messages/{id}/notes", "POST"): Decision(WRITE, json={"text": "checked with the sender"}),
    ("/api/messages/{id}/notes/{note:int}", "DELETE"): Decision(WRITE),
    ("/saved", "POST"): Decision(WRITE, form={"name": "help threads", "q": "subject:help"}),
    ("/api/saved", "POST"): Decision(WRITE, json={"name": "help threads", "query": "subject:help"}),
    ("/saved/delete", "POST"): Decision(WRITE, form={"name": "{saved}"}),
    ("/api/saved/{name}", "DELETE"): Decision(WRITE),
}


@dataclass
class Visitor:
    """A client as one role, with its session's CSRF token (none when not signed in)."""

    role: str
    client: TestClient
    csrf: str | None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    built = build_team(tmp_path_factory.mktemp("team"))
    yield built
    built.team.close()


@pytest.fixture(scope="module")
def visitors(server: TeamServer) -> dict[str, Visitor]:
    by_role = {role: name for name, role in MEMBERS.items()}
    found = {"anonymous": Visitor("anonymous", server.client(), None)}
    for role in ROLES[1:]:
        client, csrf = server.signed_in(OUTSIDER if role == "outsider" else by_role[role])
        found[role] = Visitor(role, client, csrf)
    return found


@dataclass(frozen=True)
class Values:
    """Real values from case alpha for the path parameters and forms."""

    message: str  # has attachments, a reply in its thread
    person_email: str
    person_name: str
    code: str
    entity: str
    entity_kind: str


@pytest.fixture(scope="module")
def values(server: TeamServer, visitors: dict[str, Visitor]) -> Values:
    case = server.case(CASE)
    message = case.search('subject:"notmuch help" has:attachment', limit=5, by_date=True, snippets=False)[1][0].id
    assert len(case.parsed(message).attachments) >= 1
    person = max(case.db.people.table(), key=lambda r: r["sent"])
    entity = visitors["owner"].client.get(f"/cases/{CASE}/api/entities").json()[0]
    return Values(
        message=message,
        person_email=case.db.people.emails_of(person["id"])[0],
        person_name=str(person["name"]),
        code=str(case.db.sources.table()[0]["code"]),
        entity=entity["name"],
        entity_kind=entity["kind"],
    )


def case_routes(server: TeamServer) -> set[tuple[str, str]]:
    """Every (path template, method) the full case app answers, HEAD aside (it follows GET)."""
    app = server.team.case_app(CASE, False)
    return {
        (route.path, method)
        for route in app.routes
        if isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}
    }


def _plain_path(template: str) -> str:
    """OpenAPI's spelling of a Starlette path: ``{note:int}`` is ``{note}``."""
    return re.sub(r"{(\w+):\w+}", r"{\1}", template)


def _prepared(owner: Visitor, base: str, template: str, v: Values) -> dict[str, str]:
    """Values for a template's path and form, making first what the request deletes."""
    filled = {
        "id": v.message,
        "who": v.person_email,
        "code": v.code,
        "number": "0",
        "position": "0",
        "person_name": v.person_name,
        "entity": v.entity,
        "entity_kind": v.entity_kind,
        "saved": "to forget",
        "name": "to forget",
    }
    headers = {"X-CSRF-Token": owner.csrf or ""}
    if "{note" in template:
        made = owner.client.post(f"{base}/api/messages/{v.message}/notes", json={"text": "temp"}, headers=headers)
        assert made.status_code == 201, made.text
        filled["note"] = str(made.json()["id"])
    if template in ("/saved/delete", "/api/saved/{name}"):
        made = owner.client.post(f"{base}/api/saved", json={"name": "to forget", "query": "x"}, headers=headers)
        assert made.status_code == 201, made.text
    return filled


def _fill(text: str, filled: dict[str, str]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: filled[m.group(1)], text)


def send(
    visitor: Visitor, base: str, template: str, method: str, decision: Decision, filled: dict[str, str]
) -> httpx.Response:
    """One request of ``visitor`` to a route, carrying the session's CSRF token on a write."""
    url = base + _fill(template, filled)
    headers: dict[str, str] = {}
    data = None
    if decision.form is not None:
        data = {k: _fill(value, filled) for k, value in decision.form.items()}
        if visitor.csrf:
            data["csrf"] = visitor.csrf
    elif method not in ("GET", "HEAD") and visitor.csrf:
        headers["X-CSRF-Token"] = visitor.csrf
    body = json.loads(_fill(json.dumps(decision.json), filled)) if decision.json is not None else None
    return visitor.client.request(
        method, url, params=decision.query, data=data, json=body, headers=headers, follow_redirects=False
    )


GATE_SAYS = ("your role on this case", "shows dates, correspondents and subjects only")


def _is_gate_refusal(response: httpx.Response) -> bool:
    """The gate's 403 (a HEAD answer has no body to tell it from another 403)."""
    said = response.request.method == "HEAD" or any(words in response.text for words in GATE_SAYS)
    return response.status_code == 403 and said


def _problem(
    role: str, template: str, method: str, decision: Decision, response: httpx.Response, nowhere: httpx.Response
) -> str | None:
    """What is wrong with ``response``, or None when it is the answer ``role`` should get."""
    status = response.status_code
    is_api = template.startswith("/api/")
    allowed = {
        "anonymous": False,
        "outsider": False,
        "metadata": template in ENVELOPE_ROUTES and method in ("GET", "HEAD"),
        "reader": decision.kind in (READ, QUOTE_CHECK),
        "editor": True,
        "owner": True,
    }[role]
    if role == "anonymous":
        if method == "GET" and not is_api:
            location = response.headers.get("location", "")
            ok = status == 303 and location.startswith("/login?next=")
            return None if ok else f"{status} {location!r}, not a 303 to /login"
        return None if status == 401 else f"{status}, not 401"
    if role == "outsider":
        same = (status, response.content) == (nowhere.status_code, nowhere.content)
        return None if status == 404 and same else f"{status} {response.text[:80]!r} differs from a missing case's 404"
    if not allowed:
        return None if _is_gate_refusal(response) else f"{status} {response.text[:80]!r}, not the gate's 403"
    if status >= 400:
        return f"{status} {response.text[:120]!r} for an allowed request"
    return None


def test_every_route_has_a_decision(server: TeamServer, visitors: dict[str, Visitor]) -> None:
    routes = case_routes(server)
    assert set(DECISIONS) == routes, (
        f"routes without a decision: {sorted(routes - set(DECISIONS))}; "
        f"decisions without a route: {sorted(set(DECISIONS) - routes)}"
    )
    schema = visitors["owner"].client.get(f"/cases/{CASE}/api/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    assert documented, "the full app's schema lists no path"
    assert documented <= {(_plain_path(p), m) for p, m in routes}, "a documented path the app does not answer"
    # every method of every path is decided, HEAD of every GET included
    assert all(
        ("HEAD" in (r.methods or ())) == ("GET" in (r.methods or ()))
        for r in server.team.case_app(CASE, False).routes
        if isinstance(r, Route)
    )


def test_the_matrix(server: TeamServer, visitors: dict[str, Visitor], values: Values) -> None:
    """Every (route, method, role): the answer the role rule gives, and allowed requests succeed."""
    base, nowhere_base = f"/cases/{CASE}", "/cases/nowhere"
    owner = visitors["owner"]
    problems: list[str] = []
    checked = 0
    for (template, method), decision in sorted(DECISIONS.items()):
        for verb in (method, "HEAD") if method == "GET" else (method,):
            for role in ROLES:
                visitor = visitors[role]
                filled = _prepared(owner, base, template, values)
                response = send(visitor, base, template, verb, decision, filled)
                nowhere = (
                    send(visitor, nowhere_base, template, verb, decision, filled) if role == "outsider" else response
                )
                problem = _problem(role, template, verb, decision, response, nowhere)
                if problem:
                    problems.append(f"{verb} {template} as {role}: {problem}")
                checked += 1
    assert not problems, "\n".join(problems)
    assert checked == len(ROLES) * sum(2 if m == "GET" else 1 for _, m in DECISIONS)


def test_a_write_without_the_csrf_token_is_refused(visitors: dict[str, Visitor]) -> None:
    editor, base = visitors["editor"], f"/cases/{CASE}"
    attempts = [
        editor.client.post(f"{base}/api/saved", json={"name": "no token", "query": "subject:help"}),
        editor.client.post(
            f"{base}/api/saved", json={"name": "no token", "query": "subject:help"}, headers={"X-CSRF-Token": "x" * 43}
        ),
        editor.client.post(f"{base}/saved", data={"name": "no token", "q": "subject:help"}, follow_redirects=False),
        editor.client.post(
            f"{base}/saved", data={"name": "no token", "q": "subject:help", "csrf": "forged"}, follow_redirects=False
        ),
    ]
    for refused in attempts:
        assert refused.status_code == 403
        assert "stale or not from this site" in refused.text
    names = [s["name"] for s in editor.client.get(f"{base}/api/saved").json()]
    assert "no token" not in names
    allowed = editor.client.post(
        f"{base}/api/saved",
        json={"name": "with token", "query": "subject:help"},
        headers={"X-CSRF-Token": editor.csrf or ""},
    )
    assert allowed.status_code == 201
    assert "with token" in [s["name"] for s in editor.client.get(f"{base}/api/saved").json()]


# -- a metadata-only member never receives a body or an attachment byte ----------------------------
#: Sentences of bodies in case alpha (checked below to be in a body and in no envelope).
BODY_PHRASES = (
    "hoping sup would be turned into a library",
    "I did a preliminary compile which worked out fine",
    "a patch that lets usage() take a FILE",
    "just heard about Not Much today in some random",
    "casued by i think notmuch_query_search_threads having",
    "had a few slips lately, so here is the process again",
)
#: Envelope queries a metadata-only member may run.
ENVELOPE_QUERIES = (
    "",
    "subject:notmuch",
    "from:carl",
    "to:notmuch",
    "cc:carl",
    'subject:"notmuch help"',
    "subject:help OR from:carl",
    "from:carl AND NOT subject:patch",
    "date:2009",
    "list:notmuch",
    "thread:{id}",
    "id:{id}",
    "person:{email}",
)
#: Queries that read bodies or attachments: refused, with no count.
BODY_QUERIES = (
    "notmuch",
    "sysconf",
    "hoping sup",
    '"preliminary compile"',
    "from:carl AND sysconf",
    "subject:help OR sysconf",
    "NOT sysconf",
    "sysc*",
    "=sysconf",
    "body:library",
    "attachment:usage",
)


def _words(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class Secrets:
    """What a metadata-only member must never be sent: body sentences and attachment lines, and
    the messages they come from."""

    messages: tuple[str, ...]
    texts: tuple[str, ...]


@pytest.fixture(scope="module")
def secrets(server: TeamServer) -> Secrets:
    case = server.case(CASE)
    every = [h.id for h in case.search("", limit=1000, snippets=False)[1]]
    envelopes = []
    for mid in every:
        record = case.db.message(mid)
        parts = [record["subject"], record["from_name"], record["from_email"]]
        parts += [f"{a['name']} {a['email']}" for a in record["addresses"]]
        envelopes.append(_words(" ".join(str(p or "") for p in parts)))
    bodies = {mid: _words(case.own_text(mid)) for mid in every}
    messages: list[str] = []
    for phrase in BODY_PHRASES:
        found = [mid for mid, body in bodies.items() if _words(phrase) in body]
        assert found, f"no body says {phrase!r}"
        assert not any(_words(phrase) in e for e in envelopes), phrase
        messages += found
    lines: list[str] = []
    for mid in case.search("has:attachment", limit=50, snippets=False)[1]:
        messages.append(mid.id)
        for attachment in case.parsed(mid.id).attachments:
            # diff lines and signature lines: no header of the patch, which names its sender
            kept = [
                line.strip()
                for line in (attachment.text or "").splitlines()
                if len(line.strip()) >= 24
                and ((line[:1] in "+-" and not line.startswith(("---", "+++"))) or " " not in line)
            ]
            lines += kept[:3]
    assert len(lines) >= 6
    assert not any(_words(line) in e for line in lines for e in envelopes)
    return Secrets(tuple(dict.fromkeys(messages)), (*BODY_PHRASES, *dict.fromkeys(lines)))


def _visible_text(response: httpx.Response) -> str:
    """An answer's text as a person would read it: HTML entities and JSON escapes undone."""
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json"):
        strings: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                strings.append(value)
            elif isinstance(value, dict):
                for key, item in value.items():
                    walk(key)
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(response.json())
        return _words(" ".join(strings))
    return _words(html.unescape(response.content.decode("utf-8", "replace")))


def _asked(response: httpx.Response) -> str:
    """What the request itself said (its URL and body): echoing it back is not a leak."""
    request = response.request
    return _words(unquote_plus(str(request.url)) + " " + unquote_plus(request.content.decode("utf-8", "replace")))


def _metadata_requests(
    meta: Visitor, owner: Visitor, values: Values, secrets: Secrets
) -> Iterator[Callable[[], httpx.Response]]:
    base = f"/cases/{CASE}"
    get = meta.client.get
    for (template, method), decision in sorted(DECISIONS.items()):
        filled = _prepared(owner, base, template, values)
        yield lambda t=template, m=method, d=decision, f=filled: send(meta, base, t, m, d, f)
    queries = [q.format(id=values.message, email=values.person_email) for q in (*ENVELOPE_QUERIES, *BODY_QUERIES)]
    queries += [f'"{phrase}"' for phrase in BODY_PHRASES[:2]] + ["subject:" + BODY_PHRASES[0].split()[0]]
    for q in queries:
        for path in ("/", "/api/search", "/api/facets", "/api/timeline", "/export.csv", "/export.mbox", "/entities"):
            yield lambda p=path, q=q: get(base + p, params={"q": q})
    for mid in secrets.messages:
        for path in (
            "/message/{id}",
            "/message/{id}?view=text",
            "/message/{id}?view=html",
            "/message/{id}?view=raw",
            "/message/{id}?view=headers",
            "/message/{id}/body",
            "/api/messages/{id}",
            "/api/messages/{id}?include=body",
            "/api/messages/{id}/html",
            "/api/messages/{id}/original",
            "/api/messages/{id}/copies/0",
            "/api/messages/{id}/attachments/0",
            "/api/messages/{id}/attachments/1",
            "/api/messages/{id}/notes",
            "/message/{id}/pack.zip",
            "/thread/{id}",
            "/api/threads/{id}",
        ):
            yield lambda p=path, m=mid: get(base + p.format(id=m))
    for claim in ("sup library", "preliminary compile", "usage FILE argument"):
        yield lambda c=claim: get(f"{base}/api/corroborate", params={"claim": c, "lexical": "1"})
        yield lambda c=claim: get(f"{base}/quotes", params={"claim": c, "lexical": "1"})
    yield lambda: get(f"{base}/export.pack.zip")
    yield lambda: get(f"{base}/export.db")
    yield lambda: get(f"{base}/person/{values.person_email}")
    yield lambda: get(f"{base}/api/people/{values.person_email}")
    yield lambda: get(f"{base}/source/{values.code}")


def test_a_metadata_member_never_receives_a_body_or_attachment_byte(
    visitors: dict[str, Visitor], values: Values, secrets: Secrets
) -> None:
    meta, reader = visitors["metadata"], visitors["reader"]
    base = f"/cases/{CASE}"
    # the secrets are really there for a reader
    seen = " ".join(_visible_text(reader.client.get(f"{base}/api/messages/{mid}")) for mid in secrets.messages)
    assert all(_words(secret) in seen for secret in BODY_PHRASES)
    attachment_bytes = b"".join(
        reader.client.get(f"{base}/api/messages/{mid}/attachments/{n}").content
        for mid in secrets.messages
        for n in range(3)
    )
    assert all(line.encode() in attachment_bytes for line in secrets.texts[len(BODY_PHRASES) :])
    leaks: list[str] = []
    answered = 0
    for call in _metadata_requests(meta, visitors["owner"], values, secrets):
        response = call()
        answered += 1
        if response.status_code < 300:
            kind = response.headers.get("content-type", "")
            assert kind.startswith(("text/html", "application/json", "text/plain")), (response.request.url, kind)
        text, asked = _visible_text(response), _asked(response)
        raw = response.content
        for secret in secrets.texts:
            if _words(secret) not in asked and (_words(secret) in text or secret.encode() in raw):
                leaks.append(f"{response.request.method} {response.request.url} ({response.status_code}): {secret!r}")
    assert not leaks, "\n".join(leaks)
    assert answered > 300


def test_a_metadata_member_searches_the_envelope_only(visitors: dict[str, Visitor], values: Values) -> None:
    meta, base = visitors["metadata"], f"/cases/{CASE}"
    for query in ENVELOPE_QUERIES:
        q = query.format(id=values.message, email=values.person_email)
        answer = meta.client.get(f"{base}/api/search", params={"q": q})
        assert answer.status_code == 200, (q, answer.text)
        hits = answer.json()["hits"]
        assert all(set(hit) == {"id", "date", "from", "subject"} for hit in hits), q
        if q:
            page = meta.client.get(f"{base}/", params={"q": q})
            assert page.status_code == 200, (q, page.text[-300:])
    carl = meta.client.get(f"{base}/api/search", params={"q": "from:carl"}).json()
    assert carl["total"] > 0 and all("carl" in hit["from"].lower() for hit in carl["hits"])
    for query in BODY_QUERIES:
        refused = meta.client.get(f"{base}/api/search", params={"q": query})
        assert refused.status_code == 400, query
        assert "total" not in refused.json() and refused.json()["kind"] == "QueryError"
        page = meta.client.get(f"{base}/", params={"q": query})
        assert page.status_code == 400
    bare = meta.client.get(f"{base}/api/search", params={"q": "sysconf"}).json()["error"]
    assert "'sysconf' reads message text" in bare and "from:, to:, cc:, subject:, date:" in bare
    # a reader's search of the same word has hits: the refusal is the role's, not the query's
    assert visitors["reader"].client.get(f"{base}/api/search", params={"q": "sysconf"}).json()["total"] > 0
