"""An evidence pack: what a reporter hands to an editor or a lawyer (``loupe export QUERY --pack DIR``).

A folder anyone can open and check without Loupe::

    README.txt          what is here and how to check it
    manifest.json       every message: its original's SHA-256, where it was found and when it
                        was ingested, its files; and the citations of quotes checked
    messages.csv        the same messages, a line each, for a spreadsheet
    citations.csv       the quotes checked and the passages they cite (when the pack is of quotes)
    verify_pack.py      the check, in Python's standard library alone (``loupe.evidence.check``)
    messages/0001-ID/original.eml     the original bytes, exactly as found (.msg, .emlx as found)
    messages/0001-ID/message.pdf      a rendering to read (``loupe.evidence.render``)
    messages/0001-ID/attachments/...  each attachment's bytes, as decoded from the original
    SHA256SUMS          every file above and its SHA-256, as ``sha256sum -c`` reads it

Messages are numbered oldest first. The pack's *fingerprint* is the SHA-256 of
``SHA256SUMS``: kept apart from the pack (in the reporter's notes, an email to
the editor), it shows later that no file and no list was changed since.

A citation is a quote checked against the case (``loupe quotes``) and the
passage it matched: the message, the SHA-256 of its original, and the
passage's character offsets in the message's decoded body text (Python
string indices, in code points, into the body as Loupe decodes it: the text
``loupe show`` prints), with the passage itself.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from loupe.case import Case
from loupe.evidence import check
from loupe.evidence.render import AttachmentLine, Copy, Rendering, render_pdf
from loupe.export import made_at_ingest
from loupe.filenames import safe_file_name
from loupe.ingest.mime import parse_message
from loupe.ingest.stored import as_rfc822, kind_of, parse_item
from loupe.model import Address, ItemKind
from loupe.quotes.in_case import Place, QuoteCheck

#: What the original is, when it is not Internet mail as found.
CONVERTED = {
    ItemKind.MSG: "an Outlook .msg file, read as the Internet mail Loupe converted it to",
    ItemKind.EMLX: "an Apple Mail .emlx file, read as the Internet mail inside it",
}
MADE_FROM_PST = "an item of an Outlook .pst, made into Internet mail by Loupe at ingest (X-Loupe-Converted-From)"
_EXTENSION = {ItemKind.MSG: ".msg", ItemKind.EMLX: ".emlx", ItemKind.RFC822: ".eml"}


@dataclass(frozen=True)
class Citation:
    """A checked quote and the passage of a message it stands on."""

    quote_number: int
    quote: str
    verdict: str  # verbatim, faithful edit, altered
    role: str  # "best match" or "earliest holder" (who said it first)
    message: str
    original_sha256: str
    start: int  # code points into the decoded body text
    end: int
    text: str  # the body's text between start and end


@dataclass(frozen=True)
class PackSummary:
    folder: Path
    messages: int
    files: int
    citations: int
    fingerprint: str


def write_pack(
    case: Case,
    ids: Sequence[str],
    folder: Path,
    advance: Callable[[], None] = lambda: None,
    *,
    query: str = "",
    article: str = "",
    citations: Sequence[Citation] = (),
) -> PackSummary:
    """The pack of ``ids`` (oldest first, as given) and ``citations`` in the new folder ``folder``.

    ``query`` is the search the messages match, or ``article`` the title of the
    article whose quotes were checked (said in the README and the manifest).
    A pack is written whole or not at all: a failure removes the folder."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty: a pack is written into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return _write(case, ids, folder, advance, query, article, citations)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def quote_citations(checks: Iterable[QuoteCheck], case: Case) -> list[Citation]:
    """The citations of quotes found (verbatim, edited faithfully, or altered): the best match, and
    the earliest message holding the passage when that is another (who said it first)."""
    found = []
    for checked in checks:
        if checked.match is None:
            continue
        places: list[tuple[str, Place]] = [("best match", checked.match)]
        if checked.origin is not None and checked.origin.message != checked.match.message:
            places.append(("earliest holder", checked.origin))
        for role, place in places:
            found.append(
                Citation(
                    quote_number=checked.quote.number,
                    quote=checked.quote.text,
                    verdict=checked.verdict,
                    role=role,
                    message=place.message,
                    original_sha256=case.db.raw_sha256_of(place.message),
                    start=place.start,
                    end=place.end,
                    text=place.passage,
                )
            )
    return found


