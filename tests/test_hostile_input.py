"""Hostile input, bounded (issue 15): each ends as indexed or quarantined with a reason naming the limit.

Each input is made here, in the test's folder, the way an attacker or a
broken exporter would make it, and goes through the real ingest. What is
asserted: the item's end (indexed or quarantined), the reason when
quarantined, and that nothing else in the batch is lost. Time and memory
are measured in ``bench/``, never asserted here.
"""

from __future__ import annotations

import dataclasses
import email.message
import io
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from loupe.case import Case
from loupe.ingest.attachments import extract_text
from loupe.ingest.mime import parse_message
from loupe.ingest.pipeline import ingest
from loupe.store import schema
from tests.conftest import open_case_on
from tests.pdf_samples import pdf_file

PLAIN = b"From: a@example.org\nTo: b@example.org\nSubject: fine\nMessage-ID: <fine@example.org>\n\nA fine message.\n"


def _ingest(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest, files: dict[str, bytes], **settings: int
) -> tuple[Case, dict[str, tuple[str, str]]]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "fine.eml").write_bytes(PLAIN)
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    case = open_case_on(backend, tmp_path / "case", request)
    if settings:
        case = dataclasses.replace(case, settings=dataclasses.replace(case.settings, **settings))
    ingest(case, [inbox], workers=1)
    i = schema.items
    with case.db.engine.connect() as conn:
        rows = conn.execute(select(i.c.locator, i.c.status, i.c.reason)).all()
    ends = {Path(locator.split("@")[0].split("!")[0]).name: (status, reason or "") for locator, status, reason in rows}
    assert ends["fine.eml"][0] == "indexed"  # the batch goes on
    return case, ends


