"""The news article written from the leak, and the emails it quotes.

``loupe quotes`` checks a published article against the archive: is each
quote there, said by whom, and edited faithfully? To test that, the demo
plants a handful of emails and writes ``article.md`` (and the same article as
``article.html``) quoting them the ways reporters do: verbatim, with bracketed
insertions and replacements, with ellipses (``...`` and ``…``), with
``[sic]``, with a changed capital and "(emphasis added)", interrupted by the
attribution, as a block quote, in straight and in curly marks; and the ways
they slip: a typo silently corrected, a word swapped, a quote taken from a
forward (attributed to whoever first wrote it), and one quote found nowhere.
Each quote's expected verdict, edits and origin are recorded as
``QuoteTruth``; the emails are ordinary drafts, so they are rendered, routed
and recorded like everything else. The wording is fixed (a quote checker is
tested on exactly these edits); only the people, dates and grades are drawn.
"""

from __future__ import annotations

import html
import random
import re
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loupe.demo.claims import CLAIMS, after, forward, quoted_reply, report, stripped_copy
from loupe.demo.drafts import Draft, local_zone
from loupe.demo.episodes import Planner
from loupe.demo.people import FIRM, LISTS, Person
from loupe.demo.truth import ArticleTruth, QuoteDifference, QuoteEdit, QuoteOrigin, QuoteTruth

OUTLET = "The Evening Courier"
BYLINE = "Ruth Calloway"
PUBLISHED = "14 March 2012"
HEADLINE = "Inside the Meridian files: what a private intelligence firm heard about the border"
MARKDOWN, HTML = "article.md", "article.html"

#: The emails the article quotes (``{first}``: the reader's or the writer's first name).
PORT_NOTE = (
    "Our man at the port says the cameras on the north gate have been dark for three weeks. That is not an "
    "accident, and it fits what the shipping people have been telling us about night arrivals.\n\n"
    "Nobody at the port will talk to us on the record, so everything we have is second hand. I would keep this "
    "out of client notes until we have a second source."
)
CLERK = (
    "The clerk told me 'nothing leaves the yard unpaid' and he meant it. I will ask him about the north gate "
    "when I see him next week."
)
MEMO = (
    "A reminder after this week's questions from the desk. We are not a newspaper, and we do not publish what "
    "our sources cannot stand behind. When a source tells us something we cannot check, we say so, we grade it, "
    "and we keep it out of client notes until someone else confirms it. The people who talk to us take real "
    "risks, and every careless line puts them in danger."
)
NIGHT_SHIFT = (
    "The smugglers pay the night shift at the port in cash, a little every week. If they move goods quietly, "
    "nobody asks questions and no one gets hurt. The customs chief is completely in their pocket, and everyone "
    "on the docks knows it.\n\n"
    "I have seen the envelopes change hands twice since the new shift started, both times at the end of the night."
)
LETTER = (
    "Following our call, a note on what our crews see at the Tijuana terminal. Three of our captains were told "
    "to leave the containers unsealed until the inspectors had gone home. Nobody put it in writing, and we have "
    "asked the captains not to discuss it further.\n\n"
    "We would value your view on whether this is worth raising with the port authority before our next sailing."
)
MANIFESTS = (
    "We recieved the shipping manifests on Thursday and they do not match the port records. Everyone I spoke "
    "to agrees the state goverment knows exactly who owns the warehouses. Nobody will say it on the phone.\n\n"
    "I will send the comparison table once it is clean."
)


def wrapped(text: str) -> str:
    """Hard-wrapped at 72 columns as a mail client sends it, so quotes span line breaks."""
    return "\n\n".join(textwrap.fill(p, 72) for p in text.split("\n\n"))


def local_iso(d: Draft) -> str:
    """A draft's date as the truth gives every message's: ISO 8601 in the sender's zone."""
    return d.when.astimezone(local_zone(d.sender, d.when)).isoformat()


