"""The message page, its sandboxed HTML frame, and its downloads.

``/message/{id}`` shows what ``loupe show`` prints (``loupe.show.message_view``),
plus attachments with a text preview, every copy's provenance, tags, star
and notes. The body is plain text, or the sanitised HTML (``mailhtml``) in
a frame served by ``/message/{id}/body`` under its own policy. Originals
and attachments are served as downloads: ``application/octet-stream``,
``Content-Disposition: attachment`` and ``nosniff``, so a browser never
renders an HTML or SVG attachment as a page of this app.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from loupe.case import Case
from loupe.errors import NotFound
from loupe.export import raw_message
from loupe.ingest.emlx import sniff_emlx
from loupe.ingest.outlook import sniff_msg
from loupe.ingest.stored import as_rfc822
from loupe.meaning.similar import says_the_same
from loupe.show import listed, message_view
from loupe.web.mailhtml import SafeHtml, frame_document, html_parts, inline_images, sanitise
from loupe.web.openapi import BOOLEAN, INTEGER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, page
from loupe.web.security import MAIL_FRAME_CSP
from loupe.web.workbench import run

#: Messages listed under "Says the same thing" (``loupe similar ID --meaning`` lists more).
SAME_POINT_SHOWN = 5
#: A downloaded file's name is cut to its last this many characters (its extension kept): file systems
#: refuse longer ones, and a hostile message may name an attachment with thousands.
MAX_NAME = 200
#: Characters of an attachment's text shown on the page (the download has it all).
PREVIEW_CHARS = 3000
ROLES = ("from", "to", "cc", "bcc", "reply-to")


def message_data(case: Case, key: str) -> dict[str, Any]:
    """``loupe show``'s view of a message, with attachment texts, notes and the summaries of its relatives."""
    mid = case.db.resolve(key)
    view = message_view(case, mid)
    parsed = case.parsed(mid)
    for row in view["attachments"]:
        position = row["position"]
        text = parsed.attachments[position].text if position < len(parsed.attachments) else ""
        row["text_preview"] = text[:PREVIEW_CHARS]
    view["notes"] = case.db.notes.of(mid)
    view["tagged_by"] = {d["tag"]: d for d in case.db.tag_details(mid)}
    view["has_html"] = bool(_html(case, mid))
    same = says_the_same(case, mid, limit=SAME_POINT_SHOWN, body=parsed.body_text)
    view["same_point"] = [point.as_dict() for point in same]
    relatives = [*view["near_duplicates"], *view["children"], *([view["parent"]] if view["parent"] else [])]
    relatives += [point["message"] for point in view["same_point"]]
    view["related"] = {k: _summary(v) for k, v in case.db.summaries(relatives).items()}
    return view


def _summary(summary: dict[str, Any]) -> dict[str, Any]:
    date = summary.get("date")
    return {**summary, "date": date.isoformat() if date is not None else None}


def _html(case: Case, mid: str) -> list[str]:
    """The message's HTML body parts; none for a document (a file of the leak, never read as mail)."""
    if case.db.stored_item(mid)[2] == "document":
        return []
    return html_parts(as_rfc822(raw_message(case, mid)))


def safe_html(case: Case, key: str) -> SafeHtml:
    """The message's HTML body parts, sanitised and joined (empty when it has none)."""
    mid = case.db.resolve(key)
    parts = _html(case, mid)
    if not parts:
        return SafeHtml("")
    images = inline_images(case.parsed(mid, attachment_text=False).attachments)
    out = SafeHtml("")
    for part in parts:
        one = sanitise(part, images)
        out.html += one.html
        out.blocked += [u for u in one.blocked if u not in out.blocked]
        out.links += [u for u in one.links if u not in out.links]
    return out


