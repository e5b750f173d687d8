"""Bytes to text for message bodies, headers and text attachments; never raises.

Mail declares charsets badly: labels Python does not know
(``x-mac-cyrillic``, ``windows-874``), labels Python maps to a narrower codec
than the sender used (``ks_c_5601-1987`` is really cp949, ``gb2312`` text
routinely contains GBK/GB18030 characters), and ``iso-8859-1`` on text that is
really windows-1252 or UTF-8. We follow what mail clients and the WHATWG
Encoding standard do, because that is how the sender saw the message.

Nothing here can lose data: the caller keeps the original bytes in its blob
store, so a wrong guess only costs search quality. That is why
``decode_bytes`` always returns *some* text, preferring a decoding without
U+FFFD replacement characters.

Speed matters (every body and header goes through here): a declared charset
that decodes cleanly never reaches charset-normalizer, which is only run on
failure and only on the first ``DETECT_SAMPLE`` bytes. It and inscriptis (HTML
to text) are imported when first needed: a search re-reading a few plain-text
hits for their snippets loads neither.
"""

from __future__ import annotations

import codecs
import functools
import html as html_lib
import re

#: charset-normalizer's cost grows with input; 64 KiB is plenty to decide.
DETECT_SAMPLE = 64 * 1024

#: Mail charset labels that Python does not know, or maps to a codec narrower
#: than what senders actually emit (the WHATWG Encoding standard makes the
#: same choices). Keys are lower-cased with ``_`` spelt ``-``.
_ALIASES: dict[str, str] = {
    # Korean: Outlook's label for cp949 (Unified Hangul Code); Python maps
    # it to euc_kr, which fails on the 8,822 extra syllables cp949 has.
    "ks-c-5601-1987": "cp949",
    "ks-c-5601": "cp949",
    "ksc5601": "cp949",
    "ksc-5601": "cp949",
    "euc-kr": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    # Simplified Chinese: gb2312 < gbk < gb18030; senders label all as gb2312.
    "gb2312": "gb18030",
    "gb-2312": "gb18030",
    "gb-2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "windows-936": "gb18030",
    "x-mac-chinesesimp": "gb18030",
    # Traditional Chinese: Windows Big5 has the ETEN/Microsoft extensions.
    "big5": "cp950",
    "x-x-big5": "cp950",
    "csbig5": "cp950",
    "x-mac-chinesetrad": "cp950",
    # Japanese: "Shift_JIS" from Windows is cp932 (NEC/IBM extensions).
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms-kanji": "cp932",
    "windows-31j": "cp932",
    "x-mac-japanese": "cp932",
    "x-mac-korean": "cp949",
    # UTF-7 under the names Outlook and old Netscape used.
    "unicode-1-1-utf-7": "utf-7",
    "unicode-2-0-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "csunicode11utf7": "utf-7",
    # Macintosh charsets as .NET and Outlook for Mac name them.
    "x-mac-roman": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "x-mac-ce": "mac-latin2",
    "x-mac-centraleurroman": "mac-latin2",
    "x-mac-greek": "mac-greek",
    "x-mac-turkish": "mac-turkish",
    "x-mac-icelandic": "mac-iceland",
    "x-mac-croatian": "mac-croatian",
    "x-mac-romanian": "mac-romanian",
    "x-mac-arabic": "mac-arabic",
    "x-mac-farsi": "mac-farsi",
    # Thai and Windows code pages under their Windows names.
    "windows-874": "cp874",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-cp1250": "cp1250",
    "x-cp1251": "cp1251",
    "x-cp1252": "cp1252",
    # Hebrew/Arabic "logical"/"explicit" variants are the same bytes.
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-8-e": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
    "x-user-defined": "cp1252",
    "utf8": "utf-8",
    "x-utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "cp-850": "cp850",
    "ibm-850": "cp850",
    "cp-866": "cp866",
    "ibm-866": "cp866",
}

#: ISO-8859 codecs whose windows-125x sibling fills the C1 range (0x80-0x9F)
#: with printable characters. A C1 control in decoded text is never meant;
#: it means the sender used the Windows code page but labelled it ISO.
_WINDOWS_SIBLING: dict[str, str] = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-15": "cp1252",
    "iso8859-2": "cp1250",
    "iso8859-4": "cp1257",
    "iso8859-13": "cp1257",
    "iso8859-6": "cp1256",
    "iso8859-7": "cp1253",
    "iso8859-8": "cp1255",
    "iso8859-9": "cp1254",
}

#: Codecs that are not one byte per character: valid UTF-8 in a declared
#: multibyte text is not evidence of mislabelling, so we do not check for it.
_MULTIBYTE_PREFIXES = ("utf", "cp93", "cp94", "cp95", "gb", "big5", "euc", "iso2022", "hz", "johab", "shift")

#: When the declared codec fails, its supersets are tried before detection.
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "iso2022_jp": ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3"),
    "euc_jp": ("euc_jis_2004",),
    "cp932": ("shift_jis_2004",),
    "cp950": ("big5hkscs",),
}

