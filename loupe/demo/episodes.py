"""Episodes: the things that happen in the firm's mail, each a few drafts.

``Planner`` holds the shared state (drafts so far, numbering, near-duplicate
groups, the random source) and the staff-only episodes: a discussion thread
with quoted replies, a watch-office clipping, a memo cross-posted to two
lists, a message re-sent with a fix. Insight mail lives in
``insight_mail.py`` and outside mail in ``outside.py``; every episode creates
drafts through ``Planner.new`` so plant notes and numbering stay consistent.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from loupe.demo.drafts import Draft, quoted
from loupe.demo.forms import SourceForms
from loupe.demo.people import LISTS, Cast, Person
from loupe.demo.sources import CodedSource
from loupe.demo.texts import CITIES, Prose

START = datetime(2009, 1, 1, tzinfo=UTC)
END = datetime(2011, 12, 31, 23, 59, 59, tzinfo=UTC)
PREFIXES = ["MX"] * 5 + ["US"] * 2 + list(CITIES)


class Planner:
    """Holds the drafts made so far and the shared state episodes need."""

    def __init__(
        self, rng: random.Random, cast: Cast, sources: list[CodedSource], forms_rng: random.Random | None = None
    ) -> None:
        self.rng = rng
        self.cast = cast
        self.sources = sources
        self.prose = Prose(rng)
        # the looser forms that name sources draw from their own random source (forms.py)
        self.forms = SourceForms(forms_rng or random.Random("forms"), sources)
        self.drafts: list[Draft] = []
        self.groups = 0
        self.insight_events = 0
        self.written_count: dict[str, int] = {}

    def new(self, notes: list[tuple[str, str]] | None = None, **fields: Any) -> Draft:
        """Make a draft, claiming the plants noted since the last one.

        A forward (``forward_of``) carries its original's whole body, so it is
        a near duplicate of it: the two share the original's group, or a new one.
        """
        original: Draft | None = fields.get("forward_of")
        if original is not None and fields.get("near_group") is None:
            if original.near_group is None:
                original.near_group = self.group()
            fields["near_group"] = original.near_group
        draft = Draft(number=len(self.drafts) + 1, **fields)
        draft.notes = (notes or []) + self.prose.take_notes()
        self.forms.take(draft)
        self.drafts.append(draft)
        return draft

    def group(self) -> str:
        self.groups += 1
        return f"ND{self.groups:04d}"

    def moment(self, earliest: datetime = START) -> datetime:
        """A working-hours moment (UTC) that leaves room for a thread to follow."""
        span = int((END - timedelta(days=12) - earliest).total_seconds() // 86400)
        day = earliest + timedelta(days=self.rng.randrange(max(span, 1)))
        return day.replace(
            hour=self.rng.randrange(13, 23), minute=self.rng.randrange(60), second=self.rng.randrange(60)
        )

    def later(self, when: datetime, lo_min: int = 4, hi_min: int = 900) -> datetime:
        return when + timedelta(minutes=self.rng.randrange(lo_min, hi_min), seconds=self.rng.randrange(60))

    def staff(self, *roles: str) -> Person:
        return self.rng.choice(self.cast.role(*roles))

    # -- episodes -------------------------------------------------------------

    def discussion(self, room: int) -> None:
        rng = self.rng
        lst = LISTS[rng.choice(["alpha", "analysts", "analysts", "analysts"])]
        people = rng.sample(self.cast.role("analyst", "vp", "handler", "watch"), rng.randrange(2, 6))
        prefix = rng.choice(PREFIXES)
        subject = rng.choice(["{t}", "Question on {t}", "Weekly: {t}", "piece on {t}", "{t} - thoughts?"])
        root = self.new(
            sender=people[0],
            to=[],
            mailing_list=lst,
            when=self.moment(),
            subject=subject.format(t=self.prose.topic(prefix)),
            body=self.forms.talk(self.prose.chat(prefix, rng.randrange(2, 6)), prefix, people[1].first),
        )
        self.replies(root, people, prefix, min(room - 1, int(rng.expovariate(0.4))))

    def replies(self, root: Draft, people: list[Person], prefix: str, count: int) -> None:
        """Replies quoting their parent, mostly down a chain, sometimes branching."""
        rng = self.rng
        thread = [root]
        for _ in range(max(count, 0)):
            parent = thread[-1] if rng.random() < 0.75 else rng.choice(thread)
            sender = rng.choice([p for p in people if p is not parent.sender] or people)
            text = self.prose.chat(prefix, rng.randrange(1, 4))
            text = self.forms.talk(text, prefix, parent.sender.first, root.source_code)
            body = f"{text}\n\n{quoted(parent)}" if rng.random() < 0.8 else f"{quoted(parent)}\n\n{text}"
            thread.append(
                self.new(
                    sender=sender,
                    to=[],
                    mailing_list=root.mailing_list,
                    parent=parent,
                    when=self.later(parent.when),
                    subject="Re: " + root.subject,
                    body=body,
                    cte="quoted-printable" if rng.random() < 0.2 else "8bit",
                )
            )

    def clipping(self, room: int) -> None:
        prefix = self.rng.choice(PREFIXES)
        text = self.prose.chat(prefix, self.rng.randrange(3, 7)) + "\n\nSource: GlobalWire News wire, via watch office"
        self.new(
            sender=self.staff("watch"),
            to=[],
            mailing_list=LISTS["os"],
            when=self.moment(),
            subject=f"{prefix} - {self.prose.topic(prefix)}",
            body=text,
        )

    def crosspost(self, room: int) -> None:
        """The same memo to two lists: near duplicates differing in headers and footer."""
        sender, when, group = self.staff("exec", "vp"), self.moment(), self.group()
        body = f"All,\n\n{self.prose.chat('US', 4)}\n\nThanks,\n{sender.first}"
        for i, name in enumerate(["alpha", "analysts"][: max(room, 1)]):
            self.new(
                sender=sender,
                to=[],
                mailing_list=LISTS[name],
                when=when + timedelta(minutes=2 * i),
                subject="Staff memo: process changes",
                body=body,
                near_group=group,
            )

    def resend(self, room: int) -> None:
        """Sent, then re-sent minutes later with a small correction."""
        sender, when, group = self.staff("analyst"), self.moment(), self.group()
        n = self.rng.randrange(3, 40)
        text = f"{self.prose.chat('MX', 3)} We count {n} incidents this month."
        subject = f"Numbers for {self.prose.topic('MX')}"
        self.new(
            sender=sender, to=[], mailing_list=LISTS["alpha"], when=when, subject=subject, body=text, near_group=group
        )
        if room >= 2:
            fixed = text.replace(f"{n} incidents", f"{n + 1} incidents")
            self.new(
                sender=sender,
                to=[],
                mailing_list=LISTS["alpha"],
                when=when + timedelta(minutes=7),
                subject=subject + " (corrected)",
                body=fixed + "\n\nSorry - corrected count.",
                near_group=group,
            )
