"""A published article, as the quote extractor needs it: paragraphs of plain text, block quotes marked.

Reporters hand us whatever they have: a saved web page, a Markdown draft, a
plain-text paste, or the article as a mailed newsletter (.eml). All four become
one shape: paragraphs of single-spaced text joined by blank lines, plus which
paragraph ranges were block quotes, because a block quote is a quotation even
without quote marks, and the extractor could not tell otherwise.

HTML goes through the stdlib parser rather than inscriptis (which the ingest
side uses for mail bodies): inscriptis renders ``<blockquote>`` as indentation,
and indentation cannot be told from a list or a table cell afterwards. The
kind is decided by the content first (mail headers, HTML tags), then by the
file name, then by Markdown signs; a wrong guess between Markdown and plain
text costs little, since plain text read as Markdown differs only in markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Literal

Kind = Literal["text", "markdown", "html", "eml"]


@dataclass(frozen=True)
class Article:
    """The article's text: paragraphs (each on one line) separated by one blank line."""

    title: str | None
    text: str
    #: Half-open paragraph index ranges ``(first, past_last)`` that were block quotes.
    block_quotes: tuple[tuple[int, int], ...] = ()
    kind: Kind = "text"

    def paragraph_spans(self) -> list[tuple[int, int]]:
        """Character offsets ``(start, end)`` of each paragraph in ``text``."""
        spans, pos = [], 0
        for para in self.text.split("\n\n") if self.text else []:
            spans.append((pos, pos + len(para)))
            pos += len(para) + 2
        return spans

    def in_block_quote(self, index: int) -> bool:
        return any(first <= index < last for first, last in self.block_quotes)


def load_article(data: bytes, name: str = "") -> Article:
    """Read an article in any of the supported kinds; never raises on odd input."""
    kind = _detect(data, name)
    if kind == "eml":
        return _from_eml(data)
    text = _decode(data)
    if kind == "html":
        return _from_html(text)
    return _from_lines(text, markdown=kind == "markdown")


_HEADER = re.compile(rb"^(from|to|subject|date|message-id|mime-version|received|content-type):", re.I | re.M)
_HTML_SIGN = re.compile(r"<(?:!doctype html|html|body|article|p|div|blockquote|h[1-6])\b", re.I)
_MD_SIGN = re.compile(r"^(?:#{1,6} |> ?\S|[-*+] \S|```)|\[[^\]\n]+\]\([^)\s]+\)|\*\*\S", re.M)
_SUFFIXES: dict[str, Kind] = {
    "eml": "eml", "html": "html", "htm": "html", "xhtml": "html", "md": "markdown", "markdown": "markdown",
    "txt": "text", "text": "text",
}  # fmt: skip


