"""Search commands: search, count, timeline, batch, saved.

Thin: each reads options, calls one ``Case`` method, formats the result.
Record-emitting commands stream to stdout and end quietly on a broken pipe
(``loupe.cli.main`` handles that).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click

from loupe.case import Case
from loupe.commands.common import case_option, open_case
from loupe.commands.output import emit
from loupe.search.query import parse
from loupe.ui.terminal import echo

SYNTAX = """
\b
Query syntax (as in notmuch, mu and Gmail):
  sinaloa juarez            both terms (AND is the default)
  "hit men juarez"          phrase;   "hit men juarez"~5  words within 5 positions
  sinaloa OR juarez         either;   -forwarded / NOT forwarded  excludes;  ( ... ) groups
  sinal*                    prefix;   hitmen~1 / hitmen~2  fuzzy (edit distance)
  from:burton to:secure@    also cc: bcc: subject: body: list: id:<message-id>
  sender:ann@x.example      exactly this address (recipient: likewise), as the facets list them
  attachment:report.pdf     attachment file name;  mimetype:application/pdf  has:attachment
  date:2010..2011-06        date:2010  date:2010-06-15  date:..2009  date:2011-03..
  size:>1M  size:10k..2M    message size
  path:box.mbox             where a copy was found;  tag:follow-up  your tags (loupe tag)
  =US-714  ="Exact Phrase"  literal: case, accents and punctuation as typed (or --literal)
  thread:3f9a2c             the whole conversation of a message (see loupe thread)
  person:ann@example.org    from or to a person under any of their addresses (see loupe people)
  place:"Ciudad Juarez"     the text names this place (org: an organisation, entity: any kind;
                            see loupe entities)
  is:near-duplicate         messages with near-identical copies (see loupe similar)
  source:MX1                informant MX1 (= MX01), where the context says "source" (see loupe sources)
  mention:MX1               also its bare mentions ("ping MX1"), once a report established MX1
