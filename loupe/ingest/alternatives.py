"""The HTML beside a plain-text body, and whether the two say the same.

``multipart/alternative`` promises that its parts are one message in several
formats. Mail clients show the HTML; archives, ``grep`` and most search tools
read the plain text. A sender who writes different words in each hides them
from whoever reads the other part. So the plain text stays the body (codes,
quotes and offsets are read from it) and the HTML is read as well: it is
searched when it has words the body lacks, and ``loupe show`` and the message
page show both versions when they differ.

"Differ" is judged on words alone. An HTML version always formats
differently (markup, line breaks, entities, bullets), so each text becomes
its set of folded words, and the versions differ when one has a word the
other lacks. What converters are known to write differently is left out:

- web, ``mailto:`` and ``cid:`` addresses: a plain-text version spells out
  what the HTML keeps in attributes (``click here <http://…>``,
  ``[cid:image001.png@…]``), and feed readers replace pictures by ``data:``;
- alt and title texts count as words the HTML holds (``[image: Logo]``);
- invisible characters inside a word (soft hyphen, zero-width space).

Versions are compared part for part: the plain and HTML parts of the same
``multipart/alternative``, so a footer a mailing list adds as a part of its
own is not taken for a difference. Without such a pair (an HTML part in a
``multipart/mixed`` beside the text) every part is compared.
"""

from __future__ import annotations

import html as html_lib
import re

from loupe.folding import fold
from loupe.ingest.text import html_to_text
from loupe.model import Alternative

#: Letters and digits, as the index's tokenizer splits them (``_`` splits too).
_WORD = re.compile(r"[^\W_]+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_ADDRESS = re.compile(r"""(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:|\bcid:)[^\s<>\[\]"']*""", re.IGNORECASE)
_SHOWN_ELSEWHERE = re.compile(r"""\b(?:alt|title)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)

#: A part's text and the multipart/alternative it sits in (0: none).
Part = tuple[str, int]


def words(text: str) -> set[str]:
    """The folded words of a text, as the index would find them (case, accents and order aside)."""
    return set(_WORD.findall(fold(_INVISIBLE.sub("", text))))


def compared_words(text: str) -> set[str]:
    """The words that count when versions are compared: addresses left out."""
    return words(_ADDRESS.sub(" ", text))


def _attribute_words(html: str) -> set[str]:
    found: set[str] = set()
    for match in _SHOWN_ELSEWHERE.finditer(html):
        found |= compared_words(html_lib.unescape(next(v for v in match.groups() if v is not None)))
    return found


def html_alternative(plain: list[Part], html: list[Part]) -> Alternative:
    """The HTML body parts as one version beside the plain-text ones, with the words each has alone.

    The text is the HTML parts' text joined, as ``body_text`` would be from
    them; the plain parts joined are the body.
    """
    texts = [(html_to_text(raw), group) for raw, group in html]
    text = "\n".join(t for t, _ in texts)
    paired = ({g for _, g in plain} & {g for _, g in html}) - {0}  # the alternatives holding both

    def side(parts: list[Part]) -> list[str]:
        return [t for t, g in parts if g in paired] or [t for t, _ in parts]

    plain_words = compared_words("\n".join(side(plain)))
    html_words = compared_words("\n".join(side(texts)))
    held = html_words.union(*(_attribute_words(raw) for raw in side(html)))
    return Alternative(
        mimetype="text/html",
        text=text,
        only_here=tuple(sorted(html_words - plain_words)),
        only_in_plain=tuple(sorted(plain_words - held)),
        adds_words=bool(words(text) - words("\n".join(t for t, _ in plain))),
    )
