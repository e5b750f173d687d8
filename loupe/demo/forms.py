"""Sources named the looser ways real staff mail names them, beside the insight shapes.

``insight_mail.py`` puts each code where the firm's conventions put it: a
block, an INSIGHT subject, a "From MX1 -- 2" note. Mail of 2009-2011 also
names sources in ways a detector tuned on those misses (the forms of the
``gifiles-forms`` corpus), so a few percent of the messages each form fits
carry one, in text written here:

- ``wrapped``: a context and its code split by the sender's hard wrap near
  72 columns ("... Mr." / "MX4 stated ..."; "could you ask" / "IL5 what
  ..."; "According to" / "EA2, ..."), and so also inside the ``>`` quotes
  of the replies to it;
- ``outlook-forward``: a handler's note forwarded by Outlook, its headers
  emphasised ("*From:* Name [mailto:addr]" ... "*Subject:* Re: From MX1 --
  2"), the code nowhere else in the body;
- ``bracketed-subject``: a note forwarded by an old Thunderbird as "[Fwd:
  Re: From MX1 -- 2]", and the replies to it, "Re: [Fwd: ...]";
- ``loose-prose``: "MX1 is saying that", "As MX1 put it", "On a call with
  MX1", "Both MX1 and VE101 have mentioned", "MX1 had a similar take",
  "Can you ping MX1 on this report?" (a bare mention: staff ping servers
  too), and a weekly tasking list ("Priya - IN11 on whether ...").

Each place is recorded as a ``NamedCode`` with the level Loupe should give
it. Codes are drawn only from sources that some report drafted earlier
names (staff talk about the sources that report to them), so a bare mention
is always established elsewhere in the archive, and never a look-alike
token. The draws come from a random source of their own, so the rest of the
archive is what it would be without these forms.
"""

from __future__ import annotations

import random
import textwrap
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from loupe.demo.drafts import Draft, local_zone, quoted
from loupe.demo.people import LISTS, Person
from loupe.demo.sources import CodedSource
from loupe.demo.texts import LOOKALIKES, MONTHS, Prose
from loupe.demo.truth import NamedCode

if TYPE_CHECKING:  # the planner holds a SourceForms: a runtime import would be circular
    from loupe.demo.episodes import Planner

#: Shares of staff texts (discussion posts and replies) given a wrapped context or a loose mention.
WRAPPED_SHARE = 0.02
LOOSE_SHARE = 0.03
#: Shares of forwarded handler notes sent by Outlook and by an old Thunderbird, and of the
#: latter that someone answers.
#: The first notes alternate Outlook and bracketed layouts, so even a small demo has five of each.
LAID_OUT_NOTES = 10
OUTLOOK_SHARE = 0.25
BRACKETED_SHARE = 0.25
BRACKETED_REPLY_SHARE = 0.5
#: The chance, between two episodes, of a weekly tasking mail.
TASKING_SHARE = 0.006

