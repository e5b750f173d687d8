"""Evidence packs as downloads (``loupe.evidence.pack``), one zip file each.

- ``/export.pack.zip?q=...``: every match of a search (the search page's
  "evidence pack" link), at most ``WEB_PACK_LIMIT`` messages: each message
  is drawn as a PDF, which takes a tenth of a second, so a bigger pack is
  ``loupe export QUERY --pack DIR``'s job, as the refusal says;
- ``/message/{id}/pack.zip``: one message (its page's link);
- the quote check page's "evidence pack" button posts the article to
  ``/quotes/pack`` (``routes.quotes``), which packs the messages its quotes
  stand on, with the citations.

The zip holds one folder, the pack, which checks itself once unzipped
(``python3 verify_pack.py``). Its fingerprint travels in the
``X-Loupe-Pack-Fingerprint`` header and in the page that offers it.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.evidence.pack import PackSummary, write_pack
from loupe.web.routes.exports import matches_within, sent_then_removed
from loupe.web.routes.message import attachment_headers
from loupe.web.workbench import flag_param, run

#: The most messages a pack made in the browser holds (``loupe export --pack`` has no limit).
WEB_PACK_LIMIT = 500


def zipped_pack(name: str, write: Callable[[Path], PackSummary]) -> tuple[Path, Path, PackSummary]:
    """``write`` a pack into a new temporary folder and zip it as ``name/...``: the folder
    (removed once sent), the zip and the pack's summary."""
    work = Path(tempfile.mkdtemp(prefix="loupe-pack-"))
    try:
        made = write(work / name)
        target = work / f"{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in made.folder.rglob("*") if p.is_file()):
                archive.write(path, f"{name}/{path.relative_to(made.folder).as_posix()}")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # nothing half-written is left behind
        raise
    return work, target, made


def send_pack(work: Path, target: Path, made: PackSummary) -> Response:
    headers = {**attachment_headers(target.name), "X-Loupe-Pack-Fingerprint": made.fingerprint}
    return sent_then_removed(target, work, "application/zip", headers)


def search_pack(case: Case, q: str, literal: bool, expand: bool) -> tuple[Path, Path, PackSummary]:
    ids = matches_within(case, q, literal, expand, WEB_PACK_LIMIT, "an evidence pack made here holds", "--pack DIR")
    return zipped_pack(pack_name(q), lambda folder: write_pack(case, ids, folder, query=q))


def message_pack(case: Case, key: str) -> tuple[Path, Path, PackSummary]:
    message = case.db.resolve(key)
    return zipped_pack(f"loupe-evidence-{message}", lambda folder: write_pack(case, [message], folder))


def pack_name(words: str) -> str:
    """A folder name made of a query or a title: letters, digits and dashes, at most 60 of them."""
    kept = "".join(c if c.isalnum() else "-" for c in words.strip().lower())
    return "loupe-evidence-" + ("-".join(filter(None, kept.split("-")))[:60].strip("-") or "everything")


async def export_pack(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    literal, expand = flag_param(request, "literal"), flag_param(request, "expand")
    return send_pack(*await run(request, search_pack, q, literal, expand))


async def message_pack_download(request: Request) -> Response:
    return send_pack(*await run(request, message_pack, request.path_params["id"]))


ROUTES = [
    Route("/export.pack.zip", export_pack, name="export_pack"),
    Route("/message/{id}/pack.zip", message_pack_download, name="message_pack"),
]