async def message_view_page(request: Request) -> Response:
    key = request.path_params["id"]
    data = await run(request, message_data, key)
    mode = request.query_params.get("view") or (
        "html" if data["has_html"] and data["body_source"] == "html" else "text"
    )
    if mode not in ("html", "text") or (mode == "html" and not data["has_html"]):
        mode = "text"
    safe = await run(request, safe_html, data["id"]) if mode == "html" else None
    people = {role: [a for a in data["addresses"] if a["role"] == role] for role in ROLES}
    context = {"m": data, "mode": mode, "safe": safe, "people": people, "listed": listed}
    return page(request, "message.html", context)


async def message_body_frame(request: Request) -> Response:
    """The sanitised HTML as a document of its own, for the sandboxed frame (never scripts, never loads)."""
    safe = await run(request, safe_html, request.path_params["id"])
    return HTMLResponse(frame_document(safe.html), headers={"Content-Security-Policy": MAIL_FRAME_CSP})


# -- downloads --------------------------------------------------------------------
def attachment_headers(filename: str) -> dict[str, str]:
    """The headers that make a browser save a response as ``filename`` and never render it."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._")[-MAX_NAME:] or "download"
    encoded = quote(filename[-MAX_NAME:], safe="")  # "/" and control characters percent-encoded too
    return {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}",
        "X-Content-Type-Options": "nosniff",
    }


def download(data: bytes, filename: str) -> Response:
    """Bytes as an attachment the browser saves, never renders; the SHA-256 travels in ``Repr-Digest``."""
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
    headers = {**attachment_headers(filename), "Repr-Digest": f"sha-256=:{digest}:"}
    return Response(data, media_type="application/octet-stream", headers=headers)


def _extension(data: bytes) -> str:
    return ".msg" if sniff_msg(data[:8]) else ".emlx" if sniff_emlx(data[:1024]) else ".eml"


def original(case: Case, key: str) -> tuple[bytes, str]:
    mid = case.db.resolve(key)
    data = raw_message(case, mid)
    about = case.db.conversations.headlines([mid]).get(mid, {})
    if about.get("kind") == "document":
        return data, about.get("subject") or mid  # a document downloads under the name it had in the leak
    return data, f"{mid}{_extension(data)}"


def copy_bytes(case: Case, key: str, number: int) -> tuple[bytes, str]:
    """The original bytes of one copy (as listed under provenance), verified by the blob store."""
    mid = case.db.resolve(key)
    copies = case.db.message(mid)["copies"]
    if not 0 <= number < len(copies) or not copies[number]["raw_sha256"]:
        raise NotFound(f"copy of message {mid} numbered", str(number))
    data = case.blobs.get(copies[number]["raw_sha256"])
    return data, f"{mid}-copy{number}{_extension(data)}"


def attachment_bytes(case: Case, key: str, position: int) -> tuple[bytes, str]:
    mid = case.db.resolve(key)
    attachments = case.parsed(mid, attachment_text=False).attachments
    if not 0 <= position < len(attachments):
        raise NotFound(f"attachment of message {mid} at position", str(position))
    found = attachments[position]
    return found.data, found.filename or f"{mid}-attachment-{position}"


# -- API ----------------------------------------------------------------------------
ID = Param("id", "path", "A Loupe message id (or a unique prefix of one), or a Message-ID.", STRING)
ADDRESS = obj(role=STRING, position=INTEGER, name=STRING, email=STRING, raw=STRING)
ATTACHMENT = obj(
    position=INTEGER,
    filename=STRING,
    mimetype=STRING,
    size=INTEGER,
    sha256=STRING,
    inline=BOOLEAN,
    text_chars=INTEGER,
    text_error=STRING,
    ocr_pages=INTEGER,
    text_preview=STRING,
)
NOTE = obj(id=INTEGER, message=STRING, text=STRING, created=STRING)
SUMMARY = obj(subject=STRING, sender=STRING, date=nullable(STRING))
MESSAGE = obj(
    id=STRING,
    message_id=STRING,
    subject=STRING,
    from_name=STRING,
    from_email=STRING,
    date=nullable(STRING),
    date_raw=STRING,
    date_flag=STRING,
    list_id=STRING,
    body_source=STRING,
    kind={"type": "string", "enum": ["mail", "document"], "description": "document: a file of the leak, not mail"},
    doc_type=STRING,
    size=INTEGER,
    parent=nullable(STRING),
    defects=STRING,
    locator=STRING,
    raw_sha256=STRING,
    copies=array(obj(locator=STRING, status=STRING, raw_sha256=nullable(STRING))),
    attachments=array(ATTACHMENT),
    addresses=array(ADDRESS),
    tags=array(STRING),
    children=array(STRING),
    body=STRING,
    headers=STRING,
    alternatives=array(
        obj(
            mimetype=STRING,
            name=STRING,
            differs=BOOLEAN,
            only_here=array(STRING),
            only_in_plain=array(STRING),
            text=STRING,
        )
    ),
    thread=obj(id=STRING, messages=INTEGER),
    near_duplicates=array(STRING),
    same_point=array(obj(message=STRING, cosine={"type": "number"}, passage=STRING, ours=STRING)),
    forwarded_authors=array(
        obj(author_name=STRING, author_email=STRING, date=nullable(STRING), date_text=STRING, depth=INTEGER)
    ),
    notes=array(NOTE),
    has_html=BOOLEAN,
    related={"type": "object", "additionalProperties": SUMMARY},
)
SAFE_HTML = obj(html=STRING, blocked=array(STRING), links=array(STRING))


@documented(
    Operation(
        "One message: headers, body text, attachments, provenance, thread, tags and notes",
        "messages",
        MESSAGE,
        (ID,),
        errors=(404,),
    )
)
async def api_message(request: Request) -> Response:
    return api_json(await run(request, message_data, request.path_params["id"]))


@documented(
    Operation(
        "A message's HTML body, sanitised, with the remote addresses it tried to load (never fetched) "
        "and its link targets (not followed)",
        "messages",
        SAFE_HTML,
        (ID,),
        errors=(404,),
    )
)
async def api_message_html(request: Request) -> Response:
    safe = await run(request, safe_html, request.path_params["id"])
    return api_json({"html": safe.html, "blocked": safe.blocked, "links": safe.links})


@documented(
    Operation(
        "The original bytes of a message's indexed copy, exactly as found (SHA-256 in Repr-Digest)",
        "messages",
        None,
        (ID,),
        errors=(404,),
    )
)
async def api_original(request: Request) -> Response:
    return download(*await run(request, original, request.path_params["id"]))


@documented(
    Operation(
        "The original bytes of one copy of a message (numbered as in `copies`)",
        "messages",
        None,
        (ID, Param("number", "path", "The copy's index in the message's `copies`, from 0.", INTEGER)),
        errors=(404,),
    )
)
async def api_copy(request: Request) -> Response:
    return download(*await run(request, copy_bytes, request.path_params["id"], request.path_params["number"]))


@documented(
    Operation(
        "One attachment's bytes, as an attachment download",
        "messages",
        None,
        (ID, Param("position", "path", "The attachment's `position`.", INTEGER)),
        errors=(404,),
    )
)
async def api_attachment(request: Request) -> Response:
    return download(*await run(request, attachment_bytes, request.path_params["id"], request.path_params["position"]))


ROUTES = [
    Route("/message/{id}", message_view_page, name="message"),
    Route("/message/{id}/body", message_body_frame, name="message_body"),
    Route("/api/messages/{id}", api_message, name="api_message"),
    Route("/api/messages/{id}/html", api_message_html, name="api_message_html"),
    Route("/api/messages/{id}/original", api_original, name="api_original"),
    Route("/api/messages/{id}/copies/{number:int}", api_copy, name="api_copy"),
    Route("/api/messages/{id}/attachments/{position:int}", api_attachment, name="api_attachment"),
]