_START = datetime(2009, 3, 1, tzinfo=UTC)
_END = datetime(2011, 12, 20, tzinfo=UTC)
_NEVER = frozenset(token for token, _kind, _sentence in LOOKALIKES)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: (text, the level of each code slot): a short paragraph naming sources without a block.
# fmt: off
_LOOSE: list[tuple[str, dict[str, str]]] = [
    # staff ping servers as well as sources, so Loupe takes "ping MX1 on" for a bare mention
    ("{reader}, can you ping {code} on this report? If {org} really is behind it, someone in {city} will know.",
     {"code": "mention"}),
    ("On a call with {code} yesterday he sounded gloomier about {org} than at any time since {month}.",
     {"code": "prose"}),
    ("{code} is saying that {org} will sit tight until {month}, which matches the mood in {city}.",
     {"code": "prose"}),
    ("As {code} put it on the phone, {org} is running out of people it can trust.", {"code": "prose"}),
    ("Could someone check in with {code} on {site} in {city}? The official numbers are too round.",
     {"code": "prose"}),
    ("Per {code}, {official} no longer returns calls from {org}.", {"code": "prose"}),
    ("{code} had a similar take on {org} back in {month}, for what it is worth.", {"code": "mention"}),
    ("Both {code} and {code2} have mentioned {site} in {city} over the last {period}, each for a different reason.",
     {"code": "mention", "code2": "prose"}),
    ("{code}'s read on {org} is more cautious than ours, and I would keep that in the piece.",
     {"code": "mention"}),
]
#: (head, tail): the head ends with the context, the tail starts with the code; a hard wrap falls between.
_WRAPPED: list[tuple[str, str]] = [
    ("Lunch went long and was mostly about {city}. Asked whether {org} still has a say over {site}, Mr.",
     "{code} stated that the real decisions are now taken by {official} and nobody else."),
    ("{reader}, while you have him on the line next week, could you ask",
     "{code} what people at {site} make of the rumour about {goods}? We have it from one outlet only."),
    ("The wire copy makes this sound settled. According to",
     "{code}, {org} has not even started talking about it, and will not before {month}."),
    ("I would not put much weight on the official statement. As",
     "{code} put it, everyone in {city} can read the signs already."),
]
#: Sentences a wrapped paragraph may open with, so its wrap can fall right before the code.
_OPENERS = [
    "", "Notes from the call, cleaned up a little.", "A bit more on this.", "Following up on the thread.",
    "Two quick points.", "Back at my desk now.", "Short version first.",
]
#: Widths a mail client wrapped at, nearest the usual 72 first.
_WIDTHS = (72, 71, 73, 70, 74, 69, 75, 68, 76)
#: (line, level of its code) for a weekly tasking mail; ``{name}`` is the analyst tasked.
_TASKS: list[tuple[str, str]] = [
    ("{name} - ask {code} what {org} is saying about {goods} through {site}.", "prose"),
    ("{name} - {code} on whether {official} still has the backing of {org}.", "mention"),
    ("{name} - check in with {code} on {site}; I want to hear what people in {city} say, not the press.",
     "prose"),
    ("{name} - {code} on the mood inside {org}. Does anyone there expect changes before {month}?", "mention"),
]
_OUTLOOK_INTROS = [
    "All - passing this on, it bears on what we say about {country}. Read the last paragraph before {weekday}.",
    "Forwarding, since a few of you asked what our people in {country} are hearing.",
    "See below; worth a look before the {meeting}.",
]
_REPLIES = [
    "Thanks for passing this on. Is he guessing about {site}, or does he see it himself?",
    "Useful. How does this fit with what {org} told us in {month}?",
    "Can we get a second source on the {site} part before it goes into a client note?",
]
# fmt: on


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _wrap_before(rng: random.Random, head: str, tail: str) -> tuple[list[str], list[str]]:
    """``head`` and ``tail`` hard-wrapped as one paragraph, with a line break right before the tail.

    A wrap falls there when the tail's first word does not fit on the head's
    last line: an opener sentence and the width are varied until it does;
    failing that, the break is the writer's own.
    """
    first = tail.split(" ", 1)[0]
    for opener in rng.sample(_OPENERS, len(_OPENERS)):
        text = f"{opener} {head}".strip()
        for width in _WIDTHS:
            lines = textwrap.wrap(text, width)
            if len(lines[-1]) + 1 + len(first) > width:
                return lines, textwrap.wrap(tail, width)
    return textwrap.wrap(head, 72), textwrap.wrap(tail, 72)


