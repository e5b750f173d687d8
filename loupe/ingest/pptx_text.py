"""Text of a PowerPoint (.pptx) file: each slide's paragraphs, then its speaker notes.

No PowerPoint library is needed for text: a .pptx is a zip of XML parts, one
per slide (``ppt/slides/slideN.xml``), whose words are the ``a:t`` runs of
``a:p`` paragraphs. The parts are read with lxml (already installed for
python-docx) with entities unresolved and the network off, so a crafted
slide cannot expand itself (billion laughs) or fetch anything.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_SLIDE = re.compile(r"^ppt/(slides|notesSlides)/(slide|notesSlide)(\d+)\.xml$")


def pptx_text(data: bytes) -> str:
    """Every slide's text in slide order ("# Slide N" before each), its notes after it."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts: dict[tuple[int, int], str] = {}
        for name in archive.namelist():
            found = _SLIDE.match(name)
            if found is None:
                continue
            number, is_notes = int(found.group(3)), int(found.group(1) == "notesSlides")
            root = etree.fromstring(archive.read(name), parser)
            paragraphs = ["".join(t.text or "" for t in p.iter(f"{DRAWING}t")) for p in root.iter(f"{DRAWING}p")]
            parts[(number, is_notes)] = "\n".join(line for line in paragraphs if line.strip())
    lines = []
    for (number, is_notes), text in sorted(parts.items()):
        lines.append(f"# {'Notes of slide' if is_notes else 'Slide'} {number}")
        lines.append(text)
    return "\n".join(lines)
