"""People commands: people (table and corrections), person (profile), graph.

Thin: each reads options, asks the case's people store, formats the result.
Corrections (merge, split, rename, mark as list or person) are recorded as
edits and replayed after every ingest, so they survive re-ingests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from loupe.analysis import edit_people
from loupe.commands.common import case_option, open_case
from loupe.commands.output import emit
from loupe.store.people import TABLE_ORDERS
from loupe.ui.terminal import echo

SORTS = TABLE_ORDERS


@click.group(invoke_without_command=True)
@case_option
@click.option("--lists", "show", flag_value="list", help="Only mailing lists.")
@click.option("--all", "show", flag_value="all", help="People and mailing lists.")
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="messages", show_default=True)
@click.option("--limit", default=50, show_default=True, help="Rows to show (0 for all).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.pass_context
def people(ctx: click.Context, case_dir: Path | None, show: str | None, sort: str, limit: int, fmt: str) -> None:
    """Correspondents grouped into people (and mailing lists, kept apart).

    Example: loupe people --sort sent --limit 20

    \b
    Addresses become one person only by safe rules (the same address in any
    case) or by your corrections, which survive re-ingests:
      loupe people merge ann@meridian.example ann.lee@gmail.example
      loupe people split ann.lee@gmail.example
      loupe people rename ann@meridian.example "Ann Lee"
      loupe people mark-list alerts@meridian.example   (or mark-person)
    See one person with: loupe person ann@meridian.example
    """
    if ctx.invoked_subcommand is not None:
        return
    case = open_case(case_dir)
    try:
        rows = case.db.people.table()
    finally:
        case.close()
    wanted = show or "person"
    rows = [r for r in rows if wanted == "all" or r["kind"] == wanted]
    rows.sort(key=SORTS[sort])
    if limit:
        rows = rows[:limit]
    if not emit(rows, fmt):
        echo(f"{'#':>5}  {'name':<32} {'kind':<6} {'addr':>4} {'sent':>6} {'recv':>6}  first       last")
        for r in rows:
            echo(
                f"{r['id']:>5}  {r['name'][:32]:<32} {r['kind']:<6} {r['addresses']:>4} {r['sent']:>6} "
                f"{r['received']:>6}  {r['first'] or '-':<10}  {r['last'] or '-'}"
            )


def _edit(case_dir: Path | None, action: str, emails: tuple[str, ...], name: str = "") -> None:
    case = open_case(case_dir)
    try:
        person = edit_people(case.db, action, emails, name)
    finally:
        case.close()
    echo(f"{person['name']} ({person['kind']} {person['id']}): {', '.join(person['emails'])}")


@people.command("merge")
@click.argument("addresses", nargs=-1, required=True)
@case_option
def merge(addresses: tuple[str, ...], case_dir: Path | None) -> None:
    """Make these addresses one person. Example: loupe people merge ann@a.example ann@b.example"""
    if len(addresses) < 2:
        raise click.UsageError("name at least two addresses to merge")
    _edit(case_dir, "merge", addresses)


@people.command("split")
@click.argument("addresses", nargs=-1, required=True)
@case_option
def split(addresses: tuple[str, ...], case_dir: Path | None) -> None:
    """Take these addresses out of their person, each becoming its own."""
    _edit(case_dir, "split", addresses)


@people.command("rename")
@click.argument("who")
@click.argument("name")
@case_option
def rename(who: str, name: str, case_dir: Path | None) -> None:
    """Give a person the name you know them by. Example: loupe people rename 12 "Ann Lee\""""
    _edit(case_dir, "rename", (who,), name)


@people.command("mark-list")
@click.argument("addresses", nargs=-1, required=True)
@case_option
def mark_list(addresses: tuple[str, ...], case_dir: Path | None) -> None:
    """Treat these addresses as mailing lists, not people."""
    _edit(case_dir, "list", addresses)


@people.command("mark-person")
@click.argument("addresses", nargs=-1, required=True)
@case_option
def mark_person(addresses: tuple[str, ...], case_dir: Path | None) -> None:
    """Treat these addresses as people, not mailing lists."""
    _edit(case_dir, "person", addresses)