def _detect(data: bytes, name: str) -> Kind:
    """Strong content signs beat the file name, which beats weak Markdown signs."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    block = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    if re.match(rb"[!-9;-~]+:", head) and len(set(m.lower() for m in _HEADER.findall(block))) >= 2:
        return "eml"
    sample = head.decode("utf-8", "replace")
    if sample.startswith("<") and _HTML_SIGN.search(sample):
        return "html"
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if len(_HTML_SIGN.findall(sample)) >= 2:
        return "html"
    return "markdown" if _MD_SIGN.search(sample) else "text"


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: what word processors and CMSs export."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _from_eml(data: bytes) -> Article:
    """A mailed article: the plain-text part if any, else the HTML part; the subject is the title."""
    msg = message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)  # policy.default always builds EmailMessage
    title = str(msg.get("subject", "") or "").strip() or None
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return Article(title, "", (), "eml")
    try:
        content = body.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset label
        payload = body.get_payload(decode=True)
        content = _decode(payload if isinstance(payload, bytes) else b"")
    content = content if isinstance(content, str) else _decode(content)
    inner = _from_html(content) if body.get_content_type() == "text/html" else _from_lines(content, markdown=False)
    return Article(title, inner.text, inner.block_quotes, "eml")


def _assemble(title: str | None, paras: list[tuple[str, int | None]], kind: Kind) -> Article:
    """Paragraphs tagged with a block-quote id (None outside) -> Article; empty paragraphs dropped."""
    kept = [(" ".join(text.split()), bq) for text, bq in paras]
    kept = [(text, bq) for text, bq in kept if text]
    ranges: list[tuple[int, int]] = []
    for i, (_, bq) in enumerate(kept):
        if bq is None:
            continue
        if ranges and ranges[-1][1] == i and kept[i - 1][1] == bq:
            ranges[-1] = (ranges[-1][0], i + 1)
        else:
            ranges.append((i, i + 1))
    return Article(title, "\n\n".join(text for text, _ in kept), tuple(ranges), kind)


_QUOTE_MARKER = re.compile(r"^ {0,3}>")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: keep the alt text
    (re.compile(r"\[([^\]]+)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"), r"\1"),  # links: keep the words
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>\"'])"), r"\1"),  # backslash escapes, e.g. \[If\]
]


def _from_lines(text: str, *, markdown: bool) -> Article:
    """Plain text or Markdown: blank lines end paragraphs; ``>`` lines (and, in plain text, indented ones) quote.

    Plain text has no markup, so two typographic habits stand in for it: an
    indented paragraph is a block quote (how pasted articles and mailed
    newsletters show one), and a short first paragraph without closing
    punctuation, followed by more text, is the headline.
    """
    title: str | None = None
    paras: list[tuple[str, int | None]] = []
    lines: list[str] = []
    current_bq: int | None = None
    bq_count = 0

    def flush() -> None:
        nonlocal bq_count
        if not lines:
            return
        bq = current_bq
        if not markdown and bq is None and all(line[:1] in (" ", "\t") for line in lines):
            previous = paras[-1][1] if paras else None
            bq_count += previous is None or previous > 0
            bq = previous if previous is not None and previous < 0 else -bq_count
        paras.append((" ".join(lines), bq))
        lines.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _QUOTE_MARKER.match(raw):
            inner = re.sub(r"^(?:\s*>)+ ?", "", raw)
            if current_bq is None:
                flush()
                bq_count += 1
                current_bq = bq_count
            if inner.strip():
                lines.append(_inline(inner) if markdown else inner)
            else:
                flush()  # a bare ">" separates paragraphs inside one block quote
            continue
        if current_bq is not None:
            flush()
            current_bq = None
        if not raw.strip() or (markdown and raw.lstrip().startswith("```")):
            flush()
        elif markdown and (heading := _HEADING.match(raw)):
            flush()
            paras.append((_inline(heading.group(2)), None))
            title = title or (_inline(heading.group(2)) if len(heading.group(1)) == 1 else None)
        elif markdown and len(lines) == 1 and _SETEXT.match(raw):
            title = title or (_inline(lines[0]) if raw.strip()[0] == "=" else None)
            flush()
        elif markdown and _LIST_ITEM.match(raw):
            flush()
            lines.append(_inline(_LIST_ITEM.sub("", raw)))
        else:
            lines.append(_inline(raw) if markdown else raw)
    flush()
    if not markdown and len(paras) > 1 and paras[0][1] is None:
        first = " ".join(paras[0][0].split())
        title = first if len(first) <= 120 and first[-1:] not in ".!?:;,\"”'’" else None
    return _assemble(title, paras, "markdown" if markdown else "text")


def _inline(line: str) -> str:
    for pattern, repl in _INLINE:
        line = pattern.sub(repl, line)
    return line


_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "nav", "footer", "form"})  # page chrome


class _Html(HTMLParser):
    """Collects paragraphs at block boundaries, noting which top-level ``<blockquote>`` each sits in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paras: list[tuple[str, int | None]] = []
        self.buffer: list[str] = []
        self.skip = 0
        self.bq_depth = 0
        self.bq_count = 0
        self.title = ""
        self.h1 = ""
        self.capture: str | None = None

    def flush(self) -> None:
        self.paras.append(("".join(self.buffer), self.bq_count if self.bq_depth else None))
        self.buffer.clear()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip += 1
        if tag == "br":  # a line break inside a paragraph, not a new one
            self.buffer.append(" ")
        if tag in ("title", "h1"):
            self.capture = tag
        if tag in _BLOCKS:
            self.flush()
        if tag == "blockquote":
            self.bq_depth += 1
            self.bq_count += self.bq_depth == 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self.skip:
            self.skip -= 1
        if tag == self.capture:
            self.capture = None
        if tag in _BLOCKS:
            self.flush()
        if tag == "blockquote" and self.bq_depth:
            self.bq_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.capture == "title":
            self.title += data
            return
        if self.skip:
            return
        if self.capture == "h1":
            self.h1 += data
        self.buffer.append(data)


def _from_html(html: str) -> Article:
    """A web page or HTML mail body; the first ``<h1>`` is the title, else ``<title>``."""
    parser = _Html()
    parser.feed(html)
    parser.close()
    parser.flush()
    title = " ".join((parser.h1 or parser.title).split()) or None
    return _assemble(title, parser.paras, "html")
