"""The cases a server hosts: where each one's folder and database are, and how one is made.

A server folder holds ``cases/<name>/`` for each case: its settings, full-text
index and blobs, as any case folder. Its database is a **schema** of the
server's PostgreSQL database (``case_<name>``), reached through the
connection option ``search_path``, so one PostgreSQL database, one set of
credentials and one backup hold every case, and the case's own code needs no
change: its tables are found unqualified. When the server's database is SQLite,
each case keeps its own ``case.db`` in its folder, as on a laptop.

The case's ``case.toml`` records its database (``[store] database``), so every
``loupe`` command pointed at the folder (``loupe ingest --case
loupe-server/cases/<name>``) reaches the same database as the web server.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from loupe.errors import CaseError
from loupe.server import audit
from loupe.server.accounts import now_iso
from loupe.server.db import cases, is_postgresql

#: A case's name is part of its URL, its folder and its schema: lower-case letters, digits and
#: hyphens, starting with a letter (``stratfor-2012``).
CASE_NAME = re.compile(r"[a-z][a-z0-9-]{0,50}")
#: Where the cases' folders are, in the server folder.
CASES_FOLDER = "cases"


def check_name(name: str) -> str:
    if not CASE_NAME.fullmatch(name):
        raise CaseError(name, "a case name is lower-case letters, digits and hyphens, starting with a letter")
    return name


def schema_of(name: str) -> str:
    """The PostgreSQL schema of a case: hyphens become underscores (names with both are refused
    at creation, so two cases never share one)."""
    return "case_" + name.replace("-", "_")


def case_folder(server_dir: Path, name: str) -> Path:
    return server_dir / CASES_FOLDER / check_name(name)


def case_db_url(server_url: str, name: str) -> str | None:
    """The database URL of case ``name`` on a server whose database is ``server_url``: the same
    PostgreSQL database with the case's schema first in ``search_path``; None on SQLite (the case
    keeps ``case.db`` in its folder)."""
    if not is_postgresql(server_url):
        return None
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema_of(name)}"})
    return url.render_as_string(hide_password=False)


def case_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [str(n) for n in conn.scalars(select(cases.c.name).order_by(cases.c.name))]


def exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.scalar(select(cases.c.name).where(cases.c.name == name)) is not None


def add_case(engine: Engine, server_url: str, server_dir: Path, name: str, *, by: str | None = None) -> Path:
    """Make case ``name``: its folder, its schema (PostgreSQL), its tables, and its row; returns the
    folder. An existing name is refused, as is one whose schema another case already has."""
    from loupe.case import Case  # the case store: only when a case is made

    check_name(name)
    if name in case_names(engine):
        raise CaseError(name, "this server already has a case of that name")
    if any(schema_of(other) == schema_of(name) for other in case_names(engine)):
        raise CaseError(name, "too like another case's name (hyphens and underscores read the same)")
    folder = case_folder(server_dir, name)
    url = case_db_url(server_url, name)
    if url is not None:
        _create_schema(server_url, schema_of(name))
    opened = Case.open(folder, create=True, db_url=url)  # records ``url`` in the folder's case.toml
    opened.close()
    with engine.begin() as conn:
        conn.execute(insert(cases).values(name=name, created=now_iso(), created_by=by))
        audit.record(conn, user=by, case=name, action="case-add")
    return folder


def _create_schema(server_url: str, schema: str) -> None:
    engine = create_engine(server_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        engine.dispose()