@pytest.mark.both_backends
def test_ten_thousand_mime_parts(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    parts = [b"--b\nContent-Type: text/plain\n\npart %d\n" % n for n in range(10_000)]
    data = (
        b"From: a@example.org\nSubject: many\nContent-Type: multipart/mixed; boundary=b\n\n"
        + b"".join(parts)
        + b"--b--\n"
    )
    case, ends = _ingest(tmp_path, backend, request, {"parts.eml": data})
    assert ends["parts.eml"][0] == "indexed"
    case.close()


@pytest.mark.both_backends
def test_a_ten_megabyte_header(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    data = b"From: a@example.org\nSubject: " + b"x" * 10_000_000 + b"\n\nbody under a huge header\n"
    case, ends = _ingest(tmp_path, backend, request, {"header.eml": data})
    assert ends["header.eml"][0] in ("indexed", "quarantined")
    if ends["header.eml"][0] == "quarantined":
        assert "header" in ends["header.eml"][1]
    case.close()


@pytest.mark.both_backends
def test_a_message_over_the_size_limit_is_quarantined_naming_the_limit(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    data = PLAIN.replace(b"fine@", b"big@") + b"x" * 3_000_000
    case, ends = _ingest(tmp_path, backend, request, {"big.eml": data}, max_message_bytes=1_000_000)
    status, reason = ends["big.eml"]
    assert status == "quarantined" and "exceeds the 1000000-byte limit" in reason
    case.close()


@pytest.mark.both_backends
def test_mime_nested_ten_thousand_deep(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    depth = 10_000
    head = [b"From: a@example.org\nSubject: deep\nMIME-Version: 1.0\n"]
    for level in range(depth):
        head.append(f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n'.encode())
    head.append(b"Content-Type: text/plain\n\nthe bottom\n")
    head += [f"--b{level}--\n".encode() for level in reversed(range(depth))]
    case, ends = _ingest(tmp_path, backend, request, {"deep.eml": b"".join(head)})
    assert ends["deep.eml"][0] == "indexed"
    case.close()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>"
)


OOXML = "http://schemas.openxmlformats.org"
DOCX_TYPES = (
    f'<?xml version="1.0"?><Types xmlns="{OOXML}/package/2006/content-types"><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX_RELS = (
    f'<?xml version="1.0"?><Relationships xmlns="{OOXML}/package/2006/relationships"><Relationship Id="r1" '
    f'Type="{OOXML}/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
XLSX_BOOK = (
    f'<workbook xmlns="{OOXML}/spreadsheetml/2006/main"><sheets><sheet name="&lol9;" sheetId="1"/></sheets></workbook>'
)
DOCX_BODY = (
    f'<w:document xmlns:w="{OOXML}/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
    "</w:body></w:document>"
)
XLSX_TYPES = f'<?xml version="1.0"?><Types xmlns="{OOXML}/package/2006/content-types"/>'
ODF = "urn:oasis:names:tc:opendocument:xmlns"
ODT_CONTENT = (
    f'<office:document-content xmlns:office="{ODF}:office:1.0" xmlns:text="{ODF}:text:1.0"><office:body>'
    "<office:text><text:p>&lol9;</text:p></office:text></office:body></office:document-content>"
)


def _office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        if kind == "docx":
            z.writestr("[Content_Types].xml", DOCX_TYPES)
            z.writestr("_rels/.rels", DOCX_RELS)
            z.writestr("word/document.xml", BILLION_LAUGHS + DOCX_BODY)
        elif kind == "xlsx":
            z.writestr(
                "[Content_Types].xml", f'<?xml version="1.0"?><Types xmlns="{OOXML}/package/2006/content-types"/>'
            )
            z.writestr("xl/workbook.xml", BILLION_LAUGHS + XLSX_BOOK)
        else:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            z.writestr("content.xml", BILLION_LAUGHS + ODT_CONTENT)
    return buffer.getvalue()


def test_billion_laughs_inside_docx_xlsx_and_odt_is_refused_not_expanded() -> None:
    for kind, mime in (
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("odt", "application/vnd.oasis.opendocument.text"),
    ):
        extracted = extract_text(_office(kind), mime, f"laughs.{kind}")
        assert "lol" * 1000 not in extracted.text, kind  # 10^9 lols would be gigabytes
        assert len(extracted.text) < 100_000, kind


def test_an_attachment_name_with_separators_controls_and_five_thousand_characters() -> None:
    """The name is kept as the message wrote it (evidence); where it becomes a file name, it is made safe."""
    from loupe.web.routes.message import attachment_headers

    name = "../../etc/" + "\x01\x1b[31m" + "n" * 5000 + ".txt"
    data = (
        b"From: a@example.org\nSubject: name\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
        b"Content-Type: text/plain\n\nbody\n--b\nContent-Type: text/plain\n"
        b'Content-Disposition: attachment; filename="' + name.encode("latin-1") + b'"\n\nattached\n--b--\n'
    )
    parsed = parse_message(data)
    (attachment,) = parsed.attachments
    assert "../../etc/" in attachment.filename and len(attachment.filename) > 5000
    disposition = attachment_headers(attachment.filename)["Content-Disposition"]
    plain = disposition.split('filename="')[1].split('"')[0]
    encoded = disposition.split("filename*=UTF-8''")[1]
    for shown in (plain, encoded):
        assert "/" not in shown and "\\" not in shown
        assert not any(ord(c) < 32 for c in shown)
    assert len(plain) <= 200 and plain.endswith(".txt")


@pytest.mark.both_backends
def test_a_zip_slip_member_is_read_not_written(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    """Archive members are read in memory, never extracted to disk: a "../" name writes nothing outside."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("../../escaped.eml", PLAIN.replace(b"fine@", b"slip@"))
        z.writestr("/abs/escaped2.eml", PLAIN.replace(b"fine@", b"slip2@"))
    case, _ = _ingest(tmp_path, backend, request, {"slip.zip": buffer.getvalue()})
    assert not list(tmp_path.parent.glob("escaped*")) and not Path("/abs").exists()
    with case.db.engine.connect() as conn:
        statuses = dict(conn.execute(select(schema.items.c.locator, schema.items.c.status)).all())
    members = {locator: status for locator, status in statuses.items() if "slip.zip" in locator}
    assert len(members) >= 2 and all(status == "indexed" for status in members.values()), members
    case.close()


def test_a_message_over_the_limit_inside_an_mbox_is_not_collected_whole() -> None:
    """The mbox reader stops collecting at the limit (``bench/big_message_bench.py`` measures 1 GiB)."""
    from loupe.ingest.mbox import TooLarge, iter_mbox

    big = b"From: b@example.org\nSubject: huge\n\n" + b"a line of the huge message\n" * 40_000
    mbox = (
        b"From a@x Mon Jan  1 00:00:00 2010\n" + PLAIN + b"\nFrom b@x Mon Jan  1 00:00:00 2010\n" + big
        + b"\nFrom c@x Mon Jan  1 00:00:00 2010\n" + PLAIN.replace(b"fine@", b"third@")
    )  # fmt: skip
    items = list(iter_mbox(io.BytesIO(mbox), limit=100_000))
    assert [type(data) is TooLarge for _, data in items] == [False, True, False]
    too_large = items[1][1]
    assert isinstance(too_large, TooLarge) and len(too_large) == 0 and too_large.size == len(big)
    assert items[2][1] == PLAIN.replace(b"fine@", b"third@")


@pytest.mark.both_backends
def test_a_message_over_the_limit_inside_an_mbox_is_quarantined_naming_it(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    big = b"From: b@example.org\nSubject: huge\n\n" + b"a line of the huge message\n" * 80_000
    first = PLAIN.replace(b"fine@", b"first@").replace(b"A fine", b"The first")
    mbox = b"From a@x Mon Jan  1 00:00:00 2010\n" + first + b"\nFrom b@x Mon Jan  1 00:00:00 2010\n" + big
    case, _ = _ingest(tmp_path, backend, request, {"box.mbox": mbox}, max_message_bytes=1_000_000)
    i = schema.items
    with case.db.engine.connect() as conn:
        rows = conn.execute(select(i.c.locator, i.c.status, i.c.reason).where(i.c.locator.like("%box.mbox%"))).all()
    assert sorted(status for _, status, _ in rows) == ["indexed", "quarantined"]
    (reason,) = [reason for _, status, reason in rows if status == "quarantined"]
    assert reason == f"message of {len(big)} bytes exceeds the 1000000-byte limit"
    case.close()


def _zeros_deflated(prefix: bytes, megabytes: int) -> bytes:
    """zlib data inflating to ``prefix`` then ``megabytes`` MiB of zero bytes, made without holding them.

    One megabyte is compressed once and repeated (a full flush makes each
    block stand alone), then an empty final block and the checksum: a valid
    stream of any size, built in a fraction of a second.
    """
    squeeze = zlib.compressobj(9)
    head = squeeze.compress(prefix) + squeeze.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(1 << 20)
    block = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(prefix)
    for _ in range(megabytes):
        checksum = zlib.adler32(zeros, checksum)
    return head + block * megabytes + b"\x03\x00" + checksum.to_bytes(4, "big")


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _text_op(line: str) -> bytes:
    return f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET\n".encode()


def _stream(data: bytes, entries: bytes = b"/Filter /FlateDecode", length: int | None = None) -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data) if length is None else length, entries) + data + b"\nendstream"


def _pages(
    contents: list[bytes],
    entries: bytes = b"/Filter /FlateDecode",
    resources: bytes = b"",
    more: dict[int, bytes] | None = None,
) -> bytes:
    """One page per content stream (given encoded), Helvetica as /F1; ``more`` objects numbered 10 to 99."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: FONT, **(more or {})}
    kids = []
    for n, data in enumerate(contents):
        page, content = 100 + 2 * n, 101 + 2 * n
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> %s >> "
            b"/Contents %d 0 R >>" % (resources, content)
        )
        objects[content] = _stream(data, entries)
        kids.append(b"%d 0 R" % page)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return pdf_file(objects)


def _mail_with(attachments: dict[str, bytes]) -> bytes:
    mail = email.message.EmailMessage()
    mail["From"], mail["Subject"], mail["Message-ID"] = "a@example.org", "the PDFs", "<pdfs@example.org>"
    mail.set_content("PDFs attached.\n")
    for name, data in attachments.items():
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return mail.as_bytes()


@pytest.mark.both_backends
def test_pdf_that_expands_without_end_is_read_up_to_a_limit(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """A page inflating to 1 GB, filters nesting a bomb in a bomb, and pages each inflating to 15 MB.

    pypdf stops one stream at 75 MB but keeps every stream it inflated until
    the document is done: 500 pages of 74 MB (a 36 MB attachment) reached
    2.9 GB in 220 s before running out of memory, where Loupe's limits stop
    it at 0.4 s and 150 MB (``bench/pdf_bench.py``).
    """
    bomb = _zeros_deflated(_text_op("Never read"), 1024)
    heavy = _zeros_deflated(b"", 15)
    pdfs = {
        "bomb.pdf": _pages([bomb]),
        "nested.pdf": _pages([zlib.compress(bomb)], b"/Filter [/FlateDecode /FlateDecode]"),
        "pages.pdf": _pages([zlib.compress(_text_op("The first page"))] + [heavy] * 12),
    }
    case, ends = _ingest(tmp_path, backend, request, {"pdfs.eml": _mail_with(pdfs)})
    assert ends["pdfs.eml"][0] == "indexed"
    a = schema.attachments
    with case.db.engine.connect() as conn:
        found = {
            name: (chars, error)
            for name, chars, error in conn.execute(select(a.c.filename, a.c.text_chars, a.c.text_error))
        }
    assert found["bomb.pdf"] == (0, "pdf: page 1: content expands past 16.0 MB: text not read")
    assert found["nested.pdf"] == (0, "pdf: page 1: content expands past 16.0 MB: text not read")
    chars, error = found["pages.pdf"]
    assert chars >= len("The first page")  # pages 1 to 5 read (2 to 5 have no text)
    assert error == "pdf: stopped at page 6 of 13: the pages' content expands past 64.0 MB in all"
    assert case.search('"the first page"')[0] == 1  # what was read before the limit is searchable
    case.close()


def test_a_pdf_page_drawing_a_big_form_a_hundred_times_is_not_parsed_a_hundred_times() -> None:
    """pypdf parses a form XObject again each time a page draws it (up to 5,000 times a page)."""
    form = _stream(
        zlib.compress(_text_op("in the form") + b" " * (1 << 20)),
        b"/Filter /FlateDecode /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >>",
    )
    page = zlib.compress(_text_op("Page") + b"/Logo Do\n" * 100)
    pdf = _pages([page], resources=b"/XObject << /Logo 10 0 R >>", more={10: form})
    result = extract_text(pdf, "application/pdf", "forms.pdf")
    assert result.error == "pdf: stopped at page 1 of 1: the pages' content expands past 64.0 MB in all"


def test_a_pdf_whose_page_tree_loops_or_whose_length_lies_ends_with_the_reason() -> None:
    """pypdf's own limits hold here (7.1): a cycle in /Kids, and a /Length past any attachment or short of the data."""
    text = zlib.compress(_text_op("Hello"))

    def one_page(kids: bytes = b"100 0 R", length: int | None = None) -> bytes:
        page = b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 101 0 R >>"
        return pdf_file(
            {
                1: b"<< /Type /Catalog /Pages 2 0 R >>",
                2: b"<< /Type /Pages /Kids [%s] /Count 1 >>" % kids,
                3: FONT,
                100: page,
                101: _stream(text, length=length),
            }
        )

    assert extract_text(one_page(), "application/pdf", "fine.pdf").text == "Hello"
    cycle = extract_text(one_page(kids=b"100 0 R 2 0 R"), "application/pdf", "cycle.pdf")
    assert cycle.error == "pdf: PdfReadError: Detected cyclic page references."
    assert extract_text(one_page(length=10**12), "application/pdf", "long.pdf").error == (
        "pdf: page 1: LimitReachedError: Declared stream length of 1000000000000 exceeds maximum allowed length: "
        "text not read"
    )
    assert extract_text(one_page(length=3), "application/pdf", "short.pdf").text == "Hello"