def write_quote_pack(case: Case, checks: Sequence[QuoteCheck], title: str, folder: Path) -> PackSummary:
    """The pack of the messages an article's found quotes stand on (best match and earliest
    holder), oldest first, with a citation of each passage."""
    from loupe.export import oldest_first

    citations = quote_citations(checks, case)
    ids = oldest_first(case, list(dict.fromkeys(c.message for c in citations)))
    return write_pack(case, ids, folder, article=title, citations=citations)


def _write(
    case: Case,
    ids: Sequence[str],
    folder: Path,
    advance: Callable[[], None],
    query: str,
    article: str,
    citations: Sequence[Citation],
) -> PackSummary:
    made = datetime.now(UTC).replace(microsecond=0).isoformat()
    provenance = case.db.provenance(ids)
    headlines = case.db.conversations.headlines(ids)
    entries = []
    files: dict[str, str] = {}  # pack path -> sha256
    for number, message in enumerate(ids, 1):
        passages = [
            (f"Quote {c.quote_number} ({c.verdict}, {c.role})", c.start, c.end, c.text)
            for c in citations
            if c.message == message
        ]
        entries.append(_message(case, message, number, folder, made, provenance, headlines, files, passages))
        advance()
    original_of = {e["id"]: e["original"]["file"] for e in entries}
    cited = [{**vars(c), "original_file": original_of.get(c.message, "")} for c in citations]
    manifest: dict[str, Any] = {
        "format": check.FORMAT,
        "made": made,
        "made_by": f"Loupe {version('loupe')}",
        "case": case.root.name,
        "query": query,
        "article": article,
        "offsets": "citations' start and end are code-point indices into the message's decoded body text",
        "messages": entries,
        "citations": cited,
    }
    _put(folder, check.MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), files)
    _put(folder, "messages.csv", _messages_csv(entries), files)
    if citations:
        _put(folder, "citations.csv", _citations_csv(cited), files)
    _put(folder, "verify_pack.py", Path(check.__file__).read_bytes(), files)
    _put(folder, "README.txt", _readme(manifest, len(citations)).encode("utf-8"), files)
    sums = "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items()))
    (folder / check.SUMS).write_text(sums, "utf-8")
    return PackSummary(folder, len(entries), len(files) + 1, len(citations), check.sha256_of(folder / check.SUMS))


def _put(folder: Path, name: str, data: bytes, files: dict[str, str]) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    files[name] = hashlib.sha256(data).hexdigest()
    return name


def _message(
    case: Case,
    message: str,
    number: int,
    folder: Path,
    made: str,
    provenance: dict[str, list[dict[str, str]]],
    headlines: dict[str, dict[str, Any]],
    files: dict[str, str],
    cited: Sequence[tuple[str, int, int, str]],
) -> dict[str, Any]:
    """One message's files in the pack, and its entry in the manifest."""
    original_sha256, locator, stored_kind = case.db.stored_item(message)
    original = case.blobs.get(original_sha256)  # re-hashed by the blob store: never silently other bytes
    base = f"messages/{number:04d}-{message}"
    if stored_kind == "document":  # a file of the leak that is not mail: kept as the file it is
        parsed = parse_item(original, ItemKind.DOCUMENT, locator, case.extraction(read_ocr=False))
        converted = ""
        ending = f"-{safe_file_name(parsed.subject, 'document')}"
    else:
        kind = kind_of(original)
        converted = CONVERTED.get(kind, "")
        rfc822 = as_rfc822(original, kind)
        if not converted and made_at_ingest(rfc822):
            converted = MADE_FROM_PST
        parsed = parse_message(rfc822, case.extraction(read_ocr=False), with_headers=True)
        ending = _EXTENSION[kind]
    original_file = _put(folder, f"{base}/original{ending}", original, files)
    attachments = []
    used: set[str] = set()
    for position, att in enumerate(parsed.attachments):
        name = safe_file_name(att.filename, f"attachment-{position + 1}")
        if name.lower() in used:
            name = f"{position + 1:02d}-{name}"
        used.add(name.lower())
        path = _put(folder, f"{base}/attachments/{name}", att.data, files)
        attachments.append(AttachmentLine(position, att.filename, att.mimetype, att.size, files[path], path))
    copies = [Copy(p["locator"], p["status"], p["ingested"]) for p in provenance.get(message, [])]
    rendering = Rendering(
        loupe_id=message,
        original_sha256=original_sha256,
        original_size=len(original),
        original_file=original_file,
        converted=converted,
        copies=copies,
        headers=parsed.headers_text,
        body=parsed.body_text,
        body_source=parsed.body_source,
        other_versions=[(a.mimetype, a.text) for a in parsed.alternatives if a.differs],
        attachments=attachments,
        made=made,
        cited=cited,
    )
    pdf = folder / base / "message.pdf"
    render_pdf(rendering, pdf)
    files[f"{base}/message.pdf"] = check.sha256_of(pdf)
    about = headlines.get(message, {})
    return {
        "number": number,
        "id": message,
        "message_id": parsed.message_id,
        "date": about.get("date") or "",
        "from": Address(about.get("from_name") or "", about.get("from_email") or "").display(),
        "subject": about.get("subject") or "",
        "original": {
            "file": original_file,
            "sha256": original_sha256,
            "size": len(original),
            "converted": converted,
            "kind": stored_kind,  # mail, or document: a file of the leak that is not mail
            "name": parsed.subject if stored_kind == "document" else "",  # a document's name in the leak
        },
        "rendering": {"file": f"{base}/message.pdf", "sha256": files[f"{base}/message.pdf"]},
        "attachments": [
            {
                "position": a.position,
                "filename": a.filename,
                "mimetype": a.mimetype,
                "size": a.size,
                "sha256": a.sha256,
                "file": a.file,
            }
            for a in attachments
        ],
        "found_at": provenance.get(message, []),
    }


