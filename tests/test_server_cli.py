"""``loupe server``: accounts, tokens and the audit log through the command line (CliRunner)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from loupe.cli import cli

PASSWORD = "correct horse battery"


def run(server: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["server", "--server", str(server), *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_users_tokens_and_a_verified_then_tampered_log(tmp_path: Path) -> None:
    server = tmp_path / "server"
    code, out, err = run(server, "user", "add", "Anna", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, err
    assert "added user 'anna' (admin)" in out and PASSWORD not in out + err
    code, _, err = run(server, "user", "add", "ben", "--password-stdin", stdin="too short\n")
    assert code != 0
    code, out, _ = run(server, "user", "list")
    assert code == 0 and out.split() == ["anna", *out.split()[1:2], "admin"]

    code, out, err = run(server, "user", "add-token", "anna", "--case", "gifiles")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("lpt_") and "not shown again" in err
    code, out, _ = run(server, "user", "tokens")
    assert code == 0 and token[:12] in out and token not in out
    assert token not in (server / "server.db").read_bytes().decode("latin-1")

    code, out, _ = run(server, "audit", "verify")
    assert code == 0 and "intact: 2 entries" in out
    with sqlite3.connect(server / "server.db") as db:
        db.execute("UPDATE audit_entries SET target = 'ben' WHERE id = 1")
    code, _, err = run(server, "audit", "verify")
    assert code == 1 and "entry 1: edited" in err


def test_export_to_stdout(tmp_path: Path) -> None:
    server = tmp_path / "server"
    run(server, "user", "add", "anna", "--password-stdin", stdin=PASSWORD + "\n")
    code, out, err = run(server, "audit", "export", "-")
    assert code == 0 and '"action":"user-add"' in out and "1 entries" in err


def test_a_user_made_with_totp_gets_its_secret_once(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path / "s", "user", "add", "anna", "--totp", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "not shown again" in out and "otpauth://totp/Loupe:anna?secret=" in out
    assert run(tmp_path / "s", "user", "list")[1].split()[-1] == "totp"


def test_members_of_a_case_are_set_listed_and_removed_and_the_log_says_so(tmp_path: Path) -> None:
    from loupe.commands.server import ROLE_NAMES
    from loupe.server.db import ROLES

    assert ROLE_NAMES == ROLES
    server = tmp_path / "server"
    run(server, "user", "add", "anna", "--password-stdin", stdin=PASSWORD + "\n")
    run(server, "user", "add", "ben.ortiz", "--password-stdin", stdin=PASSWORD + "\n")
    assert run(server, "member", "set", "anna", "gifiles", "owner")[0] != 0  # no such case yet
    code, out, _ = run(server, "case", "add", "gifiles")
    assert code == 0 and (server / "cases" / "gifiles" / "case.db").exists()
    assert run(server, "case", "list")[1].split() == ["gifiles", str(server / "cases" / "gifiles")]
    assert run(server, "member", "list", "gifiles")[1].strip() == "gifiles has no members"
    assert run(server, "member", "set", "anna", "gifiles", "owner")[0] == 0
    assert run(server, "member", "set", "ben.ortiz", "gifiles", "metadata")[0] == 0
    assert run(server, "member", "set", "ben.ortiz", "gifiles", "reader")[0] == 0  # replaces the role
    code, out, _ = run(server, "member", "list", "gifiles")
    assert code == 0 and [line.split() for line in out.splitlines()] == [["anna", "owner"], ["ben.ortiz", "reader"]]
    assert run(server, "member", "set", "anna", "gifiles", "boss")[0] != 0  # no such role
    refused = CliRunner().invoke(cli, ["server", "--server", str(server), "member", "remove", "ben.ortiz", "enron"])
    assert refused.exit_code != 0 and "not a member of 'enron'" in str(refused.exception)
    assert run(server, "member", "remove", "ben.ortiz", "gifiles")[0] == 0
    assert run(server, "member", "list", "gifiles")[1].split() == ["anna", "owner"]
    code, out, _ = run(server, "audit", "export", "-")
    actions = [line.split('"action":"')[1].split('"')[0] for line in out.splitlines()]
    assert actions == ["user-add", "user-add", "case-add", "member-set", "member-set", "member-set", "member-remove"]
    assert run(server, "audit", "verify")[0] == 0
