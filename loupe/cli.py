"""The ``loupe`` command line: the group, its table of commands, and ``main``.

Each command lives in a module of ``loupe.commands``, cut by capability,
and is imported only when it runs: ``loupe search`` does not pay for
importing ``loupe serve`` or ``loupe ingest``, and ``loupe --help`` lists
every command from ``COMMANDS`` without importing any. Errors from the
library (``LoupeError``) become one line on stderr and exit status 1;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import errno
import importlib
import sys
from typing import Any

import click

from loupe.errors import LoupeError

__all__ = ["COMMANDS", "cli", "main"]

#: Command name -> (``module:attribute`` of the click command, its short help as ``loupe --help``
#: shows it: the first sentence of its docstring). ``tests/test_cli_lazy.py`` checks both against
#: the commands themselves, so the table cannot drift from them.
COMMANDS: dict[str, tuple[str, str]] = {
    "batch": (
        "loupe.commands.search:batch",
        "Run one query per line of a file: hits, first and last date of each.",
    ),
    "corroborate": (
        "loupe.commands.quotes:corroborate",
        "How many independent origins say CLAIM, each with its evidence.",
    ),
    "count": (
        "loupe.commands.search:count",
        "How many messages match, with top senders, recipients, lists and attachment types.",
    ),
    "demo": (
        "loupe.commands.ingest:demo",
        "Generate the fictional demo leak, ingest it, and show what to try.",
    ),
    "entities": (
        "loupe.commands.entities:entities",
        "People, organisations and places the mail names, by how many messages name them.",
    ),
    "entity": (
        "loupe.commands.entities:entity",
        "Correct named entities: hide, merge, rename (and undo each).",
    ),
    "export": (
        "loupe.commands.export:export",
        "Get evidence out: one message's original bytes (SHA-256 identical to the input), or every match "
        "of a query as .eml files or an mbox, with a manifest of hashes and where each message was found, "
        "as FollowTheMoney entities for Aleph, or as a SQLite file for Datasette, or as an evidence pack to "
        "hand to an editor or a lawyer.",
    ),
    "glossary": (
        "loupe.commands.glossary:glossary",
        "Abbreviations and what the archive says they mean, with evidence.",
    ),
    "graph": (
        "loupe.commands.people:graph",
        "Who wrote to whom, for the messages matching QUERY (all when empty).",
    ),
    "ingest": (
        "loupe.commands.ingest:ingest",
        "Add mail to a case; safe to interrupt and run again.",
    ),
    "people": (
        "loupe.commands.people:people",
        "Correspondents grouped into people (and mailing lists, kept apart).",
    ),
    "person": (
        "loupe.commands.people:person",
        "One person's profile: addresses, names, mail sent and received, dates, top correspondents, lists, "
        "and texts of theirs forwarded by others.",
    ),
    "quarantine": (
        "loupe.commands.integrity:quarantine",
        "Every item that could not be read, with where it is and why.",
    ),
    "quotes": (
        "loupe.commands.quotes:quotes",
        "Check every quotation in ARTICLE against the archive.",
    ),
    "rebuild": (
        "loupe.commands.integrity:rebuild",
        "Make the full-text index and every derived table again from the stored originals.",
    ),
    "saved": (
        "loupe.commands.search:saved",
        "Saved searches, kept in the case.",
    ),
    "search": (
        "loupe.commands.search:search",
        "Search the case.",
    ),
    "serve": (
        "loupe.commands.serve:serve",
        "Open the case in a browser: search, read messages, follow threads, people, sources, glossary, tags and notes.",
    ),
    "server": (
        "loupe.commands.server:server",
        "Run Loupe for a team: accounts, API tokens and the audit log.",
    ),
    "show": (
        "loupe.commands.show:show",
        "One message: headers, body, attachments, locators and hashes.",
    ),
    "similar": (
        "loupe.commands.conversations:similar",
        "Messages that are near-identical to MESSAGE: list copies, forwards, stripped copies, re-sends.",
    ),
    "source": (
        "loupe.commands.sources:source",
        "One source's profile: every report, descriptions over time (the identification trail), "
        "attributions, publication, grade history as written, handlers, lists, top terms, codes named "
        "alongside.",
    ),
    "sources": (
        "loupe.commands.sources:sources",
        "Every informant code: reports, copies, the messages naming it at each level, dates, lists.",
    ),
    "status": (
        "loupe.commands.integrity:status",
        "Counts of everything in the case; they always add up.",
    ),
    "tag": (
        "loupe.commands.tags:tag",
        "Label messages, one by one or every match of a query.",
    ),
    "thread": (
        "loupe.commands.conversations:thread",
        "The conversation a message belongs to, as a reply tree.",
    ),
    "timeline": (
        "loupe.commands.search:timeline",
        "Messages per year, month, week or day for a query, as a table or a chart.",
    ),
    "verify": (
        "loupe.commands.integrity:verify",
        "Check that every original is intact and every count holds.",
    ),
    "verify-pack": (
        "loupe.commands.evidence:verify_pack",
        "Check an evidence pack: every file as listed, byte for byte, and every cited passage.",
    ),
}


def load_command(name: str) -> click.Command:
    """The command ``name`` of ``COMMANDS``, its module imported now."""
    module, _, attribute = COMMANDS[name][0].partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{COMMANDS[name][0]} is not a click command")
    return command


class LazyGroup(click.Group):
    """A group whose commands are the entries of ``COMMANDS``, each imported on first use
    (click's "lazily loading subcommands" pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(load_command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click does it, each command's short help taken from ``COMMANDS``: none is imported."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            short = COMMANDS[name][1] if name in COMMANDS else self.commands[name].help or ""
            rows.append((name, click.Command(name, help=short).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="loupe")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Loupe: investigate a leaked email archive.

    Start with `loupe ingest PATH` (mbox, Maildir, .eml folders, .msg, .pst,
    .emlx, zip/tar of any of them), then `loupe status` and `loupe search`.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _disk_full(exc: BaseException) -> bool:
    """ENOSPC from a write of our own, or SQLite's "database or disk is full" (through SQLAlchemy)."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    return "disk is full" in str(exc) or "No space left" in str(exc)


def _storage_errors() -> tuple[type[BaseException], ...]:
    """What a full disk raises: ``OSError``, and SQLAlchemy's ``OperationalError`` once SQLAlchemy
    is loaded (a command that never loaded it cannot raise it: ``main`` does not import it)."""
    sqlalchemy_exc: Any = sys.modules.get("sqlalchemy.exc")
    return (OSError,) if sqlalchemy_exc is None else (OSError, sqlalchemy_exc.OperationalError)


def main() -> None:
    """Entry point: one line on stderr for expected errors, never a traceback."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted; run the same command again to resume", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except LoupeError as exc:
        if debug:
            raise
        click.echo(f"loupe: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.stderr.close()  # `loupe search ... | head` ends quietly
        sys.exit(0)
    except _storage_errors() as exc:  # evaluated only when an error gets here
        if debug or not _disk_full(exc):
            raise
        click.echo(
            "loupe: the disk is full; free some space, then run the same command again: "
            "it resumes where it stopped and nothing written so far is lost",
            err=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted; run the same command again to resume", err=True)
        sys.exit(130)
