"""The glossary command: abbreviations the archive itself explains."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from loupe.commands.common import case_option, open_case
from loupe.commands.output import emit
from loupe.ui.terminal import echo


@click.command()
@case_option
@click.option("--min", "min_evidence", default=1, show_default=True, help="Only pairs glossed in this many messages.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def glossary(case_dir: Path | None, min_evidence: int, fmt: str) -> None:
    """Abbreviations and what the archive says they mean, with evidence.

    Mined from the mail itself: "CDJ [Juarez]", "LE (law enforcement)",
    "Secretaria de la Defensa Nacional (SEDENA)", "the Valle Norte cartel, or
    VNC". A pair counts only when the letters spell the words (or the gloss is
    a short name in brackets). Search with the glossary: loupe search CDJ --expand

    Example: loupe glossary --min 2 --format csv > glossary.csv
    """
    case = open_case(case_dir)
    try:
        entries = case.glossary().entries(min_evidence)
    finally:
        case.close()
    records = [asdict(e) | {"forms": list(e.forms), "examples": list(e.examples)} for e in entries]
    if emit(records, fmt, "abbreviation"):
        return
    if not entries:
        echo("no glossed abbreviations found")
        return
    echo(f"{'abbreviation':<14} {'messages':>8}  expansion (forms; example messages)")
    for e in entries:
        examples = ", ".join(x[:10] for x in e.examples)
        echo(f"{e.abbreviation:<14} {e.evidence:>8}  {e.expansion}  ({', '.join(e.forms)}; {examples})")
