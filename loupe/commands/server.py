"""``loupe server``: the newsroom server's accounts, API tokens, case members and audit log, from a shell.

The commands that an administrator types on the server itself. Passwords
never come as arguments (they would stay in the shell history and in
``ps``): they are typed twice at a hidden prompt, or read from stdin for
scripts. Each change is recorded in the audit log as made by ``cli:`` and
the login name of whoever ran the command.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from loupe.ui.terminal import echo

if TYPE_CHECKING:
    from sqlalchemy import Engine

F = TypeVar("F", bound=Callable[..., Any])

#: The roles a member may have on a case (``loupe.server.db.ROLES``, named here so that ``--help``
#: does not open the server's database module).
ROLE_NAMES = ("owner", "editor", "reader", "metadata")


@click.group()
@click.option(
    "--server",
    "server_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Server folder (default: $LOUPE_SERVER or ./loupe-server); holds server.db unless --db is given.",
)
@click.option("--db", default=None, help="Server database URL (default: $LOUPE_DB, else SQLite in the server folder).")
@click.pass_context
def server(ctx: click.Context, server_dir: Path | None, db: str | None) -> None:
    """Run Loupe for a team: accounts, API tokens and the audit log.

    Example: loupe server user add anna --admin
    """
    ctx.ensure_object(dict)
    ctx.obj["server_dir"], ctx.obj["db"] = server_dir, db


def _server_dir(ctx: click.Context) -> Path:
    from loupe.server.db import default_server_dir

    return Path(ctx.obj["server_dir"] or default_server_dir())


def _engine(ctx: click.Context) -> Engine:
    from loupe.server.db import open_server_db, server_url

    return open_server_db(server_url(_server_dir(ctx), ctx.obj["db"]))


def _me() -> str:
    """Who is making the change, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def password_stdin(func: F) -> F:
    """``--password-stdin``, shared by the commands that set a password."""
    return click.option(
        "--password-stdin", is_flag=True, help="Read the password from the first line of stdin (for scripts)."
    )(func)


@server.group()
def user() -> None:
    """Accounts and their API tokens. Example: loupe server user list"""


@user.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="May manage users and cases.")
@click.option("--totp", is_flag=True, help="Require a one-time code from an authenticator app at each login.")
@password_stdin
@click.pass_context
def user_add(ctx: click.Context, name: str, admin: bool, totp: bool, password_stdin: bool) -> None:
    """Create an account. Example: loupe server user add anna --totp"""
    from loupe.server.accounts import add_user, enrol_totp

    engine = _engine(ctx)
    made = add_user(engine, name, _password(password_stdin), admin=admin, by=_me())
    echo(f"added user {made.name!r}" + (" (admin)" if admin else ""))
    if totp:
        secret = enrol_totp(engine, made.name, required=True, by=_me())
        import pyotp

        echo(f"one-time code secret (enter it in the authenticator app; it is not shown again): {secret}")
        echo(f"or as a QR code's text: {pyotp.TOTP(secret).provisioning_uri(name=made.name, issuer_name='Loupe')}")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """Every account. Example: loupe server user list"""
    from loupe.server.accounts import list_users

    for u in list_users(_engine(ctx)):
        flags = [f for f, on in (("admin", u.admin), ("totp", u.totp_required), ("disabled", u.disabled)) if on]
        echo(f"{u.name:<24} {u.created}  {' '.join(flags)}".rstrip())


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@click.pass_context
def user_disable(ctx: click.Context, name: str, enable: bool) -> None:
    """Stop an account logging in or using its tokens. Example: loupe server user disable anna"""
    from loupe.server.accounts import set_disabled

    set_disabled(_engine(ctx), name, not enable, by=_me())
    echo(f"{'enabled' if enable else 'disabled'} user {name.lower()!r}")


