"""Conversation commands: thread (the reply tree) and similar (near duplicates)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import click

from loupe.case import Case
from loupe.commands.common import case_option, open_case
from loupe.ui.terminal import echo

#: Lines of each message's own text shown by ``loupe thread --added``.
ADDED_LINES = 12


@click.command()
@click.argument("message")
@case_option
@click.option("--added", is_flag=True, help="Under each message, the text it added (no quotes, no signature).")
@click.option("--json", "as_json", is_flag=True, help="The thread as JSON: messages with their parent.")
def thread(message: str, case_dir: Path | None, added: bool, as_json: bool) -> None:
    """The conversation a message belongs to, as a reply tree.

    MESSAGE is a Loupe id (or a unique prefix), a Message-ID, or a thread id.
    Search inside it with thread:ID; its timeline: loupe timeline thread:ID --by day

    Example: loupe thread 3f9a2c --added
    """
    case = open_case(case_dir)
    try:
        members = case.lookup("thread", message)
        summaries = {k: _flat(v) for k, v in case.db.summaries(members).items()}
        parents = case.db.conversations.parents(members)
        texts = {m: _added_text(case, m) for m in members} if added else {}
        forwarded = {m: case.db.conversations.quoted_blocks(m) for m in members}
    finally:
        case.close()
    order = sorted(members, key=lambda m: (summaries[m].get("date") or "~", m))
    if as_json:
        for m in order:
            record = {"id": m, "parent": parents.get(m), **_plain(summaries[m])}
            if added:
                record["added"] = texts[m]
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    children: dict[str | None, list[str]] = {}
    for m in order:
        parent = parents.get(m)
        children.setdefault(parent if parent in summaries else None, []).append(m)
    dates = [s["date"] for s in summaries.values() if s.get("date")]
    people = {s.get("sender") for s in summaries.values()}
    span = f"{min(dates)[:10]} .. {max(dates)[:10]}" if dates else "undated"
    echo(f"thread {case_thread_label(order)} · {len(members)} messages · {span} · {len(people)} senders")

    def show(node: str, prefix: str, last: bool) -> None:
        s = summaries[node]
        branch = "└─ " if last else "├─ "
        who = s.get("sender") or "?"
        line = f"{(s.get('date') or 'undated')[:16].replace('T', ' ')}  {who}  {s.get('subject') or '(no subject)'}"
        echo(f"{prefix}{branch}{line}  [{node[:10]}]")
        inner = prefix + ("   " if last else "│  ")
        for block in forwarded.get(node, []):
            if block["author_email"] or block["author_name"]:
                echo(
                    f"{inner}   ↳ forwards text by {block['author_name'] or block['author_email']}"
                    f" <{block['author_email']}>, {(block['date'] or block['date_text'] or 'undated')[:16]}"
                )
        if added and texts.get(node):
            for text_line in texts[node].splitlines()[:ADDED_LINES]:
                echo(f"{inner}   │ {text_line}")
        kids = children.get(node, [])
        for i, kid in enumerate(kids):
            show(kid, inner, i == len(kids) - 1)

    roots = children.get(None, [])
    for i, root in enumerate(roots):
        show(root, "", i == len(roots) - 1)


def case_thread_label(order: list[str]) -> str:
    return order[0][:10] if order else "-"


def _added_text(case: Case, message: str) -> str:
    new = case.own_text(message)
    return "\n".join(textwrap.shorten(line, 110, placeholder=" …") if line.strip() else "" for line in new.splitlines())


def _flat(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary with its date as ISO text, for printing, sorting and JSON."""
    date = summary.get("date")
    return {**summary, "date": date.isoformat() if date is not None else None}


def _plain(summary: dict[str, Any]) -> dict[str, Any]:
    return dict(summary)


@click.command()
@click.argument("message")
@case_option
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one message per line.")
@click.option(
    "--meaning",
    is_flag=True,
    help="Messages making the same point in other words (by meaning vectors), beyond near duplicates.",
)
def similar(message: str, case_dir: Path | None, as_json: bool, meaning: bool) -> None:
    """Messages that are near-identical to MESSAGE: list copies, forwards,
    stripped copies, re-sends. (Exact copies are one message already; see
    `loupe show` for their locations.) Every such message: is:near-duplicate

    With --meaning: messages that say the same thing in other words, each
    with the two passages that meet and how close they are (cosine, 1 is
    the same meaning).

    Example: loupe similar 3f9a2c --meaning
    """
    case = open_case(case_dir)
    if meaning:
        try:
            _print_same_point(case, case.db.resolve(message), as_json)
        finally:
            case.close()
        return
    try:
        key = case.db.resolve(message)
        others = case.db.conversations.near_duplicates_of(key)
        summaries = {k: _flat(v) for k, v in case.db.summaries([key, *others]).items()}
    finally:
        case.close()
    if as_json:
        for m in others:
            click.echo(json.dumps({"id": m, **_plain(summaries[m])}, ensure_ascii=False))
        return
    s = summaries[key]
    echo(f"{key[:10]}  {(s.get('date') or '')[:10]}  {s.get('sender')}  {s.get('subject')}")
    if not others:
        echo("no near duplicates")
        return
    echo(f"{len(others)} near duplicate(s):")
    for m in sorted(others, key=lambda m: (summaries[m].get("date") or "~", m)):
        o = summaries[m]
        echo(f"  {m[:10]}  {(o.get('date') or '')[:10]}  {o.get('sender')}  {o.get('subject')}")


def _print_same_point(case: Case, key: str, as_json: bool) -> None:
    from loupe.meaning.similar import says_the_same

    found = says_the_same(case, key)
    summaries = {k: _flat(v) for k, v in case.db.summaries([key, *(f.message for f in found)]).items()}
    if as_json:
        for f in found:
            click.echo(json.dumps({"id": f.message, **f.as_dict(), **_plain(summaries[f.message])}, ensure_ascii=False))
        return
    s = summaries[key]
    echo(f"{key[:10]}  {(s.get('date') or '')[:10]}  {s.get('sender')}  {s.get('subject')}")
    if not found:
        echo("no other message says the same thing by meaning")
        return
    echo(f"{len(found)} message(s) say the same thing in other words:")
    for f in found:
        o = summaries[f.message]
        echo(f"  {f.message[:10]}  {(o.get('date') or '')[:10]}  {f.cosine:.2f}  {o.get('sender')}  {o.get('subject')}")
        echo(f"      theirs: {f.passage[:110]}")
        echo(f"      ours:   {f.ours[:110]}")
