"""What the commands share: the ``--case`` and ``--db`` options, opening the case, the pack's fingerprint line.

Light on purpose: every command module imports this, and ``loupe.case``
(SQLAlchemy, Tantivy) is imported only when a command opens a case.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from loupe.case import Case

F = TypeVar("F", bound=Callable[..., Any])
#: Where ``--db`` is kept for ``open_case`` in the command's click context.
DB_KEY = "loupe.db_url"


def case_option(func: F) -> F:
    """``--case DIR`` and ``--db URL``, shared by every command that works on a case.

    ``--db`` is not passed to the command: ``open_case`` finds it in the click context,
    so every command that takes ``--case`` takes ``--db`` with no change to its signature.
    """
    with_db = click.option(
        "--db",
        "db_url",
        metavar="URL",
        default=None,
        expose_value=False,
        callback=_keep_db_url,
        help="The case's database, e.g. postgresql://user@host/newsroom (default: the case folder's "
        "[store] database, else $LOUPE_DB for a new case, else case.db in the folder).",
    )(func)
    return click.option(
        "--case",
        "case_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Case folder (default: $LOUPE_CASE or ./loupe-case).",
    )(with_db)


def _keep_db_url(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta[DB_KEY] = value


def open_case(
    case_dir: Path | None, create: bool = False, rebuild_outdated: bool = True, db_url: str | None = None
) -> Case:
    """The case, its full-text index first rebuilt if an older Loupe made it (``IndexOutdated``).

    The index is derived from the stored originals, so a new Loupe makes it
    again rather than asking for an ingest, then the command goes on. It
    takes the write lock, so while another job writes to the case this
    fails with who holds it. ``loupe rebuild`` opens with
    ``rebuild_outdated=False``: it is about to rebuild anyway. ``db_url``: the case's
    database, by default the command's ``--db`` (see ``Case.open`` for what else may name it).
    """
    from loupe.case import Case
    from loupe.config import default_case_dir
    from loupe.errors import IndexOutdated

    if db_url is None:
        context = click.get_current_context(silent=True)
        db_url = context.meta.get(DB_KEY) if context is not None else None
    case = Case.open(case_dir or default_case_dir(), create=create, db_url=db_url)
    if not rebuild_outdated:
        return case
    try:
        case.check_index()
    except IndexOutdated:
        from loupe.rebuild import rebuild
        from loupe.ui.progress import counted_progress

        click.echo(
            "this case's index was made by an older Loupe: rebuilding it from the stored originals "
            "(tags, notes and corrections are kept)",
            err=True,  # stdout may be a --json or --format ids stream
        )
        try:
            total = len(case.db.message_ids())
            with counted_progress("rebuild", total, enabled=sys.stderr.isatty() and total > 0) as step:
                rebuild(case, index=True, analysis=False, on_progress=lambda _done, _total: step())
        except BaseException:
            case.close()
            raise
    except BaseException:  # a newer Loupe's index, or one that does not open at all
        case.close()
        raise
    return case


def echo_fingerprint(fingerprint: str, folder: Path) -> None:
    """The pack's fingerprint, and what to do with it (``loupe.evidence.pack``)."""
    click.echo(f"fingerprint: {fingerprint}")
    click.echo(
        "Keep the fingerprint apart from the pack (your notes, an email to your editor); "
        f"`loupe verify-pack {folder} --expect {fingerprint}` then shows nothing in it changed."
    )