@click.command()
@click.argument("who")
@case_option
@click.option("--json", "as_json", is_flag=True, help="The profile as one JSON object.")
def person(who: str, case_dir: Path | None, as_json: bool) -> None:
    """One person's profile: addresses, names, mail sent and received, dates,
    top correspondents, lists, and texts of theirs forwarded by others.

    WHO is an address, a person number (from `loupe people`) or part of a name.
    Their timeline: loupe timeline person:WHO --by week --png who.png

    Example: loupe person burton@meridian.example --json
    """
    case = open_case(case_dir)
    try:
        profile = case.person_profile(who)
        quoted = case.db.conversations.quoted_by_author(profile["emails"])
    finally:
        case.close()
    profile["forwarded_or_quoted_by_others"] = len({q["message"] for q in quoted})
    if as_json:
        click.echo(json.dumps(profile, ensure_ascii=False, indent=2))
        return
    _print_profile(profile)


def _print_profile(p: dict[str, Any]) -> None:
    echo(f"{p['name']}  ({p['kind']} {p['id']})")
    echo(f"  addresses: {', '.join(p['emails'])}")
    if p.get("evidence"):
        echo(f"  grouped by: {p['evidence']}")
    names = ", ".join(f"{n['name']} ({n['messages']})" for n in p["names"][:8])
    echo(f"  names:     {names or '-'}")
    echo(f"  sent {p['sent']}, received {p['received']}; first {p['first'][:10] or '-'}, last {p['last'][:10] or '-'}")
    echo(f"  their text forwarded or quoted in {p['forwarded_or_quoted_by_others']} message(s)")
    if p["correspondents"]:
        echo("  top correspondents (messages to them / from them):")
        for c in p["correspondents"]:
            echo(f"    {c['to']:>5} / {c['from']:<5} {c['name']} ({c['kind']} {c['id']})")
    if p["lists"]:
        echo("  lists: " + ", ".join(f"{x['list']} ({x['messages']})" for x in p["lists"]))


@click.command()
@click.argument("query", nargs=-1)
@case_option
@click.option("--person", "center", help="Only the network around this person (ego network).")
@click.option("--radius", default=1, show_default=True, help="Steps around --person.")
@click.option("--bcc", is_flag=True, help="Count blind copies too (left out by default).")
@click.option("--graphml", type=click.Path(dir_okay=False, path_type=Path), help="Write GraphML (Gephi, yEd).")
@click.option("--gexf", type=click.Path(dir_okay=False, path_type=Path), help="Write GEXF (Gephi).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the edges as CSV.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Draw a picture (.png or .svg).")
def graph(
    query: tuple[str, ...],
    case_dir: Path | None,
    center: str | None,
    radius: int,
    bcc: bool,
    graphml: Path | None,
    gexf: Path | None,
    csv_path: Path | None,
    png: Path | None,
) -> None:
    """Who wrote to whom, for the messages matching QUERY (all when empty).

    Example: loupe graph 'date:2010' --person burton@meridian.example --gexf burton.gexf --png burton.png
    """
    from loupe.people import graph as graphs

    text = " ".join(query)
    case = open_case(case_dir)
    try:
        ids = case.matching_ids(text) if text else None
        owners = case.db.people.person_of_emails()
        network = graphs.build_graph(case.db.people.edges(ids, bcc), owners)
        if center is not None:
            network = graphs.ego_graph(network, f"p{case.db.people.resolve(center)}", radius)
    finally:
        case.close()
    for path, write in (
        (graphml, graphs.write_graphml),
        (gexf, graphs.write_gexf),
        (csv_path, graphs.write_edges_csv),
    ):
        if path is not None:
            write(network, path)
            echo(f"written {path}", err=True)
    if png is not None:
        graphs.write_png(network, png, f"Who wrote to whom: {text or 'all messages'}")
        echo(f"written {png}", err=True)
    echo(f"{network.number_of_nodes()} people and lists, {network.number_of_edges()} directed links")
    strongest = sorted(network.edges(data=True), key=lambda e: -e[2]["weight"])[:15]
    for a, b, d in strongest:
        echo(f"{d['weight']:>7}  {network.nodes[a]['label'][:30]:<30} -> {network.nodes[b]['label'][:30]}")
