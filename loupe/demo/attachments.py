"""Attachment bytes: a hand-written PDF, a python-docx DOCX and a CSV.

The PDF is written by hand (five objects, a Helvetica text stream, exact
xref offsets) rather than with a library, so the demo needs no PDF writer
and the bytes are fully deterministic. python-docx stamps the current time
into its zip entries and core properties, so the DOCX is re-packed with a
fixed timestamp: same seed, same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

import docx

FIXED_ZIP_TIME = (2011, 12, 31, 12, 0, 0)


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message; ``text`` is what extraction should find."""

    filename: str
    content_type: str
    data: bytes
    text: str
    truncated: bool = False


def _pdf_escape(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text pypdf can extract (WinAnsi, so "Juárez" survives)."""
    ops = [b"BT", b"/F1 11 Tf", b"14 TL", b"72 760 Td"]
    for line in lines:
        ops.append(b"(" + _pdf_escape(line) + b") Tj T*")
    ops.append(b"ET")
    stream = b"\n".join(ops) + b"\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def _repack(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and member order kept."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return buffer.getvalue()


def make_docx(title: str, paragraphs: list[str], author: str) -> bytes:
    """A Word document with a heading and paragraphs, byte-for-byte reproducible."""
    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    props = document.core_properties
    fixed = datetime(2011, 12, 31, 12, 0, 0)
    props.author = author
    props.last_modified_by = author
    props.title = title
    props.created = fixed
    props.modified = fixed
    props.last_printed = fixed
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _repack(buffer.getvalue())


def make_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """A spreadsheet export, CRLF rows as Excel writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
