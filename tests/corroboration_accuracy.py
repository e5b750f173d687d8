"""Corroboration scored on real mail: claims written by hand, their supporting messages found by reading.

``tests/fixtures/corroboration_real.json`` holds ten claims about real
messages of ``../shared/corpora`` (the notmuch list, mu's test folder, a
MimeKit mbox, Enron), each worded by the annotator, most in words of their
own (``paraphrase``), with every message that says it (``supporting``,
copies marked with the origin whose words they carry) and messages that
share its words without saying it (``not_supporting``). The claims were
written and annotated before the hybrid was tuned, by someone who had not
seen its scores.

Scoring is by origin, as ``loupe corroborate`` counts: an origin Loupe
reports is right when one of its messages is annotated as supporting the
claim; an annotated origin is found when a right origin carries one of its
messages. Recall is annotated origins found over annotated origins;
precision is right origins over reported ones, over all claims.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.quotes.in_case import corroborate

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "corroboration_real.json"


def claims() -> list[dict[str, Any]]:
    return list(json.loads(FIXTURE.read_text("utf-8"))["claims"])


def folders() -> list[str]:
    return sorted({f for c in claims() for f in c["folders"]})


def ingest_folders(corpora: Path, root: Path) -> Case:
    case = Case.open(root, create=True)
    ingest(case, [corpora / name for name in folders()], workers=1)
    return case


@dataclass
class ClaimScore:
    id: str
    annotated: int  # origins annotated
    found: int  # of them, found
    reported: int  # origins Loupe reports
    right: int  # of them, right
    wrong: list[str] = field(default_factory=list)  # labels of wrong origins, to read
    missed: list[str] = field(default_factory=list)  # annotated origins not found


@dataclass
class Score:
    claims: list[ClaimScore]

    @property
    def recall(self) -> float:
        return sum(c.found for c in self.claims) / max(1, sum(c.annotated for c in self.claims))

    @property
    def precision(self) -> float:
        return sum(c.right for c in self.claims) / max(1, sum(c.reported for c in self.claims))


def _bare(message_id: str | None) -> str | None:
    return message_id.strip().strip("<>") if message_id else None


def score(case: Case, lexical: bool) -> Score:
    scored = []
    for claim in claims():
        origin_of = {_bare(s["message_id"]): s["origin"].lower() for s in claim["supporting"] if s["message_id"]}
        result = corroborate(case, claim["claim"], lexical=lexical)
        found: set[str] = set()
        right, wrong = 0, []
        for origin in result.origins:
            hits = {origin_of[e.message_id] for e in origin.evidence if e.message_id in origin_of}
            if hits:
                right += 1
                found |= hits
            else:
                wrong.append(f"{origin.label}: {origin.evidence[0].passage[:100]}")
        annotated = set(origin_of.values())
        scored.append(
            ClaimScore(
                claim["id"], len(annotated), len(found), len(result.origins), right, wrong, sorted(annotated - found)
            )
        )
    return Score(scored)
