"""Insight emails: one informant report circulating in its several shapes.

The shapes are the ones DESIGN.md "Insight blocks" describes: the full block
to ``secure``, the stripped copy to ``alpha`` (a near duplicate), the code
only in the subject, and the report forwarded inside another employee's
email. The first insight of each source uses the plain code and the second
a zero-padded one, so MX1 and MX01 both occur for most sources.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loupe.demo import insights
from loupe.demo.drafts import forward_block
from loupe.demo.episodes import Planner
from loupe.demo.people import LISTS

#: Weights of the insight shapes after the scripted opening.
SHAPES = {"pair": 55, "full": 15, "subject": 15, "note": 15}


def insight(p: Planner, room: int, forced: str | None = None) -> None:
    """One report: pair (full + stripped, sometimes forwarded), full only, subject-only, or a forwarded note."""
    rng = p.rng
    n = p.insight_events
    p.insight_events += 1
    source = p.sources[n] if n < len(p.sources) else rng.choice(p.sources)
    seen = p.written_count.get(source.code, 0)
    p.written_count[source.code] = seen + 1
    when = p.moment(datetime.combine(source.active_from, datetime.min.time(), UTC))
    title = p.prose.topic(source.prefix)
    text = p.prose.source_report(source.prefix, rng.randrange(3, 7))
    plants = p.prose.take_notes()
    ins = insights.make_insight(rng, source, when, title, text)
    if seen < 2 and source.number < 100:  # make sure both MX1 and MX01 appear
        ins = insights.replace_code(ins, source.written(rng, padded=seen == 1))
    kind = forced or rng.choices(list(SHAPES), list(SHAPES.values()))[0]
    if room < 2 and kind == "pair":
        kind = "full"
    code, handler = source.code, source.handler
    if kind in ("pair", "full"):
        block, label = insights.full_block(rng, ins)
        facts = {**ins.facts(), "code_label": label}
        full = p.new(
            plants,
            sender=handler,
            to=[],
            mailing_list=LISTS["secure"],
            when=when,
            subject=insights.subject(ins, rng.random() < 0.1),
            body=f"{block}\n\n{text}",
            source_code=code,
            variant="full",
            insight=facts,
        )
        if kind == "full":
            return
        group = full.near_group = p.group()
        writer = p.staff("vp", "analyst")
        stripped = p.new(
            plants,
            sender=writer,
            to=[],
            mailing_list=LISTS["alpha"],
            when=p.later(when, 10, 240),
            subject=insights.subject(ins),
            near_group=group,
            source_code=code,
            variant="stripped",
            body=f"{insights.stripped_block(ins)}\n\n{insights.lightly_edit(rng, text)}",
            insight={k: facts[k] for k in ("description", "publication")},
        )
        used = 2
        if room > 3 and rng.random() < 0.25:
            fwd = p.staff("analyst", "vp")
            p.new(
                plants,
                sender=fwd,
                to=[],
                mailing_list=LISTS["analysts"],
                when=p.later(full.when, 60, 2000),
                subject="Fwd: " + full.shown_subject,
                near_group=group,
                source_code=code,
                variant="forwarded",
                insight=facts,
                forwarded_author=code,
                forward_of=full,
                body="Worth reading alongside today's piece.\n\n" + forward_block(full, rng.randrange(2)),
            )
            used += 1
        people = p.cast.role("analyst", "vp")
        p.replies(stripped, rng.sample(people, 4), source.prefix, min(room - used, int(rng.expovariate(0.7))))
    elif kind == "subject":
        root = p.new(
            plants,
            sender=handler,
            to=[],
            mailing_list=LISTS["alpha"],
            when=when,
            subject=insights.subject(ins, with_code=True),
            body=text,
            source_code=code,
            variant="subject-only",
            insight={"code_written": ins.written_code},
        )
        p.replies(root, rng.sample(p.cast.role("analyst"), 3), source.prefix, min(room - 1, rng.randrange(3)))
    else:
        forwarder = p.staff("vp", "analyst", "exec")
        note_subject, note_body = insights.handler_note(ins)
        style = rng.randrange(2)
        sent = p.later(when, 30, 600)
        # Outlook's emphasised headers, an old Thunderbird's "[Fwd: ...]", or as before (forms.py)
        layout = p.forms.note_layout()
        if layout:
            note_subject = p.forms.follow_up(note_subject)
            style = 0  # the bracketed subject is Thunderbird's
        head = "-------- Original Message --------\n" if style == 0 else "Begin forwarded message:\n\n"
        inner = (
            f"{head}Subject: {note_subject}\nDate: {when:%a, %d %b %Y %H:%M:%S} +0000\n"
            f"From: {handler.name} <{handler.address}>\nTo: {forwarder.name} <{forwarder.address}>\n\n{note_body}"
        )
        subject, body = f"Fwd: {note_subject}", f"Interesting - see below.\n\n{inner}"
        if layout == "outlook":
            subject, body = p.forms.outlook_forward(source, ins.written_code, forwarder, when, note_subject, text)
        elif layout == "bracketed":
            subject = p.forms.bracketed(source, ins.written_code, note_subject)
        forward = p.new(
            plants,
            sender=forwarder,
            to=[],
            mailing_list=LISTS["analysts"],
            when=sent,
            subject=subject,
            body=body,
            source_code=code,
            variant="forwarded",
            insight={"code_written": ins.written_code},
            forwarded_author=code,
        )
        if layout == "bracketed":
            p.forms.bracketed_reply(p, forward, source, ins.written_code, room - 1)
