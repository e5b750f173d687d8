"""Pages for OCR: each frame of an image, each PDF page without a text layer.

A page is decoded here (Pillow for images, pdfium for PDF pages), checked
against the pixel limits, made grayscale and handed to Tesseract as PNM
(``loupe.ingest.ocr``); what it read goes through the case's cache
(``loupe.ingest.ocr_cache``) by the file's SHA-256, so a page is read once
however often the file recurs.

PDF pages are drawn with pdfium (pypdfium2), not taken apart with pypdf: a
scan is often a JBIG2 or CCITT fax image, which pypdf decodes only with the
jbig2dec program (linn.pdf: "jbig2dec binary is not available"), and a page
may be several images, strips and masks. pdfium draws what a reader sees, at
300 dpi, in 0.12 s for linn.pdf's page (its OCR then takes 4-5 s).
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from loupe.ingest.ocr import MISSING, OcrOptions, PageText, read_page
from loupe.ingest.ocr_cache import OcrCache

if TYPE_CHECKING:
    from PIL.Image import Image

#: Pictures narrower or lower than this hold no line of text (tracking
#: pixels, spacers, bullets): not given to Tesseract, and not an error.
MIN_SIDE = 16
#: Pictures larger than this are not decoded: a 600-dpi A3 scan is 70 MP,
#: and a "picture" of 30,000 x 30,000 pixels is a memory bomb (gray, 900 MB).
MAX_PIXELS = 100_000_000
#: PDF pages are drawn at this resolution, Tesseract's best (its documentation),
#: and at less for a page so large that it would pass ``MAX_RENDER_PIXELS``.
RENDER_DPI = 300
MAX_RENDER_PIXELS = 40_000_000  # an A2 poster at 300 dpi


@dataclass(frozen=True)
class OcrRead:
    """The text OCR read in one file, why some of it is missing, and how many pages gave text."""

    text: str = ""
    problem: str = ""
    pages: int = 0


class _NoText(Exception):
    """A page with nothing to read (too small, no picture on it): skipped, not a failure."""


class _Refused(Exception):
    """A page past a limit: not decoded, and its message says which limit."""


def read_image(data: bytes, sha256: str, options: OcrOptions) -> OcrRead:
    """Text of an image: each frame of a multi-page TIFF, the first of an animated GIF."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DecompressionBombWarning: the size is checked below
        try:
            image = Image.open(io.BytesIO(data))
            frames = int(getattr(image, "n_frames", 1)) if image.format == "TIFF" else 1
        except UnidentifiedImageError:  # its message names a BytesIO object at an address: no use to a reader
            return OcrRead(problem="OCR: cannot read the image: its bytes are not a picture Pillow can decode")
        except Exception as exc:  # damaged, or its header refuses (Pillow's own pixel limit)
            return OcrRead(problem=f"OCR: cannot read the image: {type(exc).__name__}: {exc}")

        def draw(number: int) -> tuple[bytes, int]:
            image.seek(number - 1)
            return _pnm(image), 0

        return _read_pages(sha256, options, list(range(1, frames + 1)), draw, frames)


def read_pdf_pages(data: bytes, sha256: str, numbers: list[int], options: OcrOptions) -> OcrRead:
    """Text of the given PDF pages (numbered from 1), the ones without a text layer."""
    with _pdf_drawer(data) as draw:
        return _read_pages(sha256, options, numbers, draw, 0)


