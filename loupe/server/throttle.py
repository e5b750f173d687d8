"""Login throttling, per account and per address, kept in the server database.

In the database rather than in memory so that every server process (issue
18 runs several) counts the same failures, and a restart does not forgive
them. Per account stops a guesser trying many passwords on one name from many
addresses; per address stops one address trying one password on many names.

The first ``FREE_FAILURES`` failures in ``WINDOW`` seconds cost nothing (people
mistype); after that each further attempt waits ``BASE_DELAY`` seconds after
the last failure, doubling with each failure up to ``MAX_DELAY``. Attempts
refused while waiting are not counted, so the delay grows only with real guesses.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, insert, select

from loupe.server.db import login_failures

#: Failures forgiven within the window: enough for a few typos and a caps-lock.
FREE_FAILURES = 5
#: How far back failures count: 15 minutes, OWASP's usual lockout window.
WINDOW = 15 * 60.0
#: The wait after the first failure past the free ones; it doubles with each failure after.
BASE_DELAY = 30.0
#: The longest wait: an hour slows guessing to a crawl yet lets a locked-out reporter back the same day.
MAX_DELAY = 3600.0


def _wait(conn: Connection, kind: str, key: str, now: float) -> float:
    times = (
        conn.execute(
            select(login_failures.c.at)
            .where(login_failures.c.kind == kind, login_failures.c.key == key, login_failures.c.at > now - WINDOW)
            .order_by(login_failures.c.at)
        )
        .scalars()
        .all()
    )
    if len(times) < FREE_FAILURES:
        return 0.0
    delay = min(MAX_DELAY, BASE_DELAY * 2.0 ** (len(times) - FREE_FAILURES))
    return max(0.0, float(times[-1]) + delay - now)


def wait_before_login(conn: Connection, account: str, address: str | None, now: float) -> float:
    """Seconds until a login on ``account`` from ``address`` may be tried; 0 when it may be now."""
    waits = [_wait(conn, "account", account.lower(), now)]
    if address:
        waits.append(_wait(conn, "address", address, now))
    return max(waits)


def record_failure(conn: Connection, account: str, address: str | None, now: float) -> None:
    """Count one failed login against the account and the address; forget failures past the window."""
    keys = [("account", account.lower())] + ([("address", address)] if address else [])
    for kind, key in keys:
        conn.execute(insert(login_failures).values(kind=kind, key=key, at=now))
        conn.execute(
            delete(login_failures).where(
                and_(login_failures.c.kind == kind, login_failures.c.key == key, login_failures.c.at <= now - WINDOW)
            )
        )


def forgive_account(conn: Connection, account: str) -> None:
    """A successful login clears the account's failures (not the address's: a guesser who also holds
    one valid account must not reset the count on others with it)."""
    conn.execute(
        delete(login_failures).where(login_failures.c.kind == "account", login_failures.c.key == account.lower())
    )
