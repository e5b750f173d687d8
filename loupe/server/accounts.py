"""Server users: Argon2id passwords, disabling, password resets, an optional TOTP second factor, login.

There is no default account and no default password: the first user is made
with ``loupe server user add --admin``, the password typed twice or read
from stdin. Passwords are checked for length only (at least 12 characters,
NIST SP 800-63B's advice against composition rules) and hashed with
argon2-cffi's ``PasswordHasher`` (Argon2id, its tuned defaults); a hash made
with weaker parameters is redone at the next successful login.

Every change and every login, failed ones included, goes into the audit log
in the same transaction as the change. A refusal is raised only after that
transaction commits: raising inside it would roll the record back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Row, insert, select, update

from loupe.errors import AccountError, LoginRefused
from loupe.server import audit, throttle
from loupe.server.db import users

#: Shorter passwords are refused: 12 characters keep a passphrase of three words in reach.
MIN_PASSWORD = 12
#: What a refused login says, whatever was wrong: the name, the password, or both.
WRONG = "wrong name or password"
#: Argon2id with argon2-cffi's defaults (RFC 9106's second recommended option, 64 MiB).
HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A server account as others may see it: never its hash or TOTP secret."""

    id: int
    name: str
    admin: bool
    disabled: bool
    totp_required: bool
    created: str


def now_iso() -> str:
    """The current UTC time as people read it in lists and logs."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def as_user(row: Row[tuple[object, ...]]) -> User:
    return User(row.id, row.name, bool(row.admin), bool(row.disabled), bool(row.totp_required), row.created)


def _row(conn: Connection, name: str) -> Row[tuple[object, ...]] | None:
    return conn.execute(select(users).where(users.c.name == name.strip().lower())).first()


def user_row(conn: Connection, name: str) -> Row[tuple[object, ...]]:
    row = _row(conn, name)
    if row is None:
        raise AccountError(name, "no such user")
    return row


def _checked(name: str, password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(name, f"a password needs at least {MIN_PASSWORD} characters")
    if password.strip().lower() == name.strip().lower():
        raise AccountError(name, "the password cannot be the user name")
    return password


def add_user(
    engine: Engine,
    name: str,
    password: str,
    *,
    admin: bool = False,
    by: str | None = None,
    hasher: PasswordHasher = HASHER,
) -> User:
    """A new account. Names are kept in lower case so that ``Anna`` and ``anna`` are one person."""
    key = name.strip().lower()
    if not key or len(key) > 80 or any(c.isspace() for c in key):
        raise AccountError(name, "a user name is 1 to 80 characters without spaces")
    encoded = hasher.hash(_checked(key, password))
    with engine.begin() as conn:
        if _row(conn, key) is not None:
            raise AccountError(key, "already exists")
        conn.execute(insert(users).values(name=key, password_hash=encoded, admin=admin, created=now_iso()))
        audit.record(conn, user=by, action="user-add", target=key, detail={"admin": admin})
        return as_user(user_row(conn, key))


def list_users(engine: Engine) -> list[User]:
    """Every account, by name."""
    with engine.connect() as conn:
        return [as_user(row) for row in conn.execute(select(users).order_by(users.c.name))]


def set_disabled(engine: Engine, name: str, disabled: bool = True, *, by: str | None = None) -> None:
    """Disable (or enable again) an account: a disabled user can neither log in nor use a token.
    Accounts are disabled, never deleted, so the audit log's names keep meaning someone."""
    with engine.begin() as conn:
        row = user_row(conn, name)
        conn.execute(update(users).where(users.c.id == row.id).values(disabled=disabled))
        audit.record(conn, user=by, action="user-disable" if disabled else "user-enable", target=row.name)


def reset_password(
    engine: Engine, name: str, password: str, *, by: str | None = None, hasher: PasswordHasher = HASHER
) -> None:
    """Set a new password (an admin's reset, or the user's own change)."""
    encoded = hasher.hash(_checked(name, password))
    with engine.begin() as conn:
        row = user_row(conn, name)
        conn.execute(update(users).where(users.c.id == row.id).values(password_hash=encoded))
        audit.record(conn, user=by, action="user-reset-password", target=row.name)


def enrol_totp(engine: Engine, name: str, *, required: bool = True, by: str | None = None) -> str:
    """A new TOTP secret for ``name`` (shown once, for the user's authenticator app); ``required``
    makes every later login ask for a code."""
    secret = pyotp.random_base32()
    with engine.begin() as conn:
        row = user_row(conn, name)
        conn.execute(update(users).where(users.c.id == row.id).values(totp_secret=secret, totp_required=required))
        audit.record(conn, user=by, action="user-totp", target=row.name, detail={"required": required})
    return secret


def verify_totp(secret: str, code: str, now: float | None = None) -> bool:
    """Whether ``code`` is the secret's current one-time code, or the one just before or after
    (phones' clocks drift by a few seconds)."""
    return pyotp.TOTP(secret).verify(code.strip(), for_time=now, valid_window=1)


@cache
def _decoy_hash() -> str:
    """A hash to check unknown names against, so that they take as long as known ones."""
    return HASHER.hash("not anyone's password")


def _password_ok(hasher: PasswordHasher, encoded: str, password: str) -> bool:
    try:
        return hasher.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    engine: Engine,
    name: str,
    password: str,
    *,
    address: str | None = None,
    code: str | None = None,
    now: float | None = None,
    hasher: PasswordHasher = HASHER,
) -> User:
    """The user when ``name``, ``password`` (and ``code``, when required) are right; else
    ``LoginRefused``. Throttled attempts are refused before any password is checked."""
    at = time.time() if now is None else now
    key = name.strip().lower()
    refusal: LoginRefused | None = None
    with engine.begin() as conn:
        wait = throttle.wait_before_login(conn, key, address, at)
        if wait > 0:
            audit.record(conn, user=key, address=address, action="login-refused", detail={"reason": "throttled"})
            refusal = LoginRefused(f"too many failed logins; try again in {int(wait) + 1} s", retry_after=wait)
        else:
            row = _row(conn, key)
            right = _password_ok(hasher, row.password_hash if row else _decoy_hash(), password) and row is not None
            reason = None if right else "password"
            if row is not None and right and row.totp_required:
                if not code:
                    reason = "no one-time code"
                elif not (row.totp_secret and verify_totp(row.totp_secret, code, at)):
                    reason = "one-time code"
            if reason is None and row is not None and row.disabled:
                audit.record(conn, user=key, address=address, action="login-failed", detail={"reason": "disabled"})
                refusal = LoginRefused("this account is disabled")
            elif reason is not None or row is None:
                throttle.record_failure(conn, key, address, at)
                audit.record(conn, user=key, address=address, action="login-failed", detail={"reason": reason})
                refusal = LoginRefused("a one-time code is required" if reason == "no one-time code" else WRONG)
            else:
                # hashed before the first write of the transaction: Argon2 takes tens of ms, and on SQLite
                # the write lock would be held meanwhile, with every other login waiting on it
                rehashed = hasher.hash(password) if hasher.check_needs_rehash(row.password_hash) else None
                throttle.forgive_account(conn, key)
                if rehashed is not None:
                    conn.execute(update(users).where(users.c.id == row.id).values(password_hash=rehashed))
                audit.record(conn, user=key, address=address, action="login")
                return as_user(row)
    assert refusal is not None  # every branch above either returned or set it
    raise refusal
