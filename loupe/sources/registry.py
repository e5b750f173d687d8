"""A source's profile, from its reports: what a reporter needs to identify it.

Everything is collected, nothing is judged: each distinct description with
the dates and messages that carry it (the identification trail), each
attribution and publication instruction, the grade history exactly as
written with the scale in force, handlers, lists, the words its reports
use most, and the codes named alongside it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from loupe.entities.extract import extract_entities
from loupe.near_duplicates.normalise import normalise

#: Words too common to say anything about a source's reports (English and Spanish),
#: and the insight block's own labels (the report is read with its block).
_STOP_TEXT = """
a an and are as at be been but by for from has have he her his i in is it its of on or our she that the
their them there they this to was were will with not no we you who which what when where would could should
said says say also about after before more than over under into out up down one two three new last next
el la los las de del y en que un una por con para se su al lo como mas pero sus le ya o este esta
source code attribution description publication reliability item credibility special handling distribution handler
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[^\W\d_]{3,}")


def build_profile(code: str, reports: list[dict[str, Any]], alongside: dict[str, int]) -> dict[str, Any]:
    """``reports``: rows of ``SourceStore.reports`` (oldest first), each with its message's
    ``message_id`` and ``thread`` (``ConversationStore.identifiers``), which the profile passes on
    so it joins with other tools; ``alongside``: codes in the same messages."""
    # a reply's quote of a block is read (its fields, its text) but is a copy of its parent, not a report
    own = [r for r in reports if r["code"] == code and r["variant"] != "quoted"]
    copies = [r for r in reports if r["code"] is None]
    quoted = [r for r in reports if r["variant"] == "quoted"]
    dated = [r["date"] for r in reports if r["date"]]
    terms: Counter[str] = Counter()
    for r in own:
        # r["text"] is re-read from the original by the caller (bodies are not stored);
        # normalised as near-duplicate detection sees text: list footers, signatures and quotes dropped
        terms.update(w for w in _WORD.findall(normalise(r["text"])) if w not in STOP_WORDS)
    return {
        "code": code,
        "reports": len(own),
        "stripped_copies": len(copies),
        "quoted_copies": len(quoted),
        "variants": dict(Counter(r["variant"] for r in reports)),
        "first": dated[0] if dated else "",
        "last": dated[-1] if dated else "",
        "descriptions": _trail(reports, "description"),
        "attributions": _trail(reports, "attribution"),
        "publication": _trail(reports, "publication"),
        "special_handling": _trail(reports, "special_handling"),
        "grades": [
            {
                "date": r["date"] or "",
                "message": r["message"],
                "message_id": r["message_id"],
                "thread": r["thread"],
                "reliability": r["reliability"],
                "credibility": r["credibility"],
                "credibility_scale": r["credibility_scale"],
                "flags": r["flags"],
            }
            for r in own
            if r["reliability"] or r["credibility"]
        ],
        "handlers": _trail(reports, "handler"),
        "senders": _counted(f"{r['from_name']} <{r['from_email']}>".strip() for r in own),
        "lists": _counted(r["list_id"] for r in reports if r["list_id"]),
        "top_terms": [{"term": t, "count": n} for t, n in terms.most_common(15)],
        "places": _named(own, "place"),
        "organisations": _named(own, "organisation"),
        "codes_alongside": [{"code": c, "messages": n} for c, n in sorted(alongside.items(), key=lambda x: -x[1])],
        "messages": [
            {
                "message": r["message"],
                "message_id": r["message_id"],
                "thread": r["thread"],
                "date": r["date"] or "",
                "list": r["list_id"],
                "variant": r["variant"],
                "subject": r["subject"],
                "linked_to": r["linked_message"],
            }
            for r in reports
        ],
    }


def _named(reports: list[dict[str, Any]], kind: str, top: int = 10) -> list[dict[str, Any]]:
    """Places or organisations its reports name, by how many reports name each (rules
    and gazetteers: :mod:`loupe.entities`); read from the stored report texts."""
    seen: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for r in reports:
        names = {e.normalised: e.name for e in extract_entities(r["text"]) if e.kind == kind}
        seen.update(names.keys())
        for key, name in names.items():
            spelled.setdefault(key, name)
    return [{"name": spelled[key], "reports": n} for key, n in seen.most_common(top)]


def _trail(reports: Iterable[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Each distinct value of a field (spacing folded), with its first and last date and its messages."""
    seen: dict[str, dict[str, Any]] = {}
    for r in reports:
        value = " ".join(str(r["fields"].get(name, "")).split())
        if not value:
            continue
        entry = seen.setdefault(value, {"value": value, "first": r["date"] or "", "last": "", "messages": []})
        entry["last"] = r["date"] or entry["last"]
        entry["messages"].append(r["message"])
    return list(seen.values())


def _counted(values: Iterable[str]) -> list[dict[str, Any]]:
    return [{"value": v, "messages": n} for v, n in Counter(values).most_common()]
