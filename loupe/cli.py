"""The ``loupe`` command line: thin commands over the library.

Each command reads options, calls one library function and formats the
result. Errors from the library (``LoupeError``) become one line on stderr
and exit status 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from loupe.case import Case
from loupe.config import default_case_dir
from loupe.errors import LoupeError
from loupe.model import Address
from loupe.ui.terminal import echo

F = TypeVar("F", bound=Callable[..., Any])


def case_option(func: F) -> F:
    """``--case DIR``, shared by every command that works on a case."""
    return click.option(
        "--case",
        "case_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Case folder (default: $LOUPE_CASE or ./loupe-case).",
    )(func)


def _open(case_dir: Path | None, create: bool = False, rebuild_outdated: bool = True) -> Case:
    """The case, its full-text index first rebuilt if an older Loupe made it (``IndexOutdated``).

    The index is derived from the stored originals, so a new Loupe makes it
    again rather than asking for an ingest, then the command goes on. It
    takes the write lock, so while another job writes to the case this
    fails with who holds it. ``loupe rebuild`` opens with
    ``rebuild_outdated=False``: it is about to rebuild anyway.
    """
    from loupe.errors import IndexOutdated

    case = Case.open(case_dir or default_case_dir(), create=create)
    if not rebuild_outdated:
        return case
    try:
        case.check_index()
    except IndexOutdated:
        from loupe.rebuild import rebuild
        from loupe.ui.progress import counted_progress

        click.echo(
            "this case's index was made by an older Loupe: rebuilding it from the stored originals "
            "(tags, notes and corrections are kept)",
            err=True,  # stdout may be a --json or --format ids stream
        )
        try:
            total = len(case.db.message_ids())
            with counted_progress("rebuild", total, enabled=sys.stderr.isatty() and total > 0) as step:
                rebuild(case, index=True, analysis=False, on_progress=lambda _done, _total: step())
        except BaseException:
            case.close()
            raise
    except BaseException:  # a newer Loupe's index, or one that does not open at all
        case.close()
        raise
    return case


@click.group()
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="loupe")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Loupe: investigate a leaked email archive.

    Start with `loupe ingest PATH` (mbox, Maildir, .eml folders, .msg, .pst,
    .emlx, zip/tar of any of them), then `loupe status` and `loupe search`.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
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
def ingest(
    paths: tuple[Path, ...],
    case_dir: Path | None,
    workers: int | None,
    quiet: bool,
    as_json: bool,
    passwords_file: Path | None,
) -> None:
    """Add mail to a case; safe to interrupt and run again.

    Example: loupe ingest leak.mbox maildir/ dump.zip --case my-case
    Example: loupe ingest dump.7z --passwords passwords.txt
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
    case = _open(case_dir, create=True)
    try:
        with ingest_progress(list(paths), enabled=not quiet and not as_json) as on_progress:
            summary = run_ingest(case, list(paths), on_progress=on_progress, workers=workers, passwords=passwords)
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


@cli.command()
@case_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def status(case_dir: Path | None, as_json: bool) -> None:
    """Counts of everything in the case; they always add up.

    Example: loupe status --json
    """
    from loupe.verify import last_verification

    case = _open(case_dir)
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


@cli.command()
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

    case = _open(case_dir, rebuild_outdated=False)
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


@cli.command()
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

    case = _open(case_dir)
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


def echo_fingerprint(fingerprint: str, folder: Path) -> None:
    """The pack's fingerprint, and what to do with it (``loupe.evidence.pack``)."""
    click.echo(f"fingerprint: {fingerprint}")
    click.echo(
        "Keep the fingerprint apart from the pack (your notes, an email to your editor); "
        f"`loupe verify-pack {folder} --expect {fingerprint}` then shows nothing in it changed."
    )


@cli.command()
@case_option
@click.option("--json", "as_json", is_flag=True, help="JSON Lines.")
def quarantine(case_dir: Path | None, as_json: bool) -> None:
    """Every item that could not be read, with where it is and why.

    Example: loupe quarantine --json > failures.jsonl
    """
    case = _open(case_dir)
    try:
        for row in case.db.quarantined():
            if as_json:
                click.echo(json.dumps({k: row[k] for k in ("locator", "reason", "raw_sha256", "size")}))
            else:
                echo(f"{row['locator']}\t{row['reason']}")
    finally:
        case.close()


