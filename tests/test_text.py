"""Charset decoding and HTML-to-text, table-driven on the labels mail really uses."""

from __future__ import annotations

import charset_normalizer
import inscriptis  # type: ignore[import-untyped]
import pytest

import loupe.ingest.text as text_module
from loupe.ingest.text import decode_bytes, html_to_text

RUSSIAN = "Привет, как дела? Это тестовое сообщение."
KOREAN = "안녕하세요, 똠방각하 회의 자료입니다."  # 똠 is cp949-only, not in EUC-KR
CHINESE = "简体中文测试 𠀀 €"  # U+20000 and the euro sign need GB18030
JAPANESE = "日本語のテキストです。よろしくお願いします。"

CASES = [
    # (label, data, declared, expected text, expected "how")
    ("utf-8", "naïve café ✓".encode(), "utf-8", "naïve café ✓", "declared:utf-8"),
    ("utf-8 BOM dropped", "\ufeffhello é".encode(), "UTF-8", "hello é", "declared:utf-8"),
    ("cp1251 declared", RUSSIAN.encode("cp1251"), "windows-1251", RUSSIAN, "declared:cp1251"),
    # Latin-1 decodes any bytes, so a wrong Latin-1 label is trusted when the
    # bytes do not contradict it (documented: mojibake, but no guessing).
    (
        "cp1251 mislabelled latin-1",
        RUSSIAN.encode("cp1251"),
        "iso-8859-1",
        RUSSIAN.encode("cp1251").decode("latin-1"),
        "declared:iso8859-1",
    ),
    (
        "latin-1 label on cp1252 quotes",
        "“quoted” — dash".encode("cp1252"),
        "iso-8859-1",
        "“quoted” — dash",
        "declared:cp1252",
    ),
    ("us-ascii label on cp1252", "café".encode("cp1252"), "us-ascii", "café", "declared:cp1252"),
    ("latin-1 label on UTF-8", "café ünïcode".encode(), "iso-8859-1", "café ünïcode", "detected:utf-8"),
    (
        "unknown charset name",
        "Grüße aus München".encode("cp1252"),
        "x-no-such-charset",
        "Grüße aus München",
        "detected:cp1252",
    ),
    ("ks_c_5601-1987 is cp949", KOREAN.encode("cp949"), "ks_c_5601-1987", KOREAN, "declared:cp949"),
    ("gb2312 read as gb18030", CHINESE.encode("gb18030"), "gb2312", CHINESE, "declared:gb18030"),
    ("iso-2022-jp", JAPANESE.encode("iso2022_jp"), "ISO-2022-JP", JAPANESE, "declared:iso2022_jp"),
    ("utf-7 under Outlook's name", "Hi Ünïcode".encode("utf-7"), "unicode-1-1-utf-7", "Hi Ünïcode", "declared:utf-7"),
    ("x-mac-cyrillic", RUSSIAN.encode("mac_cyrillic"), "x-mac-cyrillic", RUSSIAN, "declared:mac-cyrillic"),
    ("windows-874 Thai", "สวัสดีครับ".encode("cp874"), "windows-874", "สวัสดีครับ", "declared:cp874"),
    (
        "invalid utf-8 declared utf-8",
        "Grüße aus München".encode("cp1252"),
        "utf-8",
        "Grüße aus München",
        "detected:cp1252",
    ),
    (
        "utf-8 with a stray cp1252 byte",
        "Zürich ✓ ".encode() + b"\x97 end",
        "utf-8",
        "Zürich ✓ — end",
        "detected:utf-8+cp1252",
    ),
    ("cp1251 declared utf-8", RUSSIAN.encode("cp1251"), "utf-8", RUSSIAN, "detected:cp1251"),
    ("undeclared utf-8", "Ünïcode ✓".encode(), None, "Ünïcode ✓", "detected:utf-8"),
    ("undeclared ascii", b"plain", None, "plain", "detected:ascii"),
    ("empty", b"", None, "", "detected:ascii"),
    ("empty declared", b"", "utf-8", "", "declared:utf-8"),
    ("quoted, odd-case label", "é".encode("cp1252") * 3 + b" ok", ' "Windows-1252" ', "ééé ok", "declared:cp1252"),
]