def _read_pages(
    sha256: str, options: OcrOptions, numbers: list[int], draw: Callable[[int], tuple[bytes, int]], frames: int
) -> OcrRead:
    """Each page from the cache, or drawn and read (and cached) when the options allow.

    ``frames`` is an image's page count (0 for a PDF): a one-page image's
    problem does not name its page.
    """
    cache = OcrCache(Path(options.cache)) if options.cache else None
    done = cache.get(sha256, options) if cache is not None else {}
    read: dict[int, PageText] = {}
    left = 0  # pages past the limit, not read
    for number in numbers:
        if number in done:
            read[number] = done[number]
        elif not options.read:
            continue
        elif len(read) >= options.max_pages:
            left += 1
        else:
            try:
                image, dpi = draw(number)
            except _NoText:
                continue
            except _Refused as refused:
                read[number] = PageText("", f"skipped: {refused}")
                continue
            except Exception as exc:  # a page that cannot be decoded: its reason, and on to the next
                read[number] = PageText("", f"cannot decode the page: {type(exc).__name__}: {exc}")
                continue
            read[number] = read_page(image, options, dpi)
            if read[number].error == MISSING:
                break  # no Tesseract: the other pages would only say so again
            if cache is not None:  # page by page: a long scan interrupted keeps what was read
                cache.put(sha256, options, {number: read[number]})
    texts = [read[n].text for n in sorted(read) if read[n].text]
    failed = [(n, read[n].error) for n in sorted(read) if read[n].error]
    problems = []
    if failed:
        number, error = failed[0]
        where = f" on page {number}" if frames != 1 else ""
        more = f" (and {len(failed) - 1} more pages)" if len(failed) > 1 else ""
        problems.append(f"OCR: {error}{where}{more}")
    if left:
        problems.append(f"OCR: only {options.max_pages} of {options.max_pages + left} pages read")
    return OcrRead("\n\n".join(texts), "; ".join(problems), len(texts))


def _pnm(image: Image) -> bytes:
    """One frame as the grayscale (or black-and-white) PNM Tesseract is given."""
    from PIL import ImageOps

    width, height = image.size
    if min(width, height) < MIN_SIDE:
        raise _NoText
    if width * height > MAX_PIXELS:
        raise _Refused(f"{width:,} x {height:,} pixels is past the {MAX_PIXELS:,}-pixel limit")
    page = _gray(ImageOps.exif_transpose(image) or image)  # phone photos are stored sideways
    out = io.BytesIO()
    page.save(out, "PPM")
    return out.getvalue()


def _gray(frame: Image) -> Image:
    """Black-and-white stays so; a transparent background becomes white (logos are drawn
    on transparency, whose hidden colour is often black); 16-bit and float scans are scaled."""
    from PIL import Image

    if frame.mode == "1":
        return frame
    if frame.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("L")
    if frame.mode.startswith(("I", "F")):  # convert("L") would clip every value past 255 to white
        wide = frame.convert("F")
        low, high = cast(tuple[float, float], wide.getextrema())
        scale = 255.0 / (high - low) if high > low else 1.0
        return wide.point(lambda value: (value - low) * scale).convert("L")
    return frame.convert("L")


@contextmanager
def _pdf_drawer(data: bytes) -> Iterator[Callable[[int], tuple[bytes, int]]]:
    """A function drawing a page of the PDF; pdfium loads the document on the first page asked for."""
    opened: list[Any] = []

    def draw(number: int) -> tuple[bytes, int]:
        import pypdfium2 as pdfium

        if not opened:
            opened.append(pdfium.PdfDocument(data))
        page = opened[0][number - 1]
        try:
            return _draw_page(page, pdfium)
        finally:
            page.close()

    try:
        yield draw
    finally:
        for document in opened:
            document.close()


def _draw_page(page: Any, pdfium: Any) -> tuple[bytes, int]:
    """A page with a picture on it, drawn in gray at up to ``RENDER_DPI``; PNM bytes and the dpi."""
    pictures = list(page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]))
    if not pictures:
        raise _NoText  # a blank page, or one drawn with lines: no scan to read
    for picture in pictures:
        width, height = picture.get_px_size()
        if width * height > MAX_PIXELS:  # pdfium would decode it whole, whatever the page's size
            raise _Refused(f"an image of {width:,} x {height:,} pixels is past the {MAX_PIXELS:,}-pixel limit")
    points_wide, points_high = page.get_size()
    scale = RENDER_DPI / 72
    if points_wide * points_high * scale * scale > MAX_RENDER_PIXELS:
        scale = math.sqrt(MAX_RENDER_PIXELS / (points_wide * points_high))
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        out = io.BytesIO()
        bitmap.to_pil().save(out, "PPM")
    finally:
        bitmap.close()
    return out.getvalue(), round(scale * 72)
