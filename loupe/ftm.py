"""A query's messages as FollowTheMoney entities, the format Aleph (and OpenAleph) loads.

``loupe export QUERY --ftm FILE`` writes JSON Lines, one entity a line, built
with the ``followthemoney`` library itself so every entity is valid in its
model; ``alephclient write-entities -i FILE -f COLLECTION`` then loads them.

- Each message is an ``Email``: subject, date, sender and recipients as
  written, Message-ID and In-Reply-To, the body text, and what Loupe read in
  it: the people, organisations and places it names (``peopleMentioned``,
  ``companiesMentioned``, ``locationMentioned``, corrections applied). Its
  ``notes`` say where the original is: the Loupe id, the SHA-256 and where it
  was found, so the entity can be traced back to the evidence. A reply whose
  parent is also exported points at it (``inReplyToEmail``).
- Each correspondent is a ``Person`` (a mailing list a ``LegalEntity``), as
  Loupe grouped their addresses, and each email names them as ``emitters``
  and ``recipients``: Aleph's network view is Loupe's who-wrote-to-whom.

Entity ids are derived from Loupe's message ids and from each person's
addresses, so exporting again gives the same ids (Aleph then updates rather
than duplicates); a person merged or split in Loupe gets a new id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.util import make_entity_id

from loupe.case import Case
from loupe.entity_counts import named_in
from loupe.model import Address

#: ``loupe`` in every id, so Loupe's entities never collide with another tool's in one collection.
ID_PREFIX = "loupe"
MENTIONS = {"person": "peopleMentioned", "organisation": "companiesMentioned", "place": "locationMentioned"}
RECIPIENT_ROLES = ("to", "cc", "bcc")


def write_ftm(case: Case, ids: Sequence[str], path: Path, advance: Callable[[], None]) -> int:
    """Write the entities for these messages (and their correspondents) to ``path``; how many entities."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for entity in ftm_entities(case, ids, advance):
            out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            written += 1
    return written


def ftm_entities(case: Case, ids: Sequence[str], advance: Callable[[], None]) -> Iterator[dict[str, Any]]:
    """Each correspondent's entity the first time a message names them, then the message's ``Email``."""
    person_of = case.db.people.person_of_emails()
    exported = set(ids)
    answers = case.db.conversations.parents(ids)  # the reply tree Loupe worked out, not only In-Reply-To
    seen: dict[int, str] = {}  # person number -> entity id
    corrections = case.entity_corrections()

    def party(email: str) -> tuple[str | None, dict[str, Any] | None]:
        """The correspondent's entity id, and the entity itself the first time."""
        found = person_of.get(email.lower())
        if found is None:
            return None, None
        number, name, kind = found
        if number in seen:
            return seen[number], None
        entity = model.make_entity("Person" if kind == "person" else "LegalEntity")
        addresses = case.db.people.emails_of(number)
        entity.make_id(ID_PREFIX, "person", *addresses)
        entity.add("name", name or addresses[0])
        entity.add("email", addresses)
        seen[number] = str(entity.id)
        return seen[number], entity.to_dict()

    for message in ids:
        record = case.db.message(message)
        parsed = case.parsed(message, attachment_text=False)
        if record["kind"] == "document":
            yield _document(message, record, parsed.body_text)
            advance()
            continue
        mail = model.make_entity("Email")
        mail.id = _email_id(message)
        mail.add("subject", record["subject"])
        mail.add("title", record["subject"] or "(no subject)")
        if record["date"]:
            mail.add("date", record["date"])
        mail.add("messageId", record["message_id"])
        mail.add("inReplyTo", record["in_reply_to"])
        parent = answers.get(message)
        if parent is not None and parent in exported:
            mail.add("inReplyToEmail", _email_id(parent))
        mail.add("bodyText", parsed.body_text)
        mail.add("fileName", f"{message}.eml")
        mail.add("mimeType", "message/rfc822")
        mail.add("fileSize", record["size"])
        mail.add(
            "notes",
            f"Loupe message {message}; original SHA-256 {record['raw_sha256']}; found at {record['locator']}",
        )
        for address in record["addresses"]:
            written = Address(address["name"], address["email"], address["raw"]).display()
            role = address["role"]
            if role == "from":
                mail.add("from", written)
            elif role in RECIPIENT_ROLES:
                mail.add(role, written)
            else:
                continue
            entity_id, entity = party(address["email"]) if address["email"] else (None, None)
            if entity is not None:
                yield entity
            if entity_id is not None:
                mail.add("emitters" if role == "from" else "recipients", entity_id)
        for kind, names in named_in(parsed.subject, parsed.body_text, corrections).items():
            mail.add(MENTIONS[kind], names)
        yield mail.to_dict()
        advance()


#: A document's type, to the FollowTheMoney schema Aleph gives such a file.
DOCUMENT_SCHEMATA = {
    **dict.fromkeys(("pdf", "docx", "odt", "rtf", "pptx", "odp"), "Pages"),
    **dict.fromkeys(("xlsx", "ods", "csv"), "Table"),
    **dict.fromkeys(("png", "jpeg", "tiff", "gif"), "Image"),
    "html": "HyperText",
    "txt": "PlainText",
}


def _document(message: str, record: dict[str, Any], text: str) -> dict[str, Any]:
    """A file of the leak that is not mail (``ingest.documents``), as the entity Aleph makes of such a file."""
    from loupe.ingest.documents import MIMETYPES

    entity = model.make_entity(DOCUMENT_SCHEMATA.get(record["doc_type"], "Document"))
    entity.id = _email_id(message)
    entity.add("title", record["subject"])
    entity.add("fileName", record["subject"])
    entity.add("mimeType", MIMETYPES.get(record["doc_type"], "application/octet-stream"))
    entity.add("fileSize", record["size"])
    entity.add("bodyText", text)
    entity.add("notes", f"Loupe document {message}; SHA-256 {record['raw_sha256']}; found at {record['locator']}")
    return entity.to_dict()


def _email_id(message: str) -> str:
    """A message's entity id: the same for the message and for a reply that points at it."""
    return str(make_entity_id(ID_PREFIX, "email", message))
