"""Who may see which case, and how much: one role per user per case.

Only the records and their audit trail live here; enforcing the roles on
every page, endpoint and export is the web layer's job (issue 18, item 4).
A user with no row for a case has no access to it at all.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select, update

from loupe.errors import AccountError
from loupe.server import audit
from loupe.server.accounts import user_row
from loupe.server.cases import exists
from loupe.server.db import ROLES, memberships, users


def set_role(engine: Engine, name: str, case: str, role: str, *, by: str | None = None) -> None:
    """Give user ``name`` ``role`` on ``case`` (replacing any role they had there)."""
    if role not in ROLES:
        raise AccountError(name, f"no role {role!r}; one of {', '.join(ROLES)}")
    if not exists(engine, case):
        raise AccountError(name, f"no case {case!r} on this server (loupe server case list)")
    with engine.begin() as conn:
        member = user_row(conn, name)
        where = (memberships.c.user_id == member.id, memberships.c.case_name == case)
        before = conn.execute(select(memberships.c.role).where(*where)).scalar_one_or_none()
        if before is None:
            conn.execute(insert(memberships).values(user_id=member.id, case_name=case, role=role))
        else:
            conn.execute(update(memberships).where(*where).values(role=role))
        audit.record(
            conn, user=by, case=case, action="member-set", target=member.name, detail={"role": role, "was": before}
        )


def remove(engine: Engine, name: str, case: str, *, by: str | None = None) -> None:
    """Take away user ``name``'s access to ``case``."""
    with engine.begin() as conn:
        member = user_row(conn, name)
        gone = conn.execute(
            delete(memberships).where(memberships.c.user_id == member.id, memberships.c.case_name == case)
        ).rowcount
        if not gone:
            raise AccountError(name, f"is not a member of {case!r}")
        audit.record(conn, user=by, case=case, action="member-remove", target=member.name)


def role_of(engine: Engine, name: str, case: str) -> str | None:
    """``name``'s role on ``case``, or None: no access (and none for a disabled user). A role exists
    only on a case the server has (``set_role`` checks), so None also answers for no such case."""
    with engine.connect() as conn:
        found = conn.execute(
            select(memberships.c.role)
            .join(users, users.c.id == memberships.c.user_id)
            .where(users.c.name == name.strip().lower(), memberships.c.case_name == case, users.c.disabled.is_(False))
        ).scalar_one_or_none()
    return None if found is None else str(found)


def members(engine: Engine, case: str) -> list[tuple[str, str]]:
    """(user, role) of every member of ``case``, by name."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.name, memberships.c.role)
            .join(users, users.c.id == memberships.c.user_id)
            .where(memberships.c.case_name == case)
            .order_by(users.c.name)
        )
        return [(r.name, r.role) for r in rows]


def cases_of(engine: Engine, name: str) -> list[dict[str, str]]:
    """The cases user ``name`` is a member of, each with their role there (name, role), by case."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(memberships.c.case_name, memberships.c.role)
            .join(users, users.c.id == memberships.c.user_id)
            .where(users.c.name == name)
            .order_by(memberships.c.case_name)
        )
        return [{"name": str(r.case_name), "role": str(r.role)} for r in rows]