@cli.command()
@click.argument("message")
@case_option
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object.")
def show(message: str, case_dir: Path | None, as_json: bool) -> None:
    """One message: headers, body, attachments, locators and hashes.

    MESSAGE is a Loupe id (or a unique prefix) or a Message-ID.
    Example: loupe show 3f9a2c
    """
    from loupe.show import listed, message_view

    case = _open(case_dir)
    try:
        view = message_view(case, case.db.resolve(message))
    finally:
        case.close()
    if as_json:
        click.echo(json.dumps(view, ensure_ascii=False, default=str))
        return
    for label, key in (("Id", "id"), ("Message-ID", "message_id"), ("Date", "date_raw"), ("Subject", "subject")):
        echo(f"{label + ':':<12} {view[key]}")
    if view.get("kind") == "document":
        how = "read by OCR" if view["body_source"] == "ocr" else "extracted from it"
        echo(f"{'Document:':<12} {view['doc_type']} file, not mail: its text below was {how}")
    echo(f"{'Date (UTC):':<12} {view['date'] or '(' + view['date_flag'] + ')'}")
    for role in ("from", "to", "cc", "bcc"):
        people = [a for a in view["addresses"] if a["role"] == role]
        if people:
            shown = ", ".join(Address(a["name"], a["email"], a["raw"]).display() for a in people)
            echo(f"{role.title() + ':':<12} {shown}")
    echo(f"{'SHA-256:':<12} {view['raw_sha256']}")
    for copy in view["copies"]:
        echo(f"{'Found at:':<12} {copy['locator']}  ({copy['status']})")
    if view["parent"]:
        echo(f"{'Attached to:':<12} {view['parent']}")
    for child in view["children"]:
        echo(f"{'Contains:':<12} {child}")
    if view["tags"]:
        echo(f"{'Tags:':<12} {', '.join(view['tags'])}")
    if view["thread"]["messages"] > 1:
        echo(f"{'Thread:':<12} {view['thread']['id']}  ({view['thread']['messages']} messages; loupe thread)")
    if view["near_duplicates"]:
        echo(f"{'Near dups:':<12} {len(view['near_duplicates'])} (loupe similar)")
    for block in view["forwarded_authors"]:
        who = f"{block['author_name']} <{block['author_email']}>".strip()
        echo(f"{'Quotes:':<12} text by {who}, {(block['date'] or block['date_text'] or 'undated')[:16]}")
    for kind, label in (("person", "Names:"), ("organisation", "Orgs:"), ("place", "Places:")):
        if view["entities"][kind]:
            echo(f"{label:<12} {'; '.join(view['entities'][kind])}")
    if view["defects"]:
        echo(f"{'Defects:':<12} {view['defects']}")
    differing = [alt for alt in view["alternatives"] if alt["differs"]]
    for alt in differing:
        echo(f"{'Versions:':<12} the plain-text and {alt['name']} versions differ (both below)")
    echo("")
    echo(view["body"])
    for alt in differing:  # what a mail client shows instead of the body above
        echo(f"\nThe plain-text and {alt['name']} versions of this message differ:")
        echo(f"  only in the {alt['name']} version: {listed(alt['only_here']) or '(nothing)'}")
        echo(f"  only in the plain-text version: {listed(alt['only_in_plain']) or '(nothing)'}")
        echo(f"----- the {alt['name']} version, as text -----")
        echo(alt["text"])
    for att in view["attachments"]:
        error = f"  [text: {att['text_error']}]" if att["text_error"] else ""
        error += "  [text read by OCR]" if att.get("ocr_pages") else ""
        echo(f"[attachment] {att['filename'] or '(no name)'}  {att['mimetype']}  {att['size']} bytes{error}")


