"""Reading the ground truth off the plan: drafts, damaged items and copies -> DemoTruth.

Kept apart from ``generator.py`` so the orchestration stays readable and
so what the truth claims is derived in one place from the same objects the
bytes were rendered from (not re-parsed from disk, which would test the
generator with itself).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime

from loupe.demo.drafts import Draft, local_zone
from loupe.demo.episodes import Planner
from loupe.demo.malformed import BadMail
from loupe.demo.sources import CodedSource
from loupe.demo.texts import GLOSSARY, LOOKALIKES
from loupe.demo.truth import BadItem, Copy, DemoTruth, MessageTruth, NamedCode, Planted, SourceTruth, Totals

#: The ">" marks a reply puts in front of each quoted line, nested or not.
_QUOTE_MARKS = re.compile(r"^(?:>[^\S\n]?)+", re.MULTILINE)


def named_codes(drafts: list[Draft]) -> dict[int, list[NamedCode]]:
    """Draft number -> the codes its text names in the looser forms (``forms.py``).

    Its own, and those of the message it quotes or forwards whose words it
    still carries (a reply quotes only the first lines of its parent), marked
    ``quoted``. Drafts come in the order they were made, parents first.
    """
    named: dict[int, list[NamedCode]] = {}
    for d in drafts:
        found = list(d.named)
        plain: str | None = None
        for origin in (d.parent, d.forward_of):
            for item in named.get(origin.number, []) if origin is not None else []:
                if item.part != "body":
                    continue
                plain = _QUOTE_MARKS.sub("", d.body) if plain is None else plain
                if item.text in plain:
                    found.append(replace(item, quoted=True))
        if found:
            named[d.number] = found
    return named


def _message(
    d: Draft,
    copies: list[Copy],
    date: str | None = "ok",
    malformed: str | None = None,
    embedded_in: str | None = None,
    named: list[NamedCode] | None = None,
) -> MessageTruth:
    if date == "ok":
        date = d.when.astimezone(local_zone(d.sender, d.when)).isoformat()
    return MessageTruth(
        message_id=d.message_id,
        date=date,
        sender=d.sender.address,
        subject=d.shown_subject,
        copies=copies,
        thread_root=d.root.message_id,
        in_reply_to=d.parent.message_id if d.parent else None,
        mailing_list=d.mailing_list.name if d.mailing_list else None,
        near_duplicate_group=d.near_group,
        source_code=d.source_code,
        insight_variant=d.variant,
        insight=d.insight,
        forwarded_author=d.forwarded_author,
        forward_of=d.forward_of.message_id if d.forward_of else None,
        charset=d.charset,
        body_format="html-only" if d.html_only else "alternative" if d.html else "plain",
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "text": a.text,
                "sha256": hashlib.sha256(a.data).hexdigest(),
                "truncated": "yes" if a.truncated else "no",
            }
            for a in d.attachments
        ],
        embedded_in=embedded_in,
        malformed=malformed,
        named_codes=named or [],
    )


def _planted(
    messages: list[tuple[str, list[tuple[str, str]]]], kind: str, catalogue: list[tuple[str, str, str]]
) -> list[Planted]:
    """Every catalogue entry that was planted, with the messages holding it."""
    where: dict[str, list[str]] = {}
    for mid, notes in messages:
        for note_kind, token in notes:
            if note_kind == kind:
                ids = where.setdefault(token, [])
                if not ids or ids[-1] != mid:
                    ids.append(mid)
    return [Planted(token, meaning, form, where[token]) for token, meaning, form in catalogue if token in where]


def build_truth(
    seed: int,
    n_messages: int,
    firm: str,
    domain: str,
    planner: Planner,
    bad: list[BadMail],
    sources: list[CodedSource],
    copies: dict[str, list[Copy]],
) -> DemoTruth:
    messages: list[MessageTruth] = []
    notes: list[tuple[str, list[tuple[str, str]]]] = []
    ordered: list[tuple[datetime, int, Draft | BadMail]] = [(d.when, d.number, d) for d in planner.drafts]
    ordered += [(b.when, 90_000 + i, b) for i, b in enumerate(bad)]
    ordered.sort(key=lambda e: (e[0], e[1]))
    malformed: list[BadItem] = []
    named = named_codes(planner.drafts)
    for _when, _n, entry in ordered:
        if isinstance(entry, Draft):
            messages.append(_message(entry, copies[entry.message_id], named=named.get(entry.number)))
            notes.append((entry.message_id, entry.notes))
            continue
        assert entry.copy is not None
        mid = entry.draft.message_id if entry.draft else None
        malformed.append(BadItem(entry.copy.container, entry.copy.member, mid, entry.problem, entry.draft is not None))
        if entry.draft is not None:
            messages.append(_message(entry.draft, copies[entry.draft.message_id], entry.date, entry.problem))
        if entry.embedded is not None:
            assert entry.draft is not None
            messages.append(_message(entry.embedded, [], embedded_in=entry.draft.message_id))

    source_truth = []
    for s in sources:
        carried = [d for d in planner.drafts if d.source_code == s.code]
        spellings = sorted({d.insight["code_written"] for d in carried if d.insight and "code_written" in d.insight})
        source_truth.append(
            SourceTruth(
                code=s.code,
                country=s.country,
                region=s.region,
                handler=s.handler.name,
                handler_address=s.handler.address,
                reliability=s.reliability,
                descriptions=[{"since": x.since.isoformat(), "text": x.text} for x in s.descriptions],
                written_as=spellings,
                insight_messages=len(carried),
            )
        )

    all_copies = [c for cs in copies.values() for c in cs]
    not_mail = sum(1 for b in bad if b.draft is None)
    per_container: dict[str, int] = {}
    for item in malformed:
        if not item.is_mail:
            per_container[item.container] = per_container.get(item.container, 0) + 1
    for c in all_copies:
        key = "archive/loose" if c.kind == "eml" else c.container
        per_container[key] = per_container.get(key, 0) + 1
    totals = Totals(
        items_written=len(all_copies) + not_mail,
        distinct_messages=len(copies),
        exact_duplicate_copies=sum(1 for c in all_copies if c.duplicate_of is not None),
        not_mail_items=not_mail,
        embedded_messages=sum(1 for b in bad if b.embedded is not None),
        attachments=sum(len(m.attachments) for m in messages),
        per_container=dict(sorted(per_container.items())),
    )
    glossary = _planted(notes, "glossary", [(a, e, f"{form}: {text}") for a, e, form, text in GLOSSARY])
    lookalikes = _planted(notes, "lookalike", [(t, kind, sentence) for t, kind, sentence in LOOKALIKES])
    from_lines = [mid for mid, ns in notes if any(k == "from_line" for k, _ in ns)]
    return DemoTruth(
        seed, n_messages, firm, domain, messages, source_truth, glossary, lookalikes, malformed, totals, from_lines
    )