class SourceForms:
    """Plants the looser forms with a random source of its own, and remembers what it planted."""

    def __init__(self, rng: random.Random, sources: list[CodedSource]) -> None:
        self.rng = rng
        self.prose = Prose(rng)
        self.by_code = {s.code: s for s in sources if s.code not in _NEVER}
        self.reported: dict[str, CodedSource] = {}  # codes a drafted report names, first drafted first
        self.pending: list[NamedCode] = []
        self.texts = 0  # staff texts seen: the first two get a wrapped and a loose form
        self.notes = 0  # forwarded handler notes seen: the first two go by Outlook and in brackets
        self.taskings = 0

    # -- bookkeeping (Planner.new) -----------------------------------------------------------

    def take(self, draft: Draft) -> None:
        """Give ``draft`` the forms planted in its text since the last draft; note a report's code."""
        draft.named, self.pending = self.pending, []
        if draft.source_code and draft.insight and "code_written" in draft.insight:
            source = self.by_code.get(draft.source_code)
            if source is not None:
                self.reported.setdefault(source.code, source)

    def _pick(self, k: int, prefix: str | None = None, thread: str | None = None) -> list[CodedSource]:
        """``k`` distinct reported sources: the thread's own, or of its region, most of the time."""
        known = list(self.reported.values())
        chosen: list[CodedSource] = []
        if thread in self.reported and self.rng.random() < 0.6:
            chosen.append(self.reported[thread])
        while len(chosen) < min(k, len(known)):
            rest = [s for s in known if s not in chosen]
            near = [s for s in rest if s.prefix == prefix]
            chosen.append(self.rng.choice(near if near and self.rng.random() < 0.6 else rest))
        return chosen

    def _fill(self, template: str, prefix: str, codes: dict[str, str], **given: str) -> str:
        return self.prose.fill(template, prefix, **codes, **given)

    def _plant(self, source: CodedSource, written: str, level: str, form: str, text: str, part: str = "body") -> None:
        self.pending.append(NamedCode(source.code, written, level, form, text, part))

    # -- staff texts ----------------------------------------------------------------------------

    def talk(self, text: str, prefix: str, reader: str, thread: str | None = None) -> str:
        """A staff text, now and then with a source named loosely or across a wrap after it."""
        self.texts += 1
        roll = self.rng.random()
        if self.texts == 1 or (self.texts > 2 and roll < WRAPPED_SHARE):
            extra = self._wrapped(prefix, reader, thread)
        elif self.texts == 2 or (self.texts > 2 and roll < WRAPPED_SHARE + LOOSE_SHARE):
            extra = self._loose(prefix, reader, thread)
        else:
            return text
        return f"{text}\n\n{extra}" if extra else text

    def _loose(self, prefix: str, reader: str, thread: str | None) -> str:
        template, levels = self.rng.choice(_LOOSE)
        sources = self._pick(len(levels), prefix, thread)
        if len(sources) < len(levels):
            return ""
        written = {slot: s.written(self.rng) for slot, s in zip(levels, sources, strict=True)}
        text = _capital(self._fill(template, prefix, written, reader=reader))
        for (slot, level), source in zip(levels.items(), sources, strict=True):
            self._plant(source, written[slot], level, "loose-prose", text)
        return text

    def _wrapped(self, prefix: str, reader: str, thread: str | None) -> str:
        sources = self._pick(1, prefix, thread)
        if not sources:
            return ""
        head, tail = self.rng.choice(_WRAPPED)
        written = sources[0].written(self.rng)
        head, tail = self._fill(f"{head}\x00{tail}", prefix, {"code": written}, reader=reader).split("\x00")
        before, after = _wrap_before(self.rng, _capital(head), tail)
        self._plant(sources[0], written, "prose", "wrapped", f"{before[-1]}\n{after[0]}")
        return "\n".join(before + after)

    # -- forwarded handler notes ----------------------------------------------------------------

    def note_layout(self) -> str:
        """How a forwarded handler note travels: "outlook", "bracketed" or "" (as insight_mail.py always did)."""
        self.notes += 1
        if self.notes <= LAID_OUT_NOTES:  # every demo holds both layouts, whatever else it plants
            return ("outlook", "bracketed")[(self.notes - 1) % 2]
        roll = self.rng.random()
        return "outlook" if roll < OUTLOOK_SHARE else "bracketed" if roll < OUTLOOK_SHARE + BRACKETED_SHARE else ""

    def follow_up(self, note_subject: str) -> str:
        """The handler's note as a follow-up in its own thread, half the time ("Re: From MX1 -- 2")."""
        return f"Re: {note_subject}" if self.rng.random() < 0.5 else note_subject

    def outlook_forward(
        self, source: CodedSource, written: str, forwarder: Person, when: datetime, note_subject: str, text: str
    ) -> tuple[str, str]:
        """(subject, body) of a note forwarded by Outlook: the code only in the emphasised ``*Subject:*``."""
        handler = source.handler
        sent = when.astimezone(local_zone(handler, when))
        day, month, noon = _DAYS[sent.weekday()], MONTHS[sent.month - 1], "AM" if sent.hour < 12 else "PM"
        stamp = f"{day}, {month} {sent.day}, {sent.year} {sent.hour % 12 or 12}:{sent:%M} {noon}"
        intro = self._fill(self.rng.choice(_OUTLOOK_INTROS), source.prefix, {}, country=source.country)
        label = f"*Subject:* {note_subject}"
        self._plant(source, written, "report", "outlook-forward", label)
        body = (
            f"{intro}\n\n{forwarder.first}\n\n*From:* {handler.name} [mailto:{handler.address}]\n*Sent:* {stamp}\n"
            f"*To:* {forwarder.name}\n{label}\n\n{text}\n\n{handler.first}"
        )
        return f"FW: {note_subject}", body

    def bracketed(self, source: CodedSource, written: str, note_subject: str) -> str:
        """The subject of a note forwarded by an old Thunderbird: "[Fwd: Re: From MX1 -- 2]"."""
        subject = f"[Fwd: {note_subject}]"
        self._plant(source, written, "report", "bracketed-subject", subject, "subject")
        return subject

    def bracketed_reply(self, p: Planner, forward: Draft, source: CodedSource, written: str, room: int) -> None:
        """Now and then an analyst answers the forward: "Re: [Fwd: Re: From MX1 -- 2]"."""
        if room < 1 or (self.notes > 2 and self.rng.random() >= BRACKETED_REPLY_SHARE):
            return
        sender = self.rng.choice([x for x in p.cast.role("analyst", "vp") if x is not forward.sender])
        self._plant(source, written, "report", "bracketed-subject", forward.subject, "subject")
        text = _capital(self._fill(self.rng.choice(_REPLIES), source.prefix, {}))
        p.new(
            sender=sender,
            to=[],
            mailing_list=forward.mailing_list,
            parent=forward,
            when=forward.when + timedelta(minutes=self.rng.randrange(20, 600)),
            subject=f"Re: {forward.subject}",
            body=f"{text}\n\n{sender.first}\n\n{quoted(forward)}",
        )

    # -- tasking --------------------------------------------------------------------------------

    def tasking_due(self) -> bool:
        """Whether a tasking mail goes out now: the first time asked, then now and then."""
        self.taskings += 1
        return self.taskings == 1 or self.rng.random() < TASKING_SHARE

    def tasking(self, p: Planner, room: int) -> None:
        """A weekly tasking mail to the analysts: who should ask which source what."""
        rng = self.rng
        lines = rng.sample(_TASKS, 3)
        sources = self._pick(len(lines))
        if len(sources) < len(lines) or room < 1:
            return
        sender = rng.choice(p.cast.role("vp"))
        people = rng.sample(p.cast.role("analyst", "handler"), len(lines))
        tasks = []
        for (template, level), source, person in zip(lines, sources, people, strict=True):
            written = source.written(rng)
            line = textwrap.fill(self._fill(template, source.prefix, {"code": written}, name=person.first), 72)
            self._plant(source, written, level, "loose-prose", line)
            tasks.append(line)
        span = int((_END - _START).total_seconds() // 86400)
        day = _START + timedelta(days=rng.randrange(span))
        monday = day - timedelta(days=day.weekday())  # sent on Monday morning, Central time
        when = monday + timedelta(hours=rng.randrange(13, 16), minutes=rng.randrange(60))
        body = "\n\n".join(
            [
                "All,",
                "Questions for our sources this week. Tell me by Wednesday if you cannot get through to someone\n"
                "and we will find another way.",
                *tasks,
                "If your source is not on this list, send what you get anyway, graded as usual.",
                sender.first,
            ]
        )
        p.new(
            sender=sender,
            to=[],
            mailing_list=LISTS["analysts"],
            when=when,
            subject=f"source tasking - week of {MONTHS[monday.month - 1]} {monday.day}",
            body=body,
        )