@dataclass
class Quote:
    """One quotation: how the article prints it, and what a checker should find."""

    key: str
    parts: tuple[str, ...]
    marks: str  # "straight" | "curly" | "block"
    speaker: str
    classification: str
    origin: Draft | None
    passage: str
    edits: tuple[QuoteEdit, ...] = ()
    differences: tuple[QuoteDifference, ...] = ()
    also_in: tuple[Draft, ...] = ()
    interruption: str = ""  # the attribution between two parts ("she wrote,")

    @property
    def shown(self) -> str:
        if self.marks == "block":
            return "> " + self.parts[0]
        left, right = ('"', '"') if self.marks == "straight" else ("\u201c", "\u201d")
        return f" {self.interruption} ".join(f"{left}{part}{right}" for part in self.parts)

    def truth(self) -> QuoteTruth:
        origin = None
        if self.origin is not None:
            d = self.origin
            if " ".join(self.passage.split()) not in " ".join(d.body.split()):
                raise ValueError(f"the article's {self.key} quotes {d.message_id}, which does not hold its passage")
            origin = QuoteOrigin(d.message_id, d.sender.address, local_iso(d), d.source_code)
        return QuoteTruth(
            id=self.key,
            text=" ".join(self.parts),
            parts=list(self.parts),
            shown=self.shown,
            marks=self.marks,
            speaker=self.speaker,
            classification=self.classification,
            passage=self.passage,
            edits=list(self.edits),
            differences=list(self.differences),
            origin=origin,
            also_in=[d.message_id for d in self.also_in],
        )


@dataclass
class ArticlePlan:
    """The quotes and the names and dates the article's text needs, known once the emails are drafted."""

    quotes: dict[str, Quote] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, quote: Quote) -> None:
        self.quotes[quote.key] = quote

    def markdown(self) -> str:
        words = {**self.names, **{key: q.shown for key, q in self.quotes.items()}}
        body = "\n\n".join(p.format(**words) for p in PARAGRAPHS)
        return f"# {HEADLINE}\n\n*{OUTLET}* · By {BYLINE} · {PUBLISHED}\n\n{body}\n"

    def write(self, out_dir: Path) -> ArticleTruth:
        """Write article.md and article.html; return the truth about every quote in them."""
        text = self.markdown()
        (out_dir / MARKDOWN).write_text(text, encoding="utf-8")
        (out_dir / HTML).write_text(as_html(text), encoding="utf-8")
        return ArticleTruth(MARKDOWN, HTML, OUTLET, HEADLINE, [q.truth() for q in self.quotes.values()])


#: The article, paragraph by paragraph: ``{Q1}`` is a quote as shown, other fields are names and dates.
PARAGRAPHS = [
    "Thousands of internal emails from {firm}, a private intelligence firm, show how its analysts and paid "
    "informants described smuggling through the port of Tijuana between 2009 and 2011. " + OUTLET + " has "
    "reviewed the archive. The firm did not respond to requests for comment.",
    "In {port_month}, {analyst}, an analyst, told colleagues that {Q1} {Q2} the analyst added.",
    "A colleague, {colleague}, replied that {Q3}",
    "One informant, identified in the files only by a code, told a handler in {report_month}: {Q4} The same "
    "report says the customs chief {Q5} (emphasis added).",
    "Shipping companies noticed too. {shipper}, an executive at {shipper_org}, wrote to the firm: {Q6} "
    "{forwarder}, one of the firm's executives, forwarded the letter to its analysts.",
    "In {manifest_month}, another analyst reported: {Q7} The same analyst wrote that {Q8}",
    "The firm says it is careful with such material. {Q9} In the same message:",
    "{Q10}",
    "Not all of it was caution. In one message, {ceo}, the chief executive, boasted that {Q11}",
    "Some claims recur across the files. That " + CLAIMS[0].claim + " was echoed by two informants, an energy "
    "company and an analyst; other claims, forwarded and re-posted many times, rest on a single informant.",
]


