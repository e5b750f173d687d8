"""Where a quote's words are in the case, asked of the full-text index before any original is read.

Reading an original again costs a few milliseconds (the blob, a MIME parse,
splitting the body into words for the aligner); the index answers in about
as long for every message at once. On the 1,000,000-message case of issue
17 a sentence of list mail sits in thousands of messages, and the check
that read every holder of a quote's words to confirm it took 6 s a quote.
So the index decides which originals are worth reading:

- **Candidates by phrase.** The quote's literal runs (the words between its
  editorial marks: an ellipsis or a bracket joins two runs that need not
  touch) are asked as phrases that must all be present. A message holding
  them is very likely to hold the quote; only the best few are read.
- **Candidates by shingles.** A quote with a changed word holds no phrase
  of its whole run, but every run of three words around the change; the
  messages holding most of them rank first.
- **Holders of a passage.** Once the quote's words are found, the messages
  holding the same passage (its words in order, whatever the wrapping or
  reply markers) are the index's hits for it as one phrase: counted and
  listed without reading them. Only the earliest, by the index's date, are
  read, to say who said it first.

Tokens are made as the index made them (``search.index.prepare`` and the
body field's analyzer), so a phrase asked here is the one the index holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import tantivy

from loupe.quotes.corroborate import index_words_in_order
from loupe.quotes.editorial import EditedQuote
from loupe.search.index import prepare

#: Words of a shingle: three in a row rarely repeat by chance, and a changed word spoils at most three.
SHINGLE = 3
#: The field the quote is looked for in (a quote from an attachment is not checked: see ``in_case``).
FIELD = "body"


def tokens(text: str) -> list[str]:
    """``text``'s words as the index holds them, in order, stop words kept (for phrases)."""
    return index_words_in_order(prepare(text))


def literal_runs(quote: EditedQuote) -> list[list[str]]:
    """The quote's runs of literal words as index tokens: a bracket, an omission or a glued bracket
    ("[T]hey") ends a run, since the original may hold other words there; ``[sic]`` does not (the
    word before it is the original's)."""
    runs: list[list[str]] = []
    current: list[str] = []
    for segment in quote.segments:
        if segment.kind == "sic":
            continue
        if segment.kind == "word" and not segment.glued:
            current.append(segment.text)
            continue
        if current:
            runs.append(tokens(" ".join(current)))
        current = []
    if current:
        runs.append(tokens(" ".join(current)))
    return [run for run in runs if run]


def phrase(schema: tantivy.Schema, words: Sequence[str]) -> tantivy.Query:
    """The words in this order, next to each other (one word: the word)."""
    if len(words) == 1:
        return tantivy.Query.term_query(schema, FIELD, words[0])
    return tantivy.Query.phrase_query(schema, FIELD, list[str | tuple[int, str]](words))


def all_runs(schema: tantivy.Schema, runs: list[list[str]]) -> tantivy.Query | None:
    """Every run as a phrase, all required: the messages that can hold the quote as printed."""
    if not runs:
        return None
    if len(runs) == 1:
        return phrase(schema, runs[0])
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, phrase(schema, run)) for run in runs])


def shingles(schema: tantivy.Schema, runs: list[list[str]]) -> tantivy.Query | None:
    """Any ``SHINGLE`` words in a row of a run (a shorter run whole), scored by how many are held."""
    pieces = {
        tuple(run[i : i + SHINGLE]) for run in runs for i in range(max(len(run) - SHINGLE + 1, 1)) if run[i : i + 1]
    }
    if not pieces:
        return None
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, phrase(schema, list(p))) for p in sorted(pieces)])


def any_word(schema: tantivy.Schema, words: Sequence[str]) -> tantivy.Query | None:
    """The messages whose body holds any of ``words`` (index terms), ranked by them; None for no words."""
    if not words:
        return None
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, FIELD, w)) for w in words]
    )


def best(searcher: tantivy.Searcher, query: tantivy.Query | None, limit: int) -> list[str]:
    """The ids of the ``limit`` best-scoring messages for ``query``, best first."""
    if query is None or limit <= 0:
        return []
    found = searcher.search(query, limit=limit, count=False)
    return [id_of(searcher, address) for _score, address in found.hits]


def holders(schema: tantivy.Schema, passage: str) -> tantivy.Query | None:
    """The messages holding ``passage``: its words in order, however wrapped or ``>``-quoted."""
    words = tokens(passage)
    return phrase(schema, words) if words else None


def every_id(searcher: tantivy.Searcher, query: tantivy.Query) -> list[str]:
    """The ids of every message matching ``query``, sorted."""
    count = int(getattr(searcher.search(query, limit=1, count=True), "count", 0) or 0)
    if count == 0:
        return []
    found = searcher.search(query, limit=count, count=False)  # a collector sized to the hits, not the case
    return sorted(id_of(searcher, address) for _score, address in found.hits)


def oldest_first(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, page: int = 16
) -> Iterator[list[str]]:
    """``query``'s messages by the index's date, oldest first, as groups of one instant (ids sorted);
    the undated last, one group each by id: an undated copy is never taken for the first. Lazy,
    ``page`` dates at a time: the caller reads until it has what it wants."""
    after: int | None = None
    while True:
        window = _both(query, tantivy.Query.exists_query("date"))
        if after is not None:
            window = _both(window, _dates(schema, after, None))
        found = searcher.search(window, limit=page, count=False, order_by_field="date", order=tantivy.Order.Asc)
        instants = sorted({int(nanos) for nanos, _address in found.hits if nanos is not None})
        if not instants:
            break
        for instant in instants:  # each instant whole, however many of the page's hits it had
            yield every_id(searcher, _both(query, _dates(schema, instant, instant)))
        after = instants[-1]
    undated = tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, query), (tantivy.Occur.MustNot, tantivy.Query.exists_query("date"))]
    )
    for message in every_id(searcher, undated):
        yield [message]


def _both(a: tantivy.Query, b: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, a), (tantivy.Occur.Must, b)])


def _dates(schema: tantivy.Schema, low: int | None, high: int | None) -> tantivy.Query:
    """Dates from ``low`` to ``high`` inclusive when both are given (one instant); after ``low``, exclusive,
    when only it is."""
    return tantivy.Query.range_query(
        schema, "date", tantivy.FieldType.Date, _instant(low), _instant(high), high is not None, True
    )


def _instant(nanos: int | None) -> datetime | None:
    if nanos is None:
        return None
    seconds, rest = divmod(nanos, 1_000_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest // 1000)


def id_of(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> str:
    """The message id of an index hit."""
    return str(searcher.doc(address).get_first("id"))
