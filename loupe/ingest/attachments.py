"""Searchable text from attachments: bounded, and never fatal to the message.

An attachment's declared type is unreliable (mail clients send PDFs as
``application/octet-stream`` and name files anything), so the extractor is
chosen from the bytes first (``%PDF``, ``{\\rtf``, the members of a zip), then
the MIME type and the file extension. What we cannot read as text (audio,
executables, legacy OLE Office files) gets method ``"none"`` and no error.

Pictures (PNG, JPEG, TIFF, GIF, by their first bytes) and PDF pages without
a text layer are read by OCR when ``limits.ocr`` says how (``loupe.ingest.scans``);
without it a picture is ``"none"`` too: not extracting one is not a failure.
``Extracted.ocr_pages`` says how many pages of the text OCR read.

Leaked archives are full of corrupt, encrypted and hostile files. Every
library call is fenced: an exception (including ``RecursionError`` and
``MemoryError``) becomes a one-line ``error`` on the result and the message
is still ingested; the original bytes stay in the blob store either way.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loupe.ingest.ocr import OcrOptions
from loupe.ingest.text import decode_bytes, html_to_text

if TYPE_CHECKING:
    from pypdf import PdfReader

    from loupe.ingest.pdf_cost import PdfCost

#: Longest ``error`` line: enough for the exception type and its gist.
MAX_ERROR_CHARS = 200

#: Zip-based documents (docx, xlsx, odt) whose members claim to expand past
#: this many times ``max_input_bytes`` are not opened: ordinary documents
#: expand 5-20x, zip bombs thousands of times, and the XML libraries below
#: build it all in memory.
MAX_ZIP_EXPANSION = 10

PDF_MAGIC = b"%PDF-"
#: PDF readers accept the header anywhere in the first 1 KiB.
PDF_HEADER_WINDOW = 1024
ZIP_MAGIC = b"PK\x03\x04"
RTF_MAGIC = b"{\\rtf"
#: PNG, JPEG, TIFF (both byte orders), GIF: the pictures OCR reads.
#: How each picture type Loupe reads (by OCR) begins, and the type.
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
}
IMAGE_MAGIC = tuple(IMAGE_TYPES)
#: A PDF page with fewer letters than this in its text layer is OCR'd too (when
#: it has a picture): scans often carry only a stamped page or Bates number.
MIN_PAGE_LETTERS = 20
#: An OpenDocument's declared type (its ``mimetype`` member), to its format.
ODF_FORMATS = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
#: An Office Open XML file's main part, to its format.
OOXML_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HTML_EXTS = (".htm", ".html", ".xhtml")
#: Textual types outside ``text/*`` that mail carries as attachments.
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/csv",
        "application/x-csv",
        "application/ics",
        "application/javascript",
        "application/x-sh",
        "application/x-yaml",
        "application/pgp-signature",
        "application/pgp-keys",
    }
)
_TEXT_EXTS = (".txt", ".csv", ".tsv", ".log", ".md", ".json", ".xml", ".ics", ".vcf", ".vcs", ".ini", ".yaml", ".yml")
_BY_TYPE = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/rtf": "rtf",
    "application/x-rtf": "rtf",
    "text/rtf": "rtf",
    "text/richtext": "rtf",
    **dict.fromkeys(ODF_FORMATS, "odt"),
}
_BY_EXT = {
    **{".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".xlsx": "xlsx", ".rtf": "rtf"},
    **{".odt": "odt", ".ods": "odt", ".odp": "odt"},
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class ExtractLimits:
    """Bounds on the work one attachment may cost; each is a reason, not a guess."""

    #: Larger attachments are not extracted (the reason is recorded): parsing
    #: a 500 MB PDF would stall a worker for minutes to index mostly scans.
    max_input_bytes: int = 50 * 1024 * 1024
    #: Extracted text is truncated here (noted in the result): about 1,000
    #: pages of prose, beyond which a document is usually a data dump.
    max_chars: int = 2_000_000
    #: PDF pages read; pypdf's cost is per page and scans have no text anyway.
    max_pdf_pages: int = 500
    #: A PDF stream (a page's content, a form, a font's character map) is
    #: inflated this far at most, else its page's text is not read. pypdf's own
    #: cap is 75 MB, which it parses at 5-13 MB/s here (6-15 s a page); a dense
    #: page of prose is under 200 KB, and content past 16 MB is drawing (plans,
    #: maps), not text. A 1 GB FlateDecode bomb stops here in about 0.1 s.
    max_pdf_stream_bytes: int = 16 * 1024 * 1024
    #: Content one PDF's text may cost in all (``loupe.ingest.pdf_cost``):
    #: pypdf keeps every inflated stream until the document is done and parses
    #: a form again each time a page draws it, so without a total, 500 pages of
    #: 74 MB each (a 36 MB attachment) reached 2.9 GB by page 39, in 220 s, on
    #: their way to 37 GB. A text report is 10-100 KB a page, so 64 MB holds
    #: 500 pages of it several times over, and costs at most 5-13 s of parsing
    #: (``bench/pdf_bench.py``); past it, the pages read are kept, the rest noted.
    max_pdf_content_bytes: int = 64 * 1024 * 1024
    #: How to OCR pictures and PDF pages without text; None: not at all (the
    #: case's settings turn it on, ``Settings.extraction``).
    ocr: OcrOptions | None = None


@dataclass(frozen=True)
class Extracted:
    """Text of one attachment and, when incomplete, why in one line."""

    text: str
    #: Empty when fine; otherwise one line: why extraction failed, or that it
    #: was skipped or truncated (the text may then still be partial).
    error: str = ""
    #: "text", "html", "pdf", "docx", "xlsx", "pptx", "odt", "rtf" or "none".
    method: str = ""
    #: Pages of ``text`` read by OCR (a picture's frames, a PDF's scanned pages).
    ocr_pages: int = 0


def extract_text(data: bytes, mimetype: str, filename: str, limits: ExtractLimits = ExtractLimits()) -> Extracted:
    """Extract searchable text from one attachment; never raises.

    ``mimetype`` is the bare content type (no parameters); ``filename`` may be
    empty. See the module docstring for how the extractor is chosen.
    """
    method = _choose_method(data, mimetype.strip().lower(), filename.strip().lower())
    if method == "none" or (method == "image" and limits.ocr is None):
        return Extracted("", "", "none")
    if len(data) > limits.max_input_bytes:
        return Extracted(
            "",
            f"{method}: skipped: {_mb(len(data))} exceeds the {_mb(limits.max_input_bytes)} extraction limit",
            method,
        )
    try:
        text, problem, ocr_pages = _read(method, data, limits)
    except _Skipped as skipped:
        return Extracted("", _one_line(f"{method}: {skipped}"), method)
    except RecursionError:
        return Extracted("", f"{method}: RecursionError: structure nested too deeply", method)
    except MemoryError:
        return Extracted("", f"{method}: MemoryError: out of memory while extracting", method)
    except Exception as exc:  # any library failure is a recorded, per-attachment error
        return Extracted("", _one_line(f"{method}: {type(exc).__name__}: {exc}"), method)
    if len(text) > limits.max_chars:
        text = text[: limits.max_chars]
        note = f"truncated: text cut at {limits.max_chars:,} characters"
        problem = f"{problem}; {note}" if problem and "truncated" not in problem else problem or note
    return Extracted(text, _one_line(f"{method}: {problem}") if problem else "", method, ocr_pages)


def _read(method: str, data: bytes, limits: ExtractLimits) -> tuple[str, str, int]:
    """The extractor's text and problem, and how many pages of the text OCR read."""
    if method == "image" and limits.ocr is not None:
        from loupe.ingest.scans import read_image

        read = read_image(data, hashlib.sha256(data).hexdigest(), limits.ocr)
        return read.text, read.problem, read.pages
    if method == "pdf" and limits.ocr is not None:
        return _scanned_pdf(data, limits, limits.ocr)
    text, problem = _EXTRACTORS[method](data, limits)
    return text, problem, 0


