"""The quotations in an article: what a fact-checker would mark with a highlighter.

Quote marks are paired by scanning each paragraph, because the typographic
conventions are all local: a straight ``"`` opens after a space or an opening
bracket and closes before one; curly marks say which they are; a single
curly ‘…’ pair counts only when the opening mark starts a word and the
closing one ends a word (a ’ inside a word is an apostrophe, and a ’ after an
s followed by a lower-case word is taken as a plural possessive when another
closing mark follows). Marks inside a quotation nest, so an inner quote stays
part of the outer text. Straight single quotes are never taken as quote
marks: in plain text they are apostrophes far more often than quotations.

Three conventions join pieces into one quote:

- interrupted by attribution: ``"They move at night," he wrote, "and nobody
  stops them."`` -- the gap must be short (``MAX_ATTRIBUTION_WORDS``), end in
  a comma, and the first part end in a comma (or the gap start with one). The
  parts are joined with a single space, not an ellipsis: the attribution is
  not an omission from the source;
- a quotation running over paragraphs leaves each paragraph open and starts
  the next with an opening mark; an open quote that no paragraph continues is
  dropped, since where it ends cannot be known;
- a block quote (Markdown ``>``, HTML ``<blockquote>``, an indented plain-text
  paragraph) is one quote, marks or not, its paragraphs its parts.

Scare quotes and titles are skipped: fewer than ``MIN_QUOTE_WORDS`` words, or a
short run of capitalised words with no sentence punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loupe.quotes.article import Article
from loupe.quotes.editorial import EMPHASIS_NOTE, word_spans

#: Fewer words than this is a scare quote ("terrorists") or a nickname, not something to check against mail.
MIN_QUOTE_WORDS = 4
#: "he wrote", "said Juan Perez, a former customs officer": longer gaps are narration between two quotes.
MAX_ATTRIBUTION_WORDS = 8
#: A quoted run of capitalised words at most this long is a title ("The Border Security Review").
MAX_TITLE_WORDS = 8

_OPENERS = " \t\n([{—–-/“\"‘'"
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*\s+")
_SENTENCE_END_AHEAD = re.compile(r"[.!?…][\"”’')\]]*(?=\s|$)")


@dataclass(frozen=True)
class Quote:
    """One quotation: its parts as printed (marks removed) and where it sits in ``Article.text``."""

    number: int
    parts: tuple[str, ...]
    #: The parts joined with one space (attribution and paragraph breaks are not omissions).
    text: str
    #: From the first quoted character to the last; any attribution in between is inside the span.
    start: int
    end: int
    #: The sentence around the quote (for a block quote, the sentence that introduces it), for display.
    context: str
    block: bool = False


@dataclass
class _Group:
    parts: list[tuple[int, int]]
    closed: bool
    family: str  # '"' or "'"
    at_start: bool  # opens the paragraph: may continue a quotation left open in the previous one
    close: int = -1  # index of the last closing mark


def extract_quotes(article: Article) -> list[Quote]:
    """Every quotation of at least ``MIN_QUOTE_WORDS`` words, numbered in reading order."""
    text, paragraphs = article.text, article.paragraph_spans()
    found: list[tuple[list[tuple[int, int]], str, bool]] = []
    carry: _Group | None = None
    for index, (lo, hi) in enumerate(paragraphs):
        if article.in_block_quote(index):
            carry = None
            continue
        groups = _groups(text, lo, hi)
        if carry is not None and groups and groups[0].at_start and groups[0].family == carry.family:
            groups[0].parts[:0] = carry.parts
        carry = None
        for group in groups:
            if group.closed:
                found.append((group.parts, _sentence(text, group.parts[0][0], group.parts[-1][1], paragraphs), False))
        if groups and not groups[-1].closed:
            carry = groups[-1]
    for first, last in article.block_quotes:
        parts = _block_parts(text, paragraphs[first:last])
        lead = _last_sentence(text, *paragraphs[first - 1]) if first and not article.in_block_quote(first - 1) else ""
        found.append((parts, lead, True))
    quotes = [(parts, context, block) for parts, context, block in found if _is_quotation(text, parts)]
    quotes.sort(key=lambda item: item[0][0][0])
    return [
        Quote(
            n,
            tuple(text[s:e] for s, e in parts),
            " ".join(text[s:e] for s, e in parts) + _note_after(text, parts[-1][1]),
            parts[0][0],
            parts[-1][1],
            context,
            block,
        )
        for n, (parts, context, block) in enumerate(quotes, 1)
    ]


_NOTE_AFTER = re.compile(r"[\"”’']?[,.;]?[ \t]{0,3}(" + EMPHASIS_NOTE.pattern + ")", re.IGNORECASE)


def _note_after(text: str, end: int) -> str:
    """An emphasis note printed just after the closing mark ("... in their pocket” (emphasis added)")
    belongs to the quote: it says the italics inside are the article's, not the mail's."""
    found = _NOTE_AFTER.match(text, end)
    return f" {found.group(1)}" if found else ""


def _groups(text: str, lo: int, hi: int) -> list[_Group]:
    """Quote spans in one paragraph, interrupted ones merged; only the last may be left open."""
    groups: list[_Group] = []
    i = lo
    while i < hi:
        family = _opening(text, i, lo, hi)
        if family is None:
            i += 1
            continue
        close = _closing(text, i + 1, hi, family)
        at_start = not text[lo:i].strip()
        part = _strip(text, i + 1, hi if close is None else close)
        if close is None:
            if family == '"' or at_start:  # an open double mark quotes the rest of the paragraph
                groups.append(_Group([part], False, family, at_start))
                break
            i += 1  # a lone ‘ is most likely a misprinted apostrophe (‘90s)
            continue
        previous = groups[-1] if groups else None
        if previous and previous.closed and previous.family == family and _attribution(text, previous, i):
            previous.parts.append(part)
            previous.close = close
        else:
            groups.append(_Group([part], True, family, at_start, close))
        i = close + 1
    return groups


def _opening(text: str, i: int, lo: int, hi: int) -> str | None:
    after = text[i + 1] if i + 1 < hi else " "
    before = text[i - 1] if i > lo else " "
    if after.isspace():
        return None
    if text[i] == "“" or (text[i] == '"' and before in _OPENERS):
        return '"'
    return "'" if text[i] == "‘" and before in _OPENERS else None


def _closing(text: str, i: int, hi: int, family: str) -> int | None:
    """Index of the mark closing a quote opened just before ``i``, counting nested marks of its family."""
    depth = 0
    for k in range(i, hi):
        ch = text[k]
        if ch in '“"‘' and _opening(text, k, i, hi) == family:
            depth += 1
        elif _closes(text, k, hi, family):
            if depth == 0:
                return k
            depth -= 1
    return None


def _closes(text: str, k: int, hi: int, family: str) -> bool:
    ch, before = text[k], text[k - 1]
    after = text[k + 1] if k + 1 < hi else " "
    if before.isspace():
        return False
    if family == '"':
        return ch == "”" or (ch == '"' and not after.isalnum())
    if ch != "’" or after.isalnum():
        return False  # an apostrophe inside a word
    possessive = before == "s" and re.match(r"\s+[a-z]", text[k + 1 : k + 3]) is not None
    return not (possessive and "’" in text[k + 1 : hi])


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _attribution(text: str, previous: _Group, opening: int) -> bool:
    """Whether the text between two quotes is a short "he wrote," that interrupts one sentence."""
    end = previous.parts[-1][1]
    gap = text[previous.close + 1 : opening].strip()
    comma_before = text[end - 1 : end] in (",", "—", "–") or gap.startswith(",")
    words = len(list(word_spans(gap)))
    return comma_before and gap.endswith(",") and 0 < words <= MAX_ATTRIBUTION_WORDS and not re.search(r"[.!?;:]", gap)


def _block_parts(text: str, paragraphs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A block quote's paragraphs, without wrapping quote marks or a closing "— Name" attribution line."""
    parts = list(paragraphs)
    signed = len(parts) > 1 and re.match(r"\s*(?:—|–|--|-)\s*\S", text[parts[-1][0] : parts[-1][1]])
    if signed and len(list(word_spans(text, *parts[-1]))) <= MAX_ATTRIBUTION_WORDS:
        parts.pop()
    stripped = []
    for s, e in parts:
        s += 1 if text[s : s + 1] in ("“", '"', "‘") else 0
        e -= 1 if text[e - 1 : e] in ("”", '"', "’") and text[e - 2 : e - 1] in ".!?,…" else 0
        stripped.append(_strip(text, s, e))
    return stripped


