"""How many independent origins say a claim: passages found, then collapsed to who first said them.

An article says a claim was "echoed" and "confirmed"; the archive may hold
ten messages saying it and still only one origin: a report, its list
re-post, two forwards and a reply quoting it. This module answers with the
number of origins, each with its evidence, in three steps:

1. **Candidates.** The claim's content words (stop words dropped) are asked
   of the full-text index as one ranked "any of these" query; the best
   ``CANDIDATES`` messages are read again from their originals.
2. **Support.** Each body is cut into sentences and read in windows of as
   many sentences as the claim has, plus one (a reworded claim may spread
   over two). A window supports the claim when it holds at least
   ``SUPPORT`` of the claim's weight, each claim word weighted by its rarity
   in the case (inverse document frequency) and compared by its English
   stem, so "shipments moved" meets "moving shipments". Lexical only: no
   embedding model installs from PyPI without a download at run time.
3. **Origins.** Each supporting passage is given its speaker
   (``speaker.speaker_at``): the coded source of an insight block, the
   author of a forwarded or ``>``-quoted block, else the sender, as a person
   of the case (all their addresses are one). Near-duplicate copies (list
   re-posts, re-sends, stripped copies) are then joined with their group, so
   a copy whose headers were rewritten by a list still counts once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tantivy

from loupe.folding import fold
from loupe.quotes.speaker import Speaker

#: Messages read again per claim: the index's best guesses, enough for a claim repeated across a case.
CANDIDATES = 400
#: Share of the claim's weight a passage must carry to support it.
SUPPORT = 0.65
#: Kinds of origin key, the strongest first (see ``group_origins``).
_KEY_KINDS = ("source", "person", "address", "name")
#: Share of the shorter passage's words the other must hold for the two to be one text (a copy).
COPY_OVERLAP = 0.85
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def _analyzer(stem: bool, stop_words: bool = True) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(80))
        .filter(tantivy.Filter.lowercase())
    )
    if stop_words:
        builder = builder.filter(tantivy.Filter.stopword("english")).filter(tantivy.Filter.stopword("spanish"))
    builder = builder.filter(tantivy.Filter.ascii_fold())
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


_WORDS = _analyzer(stem=False)
_STEMS = _analyzer(stem=True)
_ALL_WORDS = _analyzer(stem=False, stop_words=False)  # as the index's own analyzer (``search.index``)


def index_words(text: str) -> list[str]:
    """A text's content words as the index holds them (folded, not stemmed), stop words out."""
    return sorted(set(_WORDS.analyze(text)))


def word_stems(text: str) -> list[tuple[str, str]]:
    """A text's content words (folded, stop words out) each with its English stem, in order."""
    return list(zip(_WORDS.analyze(text), _STEMS.analyze(text), strict=True))


def stems(text: str) -> list[str]:
    """A text's content words by English stem, stop words out, as claims and passages are compared."""
    return list(_STEMS.analyze(text))


def index_words_in_order(text: str) -> list[str]:
    """Every word of a text as the index holds it, in order (stop words kept: for a phrase query)."""
    return list(_ALL_WORDS.analyze(text))


@dataclass(frozen=True)
class Claim:
    """A claim's words: stems with their weights (rarer in the case weighs more)."""

    text: str
    weights: dict[str, float]
    sentences: int

    @classmethod
    def weighed(cls, text: str, doc_freq: Any, total: int) -> Claim:
        weights: dict[str, float] = {}
        for word, stem in word_stems(text):
            df = int(doc_freq(word))
            # a word no message holds is the asker's wording, not evidence: it weighs nothing
            weight = math.log(1 + total / df) if df else 0.0
            weights[stem] = max(weights.get(stem, 0.0), weight)
        return cls(text, weights, max(1, len(_SENTENCE.findall(text.strip()))))


