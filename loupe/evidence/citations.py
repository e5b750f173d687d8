"""The check only Loupe can add to a pack's: each cited passage read again from its original.

``verify_pack.py`` proves every file is the one the pack lists. A citation
also claims that the passage stands at its offsets in the message's decoded
body; decoding MIME (charsets, quoted-printable, HTML turned into text) takes
Loupe's own reader, so ``loupe verify-pack`` parses each cited original again,
from the pack's copy and without the case, and compares.
"""

from __future__ import annotations

import json
from pathlib import Path

from loupe.evidence.check import MANIFEST, PackCheck
from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.mime import parse_message
from loupe.ingest.stored import as_rfc822, parse_item
from loupe.model import ItemKind


def check_citations(folder: Path, result: PackCheck) -> None:
    """Add a problem to ``result`` for every citation whose text is not at its offsets in its original."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return  # already named by check_pack
    originals = {m.get("original", {}).get("file", ""): m.get("original", {}) for m in manifest.get("messages", [])}
    bodies: dict[str, str | None] = {}
    for citation in manifest.get("citations", []):
        item = f"citation of quote {citation.get('quote_number')} in message {citation.get('message')}"
        name = citation.get("original_file", "")
        if name not in bodies:
            found = name and (folder / name).is_file()
            bodies[name] = _body(folder / name, originals.get(name, {})) if found else None
        body = bodies[name]
        if body is None:
            result.problem(item, f"its original {name or '(none named)'} is not in the pack or cannot be read")
            continue
        start, end = int(citation.get("start", -1)), int(citation.get("end", -1))
        found = body[start:end] if 0 <= start <= end <= len(body) else None
        if found != citation.get("text"):
            result.problem(item, f"the text at characters {start}-{end} of the decoded body is not the passage cited")


def _body(path: Path, original: dict[str, str]) -> str | None:
    """The decoded body of an original as Loupe reads it: a document (the manifest says so) by its name
    in the leak, as at ingest; mail through the MIME parser."""
    try:
        if original.get("kind") == "document":
            return parse_item(path.read_bytes(), ItemKind.DOCUMENT, original.get("name", ""), ExtractLimits()).body_text
        return parse_message(as_rfc822(path.read_bytes()), ExtractLimits(), attachment_text=False).body_text
    except Exception:  # a damaged original is named as unreadable, never a crash of the check
        return None