def as_html(markdown: str) -> str:
    """The same article as a self-contained HTML page (headline, paragraphs, block quote, emphasis)."""
    blocks = []
    for block in markdown.strip().split("\n\n"):
        inline = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", html.escape(block.lstrip("#> "), quote=False))
        if block.startswith("# "):
            blocks.append(f"<h1>{inline}</h1>")
        elif block.startswith("> "):
            blocks.append(f"<blockquote><p>{inline}</p></blockquote>")
        else:
            blocks.append(f"<p>{inline}</p>")
    title = html.escape(HEADLINE)
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{title}</title></head>\n'
        "<body><article>\n" + "\n".join(blocks) + "\n</article></body>\n</html>\n"
    )


@dataclass
class _Mail:
    """The drafted emails the quotes come from, and the people the article names."""

    port: Draft  # an analyst's note to the analysts list
    reply: Draft  # a colleague's reply quoting it
    memo: Draft  # a vice president's memo, hard-wrapped
    report: Draft  # a coded source's report (full block to secure)
    wide: Draft  # its stripped copy to alpha
    letter: Draft  # an outsider's letter to an executive, hard-wrapped
    forward: Draft  # the executive forwarding it to the analysts
    manifests: Draft  # an analyst's direct mail, with two typos
    ceo: Person


def plant_sources(p: Planner, rng: random.Random) -> ArticlePlan:
    """Draft the emails the article quotes, and plan its quotes (the article is written later)."""
    cast = p.cast
    analyst, colleague, sloppy = rng.sample(cast.role("analyst"), 3)
    vp, desk = rng.sample(cast.role("vp"), 2)
    ceo = next(x for x in cast.role("exec") if x.title == "Chief Executive Officer")
    reader = rng.choice([x for x in cast.role("exec") if x is not ceo])
    shipper = next(x for x in cast.externals if x.org == "Harbourline Shipping" and "news@" not in x.address)
    source = next(s for s in p.sources if s.code == "MX3")

    def moment() -> datetime:
        day = datetime(2011, 1, 10, tzinfo=UTC) + timedelta(days=rng.randrange(200))
        return day.replace(hour=rng.randrange(14, 22), minute=rng.randrange(60), second=rng.randrange(60))

    def signed(text: str, writer: Person) -> str:
        return f"{text}\n\nThanks,\n{writer.first}"

    port = p.new(
        sender=analyst, to=[], mailing_list=LISTS["analysts"], when=moment(), subject="Tijuana port - what we hear",
        body=signed(PORT_NOTE, analyst),
    )  # fmt: skip
    reply = quoted_reply(p, port, colleague, after(rng, port.when), CLERK, [])
    memo = p.new(
        sender=vp, to=[], mailing_list=LISTS["alpha"], when=moment(), subject="On what we publish",
        body="All,\n\n" + signed(wrapped(MEMO), vp),
    )  # fmt: skip
    rep = report(p, rng, source, moment(), "night shift at the port", NIGHT_SHIFT, [])
    wide = stripped_copy(p, rep, desk, after(rng, rep.full.when))
    letter = p.new(
        sender=shipper, to=[reader], when=moment(), subject="Tijuana terminal",
        body=f"Dear {reader.first},\n\n{wrapped(LETTER)}\n\nBest,\n{shipper.name}",
    )  # fmt: skip
    fwd = forward(p, rng, letter, reader, after(rng, letter.when), "FYI - from Harbourline, before the Tijuana piece.")
    manifests = p.new(sender=sloppy, to=[desk], when=moment(), subject="manifests", body=signed(MANIFESTS, sloppy))
    plan = ArticlePlan()
    plan.names = {
        "firm": FIRM, "analyst": analyst.name, "colleague": colleague.name, "shipper": shipper.name,
        "shipper_org": shipper.org, "forwarder": reader.name, "ceo": ceo.name,
        "port_month": f"{port.when:%B %Y}", "report_month": f"{rep.full.when:%B %Y}",
        "manifest_month": f"{manifests.when:%B %Y}",
    }  # fmt: skip
    for quote in _quotes(_Mail(port, reply, memo, rep.full, wide, letter, fwd, manifests, ceo)):
        plan.add(quote)
    return plan


