"""Quote check and corroboration run against a case: the index finds candidates, the originals decide.

The pure parts (reading an article, editorial marks, alignment, support and
origins) take strings; this module is where they meet the case: it asks the
index for candidate messages, re-reads their bodies from the originals (the
evidence, not a copy of it), and looks up dates, senders, people, insight
blocks and near-duplicate groups in the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import tantivy

from loupe.folding import fold
from loupe.meaning.model import embed
from loupe.meaning.score import MEANING_CANDIDATES, MEANING_FLOOR, MEANING_READS, ClaimReading, judge
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
    index_words_in_order,
)
from loupe.quotes.editorial import EditedQuote, parse_edits
from loupe.quotes.extract import Quote, extract_quotes
from loupe.quotes.grade import Alignment
from loupe.quotes.speaker import Speaker, speaker_at
from loupe.search.paging import ids_matching
from loupe.store.conversations import MessageIdentifiers

if TYPE_CHECKING:
    from loupe.case import Case


def candidates(case: Case, words: list[str], limit: int = CANDIDATES) -> list[str]:
    """The messages whose body best matches any of ``words`` (index terms), best first."""
    index = case.index
    clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(index.schema, "body", w)) for w in words]
    if not clauses:
        return []
    searcher = index.searcher()
    result = searcher.search(tantivy.Query.boolean_query(clauses), limit=limit)
    return [str(searcher.doc(address)["id"][0]) for _score, address in result.hits]


def corroborate(
    case: Case, claim_text: str, support: float = SUPPORT, from_message: bool = False, lexical: bool = False
) -> Corroboration:
    """Who says ``claim_text`` in the case, grouped by independent origin.

    By words and by meaning together (``loupe.meaning.score``) when the case
    has meaning vectors; by words alone with ``lexical`` (or when it has
    none). Passages denying the claim are grouped apart as contradictions,
    and passages only asking about it are listed, neither counted.
    ``from_message``: the claim is a message's own words, so that message
    is not counted when weighing them (a word only it uses is its wording).
    """
    index = case.index
    searcher = index.searcher()
    own = 1 if from_message else 0
    claim = Claim.weighed(
        claim_text, lambda word: max(searcher.doc_freq("body", word) - own, 0), int(searcher.num_docs) - own
    )
    by_words = candidates(case, index_words(claim_text))
    hybrid = not lexical and case.db.meaning.any()
    reading = ClaimReading.of(claim) if hybrid else None
    near = meaning_candidates(case, reading) if reading is not None else {}
    found = list(dict.fromkeys([*near, *by_words]))
    summaries = case.db.conversations.headlines(found)
    insights = case.db.sources.insight_spans(found)
    known_as = case.db.conversations.identifiers(found)
    evidence = []
    read = misses = 0
    for message in found:
        if message not in summaries:
            continue
        if reading is not None and message not in near and misses >= WORD_MISSES:
            break  # the index ranks by the claim's words: this far down a run of misses, no more support
        body = case.parsed(message, attachment_text=False).body_text
        read += 1
        if reading is None:
            score, start, end = best_passage(claim, body)
            if score < support:
                continue
            passage, how = " ".join(body[start:end].split()), dict[str, Any]()
        else:
            judged = judge(reading, body, support, near.get(message))
            if message not in near:
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
    )


#: Hybrid: word candidates (ranked by the index) are read until this many in a row do not support the
#: claim by words. Reading an original costs about 2.5 ms; the lexical mode reads all ``CANDIDATES``.
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

#: Candidate messages aligned per quote: the index's best guesses by the quote's words.
QUOTE_CANDIDATES = 40
#: Words of the matched passage asked of the index to find every other message holding it.
PASSAGE_PROBE_WORDS = 12


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
    """Every quotation of ``article``, checked against the case."""
    return [check_quote(case, quote) for quote in extract_quotes(article)]


def check_quote(case: Case, quote: Quote) -> QuoteCheck:
    edited = parse_edits(quote.text)
    found = candidates(case, index_words(" ".join(s.text for s in edited.words)), QUOTE_CANDIDATES)
    bodies = {m: case.parsed(m, attachment_text=False).body_text for m in found}
    scored = [(m, a) for m in found if (a := align(edited, bodies[m])) is not None]
    scored.sort(key=lambda pair: -pair[1].score)
    if not scored or scored[0][1].score < FOUND_THRESHOLD:
        nearest = tuple((m, a.score) for m, a in scored[:3])
        known_as = case.db.conversations.identifiers(m for m, _ in nearest)
        closest = closest_in_meaning(case, quote.text)
        return QuoteCheck(
            quote, "not found", scored[0][1] if scored else None, None, None, (), nearest, known_as, closest
        )
    best_message, best = scored[0]
    (match,) = _places(case, [(best_message, bodies[best_message], best.start, best.end)])
    holders = _holders(case, edited, bodies[best_message][best.start : best.end], best_message, bodies)
    origin = min(holders, key=lambda p: (p.date or "9999", p.speaker.forwarded, p.message), default=match)
    copies = tuple(sorted(p.message for p in holders if p.message != origin.message))
    closest = closest_in_meaning(case, quote.text) if best.verdict == "altered" else ()
    return QuoteCheck(quote, best.verdict, best, match, origin, copies, closest_in_meaning=closest)


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


def _holders(case: Case, edited: EditedQuote, passage: str, matched: str, bodies: dict[str, str]) -> list[Place]:
    """Every message holding ``passage`` (the original words the quote matched), with its speaker there.

    ``bodies``: the candidates already read (``matched`` among them), not parsed again."""
    words = index_words_in_order(passage)[:PASSAGE_PROBE_WORDS]
    index = case.index
    if len(words) >= 2:
        query = tantivy.Query.phrase_query(index.schema, "body", list[str | tuple[int, str]](words))
    elif words:
        query = tantivy.Query.term_query(index.schema, "body", words[0])
    else:
        return []
    spans = []
    for message in sorted({*ids_matching(index.searcher(), query), matched}):
        if message not in bodies:
            bodies[message] = case.parsed(message, attachment_text=False).body_text
        body = bodies[message]
        again = align(edited, body)
        if again is not None and again.score >= FOUND_THRESHOLD:
            spans.append((message, body, again.start, again.end))
    return _places(case, spans)


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
