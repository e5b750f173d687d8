"""Quote check and corroboration run against a case: the index finds candidates, the originals decide.

The pure parts (reading an article, editorial marks, alignment, support and
origins) take strings; this module is where they meet the case: it asks the
index for candidate messages, re-reads their bodies from the originals (the
evidence, not a copy of it), and looks up dates, senders, people, insight
blocks and near-duplicate groups in the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import tantivy

from loupe.folding import fold
from loupe.meaning.model import embed
from loupe.meaning.score import MEANING_CANDIDATES, MEANING_FLOOR, MEANING_READS, ClaimReading, judge
from loupe.quotes import locate
from loupe.quotes.align import FOUND_THRESHOLD, align
from loupe.quotes.article import Article
from loupe.quotes.corroborate import (
    CANDIDATES,
    SUPPORT,
    Claim,
    Corroboration,
    Evidence,
    best_passage,
    group_origins,
    index_words,
)
from loupe.quotes.editorial import EditedQuote, parse_edits
from loupe.quotes.extract import Quote, extract_quotes
from loupe.quotes.grade import Alignment
from loupe.quotes.speaker import Speaker, speaker_at
from loupe.store.conversations import MessageIdentifiers

if TYPE_CHECKING:
    from loupe.case import Case


def candidates(case: Case, words: list[str], limit: int = CANDIDATES) -> list[str]:
    """The messages whose body best matches any of ``words`` (index terms), best first."""
    return locate.best(case.index.searcher(), locate.any_word(case.index.schema, words), limit)


def corroborate(
    case: Case,
    claim_text: str,
    support: float = SUPPORT,
    from_message: bool = False,
    lexical: bool = False,
    limit: int | None = CANDIDATES,
) -> Corroboration:
    """Who says ``claim_text`` in the case, grouped by independent origin.

    By words and by meaning together (``loupe.meaning.score``) when the case
    has meaning vectors; by words alone with ``lexical`` (or when it has
    none). Passages denying the claim are grouped apart as contradictions,
    and passages only asking about it are listed, neither counted.
    ``from_message``: the claim is a message's own words, so that message
    is not counted when weighing them (a word only it uses is its wording).
    ``limit``: the most candidates by words read (the index's best first);
    None reads on until ``WORD_MISSES`` in a row do not support the claim.
    The answer says whether the limit, not the support, ended the reading
    (``Corroboration.capped``): a claim repeated in thousands of messages is
    then counted only among the best ``limit``.
    """
    index = case.index
    searcher = index.searcher()
    own = 1 if from_message else 0
    claim = Claim.weighed(
        claim_text, lambda word: max(searcher.doc_freq("body", word) - own, 0), int(searcher.num_docs) - own
    )
    hybrid = not lexical and case.db.meaning.any()
    reading = ClaimReading.of(claim) if hybrid else None
    near = meaning_candidates(case, reading) if reading is not None else {}
    by_words = _WordCandidates(searcher, index.schema, index_words(claim_text), limit, near.keys())
    evidence = []
    read = misses = read_by_words = 0
    for batch in _batches(near, by_words):
        summaries = case.db.conversations.headlines(batch)
        insights = case.db.sources.insight_spans(batch)
        known_as = case.db.conversations.identifiers(batch)
        for message in batch:
            if message not in summaries:
                continue
            by_words_only = message not in near
            if by_words_only and misses >= WORD_MISSES and (reading is not None or by_words.taken > CANDIDATES):
                by_words.stop()  # the index ranks by the claim's words: this far down a run of misses, no more
                break
            body = case.parsed(message, attachment_text=False).body_text
            read += 1
            read_by_words += by_words_only
            if reading is None:
                score, start, end = best_passage(claim, body)
                misses = 0 if score >= support else misses + 1
                if score < support:
                    continue
                passage, how = " ".join(body[start:end].split()), dict[str, Any]()
            else:
                judged = judge(reading, body, support, near.get(message))
                if by_words_only:
                    misses = 0 if judged is not None and judged.words >= support else misses + 1
                if judged is None:
                    continue
                score, start, end, passage = judged.words, judged.start, judged.end, judged.passage
                how = dict[str, Any](found_by=judged.found_by, meaning=judged.meaning, stance=judged.stance)
            about = summaries[message]
            evidence.append(
                Evidence(
                    **_described(message, about, known_as),
                    passage=passage,
                    start=start,
                    end=end,
                    score=score,
                    speaker=speaker_at(body, start, _sender(about), insights.get(message, ())),
                    **how,
                )
            )
    saying = [e for e in evidence if e.stance == "says"]
    denying = [e for e in evidence if e.stance == "denies"]
    person_of = case.db.people.persons_of([e.speaker.address for e in evidence if e.speaker.address])
    named = case.db.people.persons_named([e.speaker.name for e in evidence if e.speaker.name and not e.speaker.address])
    person_of |= {fold(name): found for name, found in named.items()}
    group_of = case.db.conversations.near_duplicate_group_of([e.message for e in evidence])
    return Corroboration(
        claim_text,
        tuple(group_origins(saying, person_of, group_of)),
        read,
        len(saying),
        claim.weights,
        contradictions=tuple(group_origins(denying, person_of, group_of)),
        questions=tuple(e for e in evidence if e.stance == "asks"),
        mode="lexical" if reading is None else "hybrid",
        limit=limit,
        # the limit decided only if it left candidates unread while those read by words still supported
        capped=by_words.cut and read_by_words > 0 and misses < WORD_MISSES,
    )


class _WordCandidates:
    """The messages holding any of the claim's words, best first, asked of the index a page at a time.

    The first page is the ``CANDIDATES`` best (or ``limit``, if fewer), as one search always gave;
    a reader that wants more (``limit`` above it, or None) gets pages of doubling size after it.
    ``near``: the messages read first by meaning, left out of the pages. ``cut``: the limit ended
    the list while the index held candidates after it that were not read by meaning."""

    def __init__(
        self, searcher: tantivy.Searcher, schema: tantivy.Schema, words: list[str], limit: int | None, near: Set[str]
    ) -> None:
        self.searcher, self.limit, self.near = searcher, limit, near
        self.query = locate.any_word(schema, words)
        self.taken = 0  # candidates asked of the index so far
        self.cut = False
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True

    def pages(self) -> Iterator[list[str]]:
        if self.query is None:
            return
        size = CANDIDATES if self.limit is None else min(self.limit, CANDIDATES)
        while size > 0:
            page, total = self._ids(size)
            batch = [m for m in page if m not in self.near]
            if batch:
                yield batch
            if self._stopped or self.taken >= total or len(page) < size:
                return
            if self.limit is not None and self.taken >= self.limit:
                # beyond the limit: more than meaning read (counted), or else look at those few
                after = total - self.taken
                self.cut = after > len(self.near) or any(m not in self.near for m in self._ids(after)[0])
                return
            size = size * 2 if self.limit is None else min(size * 2, self.limit - self.taken)

    def _ids(self, size: int) -> tuple[list[str], int]:
        """The next ``size`` candidates and how many the index holds."""
        if self.query is None:
            return [], 0
        found = self.searcher.search(self.query, limit=size, offset=self.taken, count=True)
        self.taken += len(found.hits)
        page = [locate.id_of(self.searcher, address) for _score, address in found.hits]
        return page, int(getattr(found, "count", 0) or 0)


def _batches(near: dict[str, tuple[int, int]], by_words: _WordCandidates) -> Iterator[list[str]]:
    """The meaning candidates, then each page of word candidates not among them (read in this order)."""
    if near:
        yield list(near)
    yield from by_words.pages()


#: Hybrid: word candidates (ranked by the index) are read until this many in a row do not support the
#: claim by words. Reading an original costs about 2.5 ms; the lexical mode reads all ``CANDIDATES``,
#: and stops so only past them (a ``limit`` above ``CANDIDATES``, or none).
WORD_MISSES = 25


def meaning_candidates(case: Case, reading: ClaimReading) -> dict[str, tuple[int, int]]:
    """Messages holding a passage near the claim by meaning, each with its nearest passage's span.

    Only passages the judgement could accept are read (``MEANING_FLOOR``, a
    little under ``MEANING_SUPPORT``: a window's cosine is near its passage's),
    one message of a near-duplicate group (list copies say it once), at most
    ``MEANING_READS`` messages: each costs a read of its original, ~2 ms."""
    (hits,) = case.passage_index.search(reading.vector[None, :], MEANING_CANDIDATES)
    close = [(passage, cosine) for passage, cosine in hits if cosine >= MEANING_FLOOR]
    stored = case.db.meaning.passages(p for p, _ in close)
    group_of = case.db.conversations.near_duplicate_group_of(sorted({p.message for p in stored.values()}))
    spans: dict[str, tuple[int, int]] = {}
    groups: set[str] = set()
    for passage, _cosine in close:  # best first: a message keeps its nearest passage
        place = stored.get(passage)
        if place is None or place.message in spans:
            continue
        group = group_of.get(place.message)
        if group is not None and group in groups:
            continue  # a near duplicate of a message read already: one origin, whatever it says
        groups.add(group or place.message)
        spans[place.message] = (place.start, place.end)
        if len(spans) >= MEANING_READS:
            break
    return spans


# -- quote check --------------------------------------------------------------------------

#: Candidate messages aligned per quote when its words are not all found as printed: the index's
#: best guesses by the quote's words, and first the best by its runs of three (``locate.shingles``),
#: which find a changed word's message among thousands of copies sharing every word but one.
QUOTE_CANDIDATES = 40
SHINGLE_CANDIDATES = 10
#: Messages holding every literal run of the quote as a phrase (``locate.all_runs``) read first: each
#: holds the quote as printed, very likely; a few in case a run is found away from the others.
PHRASE_CANDIDATES = 5
#: Messages read, oldest first, to find the first one holding a passage (and whose words it is there):
#: only a holder whose quoted words do not align again (a copy cut short) sends the search further.
ORIGIN_READS = 40


@dataclass(frozen=True)
class Place:
    """A message holding a quote's passage, and whose words the passage is there."""

    message: str
    message_id: str | None  # as other tools know it (``ConversationStore.identifiers``)
    thread: str
    date: str | None
    sender: str
    subject: str
    list_id: str
    speaker: Speaker
    start: int
    end: int
    passage: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "message_id": self.message_id,
            "thread": self.thread,
            "date": self.date,
            "from": self.sender,
            "subject": self.subject,
            "list": self.list_id,
            "said_by": _speaker_label(self.speaker),
            "source": self.speaker.code,
            "how": self.speaker.how,
            "passage": self.passage,
        }


