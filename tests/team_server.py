"""A small team server for the web tests: two ingested cases, one user of each role, signed-in clients.

``build_team(folder)`` makes it once per test module (ingesting takes a few
seconds). Case ``alpha`` holds the notmuch test corpus and the GIFiles-style
forms (so it has attachments, a duplicate and coded sources); case ``beta``
holds notmuch's edge cases. Passwords are hashed with Argon2's smallest cost:
the parameters do not change what is tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import Engine
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.server.accounts import add_user
from loupe.server.cases import add_case
from loupe.server.db import open_server_db, server_url
from loupe.server.members import set_role
from loupe.web.team import Team, create_team_app

CORPORA = Path("/work/shared/corpora")
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"
BASE_URL = "http://127.0.0.1"
#: One user per role on case alpha; ``nora`` is a reader of beta only (signed in, but no access to alpha).
MEMBERS = {"olga": "owner", "edda": "editor", "rita": "reader", "mona": "metadata"}
OUTSIDER = "nora"


@dataclass
class TeamServer:
    folder: Path
    engine: Engine
    team: Team
    app: object

    def client(self, address: str = "testclient", base_url: str = BASE_URL, app: object = None) -> TestClient:
        """A client from ``address`` (login throttling counts failures by address too)."""
        return TestClient(app or self.app, base_url=base_url, client=(address, 50000))  # type: ignore[arg-type]

    def signed_in(self, name: str, address: str = "testclient") -> tuple[TestClient, str]:
        """A client with ``name``'s session, and the session's CSRF token (from the case picker's form)."""
        client = self.client(address)
        answer = client.post("/login", data={"name": name, "password": PASSWORD}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return client, csrf_of(client.get("/").text)

    def case(self, name: str) -> Case:
        """The case as the server holds it open (the same database the requests use)."""
        self.team.case_app(name, False)
        return self.team._benches[name].case


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def build_team(folder: Path) -> TeamServer:
    url = server_url(folder)
    engine = open_server_db(url)
    for name, sources in (
        ("alpha", [CORPORA / "notmuch-default", CORPORA / "gifiles-forms" / "eml"]),
        ("beta", [CORPORA / "notmuch-edge"]),
    ):
        add_case(engine, url, folder, name)
        case = Case.open(folder / "cases" / name)
        try:
            ingest(case, sources, workers=1)
        finally:
            case.close()
    for name, role in MEMBERS.items():
        add_user(engine, name, PASSWORD, hasher=CHEAP)
        set_role(engine, name, "alpha", role)
    add_user(engine, OUTSIDER, PASSWORD, hasher=CHEAP)
    set_role(engine, OUTSIDER, "beta", "reader")
    team = Team.open(engine, folder)
    return TeamServer(folder, engine, team, create_team_app(team))