def _choose_method(data: bytes, mimetype: str, filename: str) -> str:
    """Magic bytes first, then MIME type, then extension.

    Bytes cannot lie about being a PDF; labels can. A declared PDF/DOCX whose
    bytes are not one still goes to that extractor, so its failure is
    recorded: a "PDF" that does not open is worth showing the investigator.
    """
    head = data[:PDF_HEADER_WINDOW]
    if PDF_MAGIC in head:
        return "pdf"
    if data.startswith(IMAGE_MAGIC):
        return "image"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(RTF_MAGIC):
        return "rtf"
    if data.startswith(ZIP_MAGIC):
        kind = office_format(data)
        if kind:
            return "odt" if kind in ("ods", "odp") else kind  # odfpy reads every OpenDocument
    ext = filename[filename.rfind(".") :] if "." in filename else ""
    declared = _BY_TYPE.get(mimetype) or _BY_EXT.get(ext)
    if declared:
        return declared
    if mimetype in _HTML_TYPES or ext in _HTML_EXTS:
        return "html"
    if mimetype.startswith("text/") or mimetype in _TEXT_TYPES or ext in _TEXT_EXTS:
        return "text"
    return "none"


def office_format(data: bytes) -> str:
    """Which Office or OpenDocument format a zip is, by its members (docx, xlsx, pptx, odt, ods,
    odp); "" for other zips and for what does not open as one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            for part, kind in OOXML_PARTS.items():
                if part in names:
                    return kind
            if "content.xml" in names and "mimetype" in names:
                declared = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                # startswith: templates and masters (text-template, text-master) are read as their kind
                return next((kind for name, kind in ODF_FORMATS.items() if declared.startswith(name)), "")
    except Exception:  # not a readable zip: fall back to the declared type
        return ""
    return ""


def _guard_zip(data: bytes, limits: ExtractLimits) -> None:
    """Refuse zip bombs before an XML library inflates them in memory."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        expanded = sum(info.file_size for info in zf.infolist())
    cap = MAX_ZIP_EXPANSION * limits.max_input_bytes
    if expanded > cap:
        raise _Skipped(f"skipped: zip members expand to {_mb(expanded)}, over the {_mb(cap)} limit")


