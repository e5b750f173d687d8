"""Score a case's coded sources and insight fields against an annotated corpus.

The corpus is a folder with ``eml/NNN.eml`` and ``expected.json`` in the shape
``../shared/corpora/gifiles-forms`` has (its README documents it): for each
email, the codes it names as sources, the forms they take, the code-shaped
negatives, and the fields of its insight blocks. Scoring reads what the case
stored (``SourceStore.named_in``: reports, prose, and bare mentions of
established codes; the insights table), so it measures Loupe as a reporter
meets it, not the detectors alone. An email's attached messages count as
part of it. Shared by ``bench/accuracy.py`` (which prints the tables) and
``tests/test_sources_real_forms.py`` (which asserts the targets).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.model import LEVEL_ORDER
from loupe.sources.codes import find_codes, normalise_code
from loupe.sources.insights import FIELD_NAMES  # expected.json's labels are the parser's canonical ones
from loupe.store import schema

#: The rows of the per-form table, in the order the issue names them; other forms follow.
FORM_ROWS = ("header", "subject", "prose", "wrapped", "forwarded")
_EMAIL = re.compile(r"(\d{3})\.eml")


@dataclass
class Scores:
    """Everything the accuracy figures are made of, per email and in total."""

    expected: dict[str, set[str]]  # email -> codes it names
    found: dict[str, dict[str, str]]  # email -> code -> strongest level found
    emails: dict[str, dict[str, Any]]  # expected.json's entries
    false_positives: list[tuple[str, str, str, str]] = field(default_factory=list)  # email, code, level, snippet
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # email, code, evidence
    field_total: int = 0
    field_found: int = 0
    field_parsed: int = 0  # values read for an expected block and label
    field_wrong: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # email, code, label, want, got

    @property
    def true_positives(self) -> int:
        return sum(len(self.expected[e] & set(self.found.get(e, {}))) for e in self.expected)

    @property
    def precision(self) -> float:
        found = sum(len(codes) for codes in self.found.values())
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = sum(len(codes) for codes in self.expected.values())
        return self.true_positives / wanted if wanted else 1.0

    @property
    def field_recall(self) -> float:
        return self.field_found / self.field_total if self.field_total else 1.0

    @property
    def field_precision(self) -> float:
        return self.field_found / self.field_parsed if self.field_parsed else 1.0

    def negative_hits(self) -> list[tuple[str, str]]:
        """(email, token) for each listed negative that was taken for a source."""
        hits = []
        for email, entry in self.emails.items():
            found = set(self.found.get(email, {}))
            for token in entry["negatives"]:
                if normalise_code(token) in found:
                    hits.append((email, token))
        return hits

    def form_table(self) -> list[tuple[str, int, int, int, int]]:
        """(form, emails, pairs expected, pairs found, false positives) for each form."""
        forms = list(FORM_ROWS) + sorted({f for e in self.emails.values() for f in e["forms"]} - set(FORM_ROWS))
        rows = []
        for form in forms:
            emails = [e for e, entry in self.emails.items() if form in entry["forms"]]
            wanted = sum(len(self.expected[e]) for e in emails)
            right = sum(len(self.expected[e] & set(self.found.get(e, {}))) for e in emails)
            wrong = sum(len(set(self.found.get(e, {})) - self.expected[e]) for e in emails)
            rows.append((form, len(emails), wanted, right, wrong))
        return rows

    def level_counts(self) -> dict[str, int]:
        """How many right (email, code) pairs each level found (the strongest per pair)."""
        counts: dict[str, int] = defaultdict(int)
        for email, codes in self.found.items():
            for code, level in codes.items():
                if code in self.expected[email]:
                    counts[level] += 1
        return dict(counts)


def ingest_corpus(corpus: Path, case_dir: Path, workers: int | None = None) -> Case:
    """The corpus's ``eml/`` folder ingested into a new case at ``case_dir`` (left open)."""
    case = Case.open(case_dir, create=True)
    ingest(case, [corpus / "eml"], workers=workers)
    return case


def score(case: Case, corpus: Path) -> Scores:
    """Codes and insight fields of every email in ``corpus`` as the case holds them."""
    emails: dict[str, dict[str, Any]] = json.loads((corpus / "expected.json").read_text("utf-8"))["emails"]
    expected = {e: set(entry["codes"]) for e, entry in emails.items()}
    email_of = _email_of_messages(case)
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for code, messages in case.db.sources.named_in().items():
        for message, level in messages.items():
            email = email_of.get(message)
            if email is None:
                continue
            held = found[email].get(code)
            if held is None or LEVEL_ORDER.index(level) < LEVEL_ORDER.index(held):
                found[email][code] = level
    scores = Scores(expected=expected, found=dict(found), emails=emails)
    messages_of: dict[str, list[str]] = defaultdict(list)
    for message, email in email_of.items():
        messages_of[email].append(message)
    for email, entry in emails.items():
        got = set(found.get(email, {}))
        for code in sorted(got - expected[email]):
            scores.false_positives.append((email, code, found[email][code], _snippet(case, messages_of[email], code)))
        for code in sorted(expected[email] - got):
            evidence = "; ".join(e["text"] for e in entry["evidence"] if e["code"] == code)
            scores.misses.append((email, code, evidence))
    _score_fields(case, emails, messages_of, scores)
    return scores


def _email_of_messages(case: Case) -> dict[str, str]:
    """Loupe message id -> the corpus email (NNN) whose file, or attachment, it came from."""
    from sqlalchemy import select

    items = schema.items
    with case.db.engine.connect() as conn:
        rows = conn.execute(select(items.c.message, items.c.locator).where(items.c.message.is_not(None))).all()
    found = {}
    for message, locator in rows:
        match = _EMAIL.search(locator)
        if match is not None:
            found[message] = match.group(1)
    return found


def _snippet(case: Case, messages: list[str], code: str) -> str:
    """The line where a message of this email names the code, for a reader to judge."""
    for message in messages:
        parsed = case.parsed(message, attachment_text=False)
        for mention in find_codes(parsed.subject, parsed.body_text, bare=True):
            if mention.code == code:
                text = parsed.subject if mention.part == "subject" else parsed.body_text
                start = text.rfind("\n", 0, mention.start) + 1
                end = text.find("\n", mention.start)
                return text[start : end if end >= 0 else len(text)].strip()
    return ""


def _score_fields(
    case: Case, emails: dict[str, dict[str, Any]], messages_of: dict[str, list[str]], scores: Scores
) -> None:
    """Each expected field value against the blocks the case read in that email's messages."""
    from sqlalchemy import select

    i = schema.insights
    blocks: dict[str, list[tuple[str | None, dict[str, str]]]] = defaultdict(list)
    with case.db.engine.connect() as conn:
        for message, code, fields in conn.execute(select(i.c.message, i.c.code, i.c.fields)):
            blocks[message].append((code, json.loads(fields)))
    for email, entry in emails.items():
        read = [b for m in messages_of[email] for b in blocks[m]]
        for key, fields in entry.get("fields", {}).items():
            code = None if key == "(none)" else key
            candidates = [f for c, f in read if c == code]
            for label, value in fields.items():
                scores.field_total += 1
                want = " ".join(value.split())
                got = [" ".join(f.get(FIELD_NAMES[label], "").split()) for f in candidates]
                got = [g for g in got if g]
                if got:
                    scores.field_parsed += 1
                if want in got:
                    scores.field_found += 1
                else:
                    scores.field_wrong.append((email, key, label, want, " | ".join(got) or "(not read)"))