@user.command("reset-password")
@click.argument("name")
@password_stdin
@click.pass_context
def user_reset_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password. Example: loupe server user reset-password anna"""
    from loupe.server.accounts import reset_password

    reset_password(_engine(ctx), name, _password(password_stdin), by=_me())
    echo(f"new password set for {name.lower()!r}")


@user.command("add-token")
@click.argument("name")
@click.option("--case", "cases", multiple=True, required=True, help="A case the token may touch (repeat for more).")
@click.pass_context
def user_add_token(ctx: click.Context, name: str, cases: tuple[str, ...]) -> None:
    """Make an API token for a script; it is shown once. Example: loupe server user add-token anna --case gifiles"""
    from loupe.server.tokens import add_token

    info, token = add_token(_engine(ctx), name, list(cases), by=_me())
    click.echo(token)  # alone on stdout, so a script can capture it
    click.echo(f"token {info.prefix}… for {info.user} on {', '.join(info.cases)}: not shown again", err=True)


@user.command("tokens")
@click.argument("name", required=False)
@click.pass_context
def user_tokens(ctx: click.Context, name: str | None) -> None:
    """API tokens by prefix, owner, cases and last use. Example: loupe server user tokens anna"""
    from loupe.server.tokens import list_tokens

    for t in list_tokens(_engine(ctx), name):
        state = f"revoked {t.revoked}" if t.revoked else f"last used {t.last_used or 'never'}"
        echo(f"{t.prefix}  {t.user:<16} {','.join(t.cases):<24} {state}")


@user.command("revoke-token")
@click.argument("prefix")
@click.pass_context
def user_revoke_token(ctx: click.Context, prefix: str) -> None:
    """Revoke a token by the prefix lists show. Example: loupe server user revoke-token lpt_3fA9xQ2b"""
    from loupe.server.tokens import revoke_token

    info = revoke_token(_engine(ctx), prefix, by=_me())
    echo(f"revoked token {info.prefix} of {info.user}")


@server.group()
def member() -> None:
    """Who may see which case, and how much. Example: loupe server member set anna gifiles reader"""


@member.command("set")
@click.argument("name")
@click.argument("case")
@click.argument("role", type=click.Choice(ROLE_NAMES))
@click.pass_context
def member_set(ctx: click.Context, name: str, case: str, role: str) -> None:
    """Give a user a role on a case, replacing the one they had.

    Owners manage members; editors also tag, annotate and correct; readers
    search, read and export; metadata sees dates, correspondents and
    subjects, never bodies or attachments.
    Example: loupe server member set anna gifiles editor
    """
    from loupe.server.members import set_role

    set_role(_engine(ctx), name, case, role, by=_me())
    echo(f"{name} is {role} of {case}")


@member.command("remove")
@click.argument("name")
@click.argument("case")
@click.pass_context
def member_remove(ctx: click.Context, name: str, case: str) -> None:
    """Take away a user's access to a case. Example: loupe server member remove anna gifiles"""
    from loupe.server.members import remove

    remove(_engine(ctx), name, case, by=_me())
    echo(f"{name} no longer has access to {case}")


@member.command("list")
@click.argument("case")
@click.pass_context
def member_list(ctx: click.Context, case: str) -> None:
    """The members of a case and their roles. Example: loupe server member list gifiles"""
    from loupe.server.members import members

    found = members(_engine(ctx), case)
    if not found:
        echo(f"{case} has no members")
    for name, role in found:
        echo(f"{name:<24} {role}")