class _Skipped(Exception):
    """A deliberate refusal; its message becomes the ``error`` line."""


# The extractors import their library when first called: importing this
# module (which every parse does) should not cost the ~0.5 s of loading
# pypdf, openpyxl, python-docx and odfpy in processes that never need them.


def _pdf(data: bytes, limits: ExtractLimits, scanned: list[int] | None = None) -> tuple[str, str]:
    """Text of the first ``max_pdf_pages`` pages, within the content limits; a bad page does not stop the rest.

    ``scanned``, when given, gets the numbers (from 1) of the pages read whose
    text layer has fewer than ``MIN_PAGE_LETTERS`` letters: the ones to OCR.
    """
    from pypdf import PdfReader, apply_configuration

    from loupe.ingest.pdf_cost import PdfCost

    # pypdf logs a warning for every malformed object; in a leak that is
    # noise by the thousand. Set at call time so importing us changes nothing.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    cap = limits.max_pdf_stream_bytes
    # A context variable, so it holds for this call only (and this thread).
    # Decoding "work" adds the input of each filter in a chain: twice the cap
    # lets [/ASCII85Decode /FlateDecode] through and stops /FlateDecode x16.
    bounds = apply_configuration(
        zlib_maximum_output_length=cap,
        lzw_maximum_output_length=cap,
        run_length_maximum_output_length=cap,
        brotli_maximum_output_length=cap,
        array_based_stream_maximum_output_length=cap,
        stream_decoding_work_maximum_length=2 * cap,
    )
    with warnings.catch_warnings(), bounds:
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            # Many PDFs are "encrypted" with an empty user password (only
            # printing/copying restricted); those decrypt above.
            raise _Skipped("encrypted: needs a password")
        total = len(reader.pages)
        parts: list[str] = []
        size = 0
        problem = ""
        cost = PdfCost()
        stopped_at = 0  # the page at which the content limit stopped reading
        for number in range(min(total, limits.max_pdf_pages)):
            failure = _measure_page(reader, number, cost, cap)
            if failure:
                problem = problem or f"page {number + 1}: {failure}"
            if cost.spent > limits.max_pdf_content_bytes:
                stopped_at = number + 1
                break
            if failure:
                continue
            try:
                page_text = reader.pages[number].extract_text() or ""
            except (Exception, RecursionError) as exc:
                problem = problem or f"page {number + 1}: {type(exc).__name__}: {exc}"
                continue
            parts.append(page_text)
            if scanned is not None and sum(c.isalnum() for c in page_text) < MIN_PAGE_LETTERS:
                scanned.append(number + 1)
            size += len(page_text)
            if size > limits.max_chars:
                break  # extract_text truncates; reading more pages is wasted work
    if stopped_at:
        stop = (
            f"stopped at page {stopped_at} of {total}: the pages' content expands past "
            f"{_mb(limits.max_pdf_content_bytes)} in all"
        )
        problem = f"{problem}; {stop}" if problem else stop
    elif total > limits.max_pdf_pages and not problem:
        problem = f"truncated: only the first {limits.max_pdf_pages} of {total} pages read"
    return "\n\n".join(parts), problem


