"""The case's own state: status, quarantine, verify, rebuild."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from loupe.commands.common import case_option, open_case
from loupe.ui.terminal import echo


@click.command()
@case_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def status(case_dir: Path | None, as_json: bool) -> None:
    """Counts of everything in the case; they always add up.

    Example: loupe status --json
    """
    from loupe.verify import last_verification

    case = open_case(case_dir)
    try:
        counts = case.db.status_counts()
        verified = last_verification(case)
    finally:
        case.close()
    data: dict[str, Any] = {**counts.as_dict(), "last_verified": verified}
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(f"items found      {counts.items:>10}")
    click.echo(f"  indexed        {counts.indexed:>10}  (mail)")
    click.echo(f"  documents      {counts.documents:>10}  (files that are not mail: PDF, office, text, images)")
    click.echo(f"  duplicates     {counts.duplicate:>10}")
    click.echo(f"  quarantined    {counts.quarantined:>10}")
    click.echo(f"messages         {counts.messages:>10}  ({counts.embedded} attached to other messages)")
    click.echo(f"attachments      {counts.attachments:>10}")
    click.echo("counts add up    " + ("yes" if counts.adds_up() else "NO - please report this"))
    if verified is None:
        click.echo("last verified    never (loupe verify)")
    else:
        found = "no problem" if not verified["problems"] else f"{verified['problems']} PROBLEMS (loupe verify)"
        click.echo(f"last verified    {verified['finished']}, {found}")


@click.command()
@case_option
@click.option("--json", "as_json", is_flag=True, help="JSON Lines.")
def quarantine(case_dir: Path | None, as_json: bool) -> None:
    """Every item that could not be read, with where it is and why.

    Example: loupe quarantine --json > failures.jsonl
    """
    case = open_case(case_dir)
    try:
        for row in case.db.quarantined():
            if as_json:
                click.echo(json.dumps({k: row[k] for k in ("locator", "reason", "raw_sha256", "size")}))
            else:
                echo(f"{row['locator']}\t{row['reason']}")
    finally:
        case.close()


@click.command()
@case_option
@click.option("--json", "as_json", is_flag=True, help="The result as one JSON object.")
def verify(case_dir: Path | None, as_json: bool) -> None:
    """Check that every original is intact and every count holds.

    Re-reads every stored original and checks its SHA-256; checks that every
    byte of the pack files belongs to a blob, that every input item ends as a
    message or a reason, and that every message is in the full-text index
    and nothing else is. Prints one line per problem and a summary; exits 1
    when anything is wrong. The result and its date are kept in the case
    (loupe status shows them).

    Example: loupe verify --case my-case
    """
    from loupe.verify import verify as run_verify

    case = open_case(case_dir)
    try:
        result = run_verify(case)
    finally:
        case.close()
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        for problem in result.problems:
            echo(problem.line())
        for note in result.notes:
            echo(f"note: {note.line()}")
        checked = ", ".join(f"{n:,} {what}" for what, n in result.counts.items())
        verdict = "all intact" if result.ok else f"{len(result.problems)} PROBLEMS"
        click.echo(f"{verdict}: checked {checked}; recorded {result.finished}")
    if not result.ok:
        raise SystemExit(1)


@click.command()
@case_option
@click.option("--index", "only_index", is_flag=True, help="Only the full-text index and what ingest reads per message.")
@click.option("--analysis", "only_analysis", is_flag=True, help="Only threads, near duplicates, people, meaning index.")
@click.option("--json", "as_json", is_flag=True, help="The result as one JSON object.")
def rebuild(case_dir: Path | None, only_index: bool, only_analysis: bool, as_json: bool) -> None:
    """Make the full-text index and every derived table again from the stored originals.

    Needs no input file: the case keeps every original. Your own work stays
    (tags, notes, corrections, saved searches). A damaged index is moved
    aside as index.damaged-TIME, not deleted. Without --index or --analysis,
    both.

    Example: loupe rebuild --case my-case
    """
    from loupe.rebuild import rebuild as run_rebuild
    from loupe.ui.progress import counted_progress

    case = open_case(case_dir, rebuild_outdated=False)
    both = only_index == only_analysis
    try:
        total = len(case.db.message_ids()) if (both or only_index) else 0
        with counted_progress("rebuild", total, enabled=not as_json and total > 0) as step:
            summary = run_rebuild(
                case, index=both or only_index, analysis=both or only_analysis, on_progress=lambda _d, _t: step()
            )
    finally:
        case.close()
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        click.echo(f"rebuilt: {summary.messages:,} messages parsed again from their originals")
        if summary.moved_aside:
            click.echo(f"the old index was moved aside to {summary.moved_aside}")
        for message in summary.unreadable or []:
            click.echo(f"unreadable original, not in the index: {message} (loupe verify says why)")
    if summary.unreadable:
        raise SystemExit(1)
