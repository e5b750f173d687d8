"""A message drawn as PDF for people who do not open .eml files: an editor, a lawyer, a court.

The rendering is for reading; the evidence is the original beside it in the
pack. So the PDF says what it is on every page, and shows the message as
Loupe read it: the facts that tie it to the case (SHA-256 of the original,
where it was found, when it was ingested), every header as decoded, the body
text, any other version of the body that says something else, and the list of
attachments with their hashes.

Nothing of the message is run or fetched: an HTML body is drawn as the text
Loupe extracted from it (``ingest.text``), never as HTML, so no script,
stylesheet, remote image or tracking pixel can act. Text is drawn with the
DejaVu fonts that matplotlib ships (so nothing is downloaded and the PDF is
the same on every machine); a character neither DejaVu face can draw is shown
as U+FFFD and counted in a note at the end, and control characters and
bidirectional overrides are written by name (``<U+001B>``), so the rendering
never hides that the original held something it cannot draw. The original remains the authority.

fpdf2 writes the PDF; each page's text stays selectable and searchable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

#: Body characters drawn; past this the PDF says where the rest is (a PDF of
#: 2,000 pages helps nobody, and a hostile message must not stall the pack).
MAX_RENDERED_CHARS = 1_000_000
#: Points: headers and body in a monospaced face, as a mail client shows plain text.
TEXT_SIZE = 8.5
LINE_HEIGHT = 4.0
#: Characters drawn by name, never as themselves: control characters other than newline and tab,
#: and the bidirectional overrides and isolates that make text read in another order than it is stored.
_NAMED = {
    code: f"<U+{code:04X}>"
    for code in (*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    if code not in (0x09, 0x0A)
}
_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Copy:
    """One place the message was found, and the day Loupe read it there."""

    locator: str
    status: str  # indexed or duplicate
    ingested: str  # when the run that read it started (UTC, ISO 8601)


@dataclass(frozen=True)
class AttachmentLine:
    position: int
    filename: str
    mimetype: str
    size: int
    sha256: str
    file: str  # its name in the pack


@dataclass(frozen=True)
class Rendering:
    """What one message's PDF shows."""

    loupe_id: str
    original_sha256: str
    original_size: int
    original_file: str  # its name in the pack
    converted: str  # empty, or how the original was made into Internet mail (.msg, .emlx, an item of a .pst)
    copies: Sequence[Copy]
    headers: str
    body: str
    body_source: str  # plain, html or none
    other_versions: Sequence[tuple[str, str]] = ()  # (name, text) of versions that say something else
    attachments: Sequence[AttachmentLine] = ()
    made: str = ""  # when the pack was made, UTC ISO 8601
    cited: Sequence[tuple[str, int, int, str]] = ()  # (which quote, start, end, text) of passages cited
    notes: list[str] = field(default_factory=list)


