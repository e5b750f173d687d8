"""The server database: its tables and how it is opened.

One database per server, not per case, so that a user, a token or a
throttling counter is shared by every case and every server process. Times
that code compares (throttling) are seconds since the epoch as floats:
portable, and no timezone arithmetic in SQL; times people read (audit) are
UTC ISO strings.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from loupe.errors import ServerError
from loupe.store.database import engine_options, normalised_url, sqlite_pragmas

#: Where a server keeps its database (when SQLite) and, later, its cases: ``--server`` wins.
DEFAULT_SERVER_DIR = "loupe-server"
#: The roles of issue 18, from most to least: owner manages members; metadata never sees a body.
ROLES = ("owner", "editor", "reader", "metadata")

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False, doc="Argon2id, in argon2-cffi's encoded form"),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("admin", Boolean, nullable=False, default=False),
    Column("totp_secret", String(64), nullable=True, doc="base32; set when a second factor is enrolled"),
    Column("totp_required", Boolean, nullable=False, default=False),
    Column("created", String(40), nullable=False),
)

tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("prefix", String(12), nullable=False, doc="the token's first characters: finds it, shown in lists"),
    Column("token_sha256", String(64), nullable=False, unique=True, doc="never the token itself"),
    Column("cases", Text, nullable=False, doc="JSON list of the case names it may touch"),
    Column("created", String(40), nullable=False),
    Column("last_used", String(40), nullable=True),
    Column("revoked", String(40), nullable=True),
)
Index("api_tokens_by_prefix", tokens.c.prefix)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("case_name", String(200), nullable=False),
    Column("role", String(12), nullable=False),
    PrimaryKeyConstraint("user_id", "case_name"),
    CheckConstraint("role IN ('owner', 'editor', 'reader', 'metadata')", name="membership_role"),
)

#: One row per failed login, per account and per address ("kind"), so that throttling holds across
#: server processes; rows older than the window are deleted as new ones arrive.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False, doc="'account' or 'address'"),
    Column("key", String(200), nullable=False),
    Column("at", Float, nullable=False, doc="seconds since the epoch"),
)
Index("login_failures_by_key", login_failures.c.kind, login_failures.c.key, login_failures.c.at)

case_settings = Table(
    "case_settings",
    metadata,
    Column("case_name", String(200), primary_key=True),
    Column("withhold_search_terms", Boolean, nullable=False, default=False),
)

#: The audit chain (``loupe.server.audit``). Ids are given by the chain itself, not the database,
#: so that a gap means a deletion rather than a rolled-back transaction.
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("time", String(40), nullable=False),
    Column("user", String(80), nullable=True),
    Column("address", String(64), nullable=True),
    Column("case_name", String(200), nullable=True),
    Column("action", String(40), nullable=False),
    Column("target", Text, nullable=True),
    Column("detail", Text, nullable=False, doc="canonical JSON object"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: One row: how many entries (``length``) the chain holds and the hash of the last, updated in the transaction
#: that appends. Without it, deleting the last entry would leave a chain that still verifies.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("length", Integer, nullable=False, doc="how many entries the chain holds"),
    Column("last_hash", String(64), nullable=False),
)

#: The cases this server hosts. A case's folder is ``cases/<name>`` in the server folder; its
#: database is a schema of the server's PostgreSQL database, or a SQLite file in that folder
#: (``loupe.server.cases``).
cases = Table(
    "cases",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("created", String(40), nullable=False),
    Column("created_by", String(80), nullable=True),
)

#: Browser sessions: the cookie carries a random token (signed); only its SHA-256 is kept, so a
#: copy of this table opens no session. Logging out deletes the row; disabling the user ends
#: every session at its next request (the user row is read with the session).
sessions = Table(
    "sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False, doc="the token every form of this session must carry"),
    Column("created", Float, nullable=False, doc="seconds since the epoch"),
    Column("last_seen", Float, nullable=False),
    Column("address", String(64), nullable=True),
)

#: Secrets every process of the server shares (the cookie signing key), made at first open.
secrets_table = Table(
    "server_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(128), nullable=False),
)

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64


def default_server_dir() -> Path:
    """``$LOUPE_SERVER`` when set, else ``./loupe-server``."""
    return Path(os.environ.get("LOUPE_SERVER", DEFAULT_SERVER_DIR))


#: The server folder's record of its database, written the first time a database is named.
SERVER_TOML = "server.toml"


def server_url(server_dir: Path | None = None, db: str | None = None) -> str:
    """The server database's URL: ``db`` (``--db``), else ``$LOUPE_DB``, else the one the server
    folder recorded (``server.toml``), else ``server.db`` in the folder (created).

    The first URL named is recorded, and a later, different one is refused: a command that
    silently opened another database would make a second server with its own users and cases
    beside the first. ``postgresql://`` means psycopg 3, the driver Loupe installs.
    """
    folder = server_dir or default_server_dir()
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / SERVER_TOML
    recorded = tomllib.loads(record.read_text("utf-8")).get("database") if record.exists() else None
    named = db or os.environ.get("LOUPE_DB")
    if named:
        named = normalised_url(named)
        if recorded is None:
            escaped = named.replace("\\", "\\\\").replace('"', '\\"')
            record.write_text(f'# The database of this Loupe server.\ndatabase = "{escaped}"\n', "utf-8")
        elif recorded != named:
            raise ServerError(
                str(folder), f"this server's database is {_shown(recorded)}, not {_shown(named)} (see {SERVER_TOML})"
            )
        return named
    return str(recorded) if recorded else f"sqlite:///{folder / 'server.db'}"


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql:", "postgresql+"))


#: How long a server process waits for another's write on SQLite (an audit entry, a login) before failing.
SQLITE_BUSY_MS = 30_000


def _server_sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    """The case store's (WAL: pages read while another process writes), and a longer wait for the
    write lock: every request of every worker appends to the one audit chain."""
    sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def open_server_db(url: str) -> Engine:
    """The engine on ``url``, its tables created and the audit head present.

    Creating on open rather than in a migration: these are the first tables of a new
    database; the first change to them will need a migration like the case store's.
    """
    engine = create_engine(url, **engine_options(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _server_sqlite_pragmas)
    metadata.create_all(engine)
    with engine.connect() as conn:
        if conn.execute(select(audit_head.c.id)).first() is None:
            try:
                conn.execute(insert(audit_head).values(id=1, length=0, last_hash=GENESIS))
                conn.commit()
            except IntegrityError:  # another process opened it at the same moment
                conn.rollback()
    return engine