#: Codecs in which ASCII bytes do not simply mean ASCII text (escape
#: sequences, ``+`` shifts, two or four bytes per character).
_ASCII_UNSAFE = ("utf-7", "utf-16", "utf-32", "iso2022", "hz")

#: Mess ratio (charset-normalizer's measure) under which a cp1252 reading is
#: believable when the detector has no opinion; its own default cut-off.
_PLAUSIBLE_MESS = 0.2

_C1 = re.compile(rb"[\x80-\x9f]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\ufffd]")
_REPLACEMENT = "\ufffd"


@functools.lru_cache(maxsize=256)
def _codec_name(label: str) -> str | None:
    """Canonical Python codec name for a mail charset label, or None if unknown.

    Cached: a mailbox uses a handful of labels millions of times.
    """
    key = label.strip().strip("\"'").lower().replace("_", "-")
    if not key:
        return None
    name = _ALIASES.get(key, key)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):  # e.g. "base64", "rot13"
        return None
    return info.name


def _is_multibyte(codec: str) -> bool:
    return codec.startswith(_MULTIBYTE_PREFIXES)


def _strict(data: bytes, codec: str) -> str | None:
    """Decode without any loss, or None. Any codec error counts as failure."""
    try:
        return data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _valid_utf8_non_ascii(data: bytes) -> str | None:
    """The text if ``data`` is UTF-8 containing non-ASCII bytes, else None.

    Valid UTF-8 with 8-bit bytes is almost never an accident in a legacy
    single-byte charset (a lone accented letter in cp1252 is an invalid UTF-8
    sequence), so it is the one reliable signal of a mislabelled body.
    """
    if data.isascii():
        return None
    return _strict(data, "utf-8")


def decode_bytes(data: bytes, declared_charset: str | None) -> tuple[str, str]:
    """Decode ``data`` to text; never raises, prefers a result without U+FFFD.

    Order, stopping at the first clean decoding:

    1. ASCII bytes: returned as is (the common case, and identical in every
       ASCII-compatible charset, so the label does not matter).
    2. Declared single-byte charset but the bytes are valid UTF-8: UTF-8
       ("detected"), because mislabelled UTF-8 is common and the reverse is
       practically impossible.
    3. The declared charset (after mail aliases): "declared". An ISO-8859
       label whose decoding contains C1 controls is not clean; its Windows
       sibling (``iso-8859-1`` -> cp1252) is tried and also reported
       "declared", since it is the reading every mail client gives the label.
       Note ``iso-8859-1`` otherwise always decodes, so e.g. cp1251 Russian
       mislabelled as Latin-1 comes back as Latin-1 mojibake: the label is
       trusted when the bytes do not contradict it.
    4. UTF-8 with a few stray bytes (e.g. a cp1252 dash pasted into UTF-8):
       UTF-8 with those bytes read as cp1252 ("detected:utf-8+cp1252").
    5. charset-normalizer on the first 64 KiB ("detected"), with cp1252
       preferred when it reads the text with no more mess than the winner:
       detection cannot tell Western code pages apart on short mail.
    6. "fallback": whichever of UTF-8 / cp1252 / the declared charset gives
       the fewest U+FFFD with ``errors="replace"``.

    Returns ``(text, how)`` with ``how`` like ``"declared:cp1251"``,
    ``"detected:utf-8"`` or ``"fallback:utf-8"``, naming the Python codec.
    """
    try:
        return _decode(data, declared_charset)
    except Exception:  # belt and braces: a codec bug must not lose a message
        return data.decode("utf-8", "replace"), "fallback:utf-8"


def _decode(data: bytes, declared_charset: str | None) -> tuple[str, str]:
    codec = _codec_name(declared_charset) if declared_charset else None
    if data.isascii() and (codec is None or not codec.startswith(_ASCII_UNSAFE)):
        if codec is None and b"\x1b$" in data:
            # Undeclared ISO-2022-JP (7-bit, escape-shifted) is still seen in
            # raw Japanese headers; read as ASCII it would be escape noise.
            text = _strict(data, "iso2022_jp_2")
            if text is not None:
                return text, "detected:iso2022_jp_2"
        # Pure ASCII reads the same in every ASCII-compatible charset.
        return data.decode("ascii"), f"declared:{codec}" if codec else "detected:ascii"

    utf8_tried = False
    if codec is not None:
        if not _is_multibyte(codec):
            utf8_tried = True
            as_utf8 = _valid_utf8_non_ascii(data)
            if as_utf8 is not None:
                return as_utf8, "detected:utf-8"
        sibling = _WINDOWS_SIBLING.get(codec)
        if sibling is not None and (codec == "ascii" or _C1.search(data)):
            attempts: tuple[str, ...] = (sibling,)
        else:
            attempts = (codec, *_SUPERSETS.get(codec, ()))
        for name in attempts:
            text = _strict(data, name)
            if text is not None:
                return text, f"declared:{name}"
        utf8_tried = utf8_tried or codec == "utf-8"
    if not utf8_tried:
        text = _strict(data, "utf-8")
        if text is not None:
            return text, "detected:utf-8"

    mixed = _mixed_utf8(data)
    if mixed is not None:
        return mixed, "detected:utf-8+cp1252"

    detected = _detect(data)
    if detected is not None:
        return detected

    if codec in _WINDOWS_SIBLING and codec != "ascii":
        # Detection gave up; an ISO-8859 decoding with C1 controls still has
        # no replacement characters, so it beats every lossy alternative.
        return data.decode(codec), f"declared:{codec}"
    return _fallback(data, codec)


