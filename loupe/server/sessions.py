"""Browser sessions: what a login cookie holds and how the server checks it.

The cookie is ``<token>.<signature>``: a random token, and an HMAC-SHA256 of
it under the server's secret (kept in the server database, so every worker
process and every host of one server agrees). A forged or edited cookie is
refused before the database is asked; a real one is looked up by the token's
SHA-256 (the table holds no token that would open a session). Each session
has its own CSRF token, which every form the session posts must carry.

A session ends when its user logs out (the row is deleted), after
``IDLE_SECONDS`` without a request, after ``LIFETIME_SECONDS`` in all, or as
soon as its user is disabled (the user row is read with the session).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from loupe.server.accounts import User, as_user
from loupe.server.db import secrets_table, sessions, users

#: A reporter away from the desk for a working day logs in again.
IDLE_SECONDS = 12 * 3600
#: And every week in any case.
LIFETIME_SECONDS = 7 * 24 * 3600
#: last_seen is written at most this often: not one UPDATE per page.
TOUCH_SECONDS = 300


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_sha256: str


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signing_key(engine: Engine) -> bytes:
    """The server's cookie key, made by the first process that asks (the others read it)."""
    with engine.connect() as conn:
        found = conn.scalar(select(secrets_table.c.value).where(secrets_table.c.name == "cookie"))
        if found is None:
            try:
                conn.execute(insert(secrets_table).values(name="cookie", value=secrets.token_hex(32)))
                conn.commit()
            except IntegrityError:  # another process made it at the same moment
                conn.rollback()
            found = conn.scalar(select(secrets_table.c.value).where(secrets_table.c.name == "cookie"))
    return bytes.fromhex(str(found))


def _signature(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def start(engine: Engine, key: bytes, user: User, *, address: str | None = None, now: float | None = None) -> str:
    """A new session for ``user``; returns the cookie's value."""
    at = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(sessions).values(
                token_sha256=_sha256(token),
                user_id=user.id,
                csrf=secrets.token_urlsafe(32),
                created=at,
                last_seen=at,
                address=address,
            )
        )
    return f"{token}.{_signature(key, token)}"


def _token(key: bytes, cookie: str) -> str | None:
    token, _, signature = cookie.rpartition(".")
    if not token or not hmac.compare_digest(signature, _signature(key, token)):
        return None
    return token


def find(engine: Engine, key: bytes, cookie: str, *, now: float | None = None) -> Session | None:
    """The live session the cookie names, or None (forged, ended, expired, or its user disabled)."""
    token = _token(key, cookie)
    if token is None:
        return None
    at = time.time() if now is None else now
    digest = _sha256(token)
    with engine.connect() as conn:
        row = conn.execute(
            select(sessions.c.csrf, sessions.c.created.label("started"), sessions.c.last_seen, users)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_sha256 == digest)
        ).first()
        if row is None:
            return None
        if row.disabled or at - row.last_seen > IDLE_SECONDS or at - row.started > LIFETIME_SECONDS:
            conn.execute(delete(sessions).where(sessions.c.token_sha256 == digest))
            conn.commit()
            return None
        if at - row.last_seen > TOUCH_SECONDS:
            conn.execute(update(sessions).where(sessions.c.token_sha256 == digest).values(last_seen=at))
            conn.commit()
    return Session(user=as_user(row), csrf=str(row.csrf), token_sha256=digest)


def end(engine: Engine, session: Session) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_sha256 == session.token_sha256))


def end_all(engine: Engine, user_id: int) -> int:
    """End every session of a user (a password reset or a disabled account)."""
    with engine.begin() as conn:
        return int(conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount or 0)