@dataclass(frozen=True)
class Evidence:
    """One message supporting a claim, and whose words the supporting passage is."""

    message: str
    date: str | None
    sender: str
    subject: str
    passage: str
    start: int  # offsets in the message body
    end: int
    score: float
    speaker: Speaker
    relation: str = ""  # filled when grouped: original, forward, quoted reply, list copy, near duplicate, ...
    list_id: str = ""
    # as other tools know the message (``ConversationStore.identifiers``); ``in_case.corroborate`` fills both
    message_id: str | None = None
    thread: str | None = None
    found_by: str = "words"  # "words", "meaning" or "both" (``loupe.meaning.score``)
    meaning: float | None = None  # cosine of the passage to the claim; None when not compared (``--lexical``)
    stance: str = "says"  # "says", "denies" or "asks" (``loupe.meaning.stance``)

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "message_id": self.message_id,
            "thread": self.thread,
            "date": self.date,
            "from": self.sender,
            "subject": self.subject,
            "passage": self.passage,
            "score": round(self.score, 3),
            "meaning": None if self.meaning is None else round(self.meaning, 3),
            "found_by": self.found_by,
            "stance": self.stance,
            "relation": self.relation,
            "speaker": self.speaker.how,
            "list": self.list_id,
        }


@dataclass(frozen=True)
class Origin:
    """One independent origin (a coded source, or a person) and the messages that carry its words."""

    key: str
    label: str
    evidence: tuple[Evidence, ...]  # the original first, then copies by date

    def as_dict(self) -> dict[str, Any]:
        return {"origin": self.label, "key": self.key, "evidence": [e.as_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Corroboration:
    claim: str
    origins: tuple[Origin, ...]
    examined: int  # candidate messages read
    supporting: int  # messages found to support it
    weights: dict[str, float] = field(default_factory=dict)
    contradictions: tuple[Origin, ...] = ()  # origins of passages denying the claim: never support
    questions: tuple[Evidence, ...] = ()  # passages only asking whether it is true: no evidence either way
    mode: str = "lexical"  # "hybrid" (words and meaning) or "lexical" (words only)
    limit: int | None = CANDIDATES  # the most candidates by words read; None: until support ran out
    capped: bool = False  # the limit ended the reading while candidates still supported the claim

    @property
    def independent(self) -> int:
        return len(self.origins)

    def counted(self) -> str:
        """How much was read and what ended the reading, in words: the answer is only as wide as that."""
        head = f"{self.supporting} supporting messages"
        if not self.capped:
            return f"{head} of {self.examined} read"
        return (
            f"{head} among the {self.examined} read (only the {self.limit} best candidates by the claim's "
            "words were read, and support had not run out: more messages may say it)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "mode": self.mode,
            "independent_origins": self.independent,
            "supporting_messages": self.supporting,
            "examined": self.examined,
            "limit": self.limit,
            "capped": self.capped,
            "words": {w: round(x, 2) for w, x in sorted(self.weights.items())},
            "origins": [o.as_dict() for o in self.origins],
            "contradictions": [o.as_dict() for o in self.contradictions],
            "questions": [e.as_dict() for e in self.questions],
        }


def best_passage(claim: Claim, body: str) -> tuple[float, int, int]:
    """(support, start, end) of the body's best window of sentences.

    Support is the lesser of two shares: of the claim's weight (rare words
    count more) and of its words (each counts once). Weight alone lets a
    passage that shares only the rare words win ("gravel", "quarry",
    "Monterrey", but not "launders money"); words alone let common words
    carry it. On a tie the shortest window wins, so a quoted passage does not
    drag in the "On ..., Ann wrote:" line above it (which would make it the
    replier's).
    """
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(body) if m.group().strip()]
    stems = [set(_STEMS.analyze(body[s:e])) for s, e in spans]
    counted = {stem: w for stem, w in claim.weights.items() if w > 0}
    total = sum(counted.values()) or 1.0
    width = claim.sentences + 1
    best, best_size = (0.0, 0, 0), width + 1
    for i in range(len(spans)):
        seen: set[str] = set()
        for j in range(i, min(i + width, len(spans))):
            seen |= stems[j]
            held = [stem for stem in counted if stem in seen]
            score = min(sum(counted[s] for s in held) / total, len(held) / (len(counted) or 1))
            if score > best[0] + 1e-9 or (score > best[0] - 1e-9 and score > 0 and j - i + 1 < best_size):
                best, best_size = (score, spans[i][0], spans[j][1]), j - i + 1
    return best


def window_support(claim: Claim, text: str) -> float:
    """The support one text gives the claim, as ``best_passage`` scores a window."""
    counted = {stem: w for stem, w in claim.weights.items() if w > 0}
    if not counted:
        return 0.0
    seen = set(_STEMS.analyze(text))
    held = [stem for stem in counted if stem in seen]
    return min(sum(counted[s] for s in held) / sum(counted.values()), len(held) / len(counted))


def same_text(a: str, b: str) -> bool:
    """Are two passages one text (a copy, however wrapped, quoted or trimmed), not two wordings?"""
    words_a, words_b = set(_STEMS.analyze(a)), set(_STEMS.analyze(b))
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) >= COPY_OVERLAP


