"""Getting evidence out: ``loupe export`` (one original, or every match of a query in a format)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from loupe.commands.common import case_option, echo_fingerprint, open_case


@click.command()
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
    case = open_case(case_dir)
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
