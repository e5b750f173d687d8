"""The command line imports what a command uses, when it runs (issue 17: a command that answers in a blink).

``loupe.cli`` lists its commands from a table (``COMMANDS``) and imports a
command's module only to run it; the read path (``search``, ``count``)
leaves the ingest worker, the meaning model (numpy), the entity extractor
and the archive, charset and HTML readers unloaded. Which modules a command
loads is asked of a fresh interpreter: this one has imported most of Loupe.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import COMMANDS, cli, load_command
from loupe.ingest.pipeline import ingest

#: What ``search`` and ``count`` do without: each of these is imported where it is used.
NOT_FOR_READING = {
    "loupe.ingest.worker",  # ingest's analysis of each message (snippets re-read through ``ingest.stored``)
    "numpy",  # the meaning vectors
    "loupe.meaning.index",
    "loupe.entities.extract",  # the entity extractor: only for an entity: term
    "loupe.sources.registry",
    "pyzipper",  # encrypted zip members, at ingest
    "inscriptis",  # HTML to text: only for a message that is HTML
    "charset_normalizer",  # only for text whose declared charset does not decode
}
#: Every command module but the one holding search and count.
OTHER_COMMANDS = {target.partition(":")[0] for target, _ in COMMANDS.values()} - {"loupe.commands.search"}


def _loaded_after(code: str, tmp_path: Path) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    listing = tmp_path / "modules.json"
    script = f"{code}\nimport json, sys\nopen({str(listing)!r}, 'w').write(json.dumps(sorted(sys.modules)))\n"
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    return set(json.loads(listing.read_text()))


def _loaded_by_command(args: list[str], tmp_path: Path) -> set[str]:
    """The modules ``loupe ARGS`` loads, run as the ``loupe`` script runs it."""
    return _loaded_after(
        f"import sys\nfrom loupe.cli import main\nsys.argv = ['loupe', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code",
        tmp_path,
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_says_what_each_command_says(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.get_short_help_str(limit=10_000) == COMMANDS[name][1]  # its docstring's first sentence


def test_help_lists_every_command_as_click_would() -> None:
    every = {name: load_command(name) for name in COMMANDS}
    eager = click.Group("loupe", params=cli.params, help=cli.help, commands=every)
    shown = CliRunner().invoke(cli, ["--help"], prog_name="loupe")
    assert shown.exit_code == 0
    assert shown.output == CliRunner().invoke(eager, ["--help"], prog_name="loupe").output
    assert all(f"  {name} " in shown.output for name in COMMANDS)


def test_help_imports_no_command(tmp_path: Path) -> None:
    loaded = _loaded_by_command(["--help"], tmp_path)
    assert not {m for m in loaded if m.startswith("loupe.commands.")}
    assert "sqlalchemy" not in loaded
    assert "loupe.case" not in loaded


@pytest.mark.parametrize("name", ["search", "count"])
def test_resolving_a_read_command_imports_none_of_the_rest(name: str, tmp_path: Path) -> None:
    loaded = _loaded_after(
        f"import click\nfrom loupe.cli import cli\ncli.get_command(click.Context(cli), {name!r})", tmp_path
    )
    assert "loupe.commands.search" in loaded
    assert not loaded & (NOT_FOR_READING | OTHER_COMMANDS)


def test_a_count_and_a_search_load_only_what_they_use(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    for n in (1, 2):
        (mail / f"{n}.eml").write_bytes(
            b"From: a@example.org\nSubject: kernel %d\nMessage-ID: <%d@x>\n\nThe kernel patch.\n" % (n, n)
        )
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [mail], workers=1)
    finally:
        case.close()
    on_case = ["--case", str(tmp_path / "case")]
    # a search reads each hit's original again for its snippet: through ``ingest.stored``, not the worker
    for args in (["count", "kernel"], ["search", "kernel"], ["search", "kernel", "--format", "ids", "--limit", "5"]):
        assert not _loaded_by_command([*args, *on_case], tmp_path) & (NOT_FOR_READING | OTHER_COMMANDS), args
