"""The broken items every real leak has, made on purpose and labelled.

Ingest must count each of these (indexed with a flag, or quarantined with a
reason) and never stop on one, so the demo plants one of each kind of
damage seen in practice: missing or impossible dates, an unparseable From,
a multipart without its final boundary, a truncated base64 attachment,
mislabelled charsets, 8-bit headers, a missing header/body separator, a
broken encoded word, a binary blob among the mail, and a message carried
inside another as ``message/rfc822``. They are built from ordinary drafts
and then damaged byte-wise, so the damage is exactly what the truth says.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from loupe.demo.compose import Multipart, message_part, render, text_part
from loupe.demo.drafts import Draft, headers_for, render_draft
from loupe.demo.people import LISTS, Cast
from loupe.demo.reports import report_attachment
from loupe.demo.texts import Prose
from loupe.demo.truth import Copy

FIRST_NUMBER = 90_001  # outside the range ordinary drafts use, so Message-IDs stay unique


@dataclass
class BadMail:
    """One damaged item: its bytes, where it goes, and what is wrong with it."""

    raw: bytes
    container: str  # an mbox name ("alpha"), "maildir", "eml" or "zip"
    problem: str
    when: datetime
    draft: Draft | None  # None: not mail at all
    date: str | None = "ok"  # "ok": the draft's own date; else what the Date header says (None: absent)
    embedded: Draft | None = None
    copy: Copy | None = None  # where it was written (set by the generator)


def _sub(pattern: bytes, replacement: bytes, raw: bytes) -> bytes:
    new, count = re.subn(pattern, replacement, raw, count=1, flags=re.MULTILINE)
    if count != 1:
        raise AssertionError(f"malformation pattern {pattern!r} did not apply")
    return new


def malformed_items(rng: random.Random, cast: Cast) -> list[BadMail]:
    prose = Prose(rng)
    number = FIRST_NUMBER
    analysts = cast.role("analyst")

    def draft(list_name: str | None = None, **fields: object) -> Draft:
        nonlocal number
        number += 1
        base: dict[str, object] = {
            "sender": rng.choice(analysts),
            "to": [] if list_name else [rng.choice(analysts)],
            "when": datetime(2010, 1, 1, tzinfo=UTC).replace(
                month=rng.randrange(1, 13), day=rng.randrange(1, 28), hour=15
            ),
            "subject": f"Notes on {prose.topic('MX')}",
            "body": prose.chat("MX", 3),
            "mailing_list": LISTS[list_name] if list_name else None,
        }
        base.update(fields)
        return Draft(number=number, **base)  # type: ignore[arg-type]

    items: list[BadMail] = []
    d = draft("analysts")
    items.append(BadMail(_sub(rb"^Date: .*\n", b"", render_draft(d)), "analysts", "no Date header", d.when, d, None))
    d = draft()
    bad_date = "Mon, 01 Jan 0001 00:00:00 +0000"
    items.append(
        BadMail(
            _sub(rb"^Date: .*$", f"Date: {bad_date}".encode(), render_draft(d)),
            "eml",
            "impossible date: year 0001",
            d.when,
            d,
            "0001-01-01T00:00:00+00:00",
        )
    )
    d = draft("alpha")
    items.append(
        BadMail(
            _sub(rb"^Date: .*$", b"Date: Thu, 31 Dec 2099 23:59:59 -0600", render_draft(d)),
            "alpha",
            "impossible date: year 2099 (the envelope date is sane)",
            d.when,
            d,
            "2099-12-31T23:59:59-06:00",
        )
    )
    d = draft("os")
    items.append(
        BadMail(
            _sub(rb"^From: .*$", b"From: =?utf-8?Q?=FF=FE?= <<<@@@>>> ;;; (no address here", render_draft(d)),
            "os",
            "garbage From header (no parseable address)",
            d.when,
            d,
        )
    )
    att = report_attachment(rng, prose, "csv", number, "n/a")
    d = draft(attachments=[att], to=[cast.role("exec")[0]])
    raw = render_draft(d)
    items.append(
        BadMail(_sub(rb"\n--=_mix_\d+_m--\n", b"", raw), "maildir", "multipart without its final boundary", d.when, d)
    )
    pdf = report_attachment(rng, prose, "pdf", number, "n/a", truncated=True)
    d = draft(attachments=[pdf])
    items.append(BadMail(render_draft(d), "zip", "base64 attachment truncated mid-line (bad padding)", d.when, d))
    d = draft("analysts", body="Precio: 250 € — “urgente”, señor.", charset="windows-1252", cte="8bit")
    items.append(
        BadMail(
            _sub(rb'charset="windows-1252"', b'charset="x-unknown-8bit"', render_draft(d)),
            "analysts",
            "unknown charset label on 8-bit windows-1252 text",
            d.when,
            d,
        )
    )
    d = draft(subject="Informe de Juárez, versión final")
    items.append(
        BadMail(
            _sub(rb"^Subject: .*(\n .*)*$", "Subject: Informe de Juárez, versión final".encode(), render_draft(d)),
            "eml",
            "raw 8-bit UTF-8 in the Subject header (no RFC 2047)",
            d.when,
            d,
        )
    )
    d = draft(body="thanks for the call, notes below\nnothing urgent")
    items.append(
        BadMail(
            _sub(rb"^(Content-Transfer-Encoding: 7bit)\n\n", rb"\1\n", render_draft(d)),
            "eml",
            "no blank line between header and body",
            d.when,
            d,
        )
    )
    d = draft("secure")
    items.append(
        BadMail(
            _sub(rb"^Subject: .*$", b"Subject: =?utf-8?B?!!not*base64?=", render_draft(d)),
            "secure",
            "undecodable RFC 2047 encoded word in Subject",
            d.when,
            d,
        )
    )
    # a message attached to another, as forwarded "as attachment"
    outsider = next(p for p in cast.externals if p.lang == "es")
    inner = draft(
        sender=outsider,
        to=[cast.role("exec")[1]],
        subject="Propuesta de colaboración",
        body=prose.foreign("es", cast.role("exec")[1].name),
        charset="iso-8859-1",
        cte="quoted-printable",
        header_charset="iso-8859-1",
    )
    outer = draft(
        to=[cast.role("exec")[0]],
        subject="Fwd: Propuesta de colaboración",
        body="Forwarding as an attachment, see below.",
    )
    entity = Multipart(
        "mixed", f"=_fwd_{outer.number:06d}_m", [text_part(outer.body), message_part(render_draft(inner))]
    )
    raw = render(headers_for(outer, "Thunderbird 3.1.7"), entity)
    items.append(
        BadMail(
            raw,
            "eml",
            "carries a whole message as message/rfc822 (a message in its own right)",
            outer.when,
            outer,
            embedded=inner,
        )
    )
    # neither mail nor a document (an image or a PDF would be a document of the case): quarantined
    blob = b"SQLite format 3\x00" + rng.randbytes(3000)
    items.append(BadMail(blob, "maildir", "not mail: a database file in the Maildir", items[0].when, None))
    return items
