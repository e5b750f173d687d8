"""Source commands: sources (the registry) and source (one profile), with CSV and JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import click

from loupe.commands.common import case_option, open_case
from loupe.commands.output import emit
from loupe.errors import NotFound
from loupe.store.sources import TABLE_ORDERS
from loupe.ui.terminal import echo

SORTS = TABLE_ORDERS


@click.command()
@case_option
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="reports", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Same as --format json: JSON Lines, one per code (see loupe source for its messages).",
)
def sources(case_dir: Path | None, sort: str, fmt: str, as_json: bool) -> None:
    """Every informant code: reports, copies, the messages naming it at each level, dates, lists.

    A code counts only where the context says "source", never from its shape
    alone, so MP3, F16 or a flight number is not one. The levels, each
    message counted once at its strongest: "report" (an insight's SOURCE:
    line, an INSIGHT subject, a handler's "From MX1 -- 2"), "prose" ("source
    US714 said", "according to MX1", "ask MX1 what"), "bare" (a bare "MX1",
    counted only for a code a report established). Copies are stripped list
    copies and replies' quotes of a block: read, never counted as reports.
    MX1 and MX01 are one source. Patterns live in case.toml ([sources]).

    Example: loupe sources --sort first --format csv > sources.csv
    """
    case = open_case(case_dir)
    try:
        rows = case.db.sources.table()
    finally:
        case.close()
    rows.sort(key=SORTS[sort])
    if emit(rows, "json" if as_json else fmt, "code"):
        return
    if not rows:
        echo("no coded sources found")
        return
    head = f"{'code':<8} {'reports':>7} {'copies':>6} {'named in':>8} {'report':>6} {'prose':>5} {'bare':>5}"
    echo(f"{head}  first       last        lists")
    for r in rows:
        copies = r["stripped_copies"] + r["quoted_copies"]
        echo(
            f"{r['code']:<8} {r['reports']:>7} {copies:>6} {r['messages_mentioning']:>8} "
            f"{r['report_messages']:>6} {r['prose_messages']:>5} {r['mention_messages']:>5}  "
            f"{r['first'] or '-':<10}  {r['last'] or '-':<10}  {r['lists']}"
        )


@click.command()
@click.argument("code")
@case_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="The whole profile as one JSON object; each report and grade with its message's Message-ID "
    "(message_id, as notmuch's id: takes it; null when it had none) and thread.",
)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write its reports as CSV.")
def source(code: str, case_dir: Path | None, as_json: bool, csv_path: Path | None) -> None:
    """One source's profile: every report, descriptions over time (the
    identification trail), attributions, publication, grade history as
    written, handlers, lists, top terms, codes named alongside.

    Search its messages with source:CODE; its timeline: loupe timeline source:CODE --by month
    Example: loupe source MX1 --json
    """
    case = open_case(case_dir)
    try:
        profile, reports = case.source_profile(code)
    except NotFound as missing:
        raise click.ClickException(f"{missing} (see `loupe sources`)") from None
    finally:
        case.close()
    if csv_path is not None:
        _write_reports_csv(profile, reports, csv_path)
        echo(f"written {csv_path}", err=True)
    if as_json:
        click.echo(json.dumps(profile, ensure_ascii=False, indent=2))
        return
    _print_profile(profile)


def _write_reports_csv(profile: dict[str, Any], reports: list[dict[str, Any]], path: Path) -> None:
    names = ["message", "date", "list", "variant", "code_as_written", "reliability", "credibility", "scale"]
    names += ["attribution", "description", "publication", "handler", "linked_to"]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for r in reports:
            f = r["fields"]
            row = [r["message"], r["date"] or "", r["list_id"], r["variant"], r["written_code"], r["reliability"]]
            row += [r["credibility"], r["credibility_scale"], f.get("attribution", ""), f.get("description", "")]
            row += [f.get("publication", ""), f.get("handler", ""), r["linked_message"] or ""]
            writer.writerow(row)


def _print_profile(p: dict[str, Any]) -> None:
    levels = p.get("levels", {})
    echo(
        f"{p['code']}: {p['reports']} report(s), {p['stripped_copies']} stripped copies, "
        f"{p['quoted_copies']} quoted copies, named in {p['messages_mentioning']} message(s) "
        f"({levels.get('report', 0)} in reports, {levels.get('prose', 0)} in prose, "
        f"{levels.get('mention', 0)} bare); {p['first'][:10] or '-'} .. {p['last'][:10] or '-'}"
    )
    for title, key in (
        ("Descriptions (identification trail)", "descriptions"),
        ("Attributions", "attributions"),
        ("Publication", "publication"),
        ("Handlers", "handlers"),
    ):
        if p[key]:
            echo(f"{title}:")
            for d in p[key]:
                echo(f"  {d['first'][:10]} .. {d['last'][:10]}  ({len(d['messages'])})  {d['value']}")
    if p["grades"]:
        echo("Grades, as written (reliability / credibility, scale):")
        for g in p["grades"]:
            flag = f"  [{g['flags']}]" if g["flags"] else ""
            echo(
                f"  {g['date'][:10]}  {g['reliability'] or '-'} / {g['credibility'] or '-'}  "
                f"({g['credibility_scale'] or '?'}){flag}"
            )
    if p["lists"]:
        echo("Lists: " + ", ".join(f"{x['value']} ({x['messages']})" for x in p["lists"]))
    if p["top_terms"]:
        echo("Top terms: " + ", ".join(t["term"] for t in p["top_terms"]))
    for title, key in (("Places", "places"), ("Organisations", "organisations")):
        if p[key]:
            echo(f"{title}: " + ", ".join(f"{x['name']} ({x['reports']})" for x in p[key]))
    if p["codes_alongside"]:
        echo("Codes named alongside: " + ", ".join(f"{c['code']} ({c['messages']})" for c in p["codes_alongside"]))
    echo("Reports:")
    for m in p["messages"]:
        linked = f"  (copy of {m['linked_to'][:10]})" if m["linked_to"] else ""
        echo(f"  {m['date'][:10]}  {m['message'][:10]}  {m['variant']:<12} {m['list'] or '-'}  {m['subject']}{linked}")
    if p.get("named_in"):
        echo("Named in prose or bare (search them with mention:CODE):")
        for m in p["named_in"]:
            level = "bare" if m["level"] == "mention" else m["level"]
            echo(f"  {m['date'][:10] or '-':<10}  {m['message'][:10]}  {level:<12} {m['subject']}")