def render_pdf(rendering: Rendering, path: Path) -> None:
    """Write ``rendering`` as a PDF at ``path``."""
    from fpdf import FPDF  # only the pack needs it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    _fonts(pdf)
    label = (
        f"Loupe evidence pack: rendering of message {rendering.loupe_id}. "
        f"The original ({rendering.original_file}) is the evidence."
    )
    pdf.set_title(f"Message {rendering.loupe_id}")
    pdf.set_subject(f"SHA-256 of the original: {rendering.original_sha256}")
    pdf.set_creator("Loupe")
    if rendering.made:
        pdf.set_creation_date(datetime.fromisoformat(rendering.made))
    pdf.alias_nb_pages()
    footer = _Footer(label)
    pdf.footer = lambda: footer.draw(pdf)  # type: ignore[method-assign]
    pdf.add_page()

    missing = _Missing()
    pdf.set_font("sans", "B", 13)
    pdf.multi_cell(0, 6, f"Message {rendering.loupe_id}", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("sans", "", 8)
    pdf.multi_cell(0, 4, missing.clean(label), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)

    facts = [
        ("SHA-256 of the original", rendering.original_sha256),
        ("Size of the original", f"{rendering.original_size:,} bytes"),
        ("Original in this pack", rendering.original_file),
    ]
    if rendering.converted:
        facts.append(("Read as", rendering.converted))
    for number, copy in enumerate(rendering.copies):
        kind = "found at" if copy.status == "indexed" else "also found at (duplicate)"
        facts.append((kind.capitalize(), f"{copy.locator}  (ingested {copy.ingested or 'date unknown'})"))
        if number >= 49 and len(rendering.copies) > 50:
            facts.append(("", f"... and {len(rendering.copies) - 50} more places (see manifest.json)"))
            break
    _facts(pdf, facts, missing)

    if rendering.cited:
        _heading(pdf, "Passages of this message cited (characters counted from 0 in the body below)")
        for label, start, end, text in rendering.cited:
            pdf.set_font("sans", "B", 8)
            pdf.multi_cell(0, LINE_HEIGHT, f"{label}, characters {start:,} to {end:,}:", new_x="LMARGIN", new_y="NEXT")
            _text(pdf, f"\u201c{text}\u201d", missing)

    _heading(pdf, "Headers, as decoded")
    _text(pdf, rendering.headers, missing)

    source = {"html": " (the message has no plain text: text taken from its HTML, which was not run)"}
    _heading(pdf, "Body" + source.get(rendering.body_source, ""))
    body = rendering.body
    if len(body) > MAX_RENDERED_CHARS:
        rendering.notes.append(
            f"The body is {len(body):,} characters; the first {MAX_RENDERED_CHARS:,} are drawn here, "
            f"the whole is in {rendering.original_file}."
        )
        body = body[:MAX_RENDERED_CHARS]
    _text(pdf, body or "(no body text)", missing)

    for name, text in rendering.other_versions:
        _heading(pdf, f"The {name} version of the body says something else; as text:")
        _text(pdf, text[:MAX_RENDERED_CHARS], missing)

    _heading(pdf, f"Attachments ({len(rendering.attachments)})")
    if not rendering.attachments:
        _text(pdf, "(none)", missing)
    for att in rendering.attachments:
        _facts(
            pdf,
            [
                (f"{att.position + 1}. Name", att.filename or "(no name)"),
                ("Type, size", f"{att.mimetype}, {att.size:,} bytes"),
                ("SHA-256", att.sha256),
                ("In this pack", att.file),
            ],
            missing,
        )
        pdf.ln(1)

    if missing.count:
        rendering.notes.append(
            f"{missing.count:,} characters of the message cannot be drawn with this PDF's fonts and are shown as "
            f"{_REPLACEMENT}; the original holds them."
        )
    if rendering.notes:
        _heading(pdf, "Notes on this rendering")
        for note in rendering.notes:
            _text(pdf, note, missing)
    pdf.output(str(path))


class _Footer:
    def __init__(self, label: str) -> None:
        self.label = label

    def draw(self, pdf: Any) -> None:
        pdf.set_y(-11)
        pdf.set_font("sans", "", 6.5)
        pdf.cell(0, 4, f"{self.label}   Page {pdf.page_no()} of {{nb}}", align="C")


def _heading(pdf: Any, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("sans", "B", 10)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(0.5)


def _facts(pdf: Any, rows: Iterable[tuple[str, str]], missing: _Missing) -> None:
    for name, value in rows:
        pdf.set_font("sans", "B", 8)
        pdf.cell(42, LINE_HEIGHT, name)
        pdf.set_font("mono", "", 8)
        pdf.multi_cell(0, LINE_HEIGHT, missing.clean(value), new_x="LMARGIN", new_y="NEXT", align="L")


def _text(pdf: Any, text: str, missing: _Missing) -> None:
    pdf.set_font("mono", "", TEXT_SIZE)
    pdf.multi_cell(0, LINE_HEIGHT, missing.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")


class _Missing:
    """Makes text drawable, counting what the fonts cannot draw."""

    def __init__(self) -> None:
        self.count = 0

    def clean(self, text: str) -> str:
        drawable = _drawable()
        text = text.expandtabs(8).replace("\r\n", "\n").replace("\r", "\n")
        out = []
        for char in text:
            code = ord(char)
            if code in _NAMED:
                out.append(_NAMED[code])
            elif char == "\n" or code in drawable:
                out.append(char)
            elif unicodedata.category(char) in ("Cf", "Mn") and code not in drawable:
                out.append(f"<U+{code:04X}>")  # invisible formatting or a combining mark: named, not dropped
            else:
                self.count += 1
                out.append(_REPLACEMENT)
        return "".join(out)


FONT_FILES = {
    ("sans", ""): "DejaVuSans.ttf",
    ("sans", "B"): "DejaVuSans-Bold.ttf",
    ("mono", ""): "DejaVuSansMono.ttf",
}


def _font_folder() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _fonts(pdf: Any) -> None:
    folder = _font_folder()
    for (family, style), name in FONT_FILES.items():
        pdf.add_font(family, style, str(folder / name))
    # the monospaced face lacks some scripts the proportional one has (Greek
    # extended, Armenian, Georgian, more symbols): drawn in that one instead
    pdf.set_fallback_fonts(["sans"], exact_match=False)


@cache
def _drawable() -> frozenset[int]:
    """The characters the two faces can draw between them."""
    from fontTools.ttLib import TTFont

    codes: set[int] = set()
    for name in ("DejaVuSans.ttf", "DejaVuSansMono.ttf"):
        with TTFont(str(_font_folder() / name), lazy=True) as font:
            codes.update(font.getBestCmap())
    return frozenset(codes)