def _messages_csv(entries: Sequence[dict[str, Any]]) -> bytes:
    rows = [["number", "id", "date", "from", "subject", "original", "original_sha256", "found_at", "ingested"]]
    for e in entries:
        first = e["found_at"][0] if e["found_at"] else {"locator": "", "ingested": ""}
        rows.append(
            [
                e["number"],
                e["id"],
                e["date"],
                e["from"],
                e["subject"],
                e["original"]["file"],
                e["original"]["sha256"],
                first["locator"],
                first["ingested"],
            ]
        )
    return _csv(rows)


def _citations_csv(citations: Sequence[dict[str, Any]]) -> bytes:
    columns = ["quote_number", "quote", "verdict", "role", "message", "original_file", "original_sha256"]
    columns += ["start", "end", "text"]
    return _csv([columns, *([c[k] for k in columns] for c in citations)])


def _csv(rows: Iterable[Sequence[Any]]) -> bytes:
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the mark spreadsheet programs read as UTF-8


def _readme(manifest: dict[str, Any], citations: int) -> str:
    count = len(manifest["messages"])
    what = f"{count} messages"
    if manifest["article"]:
        what += f" cited for the quotes of the article {manifest['article']!r}"
    elif manifest["query"]:
        what += f" matching the search {manifest['query']!r}"
    quoted = (
        f"\nIt also cites {citations} passages for the quotes checked: citations.csv (and manifest.json) give\n"
        "each quote, the message it stands on, the SHA-256 of that message's original, and where the passage\n"
        "is in the message's decoded body text (start and end, counted in characters from 0).\n"
        if citations
        else ""
    )
    return f"""Evidence pack made by {manifest["made_by"]} on {manifest["made"]}
from the case "{manifest["case"]}": {what}.
{quoted}
WHAT IS HERE

  messages/NNNN-ID/original.eml   Each message's original bytes, exactly as they were found in
                                  the leak (an Outlook .msg or Apple .emlx keeps its own ending).
                                  This file is the evidence.
  messages/NNNN-ID/message.pdf    The same message drawn for reading: facts, headers, body text,
                                  attachments. Its HTML, if any, was never run. The original is
                                  the authority wherever the two seem to differ.
  messages/NNNN-ID/attachments/   The message's attachments, as decoded from the original.
  manifest.json                   Everything about each message: its SHA-256, where it was found,
                                  when it was ingested, its files and theirs.
  messages.csv                    The messages, one line each, for a spreadsheet.
  SHA256SUMS                      The SHA-256 of every file above.
  verify_pack.py                  The check below, in standard Python.

HOW TO CHECK IT

Any of these, from this folder:

  python3 verify_pack.py                 (Python 3, nothing else needed)
  loupe verify-pack .                    (with Loupe: also re-reads each cited passage)
  sha256sum -c SHA256SUMS                (Linux; on macOS: shasum -a 256 -c SHA256SUMS)

Each prints every file that is missing, changed or added, and "VERIFIED" when none is.

The pack's fingerprint is the SHA-256 of SHA256SUMS; it was printed when the pack was made.
Keep it apart from the pack (in your notes, in an email to your editor). Then

  python3 verify_pack.py . --expect FINGERPRINT

shows that neither the files nor their list changed since the pack was made.

Numbers (NNNN) put the messages oldest first. Dates are UTC. Where a message was found is
written as Loupe's locator: the file in the leak, then "@" and a byte offset for a message
inside an mbox, or "!" and a member's name for a file inside an archive or a .pst.
"""
