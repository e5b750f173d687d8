"""Tags: a reporter's own labels on messages (``tag:NAME`` in search)."""

from __future__ import annotations

from pathlib import Path

import click

from loupe.case import Case
from loupe.commands.common import case_option, open_case
from loupe.ui.terminal import echo


@click.group()
def tag() -> None:
    """Label messages, one by one or every match of a query.

    Example: loupe tag add follow-up --query 'MX1 OR MX01'
    """


def _targets(case_dir: Path | None, ids: tuple[str, ...], query: str | None) -> tuple[list[str], Case]:
    case = open_case(case_dir)
    targets = [case.db.resolve(i) for i in ids]
    if query:
        targets += case.matching_ids(query)
    if not targets:
        case.close()
        raise click.UsageError("name messages by id, or give --query")
    return targets, case


@tag.command("add")
@click.argument("name")
@click.argument("ids", nargs=-1)
@click.option("--query", help="Tag every message matching this query.")
@case_option
def tag_add(name: str, ids: tuple[str, ...], query: str | None, case_dir: Path | None) -> None:
    """Add a tag. Example: loupe tag add follow-up 3f9a2c 8d1e07"""
    targets, case = _targets(case_dir, ids, query)
    try:
        added = case.db.add_tags(targets, [name])
    finally:
        case.close()
    echo(f"tagged {added} message(s) {name.lower()!r} ({len(targets) - added} already were)")


@tag.command("remove")
@click.argument("name")
@click.argument("ids", nargs=-1)
@click.option("--query", help="Untag every message matching this query.")
@case_option
def tag_remove(name: str, ids: tuple[str, ...], query: str | None, case_dir: Path | None) -> None:
    """Remove a tag. Example: loupe tag remove follow-up --query tag:follow-up"""
    targets, case = _targets(case_dir, ids, query)
    try:
        removed = case.db.remove_tags(targets, [name])
    finally:
        case.close()
    echo(f"removed {name.lower()!r} from {removed} message(s)")


@tag.command("list")
@case_option
def tag_list(case_dir: Path | None) -> None:
    """Every tag with its number of messages. Example: loupe tag list"""
    case = open_case(case_dir)
    try:
        for name, count in case.db.tag_counts():
            echo(f"{count:>8}  {name}")
    finally:
        case.close()
