"""Server accounts and API tokens (issue 18, item 3): hashes, refusals, throttling, TOTP, tokens.

Time is passed in (``now=``) rather than waited for, so throttling windows of
minutes are tested in microseconds. Argon2 runs with its smallest cost here:
the parameters do not change what is tested, and the default 64 MiB per hash
would make the suite slow on a shared machine.
"""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, select, update

from loupe.errors import AccountError, LoginRefused
from loupe.server import throttle
from loupe.server.accounts import add_user, authenticate, enrol_totp, list_users, reset_password, set_disabled
from loupe.server.audit import entries
from loupe.server.db import cases, open_server_db, tokens, users
from loupe.server.tokens import add_token, check_token, list_tokens, revoke_token
from tests.conftest import server_db_url

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"
T0 = 1_800_000_000.0


pytestmark = pytest.mark.both_backends


@pytest.fixture
def engine(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Engine:
    """The server's database, on SQLite, then on PostgreSQL (the module is marked ``both_backends``)."""
    return open_server_db(server_db_url(backend, tmp_path, request))


def login(engine: Engine, name: str = "anna", password: str = PASSWORD, **kw: object) -> str:
    return authenticate(engine, name, password, hasher=CHEAP, **kw).name  # type: ignore[arg-type]


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(engine: Engine) -> None:
    made = add_user(engine, "Anna", PASSWORD, hasher=CHEAP)
    assert made.name == "anna"  # one person whatever the case of the name
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert login(engine, "ANNA", address="10.0.0.1") == "anna"
    with pytest.raises(LoginRefused, match="wrong name or password"):
        login(engine, password="correct horse batterY")
    with pytest.raises(LoginRefused, match="wrong name or password"):  # the same words for an unknown name
        login(engine, "nobody")


def test_short_passwords_duplicates_and_no_default(engine: Engine) -> None:
    assert list_users(engine) == []  # a new server has no account at all
    with pytest.raises(AccountError, match="at least 12"):
        add_user(engine, "anna", "short pass", hasher=CHEAP)
    with pytest.raises(AccountError, match="user name"):
        add_user(engine, "annabelle123", "AnnaBelle123", hasher=CHEAP)
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    with pytest.raises(AccountError, match="already exists"):
        add_user(engine, "anna", PASSWORD, hasher=CHEAP)


def test_a_weak_hash_is_redone_at_the_next_login(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    assert authenticate(engine, "anna", PASSWORD, hasher=stronger).name == "anna"
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert not stronger.check_needs_rehash(stored) and "m=16,t=2" in stored


def test_a_disabled_user_cannot_log_in_until_enabled(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    set_disabled(engine, "anna", by="admin")
    with pytest.raises(LoginRefused, match="disabled"):
        login(engine)
    assert list_users(engine)[0].disabled
    set_disabled(engine, "anna", False, by="admin")
    assert login(engine) == "anna"


def test_reset_password(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    reset_password(engine, "anna", "a whole new passphrase", by="admin", hasher=CHEAP)
    with pytest.raises(LoginRefused):
        login(engine)
    assert login(engine, password="a whole new passphrase") == "anna"
    with pytest.raises(AccountError, match="no such user"):
        reset_password(engine, "nobody", "a whole new passphrase", hasher=CHEAP)


def test_a_required_one_time_code(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    secret = enrol_totp(engine, "anna", required=True, by="admin")
    assert list_users(engine)[0].totp_required
    with pytest.raises(LoginRefused, match="one-time code is required"):
        login(engine, now=T0)
    code = pyotp.TOTP(secret).at(T0)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(LoginRefused, match="wrong name or password"):
        login(engine, code=wrong, now=T0)
    assert login(engine, code=code, now=T0) == "anna"
    with pytest.raises(LoginRefused, match="wrong name or password"):  # a code from an hour ago
        login(engine, code=pyotp.TOTP(secret).at(T0 - 3600), now=T0)


def test_throttling_per_account_grows_and_ends(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    for n in range(throttle.FREE_FAILURES):  # each from another address: the account is what counts
        with pytest.raises(LoginRefused, match="wrong"):
            login(engine, password="not the password", address=f"10.0.0.{n}", now=T0 + n)
    last = T0 + throttle.FREE_FAILURES - 1
    with pytest.raises(LoginRefused, match="too many") as refused:  # even with the right password
        login(engine, address="10.9.9.9", now=last + 1)
    assert refused.value.retry_after == pytest.approx(throttle.BASE_DELAY - 1)
    # after the delay one more guess is allowed; failing it doubles the delay
    with pytest.raises(LoginRefused, match="wrong"):
        login(engine, password="not the password", address="10.9.9.9", now=last + throttle.BASE_DELAY)
    with pytest.raises(LoginRefused, match="too many") as refused:
        login(engine, address="10.9.9.8", now=last + throttle.BASE_DELAY * 2.5)
    assert refused.value.retry_after == pytest.approx(throttle.BASE_DELAY * 0.5)  # 2 x 30 s after the 6th failure
    assert login(engine, address="10.9.9.8", now=last + throttle.BASE_DELAY * 3) == "anna"
    # the success forgave the account's failures: the next mistype costs nothing
    with pytest.raises(LoginRefused, match="wrong"):
        login(engine, password="not the password", address="10.9.9.7", now=last + throttle.BASE_DELAY * 3 + 1)
    assert login(engine, address="10.9.9.7", now=last + throttle.BASE_DELAY * 3 + 2) == "anna"


def test_throttling_per_address_across_accounts(engine: Engine) -> None:
    for name in ("anna", "ben"):
        add_user(engine, name, PASSWORD, hasher=CHEAP)
    for n in range(throttle.FREE_FAILURES):  # one password tried on many names from one address
        with pytest.raises(LoginRefused, match="wrong"):
            login(engine, f"guess{n}", address="203.0.113.5", now=T0 + n)
    with pytest.raises(LoginRefused, match="too many"):
        login(engine, "ben", address="203.0.113.5", now=T0 + 10)
    assert login(engine, "ben", address="198.51.100.1", now=T0 + 10) == "ben"  # another address is not held
    assert login(engine, "ben", address="203.0.113.5", now=T0 + throttle.WINDOW + 10) == "ben"  # the window ends


def test_logins_and_changes_are_in_the_audit_log(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, by="cli:root", hasher=CHEAP)
    with pytest.raises(LoginRefused):
        login(engine, password="not the password", address="10.0.0.1")
    login(engine, address="10.0.0.1")
    seen = [(e.user, e.action, e.target, e.address) for e in entries(engine)]
    assert seen == [
        ("cli:root", "user-add", "anna", None),
        ("anna", "login-failed", None, "10.0.0.1"),
        ("anna", "login", None, "10.0.0.1"),
    ]


def test_a_token_is_shown_once_stored_hashed_and_scoped(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    info, token = add_token(engine, "anna", ["gifiles", "podesta"], by="admin")
    assert token.startswith(info.prefix) and len(token) > 40
    with engine.connect() as conn:
        stored = conn.execute(select(tokens)).one()
    assert token not in [str(v) for v in stored] and stored.token_sha256 != token
    assert check_token(engine, token, "gifiles").name == "anna"
    assert list_tokens(engine, "anna")[0].last_used is not None
    assert all(token not in str(t) for t in list_tokens(engine))  # lists show the prefix only
    with pytest.raises(LoginRefused):
        check_token(engine, token, "another-case")
    with pytest.raises(LoginRefused):
        check_token(engine, token[:-1] + ("A" if token[-1] != "A" else "B"), "gifiles")


def test_a_revoked_token_and_a_disabled_owner_are_refused(engine: Engine) -> None:
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    _kept, kept_token = add_token(engine, "anna", ["gifiles"])
    gone, gone_token = add_token(engine, "anna", ["gifiles"])
    revoke_token(engine, gone.prefix, by="admin")
    with pytest.raises(LoginRefused):
        check_token(engine, gone_token, "gifiles")
    with pytest.raises(AccountError):
        revoke_token(engine, gone.prefix)  # already revoked
    assert check_token(engine, kept_token, "gifiles").name == "anna"
    set_disabled(engine, "anna")
    with pytest.raises(LoginRefused):
        check_token(engine, kept_token, "gifiles")
    actions = [e.action for e in entries(engine)]
    assert actions.count("token-add") == 2 and "token-revoke" in actions and actions[-1] == "token-refused"


def test_the_stored_digest_is_not_a_working_token(engine: Engine) -> None:
    """The stored digest itself is not a working token."""
    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    info, _ = add_token(engine, "anna", ["gifiles"])
    with engine.begin() as conn:
        digest = conn.execute(select(tokens.c.token_sha256)).scalar_one()
        conn.execute(update(tokens).values(prefix=digest[: len(info.prefix)]))
    with pytest.raises(LoginRefused):
        check_token(engine, digest, "gifiles")


def test_case_roles_are_recorded_and_changes_audited(engine: Engine) -> None:
    from loupe.server.members import members, remove, role_of, set_role

    add_user(engine, "anna", PASSWORD, hasher=CHEAP)
    add_user(engine, "ben", PASSWORD, hasher=CHEAP)
    assert role_of(engine, "anna", "gifiles") is None
    with pytest.raises(AccountError, match="no case 'gifiles'"):
        set_role(engine, "anna", "gifiles", "owner", by="admin")
    with engine.begin() as conn:  # the case's row, as ``loupe server case add`` makes it
        conn.execute(insert(cases).values(name="gifiles", created="2026-12-06T00:00:00+00:00"))
    set_role(engine, "anna", "gifiles", "owner", by="admin")
    set_role(engine, "ben", "gifiles", "reader", by="anna")
    set_role(engine, "ben", "gifiles", "metadata", by="anna")
    with pytest.raises(AccountError, match="no role"):
        set_role(engine, "ben", "gifiles", "god")
    assert members(engine, "gifiles") == [("anna", "owner"), ("ben", "metadata")]
    assert role_of(engine, "ben", "podesta") is None
    set_disabled(engine, "ben")
    assert role_of(engine, "ben", "gifiles") is None
    remove(engine, "anna", "gifiles", by="admin")
    assert role_of(engine, "anna", "gifiles") is None
    changes = [(e.action, e.target, e.detail) for e in entries(engine) if e.action.startswith("member")]
    assert changes[2] == ("member-set", "ben", {"role": "metadata", "was": "reader"})
    assert changes[-1] == ("member-remove", "anna", {})
