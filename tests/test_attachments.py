"""Attachment text extraction on real files built in the test, good and broken."""

from __future__ import annotations

import io
import zipfile

import pytest

from loupe.ingest.attachments import Extracted, ExtractLimits, extract_text


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF: one Helvetica text line per page, correct xref."""
    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, line in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("The shipment left Rotterdam on Tuesday.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Amount"
    table.cell(1, 0).text = "Acme"
    table.cell(1, 1).text = "1200"
    document.add_paragraph("Closing paragraph after the table.")
    document.sections[0].header.paragraphs[0].text = "CONFIDENTIAL"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Payments"
    sheet.append(["Payee", "Amount", "Note"])
    sheet.append(["Acme Ltd", 1200.5, None])
    sheet.append([None, None, None])
    sheet.append(["Zeta GmbH", 7, "wire"])
    second = workbook.create_sheet("Contacts")
    second.append(["Ivan", "ivan@example.org"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_odt() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Meeting notes"))
    document.text.addElement(P(text="We met the minister at noon."))
    items = List()
    item = ListItem()
    item.addElement(P(text="A point inside a list"))
    items.addElement(item)
    document.text.addElement(items)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
RTF = rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Helvetica;}}\f0\pard Hello from \b RTF\b0 , caf\'e9.\par}"


def test_pdf_text_even_when_mail_says_octet_stream() -> None:
    result = extract_text(make_pdf(["Secret meeting in Vienna"]), "application/octet-stream", "scan")
    assert result.method == "pdf"
    assert result.error == ""
    assert "Secret meeting in Vienna" in result.text


def test_pdf_page_limit_is_noted() -> None:
    pdf = make_pdf([f"Page number {n}" for n in range(1, 6)])
    result = extract_text(pdf, "application/pdf", "long.pdf", ExtractLimits(max_pdf_pages=2))
    assert "Page number 2" in result.text
    assert "Page number 3" not in result.text
    assert result.error.startswith("pdf: truncated")
    assert "2 of 5 pages" in result.error


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
        b"%PDF-1.7\n" + bytes(range(256)) * 20,
        b"%PDF-",
    ],
    ids=["dangling-reference", "garbage", "header-only"],
)
def test_corrupt_pdf_records_error(data: bytes) -> None:
    result = extract_text(data, "application/pdf", "broken.pdf")
    assert result.text == ""
    assert result.error.startswith("pdf: ")
    assert "\n" not in result.error
    assert len(result.error) <= 200


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Hidden text here"]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_encrypted_pdf_needing_a_password_records_why() -> None:
    result = extract_text(encrypted_pdf("secret"), "application/pdf", "locked.pdf")
    assert result == Extracted("", "pdf: encrypted: needs a password", "pdf")


def test_pdf_encrypted_with_empty_password_is_read() -> None:
    """Permission-only encryption (no user password) is common and readable."""
    result = extract_text(encrypted_pdf(""), "application/pdf", "restricted.pdf")
    assert result == Extracted("Hidden text here", "", "pdf")


def test_declared_pdf_that_is_not_one_records_error() -> None:
    result = extract_text(b"this is not a pdf at all", "application/pdf", "fake.pdf")
    assert result == Extracted("", result.error, "pdf")
    assert result.error.startswith("pdf: ")


def test_docx_paragraphs_tables_and_header() -> None:
    result = extract_text(make_docx(), "application/octet-stream", "report.bin")
    assert result.method == "docx"
    assert result.error == ""
    lines = result.text.splitlines()
    assert "Quarterly report" in lines
    assert "Name\tAmount" in lines
    assert "Acme\t1200" in lines
    assert lines.index("Name\tAmount") < lines.index("Closing paragraph after the table.")
    assert "CONFIDENTIAL" in lines


def test_xlsx_sheets_as_tab_separated_rows() -> None:
    result = extract_text(make_xlsx(), "application/vnd.ms-excel", "payments.xlsx")
    assert result.method == "xlsx"
    assert result.error == ""
    assert result.text.splitlines() == [
        "# Sheet: Payments",
        "Payee\tAmount\tNote",
        "Acme Ltd\t1200.5",
        "Zeta GmbH\t7\twire",
        "# Sheet: Contacts",
        "Ivan\tivan@example.org",
    ]


def test_odt_paragraphs_and_headings_in_order() -> None:
    result = extract_text(make_odt(), "application/octet-stream", "")
    assert result.method == "odt"
    assert result.error == ""
    assert result.text.splitlines() == ["Meeting notes", "We met the minister at noon.", "A point inside a list"]


def test_rtf() -> None:
    result = extract_text(RTF, "application/octet-stream", "letter.doc")
    assert result.method == "rtf"
    assert result.error == ""
    assert "Hello from RTF, café." in result.text


def test_html_attachment_drops_script() -> None:
    html = b"<html><head><meta charset='windows-1251'><script>track('me')</script></head>"
    html += "<body><h1>Отчёт</h1><p>Text body</p></body></html>".encode("cp1251")
    result = extract_text(html, "application/octet-stream", "page.HTM")
    assert result.method == "html"
    assert result.error == ""
    assert "Отчёт" in result.text
    assert "Text body" in result.text
    assert "track" not in result.text


def test_csv_in_cp1252() -> None:
    data = "name;city\r\nJosé;Málaga\r\nRenée;Besançon — FR\r\n".encode("cp1252")
    result = extract_text(data, "text/csv", "people.csv")
    assert result == Extracted("name;city\r\nJosé;Málaga\r\nRenée;Besançon — FR\r\n", "", "text")


def test_calendar_and_octet_stream_txt_are_text() -> None:
    assert extract_text(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar", "invite.ics").method == "text"
    assert extract_text(b"notes", "application/octet-stream", "NOTES.TXT").text == "notes"


def test_oversize_input_is_skipped_with_reason() -> None:
    limits = ExtractLimits(max_input_bytes=1024)
    result = extract_text(make_pdf(["x" * 10]) + b" " * 2000, "application/pdf", "big.pdf", limits)
    assert result.text == ""
    assert result.method == "pdf"
    assert result.error.startswith("pdf: skipped")


def test_long_text_is_truncated_and_noted() -> None:
    result = extract_text(b"a" * 5000, "text/plain", "a.txt", ExtractLimits(max_chars=100))
    assert len(result.text) == 100
    assert "truncated" in result.error


def test_zip_bomb_guard() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b" " * 2_000_000)
    result = extract_text(buffer.getvalue(), "application/octet-stream", "", ExtractLimits(max_input_bytes=100_000))
    assert result.method == "docx"
    assert result.text == ""
    assert result.error.startswith("docx: skipped: zip members expand")


@pytest.mark.parametrize(
    ("data", "mimetype", "filename"),
    [
        (PNG, "image/png", "photo.png"),
        (PNG, "application/octet-stream", "image.pdf.png"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/msword", "old.doc"),
        (b"ID3\x03\x00" + b"\x00" * 100, "audio/mpeg", "call.mp3"),
        (b"MZ\x90\x00" + b"\x00" * 100, "application/x-msdownload", "setup.exe"),
    ],
    ids=["png", "png-octet", "ole-doc", "mp3", "exe"],
)
def test_non_text_is_none_without_error(data: bytes, mimetype: str, filename: str) -> None:
    assert extract_text(data, mimetype, filename) == Extracted("", "", "none")


def test_oversize_image_is_still_not_an_error() -> None:
    assert extract_text(PNG, "image/png", "x.png", ExtractLimits(max_input_bytes=10)) == Extracted("", "", "none")


def test_plain_zip_is_none() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert extract_text(buffer.getvalue(), "application/zip", "files.zip").method == "none"


@pytest.mark.parametrize(
    ("data", "mimetype", "filename", "method"),
    [
        (b"PK\x03\x04" + b"\x00" * 50, "application/octet-stream", "broken.docx", "docx"),
        (make_docx()[:500], "application/octet-stream", "truncated.docx", "docx"),
        (make_xlsx()[:-200], "application/octet-stream", "truncated.xlsx", "xlsx"),
        (b"not zip", "application/vnd.oasis.opendocument.text", "x.odt", "odt"),
    ],
    ids=["zip-header-only", "truncated-docx", "truncated-xlsx", "odt-not-zip"],
)
def test_corrupt_office_files_record_error(data: bytes, mimetype: str, filename: str, method: str) -> None:
    result = extract_text(data, mimetype, filename)
    assert result.method == method
    assert result.text == ""
    assert result.error.startswith(f"{method}: ")
    assert "\n" not in result.error
    assert len(result.error) <= 200


def test_library_crash_of_any_kind_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    import loupe.ingest.attachments as attachments

    def recurse(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
        raise RecursionError("maximum recursion depth exceeded")

    def no_memory(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
        raise MemoryError

    def long_message(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
        raise ValueError("line one\nline two " + "x" * 500)

    for fake, expected in [(recurse, "rtf: RecursionError"), (no_memory, "rtf: MemoryError")]:
        monkeypatch.setitem(attachments._EXTRACTORS, "rtf", fake)
        assert extract_text(RTF, "text/rtf", "a.rtf").error.startswith(expected)
    monkeypatch.setitem(attachments._EXTRACTORS, "rtf", long_message)
    error = extract_text(RTF, "text/rtf", "a.rtf").error
    assert error.startswith("rtf: ValueError: line one line two")
    assert len(error) == 200


def test_pypdf_logging_is_quieted_at_call_time_only() -> None:
    import logging
    import subprocess
    import sys

    code = (
        "import logging, loupe.ingest.attachments as a;"
        "print(logging.getLogger('pypdf').level);"
        "a.extract_text(b'%PDF-1.4 junk', 'application/pdf', 'x.pdf');"
        "print(logging.getLogger('pypdf').level)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(logging.NOTSET), str(logging.ERROR)]
    assert out.stderr == ""