@dataclass(frozen=True)
class QuoteCheck:
    """One quote's verdict, its edits and differences, where it is and who first said it."""

    quote: Quote
    verdict: str  # verbatim, faithful edit, altered, not found
    alignment: Alignment | None
    match: Place | None  # the best-matching message
    origin: Place | None  # the earliest message holding the passage (its speaker is the original one)
    copies: tuple[str, ...] = ()  # every other message holding the passage
    nearest: tuple[tuple[str, float], ...] = ()  # for "not found": the closest candidates and their scores
    known_as: Mapping[str, MessageIdentifiers] = field(default_factory=dict)  # the nearest ones' ids elsewhere
    # for "not found" and "altered": passages closest in meaning (other words, NOT the quote): (message, cosine, text)
    closest_in_meaning: tuple[tuple[str, float, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        a = self.alignment
        return {
            "number": self.quote.number,
            "quote": self.quote.text,
            "context": self.quote.context,
            "verdict": self.verdict,
            "score": round(a.score, 3) if a else 0.0,
            "edits": [asdict(e) for e in a.edits] if a and self.match else [],
            "differences": [asdict(d) for d in a.differences] if a and self.match else [],
            "notes": list(a.notes) if a and self.match else [],
            "ops": [op._asdict() for op in a.ops] if a and self.match else [],
            "match": self.match.as_dict() if self.match else None,
            "origin": self.origin.as_dict() if self.origin else None,
            "copies": list(self.copies),
            "nearest": [{"message": m, **self.known_as.get(m, {}), "score": round(s, 3)} for m, s in self.nearest],
            "closest_in_meaning": [
                {"message": m, "cosine": round(c, 3), "passage": text} for m, c, text in self.closest_in_meaning
            ],
        }


def check_quotes(case: Case, article: Article) -> list[QuoteCheck]:
    """Every quotation of ``article``, checked against the case.

    One after another, not in parallel, by measurement (2 cores, the 1,000,000-message case, the
    article of ``bench/quote_bench.py``): threads gain nothing, as tantivy-py keeps the GIL while it
    searches and the rest is Python (two threads of phrase searches took 0.58 s, the same work in one
    0.54 s); a pool of two processes took 2.7-3.0 s, each process opening the case and the meaning
    model again, where one process checks the six quotations in 1.0-1.4 s cold and 0.3 s warm. The
    web page shows each verdict as it is made instead (``web.routes.quotes``)."""
    return [check_quote(case, quote) for quote in extract_quotes(article)]


def check_quote(case: Case, quote: Quote) -> QuoteCheck:
    edited = parse_edits(quote.text)
    bodies: dict[str, str] = {}
    scored = _aligned(case, edited, bodies)
    if not scored or scored[0][1].score < FOUND_THRESHOLD:
        nearest = tuple((m, a.score) for m, a in scored[:3])
        known_as = case.db.conversations.identifiers(m for m, _ in nearest)
        closest = closest_in_meaning(case, quote.text)
        return QuoteCheck(
            quote, "not found", scored[0][1] if scored else None, None, None, (), nearest, known_as, closest
        )
    best_message, best = scored[0]
    passage = bodies[best_message][best.start : best.end]
    holding, first = _holders(case, edited, passage, best_message, bodies)
    match, *rest = _places(case, [(m, bodies[m], a, b) for m, a, b in [(best_message, best.start, best.end), *first]])
    origin = min(rest, key=lambda p: (p.date or "9999", p.speaker.forwarded, p.message), default=match)
    copies = tuple(m for m in holding if m != origin.message)
    closest = closest_in_meaning(case, quote.text) if best.verdict == "altered" else ()
    return QuoteCheck(quote, best.verdict, best, match, origin, copies, closest_in_meaning=closest)


def _aligned(case: Case, edited: EditedQuote, bodies: dict[str, str]) -> list[tuple[str, Alignment]]:
    """The candidates aligned, best first (the index's order on a tie); their bodies kept in ``bodies``.

    Messages holding the quote's literal runs as phrases are read first; when one of them holds the
    quote perfectly nothing can beat it, and no other original is read. Otherwise (a changed word, a
    quote not in the case) the best by its shingles and by its words are read too, as many as before."""
    searcher, schema = case.index.searcher(), case.index.schema
    runs = locate.literal_runs(edited)
    found = locate.best(searcher, locate.all_runs(schema, runs), PHRASE_CANDIDATES)
    scored = _scored(case, edited, found, bodies)
    if scored and scored[0][1].score >= 1.0:
        return scored
    more = [
        *locate.best(searcher, locate.shingles(schema, runs), SHINGLE_CANDIDATES),
        *candidates(case, index_words(" ".join(s.text for s in edited.words)), QUOTE_CANDIDATES),
    ]
    scored += _scored(case, edited, [m for m in dict.fromkeys(more) if m not in bodies], bodies)
    scored.sort(key=lambda pair: -pair[1].score)  # stable: the phrase holders, then the index's order
    return scored


def _scored(case: Case, edited: EditedQuote, found: list[str], bodies: dict[str, str]) -> list[tuple[str, Alignment]]:
    for message in found:
        if message not in bodies:
            bodies[message] = case.parsed(message, attachment_text=False).body_text
    scored = [(m, a) for m in found if (a := align(edited, bodies[m])) is not None]
    scored.sort(key=lambda pair: -pair[1].score)
    return scored


#: Passages offered as "closest in meaning" to a quote not found verbatim, and the least cosine for one.
CLOSEST_SHOWN = 3
CLOSEST_FLOOR = 0.5


def closest_in_meaning(case: Case, text: str) -> tuple[tuple[str, float, str], ...]:
    """Up to ``CLOSEST_SHOWN`` passages (one a message) nearest the quote by meaning: where a
    paraphrase may come from. Never the quoted words: a reporter must see them labelled so."""
    if not case.db.meaning.any():
        return ()
    vector = embed([" ".join(text.split())])
    (hits,) = case.passage_index.search(vector, 50)
    stored = case.db.meaning.passages(p for p, c in hits if c >= CLOSEST_FLOOR)
    found: dict[str, tuple[str, float, str]] = {}
    for passage, cosine in hits:
        place = stored.get(passage)
        if place is None or place.message in found:
            continue
        body = case.parsed(place.message, attachment_text=False).body_text
        found[place.message] = (place.message, cosine, " ".join(body[place.start : place.end].split()))
        if len(found) >= CLOSEST_SHOWN:
            break
    return tuple(found.values())


def _holders(
    case: Case, edited: EditedQuote, passage: str, matched: str, bodies: dict[str, str]
) -> tuple[list[str], list[tuple[str, int, int]]]:
    """Every message holding ``passage`` (the original words the quote matched), by the index; and
    the first of them to hold it, each as (message, start, end) of the quote aligned again there.

    The holders are the index's hits for the passage as a phrase, not read: at 1,000,000 messages a
    sentence of list mail is in thousands. Only the oldest are read (``locate.oldest_first``), one
    instant at a time, until one holds the quote again: the first to say it is among them (a forward
    and its original can share an instant; ``check_quote`` prefers the original). ``bodies``: the
    messages read so far (``matched`` among them), not parsed again."""
    index = case.index
    query = locate.holders(index.schema, passage)
    if query is None:
        return [matched], []
    searcher = index.searcher()
    holding = sorted({*locate.every_id(searcher, query), matched})
    first: list[tuple[str, int, int]] = []
    reads = 0
    for instant in locate.oldest_first(searcher, index.schema, query):
        for message in instant:
            if message not in bodies:
                bodies[message] = case.parsed(message, attachment_text=False).body_text
                reads += 1
            again = align(edited, bodies[message])
            if again is not None and again.score >= FOUND_THRESHOLD:
                first.append((message, again.start, again.end))
        if first or reads >= ORIGIN_READS:
            break
    return holding, first


def _places(case: Case, spans: list[tuple[str, str, int, int]]) -> list[Place]:
    """A ``Place`` for each (message, body, start, end): the messages' headlines, insight
    blocks and identifiers looked up together, not once a message."""
    messages = [message for message, *_ in spans]
    headlines = case.db.conversations.headlines(messages)
    insights = case.db.sources.insight_spans(messages)
    known_as = case.db.conversations.identifiers(messages)
    places = []
    for message, body, start, end in spans:
        about = headlines[message]
        sender = _sender(about)
        places.append(
            Place(
                **_described(message, about, known_as),
                speaker=speaker_at(body, start, sender, insights.get(message, [])),
                start=start,
                end=end,
                passage=body[start:end],
            )
        )
    return places


def _described(message: str, about: dict[str, Any], known_as: dict[str, Any]) -> dict[str, Any]:
    """What a found passage's message is known by (Loupe's id, Message-ID, thread) and its
    headline, as both ``Evidence`` and ``Place`` carry them."""
    return {
        "message": message,
        "message_id": known_as[message]["message_id"],
        "thread": known_as[message]["thread"],
        "date": about.get("date"),
        "sender": _shown(_sender(about)),
        "subject": about.get("subject") or "",
        "list_id": about.get("list_id") or "",
    }


def _sender(about: dict[str, Any]) -> tuple[str, str]:
    """(name, address) of a message's sender, from ``ConversationStore.headlines``."""
    return about.get("from_name") or "", about.get("from_email") or ""


def _shown(sender: tuple[str, str]) -> str:
    return f"{sender[0]} <{sender[1]}>".strip() if sender[1] else sender[0]


def _speaker_label(speaker: Speaker) -> str:
    if speaker.code:
        return f"source {speaker.code}"
    if speaker.name and speaker.address:
        return f"{speaker.name} <{speaker.address}>"
    return speaker.address or speaker.name
