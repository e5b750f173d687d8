"""Downloads of a whole search, linked from the search page.

- ``/export.csv?q=...``: every match, a line each, oldest first (id, date,
  sender, subject, copies, where it was found, its page here): the
  spreadsheet a reporter keeps next to the story. No cap.
- ``/export.mbox``, ``/export.ftm.json`` and ``/export.db``: the messages
  themselves, as ``loupe export QUERY`` writes them with ``--mbox`` (for a
  mail client), ``--ftm`` (for Aleph) and ``--sqlite`` (for Datasette); see
  ``loupe.export``, ``loupe.ftm`` and ``loupe.export_sqlite``. A browser
  download of a whole leak is not the way to move it, so at most
  ``WEB_EXPORT_LIMIT`` messages; past that the answer says to narrow the query
  or use ``loupe export``.

Every one is served as an attachment with ``nosniff``, as every download here.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from loupe.case import Case
from loupe.export import export_mbox, oldest_first
from loupe.model import Address
from loupe.search.query import parse
from loupe.store.batching import chunks
from loupe.web.routes.message import attachment_headers, download
from loupe.web.workbench import flag_param, run

#: The most messages the mbox, Aleph and Datasette downloads write (``loupe export`` has no limit).
WEB_EXPORT_LIMIT = 10_000

LISTING_COLUMNS = ("id", "date", "from", "subject", "copies", "found_at", "page")


def matches(case: Case, q: str, literal: bool, expand: bool) -> list[str]:
    """Every match of a query, oldest first (a malformed query is a 400, said in one line)."""
    parse(q)
    return oldest_first(case, case.matching_ids(q, literal=literal, expand=expand))


def matches_within(case: Case, q: str, literal: bool, expand: bool, limit: int, here: str, cli: str) -> list[str]:
    """Every match, oldest first, or a 400 when more than a browser download holds: ``here`` says
    what the page makes ("the browser exports"), ``cli`` the ``loupe export`` option that has no limit."""
    ids = matches(case, q, literal, expand)
    if len(ids) > limit:
        raise HTTPException(
            400,
            f"{len(ids):,} messages match; {here} up to {limit:,} messages. "
            f"Narrow the query, or run: loupe export '{q}' {cli}",
        )
    return ids


def sent_then_removed(target: Path, folder: Path, media_type: str, headers: dict[str, str]) -> FileResponse:
    """A file written into a temporary ``folder`` for one download, the folder removed once it is sent."""
    return FileResponse(
        target, media_type=media_type, headers=headers, background=BackgroundTask(shutil.rmtree, folder, True)
    )


def listing(case: Case, q: str, literal: bool, expand: bool) -> bytes:
    """The CSV of every match (UTF-8 with a byte-order mark, which spreadsheet programs read as UTF-8)."""
    ids = matches(case, q, literal, expand)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LISTING_COLUMNS)
    for part in chunks(ids, 500):
        about = case.db.conversations.headlines(part)
        copies = case.db.copies_of(part)
        for message in part:
            row = about.get(message, {})
            sender = Address(row.get("from_name") or "", row.get("from_email") or "").display()
            found = copies.get(message, [])
            first = found[0] if found else ""
            date, subject = row.get("date") or "", row.get("subject") or ""
            writer.writerow([message, date, sender, subject, len(found), first, f"/message/{message}"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


Writer = Callable[[Case, Sequence[str], Path, Callable[[], None]], object]


def _ftm(case: Case, ids: Sequence[str], path: Path, advance: Callable[[], None]) -> object:
    from loupe.ftm import write_ftm  # followthemoney takes 1.5 s to import: not at the server's start

    return write_ftm(case, ids, path, advance)


def _sqlite(case: Case, ids: Sequence[str], path: Path, advance: Callable[[], None]) -> object:
    from loupe.export_sqlite import write_sqlite

    write_sqlite(case, ids, path, advance)
    return None


#: Download name's ending -> (what ``loupe export`` calls it, the writer).
WRITERS: dict[str, tuple[str, Writer]] = {
    ".mbox": ("--mbox", export_mbox),
    ".ftm.json": ("--ftm", _ftm),
    ".db": ("--sqlite", _sqlite),
}


def export_file(case: Case, q: str, literal: bool, expand: bool, ending: str) -> tuple[Path, Path]:
    """Every match written as ``loupe export`` would, in a new temporary folder (removed once sent):
    the folder and the file."""
    option, write = WRITERS[ending]
    ids = matches_within(case, q, literal, expand, WEB_EXPORT_LIMIT, "the browser exports", f"{option} FILE")
    folder = Path(tempfile.mkdtemp(prefix="loupe-export-"))
    target = folder / f"export{ending}"
    try:
        write(case, ids, target, lambda: None)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # nothing half-written is left behind
        raise
    return folder, target


def _name(q: str, extension: str) -> str:
    return f"loupe-{q.strip() or 'everything'}{extension}"


async def export_csv(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    data = await run(request, listing, q, flag_param(request, "literal"), flag_param(request, "expand"))
    return download(data, _name(q, ".csv"))


def _file_download(ending: str) -> Callable[[Request], Awaitable[Response]]:
    async def send(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        literal, expand = flag_param(request, "literal"), flag_param(request, "expand")
        folder, target = await run(request, export_file, q, literal, expand, ending)
        return sent_then_removed(target, folder, "application/octet-stream", attachment_headers(_name(q, ending)))

    return send


ROUTES = [
    Route("/export.csv", export_csv, name="export_csv"),
    *(Route(f"/export{ending}", _file_download(ending), name=f"export{ending}") for ending in WRITERS),
]
