"""Mail that crosses the firm's boundary, or carries files.

Outsiders writing in (in Spanish, Russian and Japanese charsets as well as
English, sometimes as multipart/alternative), HTML-only newsletters that an
executive forwards to the clippings list, and reports sent as PDF, DOCX or
CSV attachments. These give the archive its charset, HTML and attachment
variety, and most of the Maildir and loose .eml content.
"""

from __future__ import annotations

from loupe.demo.drafts import forward_block, quoted
from loupe.demo.episodes import PREFIXES, Planner
from loupe.demo.people import LISTS
from loupe.demo.reports import report_attachment


def external(p: Planner, room: int, lang: str | None = None) -> None:
    """An outsider writes to staff; staff reply, or forward it to the analysts list."""
    rng = p.rng
    pool = [p for p in p.cast.externals if "news" not in p.address and "brief" not in p.address]
    if lang is not None:
        pool = [p for p in pool if p.lang == lang]
    ext = rng.choice(pool)
    staff = p.staff("exec") if rng.random() < 0.4 else p.staff("analyst", "vp", "sales")
    charset, cte, html = "us-ascii", "7bit", rng.random() < 0.4
    if ext.lang == "en":
        body = f"Dear {staff.first},\n\n{p.prose.chat('US', rng.randrange(2, 5))}\n\nBest,\n{ext.name}"
        subject = rng.choice(["Following up", "Your report on {t}", "Request: {t}"]).format(t=p.prose.topic("US"))
    else:
        body = p.prose.foreign(ext.lang, staff.name) + f"\n\n{ext.name}"
        charset, cte = rng.choice(
            {
                "es": [
                    ("iso-8859-1", "quoted-printable"),
                    ("windows-1252", "quoted-printable"),
                    ("iso-8859-1", "8bit"),
                ],
                "ru": [("koi8-r", "8bit"), ("windows-1251", "base64")],
                "ja": [("iso-2022-jp", "7bit")],
            }[ext.lang]
        )
        if charset == "windows-1252":
            body += "\n\n“Gracias” por todo — la cuota es de 250 €."
        subject = {
            "es": "Informe sobre la situación en Juárez",
            "ru": "Обзор: газовые переговоры",
            "ja": "港湾警備の報告",
        }[ext.lang]
    first = p.new(
        sender=ext,
        to=[staff],
        when=p.moment(),
        subject=subject,
        body=body,
        charset=charset,
        cte=cte,
        header_charset=charset if charset != "us-ascii" else "utf-8",
        html=html and ext.lang == "en",
    )
    if room >= 2 and rng.random() < 0.6:
        reply = f"Thanks, {ext.first.rstrip(',')}. {p.prose.chat('US', rng.randrange(1, 3))}\n\n{quoted(first)}"
        p.new(
            sender=staff,
            to=[ext],
            parent=first,
            when=p.later(first.when),
            subject="Re: " + subject,
            body=reply,
            cte="quoted-printable",
        )
    elif room >= 2 and rng.random() < 0.5:
        p.new(
            sender=staff,
            to=[],
            mailing_list=LISTS["analysts"],
            when=p.later(first.when),
            subject="Fwd: " + subject,
            body="FYI, from an outside contact.\n\n" + forward_block(first, rng.randrange(2)),
            forward_of=first,  # so the two share a near-duplicate group (Planner.new)
            forwarded_author=ext.address,
            cte="quoted-printable",
        )


def newsletter(p: Planner, room: int) -> None:
    rng = p.rng
    sender = rng.choice([p for p in p.cast.externals if "news@" in p.address or "brief@" in p.address])
    reader = p.staff("exec")
    text = "\n\n".join(p.prose.chat(rng.choice(PREFIXES), 3) for _ in range(3))
    news = p.new(
        sender=sender,
        to=[reader],
        when=p.moment(),
        subject=f"{sender.name}: {p.prose.topic('EA')}",
        body=text,
        html_only=True,
    )
    if room >= 2 and rng.random() < 0.5:
        p.new(
            sender=reader,
            to=[],
            mailing_list=LISTS["os"],
            when=p.later(news.when),
            forward_of=news,  # so the two share a near-duplicate group (Planner.new)
            subject="Fwd: " + news.subject,
            body="For the os list.\n\n" + forward_block(news, rng.randrange(2)),
            forwarded_author=sender.address,
        )


def attachment(p: Planner, room: int, kind: str | None = None) -> None:
    """A report sent as a file: to a list, to an executive, or to a colleague."""
    rng = p.rng
    kind = kind or rng.choice(["pdf", "pdf", "docx", "csv"])
    sender = p.staff("analyst", "handler")
    att = report_attachment(rng, p.prose, kind, len(p.drafts) + 1, sender.name)
    where = rng.random()
    to = [] if where < 0.2 else [p.staff("exec") if where < 0.45 else p.staff("analyst", "vp")]
    p.new(
        sender=sender,
        to=to,
        mailing_list=LISTS["analysts"] if where < 0.2 else None,
        when=p.moment(),
        subject=f"{kind.upper()}: {att.filename}",
        attachments=[att],
        body=f"Attached is the {kind.upper()} we discussed.\n\n{sender.first}",
    )