def group_origins(
    evidence: Sequence[Evidence],
    person_of: dict[str, tuple[int, str]],
    group_of: dict[str, str],
) -> list[Origin]:
    """Join evidence into independent origins.

    Three joins, each a union of speaker keys: evidence whose speaker is the
    same source or person; evidence in one near-duplicate group; and evidence
    whose passages are one text (a forward or a quoted reply of a message
    whose headers name nobody the case knows). When two keys join, a coded
    source's key wins over a person's, a person's over a bare address or
    name (a list that re-posts under its own address), then the earliest.
    """
    keys = [_speaker_key(e.speaker, person_of) for e in evidence]
    first_date: dict[str, str] = {}
    for (key, _), item in zip(keys, evidence, strict=True):
        when = item.date or "9999"
        if item.speaker.forwarded:
            when = "9999" + when  # a quoting message is never the first to say it
        first_date[key] = min(first_date.get(key, when), when)
    parent = {k: k for k, _ in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def rank(root: str) -> tuple[int, str, str]:
        kind = root.split(":", 1)[0]
        return (_KEY_KINDS.index(kind), first_date[root], root)

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            winner, loser = sorted((ra, rb), key=rank)
            parent[loser] = winner

    first_in_group: dict[str, str] = {}
    for (key, _), item in zip(keys, evidence, strict=True):
        group = group_of.get(item.message)
        if group is not None:
            union(first_in_group.setdefault(group, key), key)
    for i, a in enumerate(evidence):
        for j in range(i + 1, len(evidence)):
            if find(keys[i][0]) != find(keys[j][0]) and same_text(a.passage, evidence[j].passage):
                union(keys[i][0], keys[j][0])
    members: dict[str, list[Evidence]] = {}
    labels = dict(keys)
    for (key, _), item in zip(keys, evidence, strict=True):
        members.setdefault(find(key), []).append(item)
    origins = []
    for root, items in members.items():
        items.sort(key=lambda e: (e.speaker.forwarded, e.date or "9999", e.message))
        ordered = [_with_relation(item, n == 0, group_of) for n, item in enumerate(items)]
        origins.append(Origin(root, labels[root], tuple(ordered)))
    origins.sort(key=lambda o: (o.evidence[0].date or "9999", o.key))
    return origins


def _speaker_key(speaker: Speaker, person_of: dict[str, tuple[int, str]]) -> tuple[str, str]:
    """(key, label) of a speaker: a coded source, a person of the case, else the address or name.

    ``person_of`` maps addresses, and folded names the case knows for one
    person only, to that person: "Ann Lee wrote:" with no address is Ann.
    """
    if speaker.code:
        return f"source:{speaker.code}", f"source {speaker.code}"
    known = person_of.get(speaker.address) or (None if speaker.address else person_of.get(fold(speaker.name)))
    if known is not None:
        number, name = known
        shown = f"{name or speaker.address} <{speaker.address}>" if speaker.address else name or speaker.name
        return f"person:{number}", shown
    if speaker.address:
        return f"address:{speaker.address}", speaker.address
    return f"name:{fold(speaker.name)}", speaker.name


def _with_relation(item: Evidence, first: bool, group_of: dict[str, str]) -> Evidence:
    if first and not item.speaker.forwarded:
        relation = "original"
    elif item.speaker.forwarded:
        relation = item.speaker.how  # forward or quoted reply
    elif item.message in group_of:
        relation = "list copy" if item.list_id else "near duplicate"
    else:
        relation = "same origin, other message"
    return Evidence(**{**item.__dict__, "relation": relation})