def _is_quotation(text: str, parts: list[tuple[int, int]]) -> bool:
    words = [text[s:e] for p in parts for s, e in word_spans(text, *p)]
    if len(words) < MIN_QUOTE_WORDS:
        return False
    titled = all(w[:1].isupper() or len(w) < 4 for w in (word.strip("\"'“”‘’([") for word in words))
    return not (titled and len(words) <= MAX_TITLE_WORDS and not re.search(r"[.!?,;:]", " ".join(words)))


def _sentence(text: str, start: int, end: int, paragraphs: list[tuple[int, int]]) -> str:
    """The sentence(s) holding ``start``..``end``, bounded by their paragraphs."""
    lo = max(p_lo for p_lo, _ in paragraphs if p_lo <= start)
    hi = min(p_hi for _, p_hi in paragraphs if p_hi >= end)
    begin = lo
    for match in _SENTENCE_END.finditer(text, lo, start):
        begin = match.end()
    after = re.compile(r"[\"”’']*").match(text, end, hi)
    stop = after.end() if after else end
    if text[end - 1 : end] in (".", "!", "?") and (stop >= hi or re.match(r"\s+[A-Z“\"‘]", text[stop : stop + 3])):
        finish = stop
    else:
        ahead = _SENTENCE_END_AHEAD.search(text, stop, hi)
        finish = ahead.end() if ahead else hi
    return " ".join(text[begin:finish].split())


def _last_sentence(text: str, lo: int, hi: int) -> str:
    begin = lo
    for match in _SENTENCE_END.finditer(text, lo, hi):
        if match.end() < hi:
            begin = match.end()
    return text[begin:hi].strip()
