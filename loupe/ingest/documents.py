"""Files in a leak that are not mail: documents of the case, not quarantined items.

A leak is mail *and* what lies beside it: the PDF a source saved, the
spreadsheet of payments, a scanned letter. Aleph, Datashare and Hoover make
each of them a searchable document; so does Loupe. A document keeps what a
message keeps (its original bytes and SHA-256, its locator, its place in the
ledger), its text is extracted with the same code as attachments'
(``ingest.attachments``, OCR included), and it is searched beside the mail
(``is:document``, ``type:pdf``).

What is a document is decided by content, as mail is (``ingest.containers``):

- an Office (DOCX, XLSX, PPTX) or OpenDocument file is recognised by its zip
  members and is a document, never walked as a zip archive of mail;
- PDF, RTF, images (PNG, JPEG, TIFF, GIF), calendars (ICS) and address
  cards (VCF) by their first bytes; a legacy Office file (.doc, .xls, .ppt:
  an OLE2 file that is not an Outlook item) is a document too, whose text is
  not extracted (said on it);
- HTML, CSV and plain text by being text, when no mail reader wants them.

A file that is none of these (a program, a database, a video) stays
quarantined as "not recognised", with its bytes kept.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from loupe.ingest.attachments import IMAGE_TYPES, Extracted, ExtractLimits, extract_text, office_format
from loupe.model import DateFlag, ParsedMessage

#: How the first member of an Office Open XML zip is named (Word, Excel and PowerPoint put
#: ``[Content_Types].xml`` first, other writers ``_rels/`` or ``docProps/``), and what in the
#: first bytes shows an OpenDocument (its uncompressed ``mimetype`` member, first by the standard).
OOXML_FIRST_MEMBERS = (b"[Content_Types].xml", b"_rels/", b"docProps/", b"word/", b"xl/", b"ppt/")
ODF_FIRST = b"mimetypeapplication/vnd.oasis.opendocument"
#: Parts whose presence in the first bytes marks an Office file whatever member comes first.
OOXML_PARTS_SEEN = (b"[Content_Types].xml", b"word/document.xml", b"xl/workbook.xml", b"ppt/presentation.xml")
#: The MIME type each document type is extracted as.
MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "rtf": "application/rtf",
    "html": "text/html",
    "csv": "text/csv",
    "ics": "text/calendar",
    "vcf": "text/vcard",
    "txt": "text/plain",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "gif": "image/gif",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "office": "application/octet-stream",
}
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<title|<table|<div|<p[\s>])", re.I)
#: Bytes of a file looked at to decide whether it is text.
TEXT_SAMPLE = 8192
#: Above this share of control bytes (other than tab, newline, carriage return, form feed) a file is binary.
MAX_CONTROL_SHARE = 0.01


def sniff_office(head: bytes) -> str | None:
    """ "office" or "opendocument" when a zip is one, from its first local header (and, for
    Office files whose first member is something else, the main parts named in the first bytes)."""
    if not head.startswith(b"PK\x03\x04"):
        return None
    name_length = int.from_bytes(head[26:28], "little")
    first = head[30 : 30 + name_length + 60]
    if first.startswith(ODF_FIRST):
        return "opendocument"
    if first.startswith(OOXML_FIRST_MEMBERS) and any(part in head for part in OOXML_PARTS_SEEN):
        return "office"
    return None


def sniff_card(head: bytes) -> str | None:
    """ "ics" or "vcf" for an iCalendar or a vCard file, which mail readers would take for a header block."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:20].upper()
    if start.startswith(b"BEGIN:VCALENDAR"):
        return "ics"
    if start.startswith(b"BEGIN:VCARD"):
        return "vcf"
    return None


def sniff_document(head: bytes, name: str = "") -> str | None:
    """The document type of a file that no mail reader took, or None when it is not a document."""
    if sniff_office(head):
        return "office"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    for magic, kind in IMAGE_TYPES.items():
        if head.startswith(magic):
            return kind
    if not _is_text(head):
        return None
    card = sniff_card(head)
    if card:
        return card
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return "html"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".htm", ".html", ".xhtml"):
        return "html"
    return "txt"


def office_type(data: bytes) -> str:
    """Which Office or OpenDocument type a zip is, read from its members ("office" when unclear)."""
    return office_format(data) or "office"


#: An OLE2 compound file's stream, to the legacy Office type it marks.
OLE_STREAMS = {"WordDocument": "doc", "Workbook": "xls", "Book": "xls", "PowerPoint Document": "ppt"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_type(data: bytes) -> str:
    """Which legacy Office file (doc, xls, ppt) an OLE2 compound file is; "ole" when none of them."""
    import olefile  # installed with extract-msg, which reads Outlook's .msg (OLE2 too)

    try:
        with olefile.OleFileIO(data) as ole:
            for stream, kind in OLE_STREAMS.items():
                if ole.exists(stream):
                    return kind
    except (OSError, ValueError, IndexError, TypeError):
        return "ole"
    return "ole"


def parse_document(data: bytes, locator: str, limits: ExtractLimits | None = None) -> ParsedMessage:
    """A document as the record a message makes: its file name as subject, its text as body.

    Never raises for bad content: a text that cannot be extracted is a defect
    of the document, which stays in the case (its original is the evidence)."""
    name = file_name(locator)
    if data.startswith(OLE_MAGIC):  # a legacy Office file (not an Outlook item): named, its text not read
        kind = ole_type(data)
        extracted = Extracted("", f"{kind}: text of legacy Office files (.doc, .xls, .ppt) is not extracted", kind)
    else:
        kind = sniff_document(data[:65536], name) or "txt"
        if kind == "office":
            kind = office_type(data)
        extracted = extract_text(data, MIMETYPES.get(kind, "application/octet-stream"), name, limits or ExtractLimits())
    digest = hashlib.sha256(data).hexdigest()
    return ParsedMessage(
        message_id=f"document-{digest[:32]}@loupe.invalid",
        message_id_derived=True,
        subject=name,
        senders=(),
        to=(),
        cc=(),
        bcc=(),
        reply_to=(),
        date=None,
        date_raw="",
        date_flag=DateFlag.MISSING,
        in_reply_to=(),
        references=(),
        list_id="",
        body_text=extracted.text,
        body_source="ocr" if extracted.ocr_pages else "document",  # "ocr": the text was read from pictures
        attachments=(),
        embedded=(),
        embedded_msg=(),
        defects=(extracted.error,) if extracted.error else (),
        # the id (the key's head) is a hash like a message's, of the bytes in a namespace of their own
        content_key=hashlib.sha256(b"loupe-document\0" + data).hexdigest(),
        kind="document",
        doc_type=kind,
    )


def file_name(locator: str) -> str:
    """The name a document had in the leak: the last part of its locator (after "/" or "!")."""
    last = re.split(r"[/\\!]", locator)[-1]
    return last or locator


def _is_text(head: bytes) -> bool:
    """Whether bytes read as text: UTF-8 (or a one-byte charset) with almost no control bytes."""
    sample = head[:TEXT_SAMPLE]
    if _utf16(sample):
        return True
    if not sample or b"\x00" in sample:
        return False
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return controls <= MAX_CONTROL_SHARE * len(sample)


def _utf16(sample: bytes) -> bool:
    return sample.startswith((b"\xff\xfe", b"\xfe\xff"))