def _measure_page(reader: PdfReader, number: int, cost: PdfCost, cap: int) -> str:
    """Add a page's cost before its text is read; why not to read it, or ""."""
    from pypdf.errors import LimitReachedError

    from loupe.ingest.pdf_cost import FormsTooDeep

    try:
        cost.add_page(reader.pages[number])
    except LimitReachedError as exc:
        cost.spent += cap  # inflated up to the cap before refusing
        return f"{_pdf_limit(exc, cap)}: text not read"
    except FormsTooDeep as exc:
        return f"{exc}: text not read"
    except (Exception, RecursionError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def _pdf_limit(exc: Exception, cap: int) -> str:
    """Name the limit a pypdf ``LimitReachedError`` hit.

    pypdf raises the one class for every limit, and only its message says
    which; the inflation ones (set from ``max_pdf_stream_bytes``) are named
    as ours, any other is passed on as pypdf worded it.
    """
    text = str(exc).rstrip(".")
    if any(sign in text for sign in ("decompressing", "output bytes", "decoding work")):
        return f"content expands past {_mb(cap)}"
    return f"{type(exc).__name__}: {text}"


def _scanned_pdf(data: bytes, limits: ExtractLimits, ocr: OcrOptions) -> tuple[str, str, int]:
    """A PDF's text layer, then what OCR reads on its pages without one (in page order, after it).

    Only pages pypdf read within the content limits are OCR'd: a page refused
    as a bomb is not drawn either.
    """
    from loupe.ingest.scans import read_pdf_pages

    scanned: list[int] = []
    text, problem = _pdf(data, limits, scanned)
    if not scanned:
        return text, problem, 0
    read = read_pdf_pages(data, hashlib.sha256(data).hexdigest(), scanned, ocr)
    joined = "\n\n".join(part for part in (text.strip(), read.text) if part)
    return joined, "; ".join(p for p in (problem, read.problem) if p), read.pages


def _docx(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
    """Body paragraphs and tables in document order, then headers and footers."""
    import docx
    from docx.table import Table

    _guard_zip(data, limits)
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_docx_table_rows(block))
        else:
            lines.append(block.text)
    seen: set[str] = set()
    for section in document.sections:
        for part in (section.header, section.footer):
            for paragraph in part.paragraphs:
                # Every section repeats the same letterhead; keep it once.
                if paragraph.text.strip() and paragraph.text not in seen:
                    seen.add(paragraph.text)
                    lines.append(paragraph.text)
    return "\n".join(lines), ""


def _docx_table_rows(table: Any) -> Iterator[str]:
    """Each row as tab-separated cells; a merged cell is listed once."""
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # python-docx repeats merged cells
                continue
            previous = cell._tc
            cells.append(cell.text.replace("\n", " "))
        yield "\t".join(cells)


def _xlsx(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
    """Each sheet as a "# Sheet: name" line then tab-separated rows.

    read-only mode streams rows instead of building every cell object, and
    data_only gives the cached values a reader saw, not formulas.
    """
    import openpyxl

    _guard_zip(data, limits)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines: list[str] = []
    size = 0
    try:
        for sheet in workbook.worksheets:
            lines.append(f"# Sheet: {sheet.title}")
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if value is None else str(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                if not cells:
                    continue  # sparse sheets are mostly empty rows
                line = "\t".join(cells)
                lines.append(line)
                size += len(line) + 1
                if size > limits.max_chars:
                    return "\n".join(lines), f"truncated: text cut at {limits.max_chars:,} characters"
    finally:
        workbook.close()
    return "\n".join(lines), ""


def _odt(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
    """Paragraphs and headings of an OpenDocument file, in document order.

    Walked with an explicit stack: odfpy's tree can be as deep as the
    document's nesting of lists, tables and frames.
    """
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    _guard_zip(data, limits)
    document = load(io.BytesIO(data))
    lines: list[str] = []
    stack: list[Any] = [document.body]
    while stack:
        node = stack.pop()
        if getattr(node, "qname", None) in ((TEXTNS, "p"), (TEXTNS, "h")):
            lines.append(teletype.extractText(node))
            continue
        stack.extend(reversed(getattr(node, "childNodes", [])))
    return "\n".join(lines), ""


def _pptx(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
    """Slides and speaker notes (``ingest.pptx_text``)."""
    from loupe.ingest.pptx_text import pptx_text

    _guard_zip(data, limits)
    return pptx_text(data), ""


def _rtf(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
    """RTF is 7-bit with ``\\'xx`` escapes decoded per its ``\\ansicpg``."""
    from striprtf.striprtf import rtf_to_text

    source = decode_bytes(data, None)[0]
    return str(rtf_to_text(source, errors="replace")), ""  # type: ignore[no-untyped-call]


def _html(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
    """HTML attachments often declare their charset only in a <meta> tag."""
    found = _META_CHARSET.search(data[:4096])
    declared = found.group(1).decode("ascii") if found else None
    return html_to_text(decode_bytes(data, declared)[0]), ""


def _text(data: bytes, limits: ExtractLimits) -> tuple[str, str]:
    return decode_bytes(data, None)[0], ""


_EXTRACTORS: dict[str, Callable[[bytes, ExtractLimits], tuple[str, str]]] = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "pptx": _pptx,
    "odt": _odt,
    "rtf": _rtf,
    "html": _html,
    "text": _text,
}


def _one_line(message: str) -> str:
    """Collapse whitespace and trim, so errors fit one log and table line."""
    flat = " ".join(message.split())
    return flat if len(flat) <= MAX_ERROR_CHARS else flat[: MAX_ERROR_CHARS - 1] + "…"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