Matching is normalised by default: case and accents folded (Juárez = juarez = JUAREZ).
"""


@click.command(epilog=SYNTAX)
@click.argument("query", nargs=-1)
@case_option
@click.option("--limit", default=20, show_default=True, help="Results per page.")
@click.option("--offset", default=0, help="Skip this many results (any depth: there is no cap).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option(
    "--after",
    metavar="CURSOR",
    help="Newest first, continuing after the hit with this cursor (each date-sorted hit has one; any depth, "
    "same speed, nothing repeated when the case grows).",
)
@click.option("--literal", is_flag=True, help="Match every term as typed: case, accents, punctuation.")
@click.option("--all-copies", is_flag=True, help="List every copy's locator, not just the count.")
@click.option("--expand", is_flag=True, help="Also find what the archive's glossary says a term means (CDJ -> Juarez).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "ids"]),
    default="table",
    show_default=True,
    help="json = JSON Lines; ids = one id per line, every match (or the page --limit, --offset or --after ask for). "
    "json and csv give each hit's Message-ID (message_id, as notmuch's id: takes it; null when it had none) "
    "and thread beside Loupe's id.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json: JSON Lines, with message_id and thread.")
def search(
    query: tuple[str, ...],
    case_dir: Path | None,
    limit: int,
    offset: int,
    sort: str,
    after: str | None,
    literal: bool,
    all_copies: bool,
    expand: bool,
    fmt: str,
    as_json: bool,
) -> None:
    """Search the case. Duplicates are collapsed into one hit with a count.

    Example: loupe search 'from:burton "hit men" date:2010'
    """
    text = " ".join(query)
    parse(text)  # a malformed query fails before the case is opened
    fmt = "json" if as_json else fmt
    context = click.get_current_context()
    paged = after is not None or any(
        context.get_parameter_source(name) != click.core.ParameterSource.DEFAULT for name in ("limit", "offset")
    )
    case = open_case(case_dir)
    try:
        if fmt == "ids" and not paged:
            for message_id in case.matching_ids(text, literal=literal, expand=expand):
                click.echo(message_id)
            return
        by_date = sort == "date" or after is not None
        total, hits = case.search(
            text,
            limit=limit,
            offset=offset,
            by_date=by_date,
            literal=literal,
            expand=expand,
            after=after,
            snippets=fmt != "ids",
        )
        copies = case.db.copies_of(hit.id for hit in hits)
        known_as = case.db.conversations.identifiers(hit.id for hit in hits) if fmt in ("json", "csv") else {}
    finally:
        case.close()
    records: list[dict[str, Any]] = [
        {
            "id": hit.id,
            "date": hit.date.isoformat() if hit.date else None,
            "from": hit.sender,
            "subject": hit.subject,
            "copies": len(copies.get(hit.id, [])),
            **known_as.get(hit.id, {}),  # message_id and thread, to join with notmuch, mu or Aleph
            "score": round(hit.score, 4),
            "snippet": hit.snippet,
            **({"cursor": hit.cursor} if hit.cursor else {}),
            **({"locators": copies.get(hit.id, [])} if all_copies else {}),
        }
        for hit in hits
    ]
    if fmt == "ids":  # one page: --limit, --offset or a cursor walk
        for record in records:
            click.echo(record["id"])
        return
    if emit(records, fmt):
        return
    shown = f" (showing {offset + 1}-{offset + len(hits)})" if hits else ""
    echo(f"{total} messages match {text!r}{shown}")
    for record in records:
        date = (record["date"] or "no date   ")[:10]
        more = f"  [{record['copies']} copies]" if record["copies"] > 1 else ""
        echo(f"{record['id']}  {date}  {record['from'][:30]:<30}  {record['subject'][:60]}{more}")
        if record["snippet"]:
            echo(f"    {record['snippet'][:200]}")
        for locator in record.get("locators", []):
            echo(f"    at {locator}")
    if hits and hits[-1].cursor and len(hits) == limit:
        echo(f"next page: --after {hits[-1].cursor}")


@click.command()
@click.argument("query", nargs=-1)
@case_option
@click.option("--top", default=10, show_default=True, help="Entries per facet.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def count(query: tuple[str, ...], case_dir: Path | None, top: int, as_json: bool) -> None:
    """How many messages match, with top senders, recipients, lists and attachment types.

    Example: loupe count 'juarez date:2010'
    """
    text = " ".join(query)
    parse(text)
    case = open_case(case_dir)
    try:
        total, _ = case.search(text, limit=1, snippets=False)
        facets = case.facets(text, top)
        years = case.timeline(text, "year")
    finally:
        case.close()
    if as_json:
        click.echo(json.dumps({"query": text, "total": total, "facets": facets, "years": dict(years.counts)}))
        return
    echo(f"{total} messages match {text!r}")
    echo(
        "by year: "
        + ", ".join(f"{y}: {n}" for y, n in years.counts)
        + (f", undated: {years.undated}" if years.undated else "")
    )
    for name, entries in facets.items():
        if entries:
            echo(f"top {name}:")
            for key, n in entries:
                echo(f"  {n:>8}  {key}")


@click.command()
@click.argument("query", nargs=-1)
@case_option
@click.option("--by", "bucket", type=click.Choice(["year", "month", "week", "day"]), default="month", show_default=True)
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the chart as PNG.")
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the chart as SVG.")
@click.option("--csv", "as_csv", is_flag=True, help="bucket,messages lines instead of a table.")
def timeline(
    query: tuple[str, ...], case_dir: Path | None, bucket: str, png: Path | None, svg: Path | None, as_csv: bool
) -> None:
    """Messages per year, month, week or day for a query, as a table or a chart.

    Example: loupe timeline 'MX1 OR MX01' --by month --png mx1.png
    """
    text = " ".join(query)
    parse(text)
    case = open_case(case_dir)
    try:
        result = case.timeline(text, bucket)  # type: ignore[arg-type]
    finally:
        case.close()
    if as_csv:
        click.echo("bucket,messages")
        for key, n in result.counts:
            click.echo(f"{key},{n}")
    else:
        peak = max((n for _, n in result.counts), default=0)
        for key, n in result.counts:
            bar = "█" * round(40 * n / peak) if peak else ""
            click.echo(f"{key:>10}  {n:>7}  {bar}")
        if result.undated:
            click.echo(f"{'undated':>10}  {result.undated:>7}")
    for path in (png, svg):
        if path is not None:
            from loupe.ui.charts import timeline_chart

            timeline_chart(result, text, path)
            click.echo(f"chart written to {path}", err=True)


@click.command()
@click.argument("terms_file", type=click.File("r", encoding="utf-8"))
@case_option
@click.option("--csv", "as_csv", is_flag=True, help="CSV (query,hits,first,last) instead of a table.")
def batch(terms_file: Any, case_dir: Path | None, as_csv: bool) -> None:
    """Run one query per line of a file: hits, first and last date of each.

    Blank lines and lines starting with # are skipped; a malformed line is
    reported in the table and the batch goes on. When the output goes to a
    file, a progress bar shows on the terminal while it runs.
    Example: loupe batch names.txt --csv > hits.csv
    """
    from loupe.errors import QueryError
    from loupe.ui.progress import counted_progress

    queries = [text for text in (line.strip() for line in terms_file) if text and not text.startswith("#")]
    case = open_case(case_dir)

    def csv_row(*values: object) -> None:  # through click.echo, as the table's lines
        line = io.StringIO()
        csv.writer(line).writerow(values)
        click.echo(line.getvalue(), nl=False)

    if as_csv:
        csv_row("query", "hits", "first", "last", "error")
    try:
        with counted_progress("batch", len(queries)) as advance:
            for text in queries:
                try:
                    result = case.timeline(text, "day")
                    hits = sum(n for _, n in result.counts) + result.undated
                    first = result.counts[0][0] if result.counts else ""
                    last = result.counts[-1][0] if result.counts else ""
                    error = ""
                except QueryError as exc:
                    hits, first, last, error = 0, "", "", str(exc)
                if as_csv:
                    csv_row(text, hits, first, last, error)
                else:
                    click.echo(f"{hits:>8}  {first:<10}  {last:<10}  {text}" + (f"   ! {error}" if error else ""))
                advance()
    finally:
        case.close()


@click.group()
def saved() -> None:
    """Saved searches, kept in the case.

    Example: loupe saved add juarez-2010 'juarez date:2010'
    """


@saved.command("add")
@click.argument("name")
@click.argument("query", nargs=-1, required=True)
@case_option
def saved_add(name: str, query: tuple[str, ...], case_dir: Path | None) -> None:
    """Save (or replace) a named query. Example: loupe saved add mx1 'MX1 OR MX01'"""
    text = " ".join(query)
    parse(text)
    case = open_case(case_dir)
    try:
        case.db.save_search(name, text)
    finally:
        case.close()


@saved.command("list")
@case_option
def saved_list(case_dir: Path | None) -> None:
    """The saved searches. Example: loupe saved list"""
    case = open_case(case_dir)
    try:
        for name, text in case.db.saved_searches():
            click.echo(f"{name}\t{text}")
    finally:
        case.close()


@saved.command("delete")
@click.argument("name")
@case_option
def saved_delete(name: str, case_dir: Path | None) -> None:
    """Forget a saved search (its results stay in the case). Example: loupe saved delete mx1"""
    case = open_case(case_dir)
    try:
        case.db.delete_saved_search(name)
    finally:
        case.close()
    click.echo(f"deleted the saved search {name!r}")


@saved.command("run")
@click.argument("name")
@case_option
@click.pass_context
def saved_run(ctx: click.Context, name: str, case_dir: Path | None) -> None:
    """Run a saved search. Example: loupe saved run mx1"""
    case: Case = open_case(case_dir)
    try:
        text = case.db.saved_search(name)
    finally:
        case.close()
    ctx.invoke(search, query=(text,), case_dir=case_dir)
