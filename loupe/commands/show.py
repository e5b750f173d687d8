"""One message, everything about it: ``loupe show``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from loupe.commands.common import case_option, open_case
from loupe.model import Address
from loupe.ui.terminal import echo


@click.command()
@click.argument("message")
@case_option
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object.")
def show(message: str, case_dir: Path | None, as_json: bool) -> None:
    """One message: headers, body, attachments, locators and hashes.

    MESSAGE is a Loupe id (or a unique prefix) or a Message-ID.
    Example: loupe show 3f9a2c
    """
    from loupe.show import listed, message_view

    case = open_case(case_dir)
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
