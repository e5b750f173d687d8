"""Insight header blocks, in every shape DESIGN.md "Insight blocks" describes.

One informant report ("insight") circulates as several emails: the full block
to the restricted ``secure`` list, a stripped copy (ATTRIBUTION / SOURCE
DESCRIPTION / PUBLICATION only) to the wider ``alpha`` list, sometimes only
the code at the end of the subject, and sometimes forwarded inside another
employee's email. The block's labels drift (``SOURCE:``, ``Source Code:``,
``CODE:``; ``SOURCE Reliability : A``) and the credibility scale changes from
digits to letters in mid-2011, because a parser must survive exactly that.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime

from loupe.demo.sources import CodedSource

#: From this day ITEM CREDIBILITY is given as a letter A-F, before as a digit 1-6.
LETTER_SCALE_FROM = date(2011, 7, 1)

_CODE_LABELS = ["SOURCE: {c}", "Source Code: {c}", "CODE: {c}", "SOURCE CODE: {c}", "SOURCE : {c}"]
_RELIABILITY_LABELS = [
    "SOURCE RELIABILITY: {g}",
    "SOURCE Reliability : {g}",
    "Source Reliability: {g}",
    "SOURCE RELIABILITY:{g}",
    "SOURCE RELIABILITY : {g}",
]
_CREDIBILITY_LABELS = ["ITEM CREDIBILITY: {g}", "Item Credibility : {g}", "ITEM CREDIBILITY:{g}"]
_PUBLICATION = ["Yes", "as needed", "No", "Background only", "Yes, but do not attribute"]
_HANDLING = ["none", "None", "Do not forward outside alpha", "Sensitive - handle with care", "n/a"]
_DISTRIBUTION = ["analysts", "alpha", "Analysts, Exec", "secure only", "alpha, analysts"]


@dataclass(frozen=True)
class Insight:
    """One report from a coded source, before it is wrapped in any email."""

    source: CodedSource
    when: datetime
    title: str
    text: str
    written_code: str
    reliability: str
    credibility: str
    publication: str
    special_handling: str
    distribution: str
    seq: int

    @property
    def description(self) -> str:
        return self.source.description_at(self.when.date())

    @property
    def attribution(self) -> str:
        return f"Meridian source in {self.source.country}"

    @property
    def scale(self) -> str:
        return "A-F" if self.when.date() >= LETTER_SCALE_FROM else "1-6"

    def facts(self) -> dict[str, str]:
        """What a block parser should recover, for the ground truth."""
        return {
            "code_written": self.written_code,
            "reliability": self.reliability,
            "credibility": self.credibility,
            "credibility_scale": self.scale,
            "description": self.description,
            "handler": self.source.handler.first,
            "publication": self.publication,
            "special_handling": self.special_handling,
            "distribution": self.distribution,
        }


def make_insight(rng: random.Random, source: CodedSource, when: datetime, title: str, text: str) -> Insight:
    """Grade and label one report as its handler would have on that day."""
    reliability = source.reliability
    if rng.random() < 0.15:  # handlers regraded sources now and then
        reliability = rng.choice("ABCDE")
    credibility = rng.choice("ABBCCCDEF") if when.date() >= LETTER_SCALE_FROM else rng.choice("122333456")
    return Insight(
        source=source,
        when=when,
        title=title,
        text=text,
        written_code=source.written(rng),
        reliability=reliability,
        credibility=credibility,
        publication=rng.choice(_PUBLICATION),
        special_handling=rng.choice(_HANDLING),
        distribution=rng.choice(_DISTRIBUTION),
        seq=rng.randrange(1, 5),
    )


def full_block(rng: random.Random, ins: Insight) -> tuple[str, str]:
    """The complete block; returns (block text, the code label used).

    Label style follows the era (CODE: early, Source Code: later) with some
    random drift, and lines are occasionally reordered, as in the real files.
    """
    era = (ins.when.year - 2009) * 2 + (ins.when.month > 6)
    label = _CODE_LABELS[min(era // 2, 2)] if rng.random() < 0.7 else rng.choice(_CODE_LABELS)
    lines = [
        label.format(c=ins.written_code),
        f"ATTRIBUTION: {ins.attribution}",
        f"SOURCE DESCRIPTION: {ins.description}",
        f"PUBLICATION: {ins.publication}",
        rng.choice(_RELIABILITY_LABELS).format(g=ins.reliability),
        rng.choice(_CREDIBILITY_LABELS).format(g=ins.credibility),
        f"SPECIAL HANDLING: {ins.special_handling}",
        f"DISTRIBUTION: {ins.distribution}",
        f"SOURCE HANDLER: {ins.source.handler.first}",
    ]
    if rng.random() < 0.2:
        lines.insert(0, lines.pop(1))  # ATTRIBUTION first
    return "\n".join(lines), label.split(":")[0].strip()


def stripped_block(ins: Insight) -> str:
    """What the wider list saw: no code, no grades, no handler."""
    return f"ATTRIBUTION: {ins.attribution}\nSOURCE DESCRIPTION: {ins.description}\nPUBLICATION: {ins.publication}"


def subject(ins: Insight, with_code: bool = False) -> str:
    base = f"INSIGHT - {ins.source.region} - {ins.title}"
    return f"{base} - {ins.written_code}" if with_code else base


def lightly_edit(rng: random.Random, text: str) -> str:
    """The copy-editor's touch between the secure and the alpha copy."""
    choice = rng.random()
    if choice < 0.4:
        return text
    if choice < 0.7:
        return text.replace(" is ", " was ", 1).replace("nobody", "no one", 1)
    paragraphs = text.split("\n\n")
    return "\n\n".join(paragraphs[:1] + [p.replace("  ", " ") + " [analyst note: unconfirmed]" for p in paragraphs[1:]])


def handler_note(ins: Insight) -> tuple[str, str]:
    """The informal "From MX1 -- 2" note a handler sends before writing it up."""
    return f"From {ins.written_code} -- {ins.seq}", f"{ins.written_code} -- {ins.seq}:\n\n{ins.text}"


def replace_code(ins: Insight, written: str) -> Insight:
    """The same report with the code spelled another way (MX1 / MX01)."""
    return replace(ins, written_code=written)
