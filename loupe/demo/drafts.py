"""A planned message (``Draft``) and how it becomes bytes.

Episodes (threads, insights, forwards) produce drafts; the generator routes
them to containers and renders them here. Keeping the plan separate from
the bytes lets a reply quote its parent's text and cite its Message-ID
before anything is written, and lets the ground truth be read off the plan.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from loupe.demo.attachments import Attachment
from loupe.demo.compose import (
    Multipart,
    Part,
    address,
    attachment_part,
    encoded_word,
    fold,
    render,
    text_part,
)
from loupe.demo.people import DOMAIN, MailingList, Person
from loupe.demo.truth import NamedCode

_MAILERS = [
    "Microsoft Outlook 12.0",
    "Thunderbird 2.0.0.23 (Windows/20090812)",
    "Apple Mail (2.1082)",
    "Zimbra 6.0.7_GA_2473 (ZimbraWebClient - FF3.0)",
    "iPhone Mail (8C148)",
]
_TZ_BY_LANG = {"es": -6, "ru": 3, "ja": 9, "en": 0}


def local_zone(person: Person, when: datetime) -> timezone:
    """Where the sender sits: the firm in US Central time (DST by month), others by language."""
    if person.org != "Meridian Risk Analysis":
        return timezone(timedelta(hours=_TZ_BY_LANG.get(person.lang, 0)))
    return timezone(timedelta(hours=-5 if 4 <= when.month <= 10 else -6))


@dataclass
class Draft:
    """A message as planned; ``when`` is UTC. Truth fields ride along."""

    number: int
    sender: Person
    to: list[Person]
    when: datetime
    subject: str
    body: str
    mailing_list: MailingList | None = None
    cc: list[Person] = field(default_factory=list)
    parent: Draft | None = None
    charset: str = "us-ascii"
    cte: str = "7bit"
    header_charset: str = "utf-8"
    html: bool = False  # True: also an HTML version (multipart/alternative)
    html_only: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    container: str = ""
    near_group: str | None = None
    source_code: str | None = None
    variant: str | None = None
    insight: dict[str, str] | None = None
    forwarded_author: str | None = None
    forward_of: Draft | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)
    named: list[NamedCode] = field(default_factory=list)  # codes its own text names in looser forms (forms.py)

    @property
    def message_id(self) -> str:
        host = self.sender.address.split("@")[1]
        return f"<{self.when:%Y%m%d%H%M%S}.{self.number:05d}.{self.sender.address.split('@')[0]}@{host}>"

    @property
    def root(self) -> Draft:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    @property
    def references(self) -> list[str]:
        chain: list[str] = []
        node = self.parent
        while node is not None:
            chain.insert(0, node.message_id)
            node = node.parent
        return chain[-8:] if len(chain) > 8 else chain

    @property
    def shown_subject(self) -> str:
        """The subject as delivered: list software adds ``[list]`` once."""
        if self.mailing_list is None:
            return self.subject
        tag = f"[{self.mailing_list.name}]"
        if tag in self.subject:
            return self.subject
        if self.subject.startswith("Re: "):
            head, rest = self.subject.split(" ", 1)
            return rest if tag in rest else f"{head} {tag} {rest}"
        return f"{tag} {self.subject}"

    def local_date(self) -> str:
        return format_datetime(self.when.astimezone(local_zone(self.sender, self.when)))


def quote_intro(parent: Draft) -> str:
    return f"On {parent.local_date()}, {parent.sender.name} wrote:"


def quoted(parent: Draft, max_lines: int = 12) -> str:
    """The parent's text as a reply quotes it: intro line, then ``> `` lines."""
    lines = parent.body.splitlines()[:max_lines]
    return quote_intro(parent) + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines)


def forward_block(original: Draft, style: int, recipient: str | None = None) -> str:
    """The forwarded original, as Thunderbird (0) or Apple Mail (1) lays it out."""
    to = recipient or (original.mailing_list.address if original.mailing_list else original.to[0].address)
    sender = f"{original.sender.name} <{original.sender.address}>"
    if style == 0:
        head = (
            f"-------- Original Message --------\nSubject: {original.shown_subject}\n"
            f"Date: {original.local_date()}\nFrom: {sender}\nTo: {to}\n"
        )
    else:
        head = (
            f"Begin forwarded message:\n\nFrom: {sender}\nDate: {original.local_date()}\n"
            f"Subject: {original.shown_subject}\nTo: {to}\n"
        )
    return f"{head}\n{original.body}"


def _html(text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>\n" for p in text.split("\n\n"))
    return f"<html><head><title></title></head><body>\n{paragraphs}</body></html>\n"


def headers_for(d: Draft, mailer: str) -> list[str]:
    hc = d.header_charset
    recipients = [d.mailing_list.address] if d.mailing_list else [address(p, hc) for p in d.to]
    date = d.local_date()
    lines = [
        f"Return-Path: <{d.sender.address}>",
        f"Received: from mail.{DOMAIN} (mail.{DOMAIN} [10.20.0.5])\n by lists.{DOMAIN} (Postfix)"
        f" with ESMTP id {d.number:08X}; {date}",
        f"Message-ID: {d.message_id}",
        f"Date: {date}",
        f"From: {address(d.sender, hc)}",
        "To: " + ",\n ".join(recipients),
    ]
    if d.cc:
        lines.append("Cc: " + ",\n ".join(address(p, hc) for p in d.cc))
    lines.append("Subject: " + encoded_word(d.shown_subject, hc))
    if d.parent is not None:
        lines.append(f"In-Reply-To: {d.parent.message_id}")
        lines.append(fold("References", d.references))
    if d.mailing_list is not None:
        ml = d.mailing_list
        lines += [
            f"List-Id: {ml.list_id}",
            f"List-Post: <mailto:{ml.address}>",
            "Precedence: list",
            f"Sender: {ml.name}-bounces@{DOMAIN}",
        ]
    lines.append(f"X-Mailer: {mailer}")
    return lines


def render_draft(d: Draft) -> bytes:
    mailer = _MAILERS[sum(map(ord, d.sender.address)) % len(_MAILERS)]
    body = d.body + (d.mailing_list.footer if d.mailing_list else "")
    entity: Part | Multipart
    if d.html_only:
        entity = text_part(_html(body), d.charset, d.cte, "html")
    elif d.html:
        entity = Multipart(
            "alternative",
            f"=_alt_{d.number:06d}_m",
            [text_part(body, d.charset, d.cte), text_part(_html(body), d.charset, d.cte, "html")],
        )
    else:
        entity = text_part(body, d.charset, d.cte)
    if d.attachments:
        entity = Multipart("mixed", f"=_mix_{d.number:06d}_m", [entity, *map(attachment_part, d.attachments)])
    return render(headers_for(d, mailer), entity)
