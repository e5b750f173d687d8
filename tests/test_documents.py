"""Files of a leak that are not mail become documents of the case (``ingest.documents``):
counted, searchable beside the mail (``is:document``, ``type:pdf``), shown, exported and packed.

Measured on the real documents of ``containers-more/documents`` (Apache Tika's test
files and an Outlook vCard), with the words each is known to hold (its PROVENANCE.md)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.cli import cli
from loupe.evidence.check import check_pack
from loupe.evidence.pack import write_pack
from loupe.export import export_eml, export_mbox
from loupe.ftm import ftm_entities
from loupe.ingest.documents import sniff_document, sniff_office
from loupe.ingest.pipeline import ingest
from loupe.rebuild import rebuild
from loupe.web.app import create_app

from .conftest import corpus

#: Each file of the group, its type, and a word only its text holds (from the file, checked by hand).
DOCUMENTS = {
    "testPDF.pdf": ("pdf", "incubator"),
    "testWORD.docx": ("docx", "subtitle"),
    "testEXCEL.xlsx": ("xlsx", "Feuil1"),
    "testPPT.pptx": ("pptx", "Watershed"),
    "testOpenOffice2.odt": ("odt", "NeoOffice"),
    "testRTF.rtf": ("rtf", "d’indexation"),
    "testHTML.html": ("html", "Indexation"),
    "testTXT.txt": ("txt", "Txt"),
    "testCSV.csv": ("csv", "Squares"),
    "testICalendar.ics": ("ics", "VEVENT"),
    "Contact.vcf": ("vcf", "LastName"),
    "PROVENANCE.md": ("txt", "provenance"),
}


@pytest.fixture(scope="module")
def documents_case(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("documents")
    mail = root / "mail"
    mail.mkdir()
    # a zip of the kind a leak arrives as: a message, a spreadsheet and a Word file side by side
    folder = corpus("containers-more") / "documents"
    with zipfile.ZipFile(mail / "dump.zip", "w") as archive:
        archive.write(folder / "testEXCEL.xlsx", "finance/payments.xlsx")
        archive.write(folder / "testWORD.docx", "letters/draft.docx")
        archive.write(next(corpus("notmuch-default").glob("cur/*")), "mail/one.eml")
    (mail / "program.bin").write_bytes(bytes(range(256)) * 8)
    case = Case.open(root / "case", create=True)
    summary = ingest(case, [folder, mail], workers=1)
    yield case, summary
    case.close()


def _by_name(case: Case) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for message in case.db.documents():
        record = case.db.message(message)
        found[record["locator"].replace("\\", "/").split("/")[-1]] = record
    return found


def test_every_document_of_the_group_is_a_document_with_its_type_and_the_counts_add_up(documents_case: Any) -> None:
    case, summary = documents_case
    counts = case.db.status_counts()
    # 12 files of documents/; the zip's three members: its two office files repeat two of those
    # byte for byte (duplicates, their places kept) and a message; the program is quarantined
    assert (counts.items, counts.documents, counts.indexed, counts.duplicate, counts.quarantined) == (16, 12, 1, 2, 1)
    assert counts.adds_up() and summary.documents == 12
    records = _by_name(case)
    for name, (doc_type, _) in DOCUMENTS.items():
        assert records[name]["doc_type"] == doc_type, name
        assert records[name]["kind"] == "document" and records[name]["subject"] == name
        assert not records[name]["defects"], (name, records[name]["defects"])
    # the zip's Word file repeats testWORD.docx byte for byte: a duplicate, its place kept
    draft = [c for c in records["testWORD.docx"]["copies"] if c["locator"].endswith("!letters/draft.docx")]
    assert draft and draft[0]["status"] == "duplicate"
    payments = [c for c in records["testEXCEL.xlsx"]["copies"] if c["locator"].endswith("!finance/payments.xlsx")]
    assert payments and payments[0]["status"] == "duplicate"
    (quarantined,) = case.db.quarantined()
    assert quarantined["locator"].endswith("program.bin")
    assert "not recognised as mail or as a document" in quarantined["reason"]


def test_office_files_are_documents_never_walked_as_zip_archives(documents_case: Any) -> None:
    case, _ = documents_case
    with case.db.engine.connect() as conn:
        locators = [row[0] for row in conn.exec_driver_sql("SELECT locator FROM items")]
    assert not [loc for loc in locators if ".docx!" in loc or ".xlsx!" in loc or ".pptx!" in loc or ".odt!" in loc]
    for name in ("testWORD.docx", "testEXCEL.xlsx", "testPPT.pptx", "testOpenOffice2.odt"):
        head = (corpus("containers-more") / "documents" / name).read_bytes()[:65536]
        assert sniff_office(head) in ("office", "opendocument"), name
    assert sniff_office(zipfile.ZipFile.__doc__.encode()) is None
    assert sniff_document(b"\x00\x01\x02binary" * 100) is None


def test_each_documents_text_is_found_by_search_and_by_type(documents_case: Any) -> None:
    case, _ = documents_case
    records = _by_name(case)
    for name, (doc_type, word) in DOCUMENTS.items():
        found = case.matching_ids(word)
        assert records[name]["id"] in found, (name, word)
        assert records[name]["id"] in case.matching_ids(f"type:{doc_type}"), name
    assert len(case.matching_ids("is:document")) == 12
    assert len(case.matching_ids("is:mail")) == 1
    assert case.matching_ids("type:pdf") == [records["testPDF.pdf"]["id"]]
    assert case.matching_ids("type:jpg") == []  # a spelling of jpeg: no image here
    squares = {records[name]["id"] for name in ("testCSV.csv", "testEXCEL.xlsx", "PROVENANCE.md")}
    assert set(case.matching_ids("Squares")) == squares  # the two tables, and the provenance describing them


def test_a_document_is_shown_as_one_and_downloads_under_its_name(documents_case: Any) -> None:
    case, _ = documents_case
    record = _by_name(case)["testPPT.pptx"]
    client = TestClient(create_app(case, allowed_hosts=["testserver"]))
    page = client.get(f"/message/{record['id']}")
    assert page.status_code == 200
    assert "a file of the leak that is not mail" in page.text and "Watershed" in page.text
    original = client.get(f"/api/messages/{record['id']}/original")
    assert original.content == (corpus("containers-more") / "documents" / "testPPT.pptx").read_bytes()
    assert "testPPT.pptx" in original.headers["content-disposition"]
    shown = CliRunner().invoke(cli, ["show", record["id"], "--case", str(case.root)])
    assert shown.exit_code == 0 and "pptx file, not mail" in shown.output and "Watershed" in shown.output
    status = CliRunner().invoke(cli, ["status", "--case", str(case.root)])
    assert "documents" in status.output and "counts add up    yes" in status.output


def test_documents_export_as_the_files_they_are(documents_case: Any, tmp_path: Path) -> None:
    case, _ = documents_case
    ids = case.matching_ids("")
    rows = export_eml(case, ids, tmp_path / "eml", lambda: None)
    pdf = _by_name(case)["testPDF.pdf"]
    (written,) = [r.file for r in rows if r.id == pdf["id"]]
    assert written == f"{pdf['id']}-testPDF.pdf"
    assert (tmp_path / "eml" / written).read_bytes() == (
        corpus("containers-more") / "documents/testPDF.pdf"
    ).read_bytes()
    mbox_rows = export_mbox(case, ids, tmp_path / "all.mbox", lambda: None)
    assert len(mbox_rows) == 1  # an mbox holds the mail only
    entities = list(ftm_entities(case, [pdf["id"], _by_name(case)["testCSV.csv"]["id"]], lambda: None))
    assert [e["schema"] for e in entities] == ["Pages", "Table"]
    assert "incubator" in entities[0]["properties"]["bodyText"][0]
    pack = tmp_path / "pack"
    write_pack(case, [pdf["id"]], pack)
    assert check_pack(pack).ok
    (entry,) = json.loads((pack / "manifest.json").read_text("utf-8"))["messages"]
    assert entry["original"]["file"].endswith("original-testPDF.pdf")


def test_rebuild_reads_documents_again_from_their_originals(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [corpus("containers-more") / "documents"], workers=1)
        before = sorted(case.matching_ids("NeoOffice OR Watershed OR incubator"))
        rebuild(case, index=True, analysis=False)
        # the three files, and PROVENANCE.md, which says "incubator" too
        assert sorted(case.matching_ids("NeoOffice OR Watershed OR incubator")) == before and len(before) == 4
        assert len(case.matching_ids("is:document")) == 12
    finally:
        case.close()


def test_a_document_inside_a_message_stays_its_attachment(tmp_path: Path) -> None:
    """An attachment is part of its message, not a document of its own: only loose files are documents."""
    data = (corpus("containers-more") / "documents" / "testPDF.pdf").read_bytes()
    mail = tmp_path / "mail"
    mail.mkdir()
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "report"
    message["Message-ID"] = "<report@example.org>"
    message.set_content("see attached")
    message.add_attachment(data, maintype="application", subtype="pdf", filename="report.pdf")
    (mail / "report.eml").write_bytes(bytes(message))
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [mail], workers=1)
        counts = case.db.status_counts()
        assert (counts.indexed, counts.documents, counts.attachments) == (1, 0, 1)
        assert case.matching_ids("incubator") and not case.matching_ids("is:document")
    finally:
        case.close()


def test_status_json_has_a_documents_column(documents_case: Any) -> None:
    case, _ = documents_case
    result = CliRunner().invoke(cli, ["status", "--json", "--case", str(case.root)])
    data = json.loads(result.output)
    assert data["documents"] == 12 and data["adds_up"] is True
    assert data["items"] == data["indexed"] + data["documents"] + data["duplicates"] + data["quarantined"]


def test_zip_helper_is_not_an_office_file() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mail/cur/1", b"From: a@b\n\nhi\n")
    assert sniff_office(buffer.getvalue()) is None


def test_search_results_mark_documents(documents_case: Any) -> None:
    case, _ = documents_case
    client = TestClient(create_app(case, allowed_hosts=["testserver"]))
    page = client.get("/", params={"q": "Watershed"})
    assert "PPTX document" in page.text
    hits = client.get("/api/search", params={"q": "Watershed OR type:pdf"}).json()["hits"]
    assert {h["kind"] for h in hits} == {"document"} and {"pptx", "pdf"} <= {h["doc_type"] for h in hits}


def test_a_picture_in_the_leak_is_a_document_read_by_ocr_and_says_so(tmp_path: Path) -> None:
    from .ocr_samples import require_tesseract

    require_tesseract()
    folder = tmp_path / "leak"
    folder.mkdir()
    (folder / "phototest.tif").write_bytes((corpus("containers-more") / "ocr" / "phototest.tif").read_bytes())
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [folder], workers=1)
        (document,) = case.matching_ids("type:tiff")
        assert case.db.message(document)["body_source"] == "ocr"
        assert document in case.matching_ids("quick brown fox")
        client = TestClient(create_app(case, allowed_hosts=["testserver"]))
        assert "read by OCR" in client.get(f"/message/{document}").text
        shown = CliRunner().invoke(cli, ["show", document, "--case", str(case.root)])
        assert "tiff file, not mail: its text below was read by OCR" in shown.output
    finally:
        case.close()


def test_a_quote_found_in_a_document_is_cited_and_read_again_from_it(documents_case: Any, tmp_path: Path) -> None:
    from loupe.evidence.check import check_pack
    from loupe.evidence.citations import check_citations
    from loupe.evidence.pack import write_quote_pack
    from loupe.quotes import load_article
    from loupe.quotes.in_case import check_quotes

    case, _ = documents_case
    article = load_article(
        b'The file said: "This is a sample Open Office document, written in NeoOffice 2.2.1 for the Mac."', "a.txt"
    )
    checks = check_quotes(case, article)
    assert checks[0].match is not None and checks[0].match.message == _by_name(case)["testOpenOffice2.odt"]["id"]
    pack = tmp_path / "pack"
    write_quote_pack(case, checks, "a", pack)
    result = check_pack(pack)
    check_citations(pack, result)
    assert result.ok and result.citations >= 1, result.problems
    entries = json.loads((pack / "manifest.json").read_text("utf-8"))["messages"]
    originals = {e["original"]["name"]: e["original"] for e in entries}
    assert originals["testOpenOffice2.odt"]["kind"] == "document"


def test_a_legacy_office_file_is_a_document_and_exports_as_it_is(tmp_path: Path) -> None:
    """An OLE2 file that is no Outlook item (a .doc in Tika's 7z) is a document: its page shows and an
    export writes its bytes; it is never converted as if it were an Outlook .msg."""
    import py7zr

    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [corpus("containers-more") / "7z" / "test-documents.7z"], workers=1)
        (doc,) = case.matching_ids("type:doc")
        record = case.db.message(doc)
        assert record["kind"] == "document" and "not extracted" in record["defects"]
        with py7zr.SevenZipFile(corpus("containers-more") / "7z" / "test-documents.7z") as archive:
            archive.extractall(tmp_path / "unpacked")
        original = (tmp_path / "unpacked" / "test-documents" / "testWORD.doc").read_bytes()
        page = TestClient(create_app(case, allowed_hosts=["testserver"])).get(f"/message/{doc}")
        assert page.status_code == 200 and "DOC" in page.text  # its page: never read as an Outlook item
        rows = export_eml(case, [doc], tmp_path / "out", lambda: None)
        assert rows[0].file == f"{doc}-testWORD.doc" and not rows[0].converted
        assert (tmp_path / "out" / rows[0].file).read_bytes() == original
    finally:
        case.close()
