"""A stored original read again as a message: search snippets, ``loupe show``, exports, evidence packs.

Ingest's parser processes read each item through ``parse_item`` as well
(``ingest.worker``), so a message reads the same at ingest and every time
after. Apart from the worker, which also finds passages, entities, codes and
signatures in what it parses: re-reading a page of hits for their snippets
imports the parsers only.
"""

from __future__ import annotations

from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.documents import parse_document
from loupe.ingest.emlx import emlx_to_rfc822, sniff_emlx
from loupe.ingest.mime import parse_message
from loupe.ingest.msg import msg_to_rfc822
from loupe.ingest.outlook import sniff_msg
from loupe.model import ItemKind, ParsedMessage


def parse_item(
    data: bytes,
    kind: ItemKind,
    locator: str,
    limits: ExtractLimits | None = None,
    *,
    with_headers: bool = False,
    attachment_text: bool = True,
) -> ParsedMessage:
    """Any stored item read as a message: mail through the MIME parser, a document (a file
    of the leak that is not mail) through ``ingest.documents``, which needs its name."""
    if kind is ItemKind.DOCUMENT:
        return parse_document(data, locator, limits)
    return parse_message(as_rfc822(data, kind), limits, with_headers=with_headers, attachment_text=attachment_text)


def stored_kind(data: bytes, kind: str) -> ItemKind:
    """How a stored original is read again: a document as the case recorded it (``messages.kind``),
    mail recognised by content (``kind_of``)."""
    return ItemKind.DOCUMENT if kind == "document" else kind_of(data)


def kind_of(data: bytes) -> ItemKind:
    """How a stored original is to be read, recognised by its content as ingest first did."""
    return ItemKind.MSG if sniff_msg(data[:8]) else ItemKind.EMLX if sniff_emlx(data[:1024]) else ItemKind.RFC822


def as_rfc822(data: bytes, kind: ItemKind | None = None) -> bytes:
    """The Internet-message form of an original, for the MIME parser.

    ``kind`` is known during ingest; re-reading a stored original (``loupe
    show``, snippets) recognises it by content, as ingest first did.
    """
    if kind is None:
        kind = kind_of(data)
    if kind == ItemKind.MSG:
        return msg_to_rfc822(data)
    if kind == ItemKind.EMLX:
        return emlx_to_rfc822(data)
    return data
