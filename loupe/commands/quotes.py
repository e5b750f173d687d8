"""Quote check and corroboration commands: ``quotes ARTICLE`` and ``corroborate CLAIM``.

Thin: read the input, ask ``loupe.quotes.in_case``, print a table, JSON or
(for quotes) a self-contained HTML report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

import click

from loupe.case import Case
from loupe.commands.common import case_option, echo_fingerprint, open_case
from loupe.errors import Ambiguous, NotFound
from loupe.quotes.article import load_article
from loupe.quotes.corroborate import CANDIDATES, SUPPORT, Corroboration, Evidence
from loupe.quotes.in_case import WORD_MISSES, check_quotes
from loupe.quotes.in_case import corroborate as run_corroboration
from loupe.quotes.report import render_html
from loupe.threads.quoting import split_reply
from loupe.ui.terminal import echo

#: A message given as the claim stands for its own words, cut to this many (a window must hold them).
CLAIM_WORDS = 60


@click.command()
@click.argument("article", type=click.File("rb"))
@case_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per quote (JSON Lines); each message in it (match, origin, nearest) with its "
    "Message-ID (message_id, as notmuch's id: takes it; null when it had none) and thread.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML report (side-by-side diffs) to this file.",
)
@click.option(
    "--pack",
    "pack_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write an evidence pack of the messages the found quotes stand on, with a citation of each "
    "passage (message, SHA-256 of its original, offsets in its decoded body), in this new folder.",
)
def quotes(
    article: BinaryIO, case_dir: Path | None, as_json: bool, html_path: Path | None, pack_dir: Path | None
) -> None:
    """Check every quotation in ARTICLE against the archive.

    ARTICLE is plain text, Markdown, HTML or an .eml (- reads standard input).
    Each quote is verbatim, a faithful edit (only [brackets], ellipses, [sic],
    a changed first capital or an emphasis note, each listed), altered (words
    changed outside brackets, with the changes), or not found (with the
    nearest candidates). For a found quote: the message, and the earliest
    message holding the words, with who said them there (the forwarded
    author or coded source, not the forwarder).

    Example: loupe quotes story.md --html story-check.html
             loupe quotes story.md --pack story-evidence/
    """
    if pack_dir is not None and pack_dir.exists() and any(pack_dir.iterdir()):
        raise click.UsageError(f"{pack_dir} is not empty: a pack is written into a new folder")
    name = getattr(article, "name", "") or ""
    parsed = load_article(article.read(), name)
    title = parsed.title or (Path(name).name if name and name != "<stdin>" else "article")
    case = open_case(case_dir)
    try:
        checked = check_quotes(case, parsed)
        checks = [c.as_dict() for c in checked]
        case_name = case.root.name
        made = None
        if pack_dir is not None:
            from loupe.evidence.pack import write_quote_pack  # the pack's writer, only when a pack is asked for

            made = write_quote_pack(case, checked, title, pack_dir)
    finally:
        case.close()
    if html_path is not None:
        html_path.write_text(render_html(checks, title, case_name), "utf-8")
    if as_json:
        for check in checks:
            click.echo(json.dumps(check, ensure_ascii=False))
        return
    _print_quotes(checks)
    if html_path is not None:
        echo(f"\nreport: {html_path}")
    if made is not None and pack_dir is not None:
        echo(f"\nevidence pack: {made.messages} messages, {made.citations} citations in {pack_dir}/")
        echo_fingerprint(made.fingerprint, pack_dir)


def _print_quotes(checks: list[dict[str, Any]]) -> None:
    if not checks:
        echo("no quotations found in the article")
        return
    for c in checks:
        echo(f'{c["number"]:>3}. {c["verdict"].upper():<14} {c["score"]:.2f}  "{c["quote"][:100]}"')
        for e in c["edits"]:
            echo(f"       {e['kind']}: {e['quoted']!r} for {e['original']!r}")
        for d in c["differences"]:
            echo(f"       changed ({d['kind']}): printed {d['quoted']!r}, the mail says {d['original']!r}")
        where = c["origin"] or c["match"]
        if where:
            said = where["said_by"] + (f" ({where['how']})" if where["how"] != "sender" else "")
            echo(f"       first said in {where['message']} ({(where['date'] or 'undated')[:10]}) by {said}")
            if c["match"] and c["match"]["message"] != where["message"]:
                echo(f"       best match {c['match']['message']}; in {len(c['copies'])} other messages")
        for n in c["nearest"]:
            echo(f"       nearest: {n['message']} ({n['score']:.2f})")
        for n in c["closest_in_meaning"]:
            echo(f"       closest in meaning (other words, NOT the quote): {n['message']} ({n['cosine']:.2f})")
            echo(f"         {n['passage'][:100]}")


@click.command()
@click.argument("claim", nargs=-1, required=True)
@case_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="The result as one JSON object; each origin's messages with their Message-ID (message_id, as "
    "notmuch's id: takes it; null when it had none) and thread.",
)
@click.option(
    "--support",
    default=SUPPORT,
    show_default=True,
    type=click.FloatRange(0.05, 1.0),
    help="Share of the claim's (rarity-weighted) words a passage must hold to support it by words.",
)
@click.option(
    "--lexical",
    is_flag=True,
    help="By words only, as before meaning vectors (no meaning, no contradictions or questions set apart): to compare.",
)
@click.option(
    "--limit",
    default=CANDIDATES,
    show_default=True,
    type=click.IntRange(1),
    help="Read at most this many candidates by the claim's words (the index's best first). The answer says "
    "when this limit, not the support, ended the reading.",
)
@click.option(
    "--all",
    "read_all",
    is_flag=True,
    help=f"No limit: read candidates until {WORD_MISSES} in a row do not support the claim (a claim in "
    "thousands of messages: seconds to minutes).",
)
def corroborate(
    claim: tuple[str, ...],
    case_dir: Path | None,
    as_json: bool,
    support: float,
    lexical: bool,
    limit: int,
    read_all: bool,
) -> None:
    """How many independent origins say CLAIM, each with its evidence.

    CLAIM is a sentence, a passage, or the id of a message (its own words,
    without what it quotes). Passages are found by words and by meaning
    (other words for the same thing); each shows which found it. Passages
    denying the claim are listed apart as contradictions, and passages only
    asking whether it is true are listed too; neither is counted.
    Messages that only copy an origin count with it:
    list re-posts and other near duplicates, forwards, replies quoting it,
    stripped copies of an insight; an origin is a coded source or a person
    (all their addresses).

    Example: loupe corroborate "the Pacific route moves shipments through Lazaro Cardenas"
    """
    case = open_case(case_dir)
    try:
        given = " ".join(claim)
        text = _claim_text(case, given)
        result = run_corroboration(
            case, text, support, from_message=text != given, lexical=lexical, limit=None if read_all else limit
        )
    finally:
        case.close()
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    _print(result)


def _claim_text(case: Case, given: str) -> str:
    """A message id stands for the words its author wrote in it; anything else is the claim itself."""
    if " " in given.strip() or len(given) < 6:
        return given
    try:
        message = case.db.resolve(given)
    except (NotFound, Ambiguous):
        return given
    body = case.parsed(message, attachment_text=False).body_text
    own = split_reply(body).new or body
    return " ".join(own.split()[:CLAIM_WORDS])


def _print(result: Corroboration) -> None:
    plural = "origin" if result.independent == 1 else "origins"
    how = "by words and meaning" if result.mode == "hybrid" else "by words only"
    echo(f"{result.claim!r}")
    echo(f"{result.independent} independent {plural} ({how}); {result.counted()}")
    if result.capped:
        echo(f"  to read further: --limit {4 * (result.limit or CANDIDATES)}, or --all")
    for number, origin in enumerate(result.origins, start=1):
        echo(f"\n{number}. {origin.label}")
        _print_evidence(origin.evidence)
    if result.contradictions:
        count = len(result.contradictions)
        echo(f"\nContradictions: {count} {'origin denies' if count == 1 else 'origins deny'} it (not counted)")
        for origin in result.contradictions:
            echo(f"  - {origin.label}")
            _print_evidence(origin.evidence)
    if result.questions:
        echo(f"\nAsked, not said: {len(result.questions)} messages ask whether it is true (not counted)")
        _print_evidence(result.questions)


def _print_evidence(evidence: tuple[Evidence, ...]) -> None:
    """One line a message: date, id, how it carries the words, what found it and how close, the passage."""
    for e in evidence:
        date = (e.date or "undated")[:10]
        found = e.found_by if e.meaning is not None else "words"
        close = f"w{e.score:.2f}" + (f" m{e.meaning:.2f}" if e.meaning is not None else "")
        echo(f"   {date}  {e.message[:12]}  {e.relation or e.stance:<16} {found:<7} {close:<11} {e.passage[:90]}")