def _quotes(m: _Mail) -> list[Quote]:
    """Every quote in the article, in order, with the verdict, edits and origin a checker should find."""
    informant = "an informant known by a code"
    analyst, colleague = m.port.sender.name, m.reply.sender.name
    sloppy, vp = m.manifests.sender.name, m.memo.sender.name
    return [
        Quote("Q1", ("the cameras on the north gate have been dark for three weeks.",), "straight", analyst,
              "verbatim", m.port, "the cameras on the north gate have been dark for three weeks.",
              also_in=(m.reply,)),
        Quote("Q2", ("Nobody at the port will speak to us on the record,",), "straight", analyst, "altered",
              m.port, "Nobody at the port will talk to us on the record,",
              differences=(QuoteDifference("speak", "talk"),), also_in=(m.reply,)),
        Quote("Q3", ("the clerk told me \u2018nothing leaves the yard unpaid\u2019 and he meant it.",), "curly",
              colleague, "faithful edit", m.reply,
              "The clerk told me 'nothing leaves the yard unpaid' and he meant it.",
              edits=(QuoteEdit("capitalisation", "the", "The"),)),
        Quote("Q4", ("If [the smugglers] move [their] goods quietly \u2026 no one gets hurt.",), "curly", informant,
              "faithful edit", m.report, "If they move goods quietly, nobody asks questions and no one gets hurt.",
              edits=(QuoteEdit("replacement", "[the smugglers]", "they"), QuoteEdit("insertion", "[their]", ""),
                     QuoteEdit("omission", "\u2026", "nobody asks questions and")),
              also_in=(m.wide,)),
        Quote("Q5", ("is *completely* in their pocket",), "curly", informant, "faithful edit", m.report,
              "is completely in their pocket", edits=(QuoteEdit("emphasis note", "*completely*", "completely"),),
              also_in=(m.wide,)),
        Quote("Q6", ("Three of our captains were told to leave the containers unsealed until the inspectors had "
                     "gone home.",), "curly", m.letter.sender.name, "verbatim", m.letter,
              "Three of our captains were told to leave the containers unsealed until the inspectors had gone home.",
              also_in=(m.forward,)),
        Quote("Q7", ("We received the shipping manifests on Thursday and they do not match the port records.",),
              "curly", sloppy, "altered", m.manifests,
              "We recieved the shipping manifests on Thursday and they do not match the port records.",
              differences=(QuoteDifference("received", "recieved"),)),
        Quote("Q8", ("the state goverment [sic] knows exactly who owns the warehouses.",), "curly", sloppy,
              "faithful edit", m.manifests, "the state goverment knows exactly who owns the warehouses.",
              edits=(QuoteEdit("sic", "[sic]", ""),)),
        Quote("Q9", ("We are not a newspaper,", "and we do not publish what our sources cannot stand behind."),
              "curly", vp, "verbatim", m.memo,
              "We are not a newspaper, and we do not publish what our sources cannot stand behind.",
              interruption=f"{vp}, a vice president, wrote to staff,"),
        Quote("Q10", ("When a source tells us something we cannot check, we say so ... and we keep it out of client "
                      "notes until someone else confirms it. The people who talk to us take real risks, and every "
                      "careless line puts them in danger.",), "block", vp, "faithful edit", m.memo,
              "When a source tells us something we cannot check, we say so, we grade it, and we keep it out of "
              "client notes until someone else confirms it. The people who talk to us take real risks, and every "
              "careless line puts them in danger.", edits=(QuoteEdit("omission", "...", "we grade it"),)),
        Quote("Q11", ("every informant on the border has a price, and we know all of them.",), "curly", m.ceo.name,
              "not found", None, ""),
    ]  # fmt: skip