@server.group()
def audit() -> None:
    """The tamper-evident log of who did what. Example: loupe server audit verify"""


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Check the hash chain; name the first edited, deleted or inserted entry. Example: loupe server audit verify"""
    from loupe.server import audit as log

    engine = _engine(ctx)
    problem = log.verify(engine)
    if problem is not None:
        click.echo(f"audit log broken at entry {problem.entry}: {problem.what}", err=True)
        ctx.exit(1)
    length, last_hash = log.head(engine)
    echo(f"audit log intact: {length} entries; head {last_hash} (keep a copy elsewhere)")


@audit.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), default=Path("-"))
@click.pass_context
def audit_export(ctx: click.Context, path: Path) -> None:
    """Write every entry as JSON Lines, hashes included. Example: loupe server audit export audit.jsonl"""
    from loupe.server import audit as log

    engine = _engine(ctx)
    written = log.export(engine, sys.stdout if str(path) == "-" else path)
    click.echo(f"{written} entries", err=True)


@audit.command("withhold-search")
@click.argument("case")
@click.option("--off", is_flag=True, help="Record this case's search terms again.")
@click.pass_context
def audit_withhold_search(ctx: click.Context, case: str, off: bool) -> None:
    """Keep a case's search terms out of the log (source protection).

    Example: loupe server audit withhold-search gifiles
    """
    from loupe.server.audit import set_withhold_search_terms

    set_withhold_search_terms(_engine(ctx), case, not off, user=_me())
    echo(f"search terms of {case!r} are {'recorded' if off else 'withheld'} from now on")


@server.group()
def case() -> None:
    """The cases the server hosts. Example: loupe server case add gifiles --owner anna"""


@case.command("add")
@click.argument("name")
@click.option("--owner", "owners", multiple=True, help="A user who will own the case (repeat for more).")
@click.pass_context
def case_add(ctx: click.Context, name: str, owners: tuple[str, ...]) -> None:
    """Make a case: its folder in the server folder, its database (a schema of the
    server's PostgreSQL database, or SQLite in its folder), and its owners.

    Then fill it with `loupe ingest PATH --case SERVER/cases/NAME`.
    Example: loupe server case add gifiles --owner anna
    """
    from loupe.server.cases import add_case
    from loupe.server.db import server_url
    from loupe.server.members import set_role

    folder_of_server = _server_dir(ctx)
    url = server_url(folder_of_server, ctx.obj["db"])
    engine = _engine(ctx)
    folder = add_case(engine, url, folder_of_server, name, by=_me())
    for owner in owners:
        set_role(engine, owner, name, "owner", by=_me())
    echo(f"case {name} made in {folder}; fill it with: loupe ingest PATH --case {folder}")


@case.command("list")
@click.pass_context
def case_list(ctx: click.Context) -> None:
    """The cases the server hosts, with their folders. Example: loupe server case list"""
    from loupe.server.cases import case_folder, case_names

    names = case_names(_engine(ctx))
    if not names:
        echo("no cases yet (loupe server case add NAME --owner USER)")
    for name in names:
        echo(f"{name:<24} {case_folder(_server_dir(ctx), name)}")


def _free_port(host: str, port: int) -> int:
    """``port``, or for 0 a free one, found by binding it (uvicorn's workers each bind the number given,
    so 0 would be a different port in each, and none announced). A busy port is one clear line."""
    from loupe.commands.serve import bind_port

    sock = bind_port(host, port)
    found = int(sock.getsockname()[1])
    sock.close()
    return found


@server.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option(
    "--workers", default=1, show_default=True, help="Server processes; one per core answers that many searches at once."
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    help="A host name the server answers to, as browsers send it (repeat; loopback names always).",
)
@click.option(
    "--secure-cookies", is_flag=True, help="Mark the session cookie Secure: the server is behind a TLS proxy."
)
@click.pass_context
def server_serve(
    ctx: click.Context, host: str, port: int, workers: int, allow_hosts: tuple[str, ...], secure_cookies: bool
) -> None:
    """Serve every case to its members: login, case picker, the case pages for each
    member's role, and the audit log of what they do. Ctrl-C stops it.

    Example: loupe server serve --host 0.0.0.0 --allow-host loupe.newsroom.example --workers 2
    """
    import os

    import uvicorn

    from loupe.server.db import server_url
    from loupe.web.security import LOOPBACK_HOSTS
    from loupe.web.team import ENV_HOSTS, ENV_SECURE

    folder = _server_dir(ctx).resolve()
    os.environ["LOUPE_SERVER"] = str(folder)
    os.environ["LOUPE_DB"] = server_url(folder, ctx.obj["db"])
    os.environ[ENV_HOSTS] = ",".join([*LOOPBACK_HOSTS, host, *allow_hosts])
    os.environ[ENV_SECURE] = "1" if secure_cookies else "0"
    _engine(ctx).dispose()  # made and checked once here: a wrong URL is one line, not a worker's traceback
    port = _free_port(host, port)
    echo(
        f"Loupe server {folder} at http://{host}:{port}/  ({workers} worker{'s' if workers > 1 else ''}; Ctrl-C stops)"
    )
    uvicorn.run(
        "loupe.web.team:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
