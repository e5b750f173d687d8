"""The team server's own behaviour (issue 18): logins, cookies, throttling, TOTP, the case picker,
cases kept apart, logout and disabled accounts, API tokens, the members page, and the audit log.

One server for the module (``tests.team_server``): case ``alpha`` (notmuch's
test mail and GIFiles-style forms) and case ``beta`` (notmuch's edge cases),
one user of each role on alpha, ``nora`` a reader of beta only. Tests that
change accounts use accounts of their own, so they can run in any order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from click.testing import CliRunner

from loupe.cli import cli
from loupe.server import audit
from loupe.server.accounts import add_user, enrol_totp, set_disabled
from loupe.server.members import role_of, set_role
from loupe.server.tokens import add_token, revoke_token
from loupe.web.team import COOKIE, Team, create_team_app
from tests.team_server import CHEAP, PASSWORD, TeamServer, build_team, csrf_of


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    built = build_team(tmp_path_factory.mktemp("team"))
    yield built
    built.team.close()


def _entries(server: TeamServer, action: str, **where: object) -> list[audit.Entry]:
    return [
        e
        for e in audit.entries(server.engine)
        if e.action == action and all(getattr(e, k) == v for k, v in where.items())
    ]


def _some_message(server: TeamServer, case: str) -> str:
    return server.case(case).search("", limit=1, by_date=True, snippets=False)[1][0].id


# -- logging in --------------------------------------------------------------------------------
def test_a_wrong_password_is_refused_with_a_generic_message(server: TeamServer) -> None:
    client = server.client("10.1.0.1")
    wrong = client.post("/login", data={"name": "rita", "password": "correct horse batterY"})
    unknown = client.post("/login", data={"name": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong name or password" in wrong.text and "wrong name or password" in unknown.text
    assert COOKIE not in wrong.headers.get("set-cookie", "")
    failed = _entries(server, "login-failed", user="rita", address="10.1.0.1")
    assert failed and failed[-1].detail == {"reason": "password"}
    assert _entries(server, "login-failed", user="nobody", address="10.1.0.1")


def _cookie_header(response_headers: list[str]) -> str:
    found = [h for h in response_headers if h.startswith(f"{COOKIE}=")]
    assert len(found) == 1, response_headers
    return found[0].lower()


def test_the_right_password_sets_a_strict_httponly_cookie(server: TeamServer) -> None:
    client = server.client("10.1.0.2")
    answer = client.post("/login", data={"name": "rita", "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = _cookie_header(answer.headers.get_list("set-cookie"))
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie.replace("samesite", "")  # plain http: a Secure cookie would never come back
    assert client.get("/", follow_redirects=False).status_code == 200
    assert _entries(server, "login", user="rita", address="10.1.0.2")


def test_the_cookie_is_secure_when_asked_or_over_https(server: TeamServer) -> None:
    secure_app = create_team_app(Team.open(server.engine, server.folder, secure_cookies=True))
    for client in (server.client("10.1.0.3", app=secure_app), server.client("10.1.0.3", "https://127.0.0.1")):
        answer = client.post("/login", data={"name": "rita", "password": PASSWORD}, follow_redirects=False)
        assert answer.status_code == 303
        cookie = _cookie_header(answer.headers.get_list("set-cookie"))
        assert "; secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_repeated_failures_are_throttled(server: TeamServer) -> None:
    add_user(server.engine, "tess", PASSWORD, hasher=CHEAP)
    client = server.client("10.1.0.4")
    statuses = [
        client.post("/login", data={"name": "tess", "password": f"wrong guess {n:04d}"}).status_code for n in range(6)
    ]
    assert statuses[:5] == [401] * 5  # a few typos cost nothing
    throttled = client.post("/login", data={"name": "tess", "password": PASSWORD})  # even the right one now
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "too many failed logins" in throttled.text
    assert _entries(server, "login-refused", user="tess")
    # another address, same account: the account is throttled too
    assert server.client("10.1.0.5").post("/login", data={"name": "tess", "password": PASSWORD}).status_code == 429


def test_an_account_with_totp_needs_its_code(server: TeamServer) -> None:
    add_user(server.engine, "theo", PASSWORD, hasher=CHEAP)
    set_role(server.engine, "theo", "alpha", "reader")
    secret = enrol_totp(server.engine, "theo")
    client = server.client("10.1.0.6")
    without = client.post("/login", data={"name": "theo", "password": PASSWORD}, follow_redirects=False)
    assert without.status_code == 401 and "one-time code is required" in without.text
    wrong_code = client.post("/login", data={"name": "theo", "password": PASSWORD, "code": "000000"})
    assert wrong_code.status_code == 401
    code = pyotp.TOTP(secret).now()
    right = client.post("/login", data={"name": "theo", "password": PASSWORD, "code": code}, follow_redirects=False)
    assert right.status_code == 303
    assert client.get("/cases/alpha/api/status").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example", "//evil.example/x"])
def test_the_next_parameter_never_leaves_the_server(server: TeamServer, target: str) -> None:
    client = server.client("10.1.0.7")
    page = client.get("/login", params={"next": target})
    assert page.status_code == 200
    answer = client.post("/login", data={"name": "rita", "password": PASSWORD, "next": target}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    again = client.get("/login", params={"next": target}, follow_redirects=False)  # signed in: sent on at once
    assert again.status_code == 303 and again.headers["location"] == "/"


def test_next_brings_the_user_back_to_the_page_asked_for(server: TeamServer) -> None:
    client = server.client("10.1.0.8")
    first = client.get("/cases/alpha/tags?x=1", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Fcases%2Falpha%2Ftags%3Fx%3D1"
    answer = client.post(
        "/login", data={"name": "rita", "password": PASSWORD, "next": "/cases/alpha/tags?x=1"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/cases/alpha/tags?x=1"


# -- cases ---------------------------------------------------------------------------------------
def test_the_case_picker_lists_only_the_users_cases(server: TeamServer) -> None:
    rita, _ = server.signed_in("rita", "10.2.0.1")
    nora, _ = server.signed_in("nora", "10.2.0.1")
    assert rita.get("/api/cases").json() == [{"name": "alpha", "role": "reader"}]
    assert nora.get("/api/cases").json() == [{"name": "beta", "role": "reader"}]
    picker = rita.get("/").text
    assert "/cases/alpha/" in picker and "beta" not in picker
    assert "alpha" not in nora.get("/").text
    assert server.client().get("/api/cases").status_code == 401


def test_cases_are_kept_apart(server: TeamServer) -> None:
    rita, _ = server.signed_in("rita", "10.2.0.2")
    in_beta = _some_message(server, "beta")
    in_alpha = _some_message(server, "alpha")
    assert rita.get(f"/cases/alpha/api/messages/{in_alpha}").status_code == 200
    # a message of case beta asked under alpha's URL: alpha has no such message
    for url in (f"/cases/alpha/api/messages/{in_beta}", f"/cases/alpha/message/{in_beta}"):
        assert rita.get(url).status_code == 404, url
    # beta's URLs answer exactly as a case that does not exist
    for path in ("/", f"/message/{in_beta}", f"/api/messages/{in_beta}", "/api/search?q=notmuch", "/members"):
        there, nowhere = rita.get(f"/cases/beta{path}"), rita.get(f"/cases/nowhere{path}")
        assert there.status_code == nowhere.status_code == 404, path
        assert there.content == nowhere.content, path


# -- sessions ending -------------------------------------------------------------------------------
def test_logout_ends_the_session_on_the_server(server: TeamServer) -> None:
    client, csrf = server.signed_in("rita", "10.3.0.1")
    cookie = client.cookies[COOKIE]
    out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert _entries(server, "logout", user="rita")
    replay = server.client("10.3.0.1")
    replay.cookies.set(COOKIE, cookie)  # the old cookie, kept by someone: it no longer opens anything
    assert replay.get("/cases/alpha/api/status").status_code == 401
    assert replay.get("/cases/alpha/", follow_redirects=False).status_code == 303


def test_a_disabled_users_session_ends_at_the_next_request(server: TeamServer) -> None:
    add_user(server.engine, "dora", PASSWORD, hasher=CHEAP)
    set_role(server.engine, "dora", "alpha", "editor")
    client, _ = server.signed_in("dora", "10.3.0.2")
    assert client.get("/cases/alpha/api/status").status_code == 200
    set_disabled(server.engine, "dora")
    assert client.get("/cases/alpha/api/status").status_code == 401
    refused = client.post("/login", data={"name": "dora", "password": PASSWORD})
    assert refused.status_code == 401 and "disabled" in refused.text


# -- API tokens ------------------------------------------------------------------------------------
def test_an_api_token_acts_with_its_owners_role_on_its_cases_only(server: TeamServer) -> None:
    client = server.client("10.4.0.1")
    _, reader_token = add_token(server.engine, "rita", ["alpha"])
    _, editor_token = add_token(server.engine, "edda", ["alpha", "beta"])
    as_reader = {"Authorization": f"Bearer {reader_token}"}
    as_editor = {"Authorization": f"Bearer {editor_token}"}
    found = client.get("/cases/alpha/api/search", params={"q": "subject:notmuch"}, headers=as_reader)
    assert found.status_code == 200 and found.json()["total"] > 0
    write = {"name": "by token", "query": "subject:help"}
    refused = client.post("/cases/alpha/api/saved", json=write, headers=as_reader)
    assert refused.status_code == 403  # a reader's token cannot write
    made = client.post("/cases/alpha/api/saved", json=write, headers=as_editor)
    assert made.status_code == 201  # no session, no CSRF token: the bearer token is the proof
    assert client.get("/cases/beta/api/status", headers=as_reader).status_code == 401  # not in its scope
    # edda's token names beta, but edda is no member of beta: a token gives no more than its owner has
    assert client.get("/cases/beta/api/status", headers=as_editor).status_code == 404
    revoke_token(server.engine, reader_token)
    assert client.get("/cases/alpha/api/status", headers=as_reader).status_code == 401
    assert client.get("/cases/alpha/api/status", headers={"Authorization": "Bearer lpt_madeup"}).status_code == 401
    reasons = [e.detail["reason"] for e in _entries(server, "token-refused")]
    assert "case not in scope" in reasons and "revoked" in reasons and "unknown" in reasons


# -- the members page ------------------------------------------------------------------------------
def test_an_owner_manages_members_and_an_editor_cannot(server: TeamServer) -> None:
    add_user(server.engine, "milo", PASSWORD, hasher=CHEAP)
    owner, csrf = server.signed_in("olga", "10.5.0.1")
    page = owner.get("/cases/alpha/members")
    assert page.status_code == 200
    assert all(name in page.text for name in ("olga", "edda", "rita", "mona"))
    changed = owner.post(
        "/cases/alpha/members", data={"name": "milo", "role": "reader", "csrf": csrf}, follow_redirects=False
    )
    assert changed.status_code == 303
    assert role_of(server.engine, "milo", "alpha") == "reader"
    assert _entries(server, "member-set", user="olga", case="alpha", target="milo")
    bad = owner.post("/cases/alpha/members", data={"name": "milo", "role": "emperor", "csrf": csrf})
    assert bad.status_code == 400 and role_of(server.engine, "milo", "alpha") == "reader"
    removed = owner.post(
        "/cases/alpha/members", data={"name": "milo", "role": "none", "csrf": csrf}, follow_redirects=False
    )
    assert removed.status_code == 303 and role_of(server.engine, "milo", "alpha") is None
    editor, editor_csrf = server.signed_in("edda", "10.5.0.1")
    assert editor.get("/cases/alpha/members").status_code == 403
    attempt = editor.post("/cases/alpha/members", data={"name": "edda", "role": "owner", "csrf": editor_csrf})
    assert attempt.status_code == 403 and role_of(server.engine, "edda", "alpha") == "editor"
    assert owner.get("/cases/beta/members").status_code == 404  # not olga's case: as if it did not exist


# -- the audit log ---------------------------------------------------------------------------------
def test_reading_and_writing_are_audited(server: TeamServer) -> None:
    base = "/cases/alpha"
    reader, reader_csrf = server.signed_in("rita", "10.6.0.1")
    editor, editor_csrf = server.signed_in("edda", "10.6.0.1")
    message = server.case("alpha").search('subject:"notmuch help" has:attachment', limit=1, snippets=False)[1][0].id
    assert reader.get(f"{base}/", params={"q": "sysconf"}).status_code == 200
    assert reader.get(f"{base}/api/search", params={"q": "from:carl"}).status_code == 200
    assert reader.get(f"{base}/message/{message}").status_code == 200
    assert reader.get(f"{base}/api/messages/{message}/attachments/0").status_code == 200
    assert reader.get(f"{base}/export.csv", params={"q": "sysconf"}).status_code == 200
    tag = {"add": ["audited"], "remove": []}
    assert (
        editor.post(f"{base}/api/messages/{message}/tags", json=tag, headers={"X-CSRF-Token": editor_csrf}).status_code
        == 200
    )
    refused = reader.post(f"{base}/api/messages/{message}/tags", json=tag, headers={"X-CSRF-Token": reader_csrf})
    assert refused.status_code == 403

    def one(action: str, user: str, target: str) -> audit.Entry:
        found = _entries(server, action, user=user, case="alpha", target=target, address="10.6.0.1")
        assert found, (action, user, target)
        return found[-1]

    assert one("search", "rita", "sysconf").detail["status"] == 200
    assert one("search", "rita", "from:carl").detail["path"] == "/api/search"
    assert one("view", "rita", message).detail == {"path": f"/message/{message}", "method": "GET", "status": 200}
    assert one("download", "rita", message).detail["path"] == f"/api/messages/{message}/attachments/0"
    assert one("export", "rita", "/export.csv").detail["status"] == 200
    assert one("annotate", "edda", message).detail == {
        "path": f"/api/messages/{message}/tags",
        "method": "POST",
        "status": 200,
    }
    assert one("annotate", "rita", message).detail["status"] == 403  # the refused attempt is a line too


def test_a_case_can_withhold_its_search_terms(server: TeamServer) -> None:
    reader, _ = server.signed_in("nora", "10.6.0.2")
    audit.set_withhold_search_terms(server.engine, "beta", True, user="admin")
    try:
        assert reader.get("/cases/beta/api/search", params={"q": "secret source name"}).status_code == 200
    finally:
        audit.set_withhold_search_terms(server.engine, "beta", False, user="admin")
    searches = _entries(server, "search", user="nora", case="beta")
    assert searches and searches[-1].target == audit.WITHHELD
    assert all("secret source name" not in str(e) for e in audit.entries(server.engine))
    assert reader.get("/cases/beta/api/search", params={"q": "kept query"}).status_code == 200
    assert _entries(server, "search", user="nora", case="beta")[-1].target == "kept query"


def test_the_audit_chain_verifies_after_all_that(server: TeamServer) -> None:
    # run last in this module (pytest keeps file order): every entry above is in the chain
    assert len(list(audit.entries(server.engine))) > 50
    assert audit.verify(server.engine) is None
    result = CliRunner().invoke(cli, ["server", "--server", str(server.folder), "audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_session_write_needs_its_csrf_token(server: TeamServer) -> None:
    client, csrf = server.signed_in("edda", "10.7.0.1")
    refused = client.post("/cases/alpha/api/saved", json={"name": "no token", "query": "subject:x"})
    assert refused.status_code == 403 and "stale" in refused.text
    other, other_csrf = server.signed_in("olga", "10.7.0.1")
    assert other_csrf != csrf  # each session has its own token: one session's cannot serve another
    stolen = client.post(
        "/cases/alpha/api/saved", json={"name": "no token", "query": "subject:x"}, headers={"X-CSRF-Token": other_csrf}
    )
    assert stolen.status_code == 403
    assert csrf_of(client.get("/").text) == csrf  # the session keeps its token
    assert other.get("/api/cases").status_code == 200
