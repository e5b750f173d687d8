"""The real OCR samples (../shared/corpora/containers-more/ocr), their expected text, and word recall.

Shared by ``tests/test_ocr.py``, which asserts on recall, and ``bench/ocr_bench.py``,
which records it beside OCR's speed.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from loupe.ingest.ocr import available

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "containers-more" / "ocr"
LANGUAGES = "eng+spa"
#: Each sample read by OCR, and the EXPECTED.md section holding its text. gtube.png is the
#: PNG attached to gtube_png.eml. All are printed text: the clean printed samples of the issue.
EXPECTED_SECTION = {
    "phototest.tif": "phototest.tif",
    "eurotext.tif": "eurotext.tif",
    "testOCR.jpg": "testOCR.jpg",
    "linn.png": "linn.png and linn.pdf",
    "linn.pdf": "linn.png and linn.pdf",
    "gtube.png": "gtube_png.eml",
}


def in_ci() -> bool:
    """CI sets CI=true; as in tools/install-test-deps.sh, "false" or "0" is not CI."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_tesseract() -> None:
    """Skip where Tesseract or its English and Spanish data are missing; in CI they must be there."""
    reason = available(LANGUAGES)
    if reason:
        if in_ci():
            pytest.fail(f"{reason}: required in CI, where tools/install-test-deps.sh installs it")
        pytest.skip(f"{reason} (run as root: tools/install-test-deps.sh)")


def sample_bytes(name: str) -> bytes:
    """A sample file's bytes; ``gtube.png`` is taken out of gtube_png.eml."""
    if name == "gtube.png":
        message = email.message_from_bytes((SAMPLES / "gtube_png.eml").read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "image/png":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload
        raise AssertionError("gtube_png.eml has no PNG")
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"OCR sample {name} missing at {path}: tests read ../shared/corpora")
    return path.read_bytes()


def expected_text(name: str) -> str:
    """The text EXPECTED.md gives for a sample (the ``~~~~text`` block of its section)."""
    document = (SAMPLES / "EXPECTED.md").read_text("utf-8")
    sections = {
        found.group(1).strip(): found.group(2)
        for found in re.finditer(r"^## (.+?)\n.*?^~~~~text\n(.*?)^~~~~", document, re.S | re.M)
    }
    wanted = EXPECTED_SECTION[name]
    for title, text in sections.items():
        if title == wanted or title.startswith(wanted + " "):
            return text
    raise AssertionError(f"EXPECTED.md has no section for {name}")


def words(text: str) -> Counter[str]:
    """Normalised words: case folded, accents taken off, split at anything not a letter or digit.

    OCR differs from a transcription in quotes, dashes, bullets and line breaks;
    words are what a search finds.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return Counter(re.findall(r"[^\W_]+", plain))


def word_recall(expected: str, read: str) -> tuple[float, int, int]:
    """Share of the expected words (with repeats) that OCR read; and the counts behind it."""
    want, got = words(expected), words(read)
    found = sum((want & got).values())
    total = sum(want.values())
    return (found / total if total else 1.0), found, total