def _mixed_utf8(data: bytes) -> str | None:
    """UTF-8 text with a minority of invalid bytes, those read as cp1252.

    Mixed encodings happen when text from different sources is pasted or
    concatenated. Whole-text detection would then misread the (majority)
    UTF-8 parts, so we keep UTF-8 and map only the bad bytes.
    """
    lossy = data.decode("utf-8", "replace")
    bad = lossy.count(_REPLACEMENT)
    good = len(_NON_ASCII_TEXT.findall(lossy))
    if bad == 0 or good < bad:
        return None
    return data.decode("utf-8", "surrogateescape").translate(_ESCAPED_AS_CP1252)


def _escaped_as_cp1252() -> dict[int, str]:
    """Map each surrogate-escaped byte to its cp1252 character (else Latin-1).

    A translate table rather than a registered codec error handler, so that
    importing this module changes no interpreter-wide state.
    """
    table: dict[int, str] = {}
    for byte in range(0x80, 0x100):
        try:
            char = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: keep the value
            char = chr(byte)
        table[0xDC00 + byte] = char
    return table


_ESCAPED_AS_CP1252 = _escaped_as_cp1252()


def _detect(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer on a sample; the whole input must then decode cleanly."""
    import charset_normalizer
    from charset_normalizer.md import mess_ratio

    sample = data[:DETECT_SAMPLE]
    try:
        best = charset_normalizer.from_bytes(sample).best()
    except Exception:
        best = None
    encoding = best.encoding if best is not None else None
    if encoding and encoding.startswith(("utf_16", "utf_32")) and b"\x00" not in sample:
        # UTF-16/32 without a single NUL is not UTF-16/32: the detector
        # picks them for a few stray 8-bit bytes in very short input.
        encoding = None
    if encoding is None or (not _is_multibyte(encoding) and encoding != "cp1252"):
        # Western code pages are indistinguishable to the detector on short
        # text, and in mail cp1252 is by far the likeliest of them; accept
        # it when it reads at least as cleanly as the detector's choice.
        threshold = best.chaos if best is not None and encoding else _PLAUSIBLE_MESS
        cp1252 = _strict(data, "cp1252")
        try:
            if cp1252 is not None and mess_ratio(cp1252[:DETECT_SAMPLE], 1.0) <= threshold:
                return cp1252, "detected:cp1252"
        except Exception:
            pass
    codec = _codec_name(encoding) if encoding else None
    text = _strict(data, codec) if codec else None
    if text is None or codec is None:
        return None
    return text, f"detected:{codec}"


def _fallback(data: bytes, codec: str | None) -> tuple[str, str]:
    """Lossy decoding with the fewest replacement characters; UTF-8 on ties."""
    options = ["utf-8", "cp1252"]
    if codec and codec not in options:
        options.append(codec)
    best_text, best_codec, best_bad = "", "utf-8", -1
    for name in options:
        try:
            text = data.decode(name, "replace")
        except Exception:
            continue
        bad = text.count(_REPLACEMENT)
        if best_bad < 0 or bad < best_bad:
            best_text, best_codec, best_bad = text, name, bad
    return best_text, f"fallback:{best_codec}"


_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h[1-6]|p|div|tr|li|h[1-6])\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def html_to_text(html: str) -> str:
    """Readable text from mail HTML; never raises.

    inscriptis keeps the visual line structure (paragraphs, list items, table
    rows), which matters for reading a mail and for phrase search, and drops
    ``<script>``/``<style>`` content. lxml refuses some inputs inscriptis
    passes straight through (an XML encoding declaration in a ``str``,
    control characters), so those are removed first; anything else that
    fails falls back to a regex tag stripper, crude but total.
    """
    from inscriptis import get_text  # type: ignore[import-untyped]

    if not html or not html.strip():
        return ""
    cleaned = _CONTROL.sub("", _XML_DECL.sub("", html))
    try:
        text = str(get_text(cleaned))
    except (Exception, RecursionError):
        return _strip_tags(cleaned)
    if not text.strip():
        # lxml silently drops a tree nested past its depth limit (256 levels
        # of unclosed <div> is enough), returning nothing for a full page.
        stripped = _strip_tags(cleaned)
        return stripped if stripped.strip() else text
    return text


def _strip_tags(html: str) -> str:
    """Last-resort HTML to text: no parser, so nothing to fail."""
    text = _COMMENT.sub("", _SCRIPT_STYLE.sub("", html))
    text = _BLOCK.sub("\n", text)
    text = html_lib.unescape(_TAG.sub("", text))
    text = _BLANK_RUNS.sub("\n\n", text).strip()
    return text + "\n" if text else ""
