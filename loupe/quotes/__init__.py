"""Quote check: is a published quote in the archive, and how was it edited?

A reporter pastes or uploads an article; ``article.load_article`` reads it
(text, Markdown, HTML or a mailed .eml), ``extract.extract_quotes`` finds the
quotations in it, ``editorial.parse_edits`` splits each into literal words and
editorial marks (brackets, ellipses, [sic], emphasis notes), and
``align.align``/``align.best_alignment`` match it word by word against
candidate email bodies and grade it: verbatim, faithful edit, or altered.

These four modules are pure (bytes and strings in, values out), so the part
that asks the search index for candidate bodies stays thin and the grading
can be tested on hand-made text. ``locate`` asks the index where a quote's
words are (its runs as phrases, the holders of a passage, oldest first), so
``in_case`` reads only a few originals however many messages hold a quote. The main choice is to judge words, not
characters: typography (smart quotes, dashes, line wraps, reply markers) is
never evidence of tampering, a changed word always is.
"""

from loupe.quotes.align import FOUND_THRESHOLD, align, best_alignment
from loupe.quotes.article import Article, load_article
from loupe.quotes.editorial import EditedQuote, Segment, parse_edits
from loupe.quotes.extract import MIN_QUOTE_WORDS, Quote, extract_quotes
from loupe.quotes.grade import Alignment, Difference, Edit, Op

__all__ = [
    "FOUND_THRESHOLD",
    "MIN_QUOTE_WORDS",
    "Alignment",
    "Article",
    "Difference",
    "Edit",
    "EditedQuote",
    "Op",
    "Quote",
    "Segment",
    "align",
    "best_alignment",
    "extract_quotes",
    "load_article",
    "parse_edits",
]
