"""What reading a PDF page's text will cost, measured before pypdf reads it.

pypdf (7.x) bounds each stream it inflates (``pypdf.Configuration``, 75 MB
by default) but not a document: it keeps every inflated stream until the
reader is dropped, and parses a form XObject again each time a page draws it
(up to 5,000 times a page). Measured on hand-made files: six pages each
inflating to 74 MB from 72 KB held 540 MB and took 35 s (500 such pages fit
in a 50 MB attachment); one page drawing a 10 MB form 20 times took 15 s.
So the extractor measures each page here first, and stops reading a document
once the total passes its limit (``ExtractLimits.max_pdf_content_bytes``).

A page costs the bytes pypdf goes through for it: its content, plus each
form it draws, once for inflating it (pypdf keeps it) and again every time
it is drawn if it can show text (only then does pypdf parse it). Measuring
inflates the page's streams, which pypdf keeps, so reading the text after
costs no second inflation.
"""

from __future__ import annotations

import re
from typing import Any

from pypdf import PageObject
from pypdf.generic import DictionaryObject, NameObject, StreamObject

#: Forms drawing forms are followed this deep. pypdf has no depth limit of
#: its own (only 5,000 draws a page); real files nest two or three.
MAX_FORM_DEPTH = 32

_DELIMITER = rb"\x00\t\n\x0c\r /\[\]()<>{}%"
#: ``/Name Do``: the operator that draws an XObject, named as in the resources.
_DRAW = re.compile(rb"/([^" + _DELIMITER + rb"]+)[\x00\t\n\x0c\r ]*Do(?![^" + _DELIMITER + rb"])")
#: Operators that show text; content without any is not parsed by pypdf.
_SHOWS_TEXT = (b"Tj", b"TJ", b"'", b'"')


class FormsTooDeep(Exception):
    """A page's forms draw forms past ``MAX_FORM_DEPTH`` levels."""

    def __init__(self) -> None:
        super().__init__(f"forms nested past {MAX_FORM_DEPTH} deep")


class PdfCost:
    """Bytes of content one document's text costs so far, and its forms already measured."""

    def __init__(self) -> None:
        self.spent = 0
        self._drawing: dict[int, int] = {}  # id of a form stream -> bytes parsed each time it is drawn

    def add_page(self, page: PageObject) -> None:
        """Add one page's cost to ``spent``.

        Raises pypdf's ``LimitReachedError`` when a stream inflates past the
        configured limit, and ``FormsTooDeep``.
        """
        contents = page.get_contents()
        if contents is None:
            return
        data = contents.get_data()
        self.spent += len(data)
        self.spent += self._drawn(data, page.get_inherited("/Resources"), 0)

    def _drawn(self, data: bytes, resources: Any, depth: int) -> int:
        """Bytes parsed for the forms ``data`` draws, counted each time it draws one."""
        xobjects = _dictionary(_dictionary(resources).get("/XObject"))
        if not xobjects:
            return 0
        total = 0
        for match in _DRAW.finditer(data):
            name = NameObject.unnumber(b"/" + match[1]).decode("utf-8", "replace")
            if name in xobjects:
                total += self._form(xobjects[name], depth + 1)
        return total

    def _form(self, reference: Any, depth: int) -> int:
        form = reference.get_object()
        if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form":
            return 0  # images are not read for text
        key = id(form)  # pypdf keeps resolved objects for the reader's life, so ids are stable
        if key in self._drawing:
            return self._drawing[key]
        if depth > MAX_FORM_DEPTH:
            raise FormsTooDeep()
        self._drawing[key] = 0  # a form drawing itself: pypdf skips the cycle
        try:
            data = form.get_data()
        except Exception:
            del self._drawing[key]  # measured again (and refused again) wherever it is drawn
            raise
        self.spent += len(data)  # inflated once, and kept
        parsed = len(data) if any(operator in data for operator in _SHOWS_TEXT) else 0
        self._drawing[key] = parsed + self._drawn(data, form.get("/Resources"), depth)
        return self._drawing[key]


def _dictionary(value: Any) -> DictionaryObject:
    value = value.get_object() if value is not None else None
    return value if isinstance(value, DictionaryObject) else DictionaryObject()