@pytest.mark.parametrize(("data", "declared", "expected", "how"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decode_bytes(data: bytes, declared: str | None, expected: str, how: str) -> None:
    assert decode_bytes(data, declared) == (expected, how)


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)), b"\xff\xfe\x00", b"\x80" * 1000, b"\x1b$B garbage", b"\xc3"],
    ids=["all-bytes", "short-bom", "c1-run", "bad-iso2022", "truncated-utf8"],
)
@pytest.mark.parametrize("declared", [None, "utf-8", "iso-2022-jp", "utf-16", "base64", "cp1252", "", "x-bogus"])
def test_decode_bytes_never_raises(data: bytes, declared: str | None) -> None:
    text, how = decode_bytes(data, declared)
    assert isinstance(text, str)
    assert how.split(":")[0] in {"declared", "detected", "fallback"}


def test_clean_declared_charset_never_runs_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-message fast path must not pay for charset-normalizer."""

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("detection called on the fast path")

    monkeypatch.setattr(charset_normalizer, "from_bytes", boom)
    assert decode_bytes(RUSSIAN.encode("koi8-r"), "koi8-r") == (RUSSIAN, "declared:koi8-r")
    assert decode_bytes(KOREAN.encode("cp949"), "ks_c_5601-1987")[1] == "declared:cp949"
    assert decode_bytes(b"ascii only", None) == ("ascii only", "detected:ascii")
    assert decode_bytes("ütf".encode(), None) == ("ütf", "detected:utf-8")


def test_detection_sees_only_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = charset_normalizer.from_bytes

    def spy(data: bytes, *args: object, **kwargs: object) -> object:
        seen.append(len(data))
        return real(data)

    monkeypatch.setattr(charset_normalizer, "from_bytes", spy)
    body = RUSSIAN.encode("cp1251") * 10_000  # ~400 KB
    text, how = decode_bytes(body, "utf-8")
    assert how == "detected:cp1251"
    assert text == RUSSIAN * 10_000  # the whole body is decoded, not the sample
    assert seen and max(seen) <= text_module.DETECT_SAMPLE


def test_html_keeps_paragraphs_and_drops_script_and_style() -> None:
    html = (
        "<html><head><style>p { color: red }</style><script>var secret = 'x';</script></head>"
        "<body><p>First paragraph.</p><p>Second <b>bold</b> one.</p>"
        "<ul><li>item one</li><li>item two</li></ul></body></html>"
    )
    text = html_to_text(html)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:2] == ["First paragraph.", "Second bold one."]
    assert any("item one" in line for line in lines)
    assert "secret" not in text
    assert "color" not in text


@pytest.mark.parametrize(
    ("html", "must_contain"),
    [
        ("<p>unclosed <b>bold <i>and", "unclosed bold and"),
        ('<?xml version="1.0" encoding="utf-8"?><html><body><p>xhtml</p></body></html>', "xhtml"),
        ("a\x00b <p>nul</p>", "nul"),
        ("<div>" * 5000 + "deep text" + "</div>" * 5000, "deep text"),
        ("no tags at all", "no tags at all"),
        ("&lt;escaped&gt; &amp; <br>next", "<escaped> &"),
    ],
    ids=["unclosed", "xml-declaration", "nul", "deep-nesting", "plain", "entities"],
)
def test_html_to_text_is_robust(html: str, must_contain: str) -> None:
    assert must_contain in html_to_text(html)


def test_html_to_text_empty() -> None:
    assert html_to_text("") == ""
    assert html_to_text("   \n") == ""
    assert html_to_text("<!-- only a comment -->").strip() == ""


def test_html_falls_back_to_regex_when_the_parser_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(html: str) -> str:
        raise ValueError("parser exploded")

    monkeypatch.setattr(inscriptis, "get_text", broken)  # what html_to_text imports when it runs
    text = html_to_text("<style>x{}</style><p>one</p><p>two &amp; three</p><script>bad()</script>")
    assert "one" in text
    assert "two & three" in text
    assert "bad()" not in text
    assert "x{}" not in text
