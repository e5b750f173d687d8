"""Every setting and every command explains itself."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from loupe.cli import COMMANDS, load_command
from loupe.config import Settings
from loupe.errors import CaseError

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("setting", [f.name for f in fields(Settings)])
def test_every_setting_has_help(setting: str) -> None:
    (field,) = [f for f in fields(Settings) if f.name == setting]
    assert len(field.metadata.get("help", "")) > 20


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name: str) -> None:
    command = load_command(name)
    assert command.help and "Example:" in command.help
    assert f"loupe {name}" in command.help


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text("utf-8")
    first_block = text.split("```")[1]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()[1:]] == ["make demo", "make test"]


def test_unknown_setting_in_case_toml_is_an_error(tmp_path: Path) -> None:
    toml = tmp_path / "case.toml"
    toml.write_text("[ingest]\nbatch_sise = 10\n")
    with pytest.raises(CaseError, match="batch_sise"):
        Settings.from_toml(toml)
    toml.write_text("[ingest]\nbatch_size = 10\nworkers = 3\n")
    assert (Settings.from_toml(toml).batch_size, Settings.from_toml(toml).workers) == (10, 3)
