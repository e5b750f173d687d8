"""API tokens for scripts: random, shown once, stored as SHA-256, scoped to named cases, revocable.

A token is 32 random bytes (``secrets.token_urlsafe``) behind a ``lpt_``
marker that secret scanners can look for. Only its SHA-256 is stored: a
copy of the database gives no working token, and SHA-256 (not Argon2) is
enough because the token is random, not a guessable password, and it is
checked on every request. Its first characters are stored in clear to find
the row and to tell tokens apart in lists.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from loupe.errors import AccountError, LoginRefused
from loupe.server import audit
from loupe.server.accounts import User, as_user, now_iso, user_row
from loupe.server.db import tokens, users

#: Marks a Loupe token in a script or a leaked paste.
MARKER = "lpt_"
#: The marker and 8 random characters: 48 bits, so two tokens share a prefix about never.
PREFIX_LENGTH = len(MARKER) + 8
#: What a refused token says, whatever was wrong: unknown, revoked, out of scope, owner disabled.
REFUSED = "this token is not valid for this case"


@dataclass(frozen=True)
class TokenInfo:
    """A token as lists show it: never the token itself."""

    id: int
    user: str
    prefix: str
    cases: list[str]
    created: str
    last_used: str | None
    revoked: str | None


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(engine: Engine, name: str, cases: list[str], *, by: str | None = None) -> tuple[TokenInfo, str]:
    """A new token for user ``name`` on ``cases``: its description, and the token, which is not kept."""
    if not cases:
        raise AccountError(name, "a token needs at least one case")
    token = MARKER + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        owner = user_row(conn, name)
        created = now_iso()
        inserted = conn.execute(
            insert(tokens).values(
                user_id=owner.id,
                prefix=token[:PREFIX_LENGTH],
                token_sha256=_sha256(token),
                cases=json.dumps(sorted(set(cases))),
                created=created,
            )
        ).inserted_primary_key
        token_id = int(inserted[0]) if inserted else 0
        audit.record(
            conn,
            user=by,
            action="token-add",
            target=owner.name,
            detail={"token": token[:PREFIX_LENGTH], "cases": sorted(set(cases))},
        )
    info = TokenInfo(token_id, owner.name, token[:PREFIX_LENGTH], sorted(set(cases)), created, None, None)
    return info, token


def list_tokens(engine: Engine, name: str | None = None) -> list[TokenInfo]:
    """Every token, or those of user ``name``, oldest first."""
    query = select(tokens, users.c.name).join(users, users.c.id == tokens.c.user_id).order_by(tokens.c.id)
    if name is not None:
        query = query.where(users.c.name == name.strip().lower())
    with engine.connect() as conn:
        return [
            TokenInfo(r.id, r.name, r.prefix, json.loads(r.cases), r.created, r.last_used, r.revoked)
            for r in conn.execute(query)
        ]


def revoke_token(engine: Engine, prefix: str, *, by: str | None = None) -> TokenInfo:
    """Revoke the token whose prefix (as lists show it) or whole text is ``prefix``."""
    key = prefix.strip()[:PREFIX_LENGTH]
    found = [t for t in list_tokens(engine) if t.prefix == key and t.revoked is None]
    if len(found) != 1:
        raise AccountError(prefix, "no such live token" if not found else "several tokens share this prefix")
    with engine.begin() as conn:
        conn.execute(update(tokens).where(tokens.c.id == found[0].id).values(revoked=now_iso()))
        audit.record(conn, user=by, action="token-revoke", target=found[0].user, detail={"token": key})
    return found[0]


def check_token(engine: Engine, token: str, case: str, *, address: str | None = None) -> User:
    """The token's owner when ``token`` is live, its owner enabled, and ``case`` among its cases;
    else ``LoginRefused`` (recorded in the audit log). Notes the time of use."""
    digest = _sha256(token.strip())
    refused: str | None = None
    with engine.begin() as conn:
        rows = conn.execute(
            select(tokens, users)
            .join(users, users.c.id == tokens.c.user_id)
            .where(tokens.c.prefix == token.strip()[:PREFIX_LENGTH])
        ).all()
        match = next((r for r in rows if hmac.compare_digest(r.token_sha256, digest)), None)
        if match is None:
            refused = "unknown"
        elif match.revoked is not None:
            refused = "revoked"
        elif match.disabled:
            refused = "owner disabled"
        elif case not in json.loads(match.cases):
            refused = "case not in scope"
        if refused is not None:
            owner = match.name if match is not None else None
            audit.record(
                conn, user=owner, address=address, case=case, action="token-refused", detail={"reason": refused}
            )
        else:
            assert match is not None  # refused is None only when a live token matched
            conn.execute(update(tokens).where(tokens.c.id == match.id).values(last_used=now_iso()))
            owner_row = conn.execute(select(users).where(users.c.id == match.user_id)).one()
            return as_user(owner_row)
    raise LoginRefused(REFUSED)
