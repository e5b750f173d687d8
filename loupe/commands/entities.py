"""Entity commands: ``entities`` (who and what the mail names, counted) and ``entity`` (corrections).

Thin: each reads options, asks the case, formats the result. Corrections are
stored as edits and applied whenever entities are read (see
``loupe.entity_counts``), so they take effect at once and survive re-ingests.
"""

from __future__ import annotations

from pathlib import Path

import click

from loupe.commands.common import case_option, open_case
from loupe.commands.output import emit
from loupe.entities.corrections import KINDS, Ident
from loupe.ui.terminal import echo

KIND_CHOICE = click.Choice(list(KINDS))


@click.command()
@click.argument("query", nargs=-1)
@case_option
@click.option("--kind", type=KIND_CHOICE, default=None, help="Only people, organisations or places.")
@click.option("--limit", default=50, show_default=True, help="Rows to show (0 for all).")
@click.option("--hidden", is_flag=True, help="Also list the entities you hid.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def entities(
    query: tuple[str, ...], case_dir: Path | None, kind: str | None, limit: int, hidden: bool, fmt: str
) -> None:
    """People, organisations and places the mail names, by how many messages name them.

    For the whole case, or for the messages matching QUERY. Names are read by
    gazetteers and rules in English and Spanish (see loupe/entities); correct
    what they got wrong with `loupe entity`.

    Example: loupe entities --kind place --limit 20

    \b
    For some messages only: loupe entities from:ann@meridian.example --kind organisation
    Search by them: loupe search 'place:"Ciudad Juarez"'   (also org:, entity:)
    """
    case = open_case(case_dir)
    try:
        rows = case.entities(" ".join(query), (kind,) if kind else KINDS, limit, hidden)
    finally:
        case.close()
    records = [r.as_dict() for r in rows]
    if emit(records, fmt, "name"):
        return
    if not rows:
        echo("no named entities found")
        return
    echo(f"{'kind':<12} {'messages':>8}  name")
    for r in rows:
        extra = f"  (with {', '.join(r.merged)})" if r.merged else ""
        echo(f"{r.kind:<12} {r.messages:>8}  {r.name}{extra}{'  [hidden]' if r.hidden else ''}")


@click.group()
def entity() -> None:
    """Correct named entities: hide, merge, rename (and undo each).

    Example: loupe entity merge PGR "Procuraduria General de la Republica"

    \b
    Corrections survive re-ingests and apply to lists, facets and searches:
      loupe entity hide Meridian --kind place          a word read as a place
      loupe entity merge PGR "Procuraduria General de la Republica"
      loupe entity rename "R. Ortega" "Rafael Ortega Villalobos"
      loupe entity edits                                 every correction so far
    An entity is named as `loupe entities` shows it, in any case and accents;
    --kind says which one when a name is both (a person and a place).
    """


def _correct(
    case_dir: Path | None, action: str, name: str, kind: str | None, target: str = "", target_kind: str | None = None
) -> tuple[Ident, Ident | None]:
    case = open_case(case_dir)
    try:
        return case.db.entities.correct(action, name, kind, target, target_kind)
    except ValueError as wrong:
        raise click.UsageError(str(wrong)) from None
    finally:
        case.close()


@entity.command("hide")
@click.argument("name")
@click.option("--kind", type=KIND_CHOICE, default=None)
@case_option
def hide(name: str, kind: str | None, case_dir: Path | None) -> None:
    """Leave an entity out of lists and facets (it is not what the rules took it for)."""
    ident, _ = _correct(case_dir, "hide", name, kind)
    echo(f"hidden: {ident[0]} {name}  (undo: loupe entity unhide {name!r} --kind {ident[0]})")


@entity.command("unhide")
@click.argument("name")
@click.option("--kind", type=KIND_CHOICE, default=None)
@case_option
def unhide(name: str, kind: str | None, case_dir: Path | None) -> None:
    """List a hidden entity again."""
    ident, _ = _correct(case_dir, "unhide", name, kind)
    echo(f"shown again: {ident[0]} {name}")


@entity.command("merge")
@click.argument("name")
@click.argument("into")
@click.option("--kind", type=KIND_CHOICE, default=None, help="The kind of NAME, when it is ambiguous.")
@click.option("--into-kind", type=KIND_CHOICE, default=None, help="The kind of INTO, when it is ambiguous.")
@case_option
def merge(name: str, into: str, kind: str | None, into_kind: str | None, case_dir: Path | None) -> None:
    """Count NAME as INTO: one entity, found by a search for either."""
    ident, target = _correct(case_dir, "merge", name, kind, into, into_kind)
    assert target is not None
    echo(f"merged: {ident[0]} {name} -> {target[0]} {into}  (undo: loupe entity unmerge {name!r})")


@entity.command("unmerge")
@click.argument("name")
@click.option("--kind", type=KIND_CHOICE, default=None)
@case_option
def unmerge(name: str, kind: str | None, case_dir: Path | None) -> None:
    """Make a merged entity its own again."""
    ident, _ = _correct(case_dir, "unmerge", name, kind)
    echo(f"unmerged: {ident[0]} {name}")


@entity.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.option("--kind", type=KIND_CHOICE, default=None)
@case_option
def rename(name: str, new_name: str, kind: str | None, case_dir: Path | None) -> None:
    """Show an entity under the name you know it by (searches by either name find it)."""
    ident, _ = _correct(case_dir, "rename", name, kind, new_name)
    echo(f"renamed: {ident[0]} {name} -> {new_name}")


@entity.command("edits")
@case_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def edits(case_dir: Path | None, fmt: str) -> None:
    """Every correction made so far, oldest first."""
    case = open_case(case_dir)
    try:
        rows = case.db.entities.edits()
    finally:
        case.close()
    if emit(rows, fmt, "action"):
        return
    for r in rows:
        target = f" -> {r['target_kind']} {r['target_key']}" if r["target_key"] else ""
        named = f" -> {r['name']!r}" if r["name"] else ""
        echo(f"{r['created']}  {r['action']:<8} {r['kind']} {r['key']}{target}{named}")
