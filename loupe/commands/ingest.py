"""Getting mail in: ingest, and the demo that generates a fictional leak and ingests it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from loupe.commands.common import case_option, open_case
from loupe.ui.terminal import echo


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@case_option
@click.option("--workers", type=int, default=None, help="Parser processes (default: one per core).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option(
    "--passwords",
    "passwords_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Text file of passwords to try on encrypted zip, 7z and RAR archives, one a line; never stored or shown.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:8786",
    help="Parse on this Dask cluster's workers (they need the inputs at the same path); "
    "default: [ingest] scheduler in case.toml, else this machine.",
)
def ingest(
    paths: tuple[Path, ...],
    case_dir: Path | None,
    workers: int | None,
    quiet: bool,
    as_json: bool,
    passwords_file: Path | None,
    scheduler: str | None,
) -> None:
    """Add mail to a case; safe to interrupt and run again.

    Example: loupe ingest leak.mbox maildir/ dump.zip --case my-case
    Example: loupe ingest dump.7z --passwords passwords.txt
    Example: loupe ingest /mnt/leak --scheduler tcp://10.0.0.5:8786
    """
    from loupe.ingest.pipeline import ingest as run_ingest
    from loupe.ui.progress import ingest_progress

    passwords: tuple[str, ...] = ()
    if passwords_file is not None:
        try:  # read once; each line as typed (only the line break is cut: spaces may belong to a password)
            lines = passwords_file.read_text(encoding="utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError):
            raise click.BadParameter("cannot be read as UTF-8 text", param_hint="--passwords") from None
        passwords = tuple(dict.fromkeys(line for line in lines if line))
    missing = [str(path) for path in paths if not path.exists()]
    if missing:  # refused before the case is made or touched: a typo must not leave a case behind
        raise click.UsageError(f"no such file or folder: {', '.join(missing)} (nothing was ingested)")
    case = open_case(case_dir, create=True)
    try:
        with ingest_progress(list(paths), enabled=not quiet and not as_json) as on_progress:
            summary = run_ingest(
                case, list(paths), on_progress=on_progress, workers=workers, passwords=passwords, scheduler=scheduler
            )
        if as_json:
            click.echo(json.dumps(summary.as_dict()))
            return
        rate = summary.indexed / summary.seconds if summary.seconds else 0.0
        click.echo(
            f"{summary.seen} items (+{summary.embedded} attached messages): "
            f"{summary.indexed} indexed, {summary.documents} documents, {summary.duplicate} duplicates, "
            f"{summary.quarantined} quarantined, {summary.skipped} already in the case "
            f"({summary.seconds:.1f}s, {rate:.0f} msg/s)"
        )
        if summary.analysis is not None:
            a = summary.analysis
            click.echo(
                f"conversations: {a.threads} threads, {a.near_duplicate_groups} near-duplicate groups "
                f"({a.near_duplicate_messages} messages), {a.persons} people, {a.lists} mailing lists"
            )
        if summary.ocr_pages:
            click.echo(f"pages read by OCR: {summary.ocr_pages} in {summary.ocr_seconds:.1f} s (over all workers)")
        for line in summary.problems[:10]:
            echo(f"  quarantined: {line}", err=True)  # a locator and a reason may hold what the leak named
        if summary.quarantined > 10:
            click.echo("  ... see `loupe quarantine` for all of them", err=True)
    finally:
        case.close()


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-archive"),
    show_default=True,
    help="Where to write the generated archive.",
)
@click.option(
    "--case",
    "case_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-case"),
    show_default=True,
    help="Case to ingest it into.",
)
@click.option("--messages", "n_messages", default=10_000, show_default=True, help="Size of the archive.")
@click.option("--workers", type=int, default=None, help="Parser processes (default: one per core).")
def demo(out_dir: Path, case_dir: Path, n_messages: int, workers: int | None) -> None:
    """Generate the fictional demo leak, ingest it, and show what to try.

    Example: loupe demo --messages 2000
    """
    from loupe.demo.tour import run_demo

    run_demo(out_dir, case_dir, n_messages, workers)
