"""Downloads of a whole search, linked from the search page: ``/export.csv`` and ``/export.mbox``.

- ``/export.csv?q=...``: every match, a line each, oldest first (id, date,
  sender, subject, copies, where it was found, its page here): the
  spreadsheet a reporter keeps next to the story. No cap.
- ``/export.mbox?q=...``: the messages themselves, oldest first, as
  ``loupe export QUERY --mbox`` writes them (the originals, mboxrd quoting;
  see ``loupe.export``), for a mail client. A browser download of a whole
  leak is not the way to move it, so at most ``WEB_MBOX_LIMIT`` messages;
  past that the answer says to narrow the query or use ``loupe export``.

Both are served as attachments with ``nosniff``, as every download here.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from loupe.case import Case
from loupe.export import export_mbox, oldest_first
from loupe.search.query import parse
from loupe.store.batching import chunks
from loupe.web.routes.message import download
from loupe.web.workbench import flag_param, run

#: The most messages ``/export.mbox`` writes (``loupe export`` has no limit).
WEB_MBOX_LIMIT = 10_000

LISTING_COLUMNS = ("id", "date", "from", "subject", "copies", "found_at", "page")


def matches(case: Case, q: str, literal: bool, expand: bool) -> list[str]:
    """Every match of a query, oldest first (a malformed query is a 400, said in one line)."""
    parse(q)
    return oldest_first(case, case.matching_ids(q, literal=literal, expand=expand))


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
            name, address = row.get("from_name") or "", row.get("from_email") or ""
            sender = f"{name} <{address}>" if name and address else name or address
            found = copies.get(message, [])
            first = found[0] if found else ""
            date, subject = row.get("date") or "", row.get("subject") or ""
            writer.writerow([message, date, sender, subject, len(found), first, f"/message/{message}"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def mbox_file(case: Case, q: str, literal: bool, expand: bool) -> tuple[Path, int]:
    """The mbox of every match, in a new temporary folder (removed once sent)."""
    ids = matches(case, q, literal, expand)
    if len(ids) > WEB_MBOX_LIMIT:
        raise HTTPException(
            400,
            f"{len(ids):,} messages match; the browser exports up to {WEB_MBOX_LIMIT:,} as an mbox. "
            f"Narrow the query, or run: loupe export '{q}' --mbox FILE",
        )
    folder = Path(tempfile.mkdtemp(prefix="loupe-export-"))
    export_mbox(case, ids, folder / "export.mbox", lambda: None)
    return folder, len(ids)


def _name(q: str, extension: str) -> str:
    return f"loupe-{q.strip() or 'everything'}{extension}"


async def export_csv(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    data = await run(request, listing, q, flag_param(request, "literal"), flag_param(request, "expand"))
    return download(data, _name(q, ".csv"))


async def export_mbox_download(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    folder, _ = await run(request, mbox_file, q, flag_param(request, "literal"), flag_param(request, "expand"))
    reference = download(b"", _name(q, ".mbox"))  # the same download headers, for a file
    wanted = ("content-disposition", "x-content-type-options")
    return FileResponse(
        folder / "export.mbox",
        media_type="application/octet-stream",
        headers={k: v for k, v in reference.headers.items() if k.lower() in wanted},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


ROUTES = [
    Route("/export.csv", export_csv, name="export_csv"),
    Route("/export.mbox", export_mbox_download, name="export_mbox"),
]