@cli.command()
@click.argument("what", nargs=-1, required=True)
@case_option
@click.option("--raw", is_flag=True, help="One message's original bytes, exactly as found (WHAT: its id).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="--raw's file (default: stdout).")
@click.option(
    "--eml",
    "eml_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Every message matching the query WHAT, one .eml file each, in this new folder.",
)
@click.option(
    "--mbox",
    "mbox_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Every message matching the query WHAT, oldest first, in this new mbox file (mboxrd).",
)
@click.option(
    "--ftm",
    "ftm_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Every message matching the query WHAT, and its correspondents, as FollowTheMoney entities "
    "(JSON Lines) for Aleph: alephclient write-entities -i FILE -f COLLECTION.",
)
@click.option(
    "--sqlite",
    "sqlite_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Every message matching the query WHAT as a new SQLite file for Datasette "
    "(messages with full-text search, addresses, people, attachments, names).",
)
@click.option(
    "--pack",
    "pack_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Every message matching the query WHAT as an evidence pack in this new folder: originals, "
    "a PDF of each, attachments, a manifest of hashes, where and when each was found, and a check "
    "anyone can run (loupe verify-pack DIR, or python3 DIR/verify_pack.py).",
)
@click.option("--literal", is_flag=True, help="Match every term of the query as typed.")
@click.option("--expand", is_flag=True, help="Also find what the archive's glossary says a term means.")
def export(
    what: tuple[str, ...],
    case_dir: Path | None,
    raw: bool,
    output: Path | None,
    eml_dir: Path | None,
    mbox_file: Path | None,
    ftm_file: Path | None,
    sqlite_file: Path | None,
    pack_dir: Path | None,
    literal: bool,
    expand: bool,
) -> None:
    """Get evidence out: one message's original bytes (SHA-256 identical to the input),
    or every match of a query as .eml files or an mbox, with a manifest of hashes and
    where each message was found, as FollowTheMoney entities for Aleph, or as a SQLite
    file for Datasette, or as an evidence pack to hand to an editor or a lawyer. Outlook .msg
    originals are written as the Internet mail Loupe read them as (marked "converted");
    the mbox quotes "From " lines the mboxrd way.

    \b
    Example: loupe export 3f9a2c --raw -o original.eml
             loupe export 'from:burton date:2010' --mbox burton-2010.mbox
             loupe export 'source:MX1' --eml mx1/
             loupe export 'juarez date:2010' --ftm juarez.ftm.json
             loupe export 'source:MX1' --sqlite mx1.db
             loupe export 'source:MX1' --pack mx1-evidence/
    """
    from loupe.export import export_eml, export_mbox, oldest_first, raw_message
    from loupe.ui.progress import counted_progress

    if sum((raw, *(target is not None for target in (eml_dir, mbox_file, ftm_file, sqlite_file, pack_dir)))) != 1:
        raise click.UsageError(
            "choose one of --raw (one message), --eml DIR, --mbox FILE, --ftm FILE, --sqlite FILE "
            "or --pack DIR (every match of a query)"
        )
    for new_folder in (eml_dir, pack_dir):
        if new_folder is not None and new_folder.exists() and any(new_folder.iterdir()):
            raise click.UsageError(f"{new_folder} is not empty: an export never overwrites; choose a new folder")
    for new_file in (mbox_file, ftm_file, sqlite_file):
        if new_file is not None and new_file.exists():
            raise click.UsageError(f"{new_file} exists: an export never overwrites; choose a new file name")
    text = " ".join(what)
    if not raw:
        from loupe.search.query import parse

        parse(text)  # a malformed query fails before the case is opened
    case = _open(case_dir)
    try:
        if raw:
            data = raw_message(case, text)
        else:
            ids = oldest_first(case, case.matching_ids(text, literal=literal, expand=expand))
            with counted_progress("export", len(ids), enabled=sys.stderr.isatty()) as advance:
                if eml_dir is not None:
                    export_eml(case, ids, eml_dir, advance)
                    where = f"{eml_dir}/ (and {eml_dir / 'manifest.csv'})"
                elif mbox_file is not None:
                    export_mbox(case, ids, mbox_file, advance)
                    where = f"{mbox_file} (and {mbox_file}.manifest.csv)"
                elif ftm_file is not None:
                    from loupe.ftm import write_ftm

                    entities = write_ftm(case, ids, ftm_file, advance)
                    where = f"{ftm_file} ({entities} FollowTheMoney entities)"
                elif sqlite_file is not None:
                    from loupe.export_sqlite import write_sqlite

                    write_sqlite(case, ids, sqlite_file, advance)
                    where = f"{sqlite_file} (open it with: datasette {sqlite_file})"
                elif pack_dir is not None:
                    from loupe.evidence.pack import write_pack

                    made = write_pack(case, ids, pack_dir, advance, query=text)
                    where = f"{pack_dir}/ as an evidence pack"
            click.echo(f"{len(ids)} messages matching {text!r} written to {where}")
            if pack_dir is not None:
                echo_fingerprint(made.fingerprint, pack_dir)
            return
    finally:
        case.close()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)


@cli.command()
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


def _register_commands() -> None:
    """Commands that live in their own modules (imported here, not at import of
    those modules, so they can import the shared options from this one)."""
    from loupe.commands.conversations import similar, thread
    from loupe.commands.entities import entities, entity
    from loupe.commands.evidence import verify_pack
    from loupe.commands.glossary import glossary
    from loupe.commands.people import graph, people, person
    from loupe.commands.quotes import corroborate, quotes
    from loupe.commands.search import batch, count, saved, search, timeline
    from loupe.commands.serve import serve
    from loupe.commands.sources import source, sources
    from loupe.commands.tags import tag

    commands = [search, count, timeline, batch, saved, tag, thread, similar, people, person, graph, sources, source]
    commands.append(glossary)
    commands.append(serve)
    commands += [entities, entity, quotes, corroborate, verify_pack]
    for command in commands:
        cli.add_command(command)


_register_commands()


def _disk_full(exc: BaseException) -> bool:
    """ENOSPC from a write of our own, or SQLite's "database or disk is full" (through SQLAlchemy)."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    return "disk is full" in str(exc) or "No space left" in str(exc)


def main() -> None:
    """Entry point: one line on stderr for expected errors, never a traceback."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted; run the same command again to resume", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except LoupeError as exc:
        if debug:
            raise
        click.echo(f"loupe: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.stderr.close()  # `loupe search ... | head` ends quietly
        sys.exit(0)
    except (OSError, SQLAlchemyOperationalError) as exc:
        if debug or not _disk_full(exc):
            raise
        click.echo(
            "loupe: the disk is full; free some space, then run the same command again: "
            "it resumes where it stopped and nothing written so far is lost",
            err=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted; run the same command again to resume", err=True)
        sys.exit(130)
