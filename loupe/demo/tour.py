"""`loupe demo`: generate the fictional leak, ingest it, and show the way in.

A newcomer's first command. It prints what each step did and ends with
commands to try, so the output reads as a short guided tour.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import click

from loupe.analysis import AnalysisSummary
from loupe.case import Case
from loupe.demo.generator import generate_demo
from loupe.ingest.pipeline import ingest
from loupe.ui.progress import ingest_progress

EXAMPLE_SEARCHES = (
    "juarez",
    'subject:insight "law enforcement"',
    "to:analysts date:2010..2011-06",
)


def run_demo(out_dir: Path, case_dir: Path, n_messages: int, workers: int | None) -> None:
    # the command as this user can type it: `loupe` when on PATH, else the venv's
    prog = "loupe" if shutil.which("loupe") == sys.argv[0] else os.path.relpath(sys.argv[0])
    started = time.monotonic()
    click.secho(f"1. Generating a fictional leak of about {n_messages:,} emails in {out_dir}/", bold=True)
    generate_demo(out_dir, n_messages=n_messages)
    click.echo(f"   done in {time.monotonic() - started:.1f}s (ground truth in {out_dir / 'truth.json'})")
    click.echo(f"   a news article quoting the leak, to fact-check: {out_dir / 'article.md'} (and article.html)")

    click.secho(f"2. Ingesting it into the case {case_dir}/", bold=True)
    archive = out_dir / "archive"
    case = Case.open(case_dir, create=True)
    try:
        with ingest_progress([archive]) as on_progress:
            summary = ingest(case, [archive], on_progress=on_progress, workers=workers)
        counts = case.db.status_counts()
        click.echo(
            f"   {summary.indexed} new messages, {summary.documents} documents, {summary.duplicate} duplicates, "
            f"{summary.quarantined} quarantined, {summary.skipped} already there "
            f"({summary.seconds:.1f}s)"
        )
        click.secho("3. Status of the case (every item is accounted for):", bold=True)
        click.echo(
            f"   {counts.items} items = {counts.indexed} indexed + {counts.documents} documents"
            f" + {counts.duplicate} duplicates"
            f" + {counts.quarantined} quarantined -> {'adds up' if counts.adds_up() else 'DOES NOT ADD UP'}"
        )
        click.secho("4. Three example searches:", bold=True)
        for query in EXAMPLE_SEARCHES:
            total, hits = case.search(query, limit=3)
            click.echo(f"   $ {prog} search '{query}' --case {case_dir}   -> {total} messages")
            for hit in hits:
                date = hit.date.strftime("%Y-%m-%d") if hit.date else "no date"
                click.echo(f"       {hit.id}  {date}  {hit.subject[:70]}")
        _conversations(case, prog, case_dir, summary.analysis)
    finally:
        case.close()
    click.secho("Next, try:", bold=True)
    click.echo(f"   {prog} status --case {case_dir}")
    click.echo(f"   {prog} quarantine --case {case_dir}        # what could not be read, and why")
    click.echo(f"   {prog} show ID --case {case_dir}           # any id printed above")
    click.echo(f"   {prog} sources --case {case_dir}                # informant codes; then: {prog} source MX1")
    click.echo(f"   {prog} search 'source:MX1' --case {case_dir}    # every message naming MX1 (= MX01) as a source")
    click.echo(f"   {prog} glossary --case {case_dir}               # abbreviations the archive explains")
    click.echo(f"   {prog} people --case {case_dir}                 # who wrote most; --lists for mailing lists")
    click.echo(f"   {prog} graph --png graph.png --gexf graph.gexf --case {case_dir}   # who wrote to whom, for Gephi")
    click.echo(
        f"   {prog} entities --kind place --case {case_dir}     # places the mail names; also organisation, person"
    )
    click.echo(
        f"   {prog} quotes {out_dir / 'article.md'} --html check.html --case {case_dir}   # fact-check the article"
    )
    click.echo(
        f"   {prog} corroborate 'a gravel quarry near Monterrey launders money' --case {case_dir}   # who else says so"
    )
    click.echo(
        f"   {prog} export 'source:MX1' --mbox mx1.mbox --case {case_dir}   # or --eml DIR, --ftm (Aleph), --sqlite"
    )
    click.echo(f"   {prog} serve --case {case_dir}   # all of this in your browser, at http://127.0.0.1:8000/")
    click.echo(f"   {prog} ingest YOUR-ARCHIVE --case my-case")


def _conversations(case: Case, prog: str, case_dir: Path, analysis: AnalysisSummary | None) -> None:
    """Step 5: what linking the case found, with one example of each."""
    if analysis is None:
        return
    click.secho(
        f"5. Conversations: {analysis.threads:,} threads, {analysis.near_duplicate_groups:,} groups of near-identical"
        f" messages, {analysis.persons:,} people and {analysis.lists:,} mailing lists",
        bold=True,
    )
    groups = case.db.conversations.thread_sizes_top(1)
    if groups:
        thread, size = groups[0]
        click.echo(f"   $ {prog} thread {thread[:10]} --added --case {case_dir}   # longest thread: {size} messages")
    near = case.db.conversations.near_duplicate_groups()
    if near:
        first = max(near.values(), key=len)
        click.echo(f"   $ {prog} similar {first[0][:10]} --case {case_dir}   # {len(first)} near-identical copies")
    people = sorted(case.db.people.table(), key=lambda p: -p["sent"])
    if people:
        top = people[0]
        click.echo(f"   $ {prog} person {top['id']} --case {case_dir}   # {top['name']}, who sent most ({top['sent']})")
