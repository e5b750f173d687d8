"""Claims made by k independent origins, each copied the ways mail copies things.

``loupe corroborate`` must count the *independent* origins of a claim (a
distinct coded source, or a distinct author writing in their own name), not
the messages repeating it: an insight's stripped copy, the same post on a
second list, a forward with a short note, a reply quoting it under ``>``
markers, a re-send with a small fix. So each claim here has k origins (k = 4,
3, 2 and 1), each stating it in its own words (same substance, sharing the
claim's key words, so lexical similarity finds them all), each copied a few
of those ways; and decoys share some of the claim's words without supporting
it, so counting keyword hits over-counts.

``PARAPHRASED_CLAIMS`` are for corroboration by meaning: there each origin
says the same thing in other words (near synonyms, rewordings: "army" as
"military", "meets" as "holds meetings"), sharing none of the claim's content
words but its proper names, and no two origins of a claim word it alike. Their
decoys are of two recorded kinds: a denial (the claim's own words, said to be
untrue) and "shared words" (most of the claim's words, saying something else).

Everything is planned as ordinary drafts through ``Planner.new``, so it is
rendered, routed and recorded like the rest of the archive: coded sources'
reports carry the same insight blocks, variants and truth fields as
``insight_mail.py`` gives any report, and copies that carry a whole body share
its near-duplicate group. The wording is written out here rather than drawn
from the stock sentences in ``texts.py``, which would let unrelated mail
support a claim by chance; only the filler around each statement is drawn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from loupe.demo import insights
from loupe.demo.drafts import Draft, forward_block, quoted
from loupe.demo.episodes import Planner
from loupe.demo.insights import Insight
from loupe.demo.people import LISTS, Person
from loupe.demo.sources import CodedSource
from loupe.demo.texts import Prose
from loupe.demo.truth import ClaimCopy, ClaimOrigin, ClaimTruth


@dataclass(frozen=True)
class OriginSpec:
    """One origin of a claim: who (a source code, an outsider's address or a staff role) and their words."""

    who: str
    subject: str
    statement: str
    copies: tuple[str, ...]  # ClaimCopy kinds, in the order they are sent


@dataclass(frozen=True)
class ClaimSpec:
    claim: str
    prefix: str  # the region the filler around each statement is about
    origins: tuple[OriginSpec, ...]
    decoys: tuple[str, ...]
    decoy_kinds: tuple[str, ...] = ()  # aligned with ``decoys``; empty: every decoy is of kind SHARED_WORDS
    wording: str = "shared"  # "shared": origins use the claim's key words; "paraphrased": none of them

    @property
    def kinds(self) -> tuple[str, ...]:
        """Each decoy's kind, in the order of ``decoys``."""
        return self.decoy_kinds or (SHARED_WORDS,) * len(self.decoys)


#: Decoy kinds: a message stating the claim only to deny it, or one reusing most of its words to say something else.
DENIAL = "denial"
SHARED_WORDS = "shared words"


# fmt: off
CLAIMS = (
    ClaimSpec(
        "fuel stolen from the pipeline is sold from tanker trucks outside Reynosa", "MX",
        (
            OriginSpec("MX7", "fuel theft on the Reynosa highway",
                       "Fuel stolen from the pipeline near Reynosa is sold openly from tanker trucks parked along "
                       "the highway.", ("stripped copy", "forward", "quoted reply")),
            OriginSpec("MX12", "where the stolen fuel goes",
                       "Stolen pipeline fuel ends up in tanker trucks on the edge of Reynosa, where it is sold for "
                       "cash while the police look away.", ("stripped copy",)),
            OriginSpec("opritchard@bluestone-energy.example", "Losses on the northern line",
                       "Our pipeline team now estimates that most of the fuel stolen from the line is sold out of "
                       "tanker trucks outside Reynosa.", ("forward",)),
            OriginSpec("analyst", "Reynosa fuel trade",
                       "A trucker I trust says the tanker trucks outside Reynosa sell fuel stolen from the pipeline "
                       "every night of the week.", ("list re-post", "re-send", "quoted reply")),
        ),
        ("Fuel prices in Reynosa went up again this month and the tanker drivers are talking about a strike.",
         "The pipeline company moved its maintenance crews away from Reynosa after the contractor quit."),
    ),
    ClaimSpec(
        "precursor chemicals reach the port of Tijuana hidden in refrigerated containers of frozen fish", "MX",
        (
            OriginSpec("MX40", "chemicals through the port",
                       "The precursor chemicals come into the port of Tijuana hidden in refrigerated containers, "
                       "packed under frozen fish.", ("stripped copy", "quoted reply")),
            OriginSpec("US2", "what the labs are receiving",
                       "Precursor chemicals for the labs are arriving at Tijuana inside refrigerated containers "
                       "declared as frozen fish.", ("forward",)),
            OriginSpec("treddick@globalwire-news.example", "Something for your Tijuana file",
                       "Two dockworkers told me that the refrigerated containers of frozen fish landing at the port "
                       "of Tijuana carry precursor chemicals.", ("forward", "quoted reply")),
        ),
        ("The port of Tijuana handled more refrigerated containers this year than ever, mostly fruit and frozen "
         "fish for export.",),
    ),
    ClaimSpec(
        "the army commander in Culiacan meets cartel lawyers at a ranch outside the city", "MX",
        (
            OriginSpec("MX2", "the commander's weekends",
                       "The army commander in Culiacan meets lawyers for the cartel at a ranch outside the city, "
                       "usually on weekends.", ("stripped copy",)),
            OriginSpec("analyst", "Culiacan commander",
                       "I keep hearing that the Culiacan army commander holds meetings with cartel lawyers at a "
                       "ranch just outside the city.", ("re-send", "forward")),
        ),
        ("The army commander in Culiacan gave a long interview about ranch owners who can no longer work their "
         "land.",),
    ),
    ClaimSpec(
        "a gravel quarry near Monterrey launders money for the cartel", "MX",
        (
            OriginSpec("MX1", "the quarry books",
                       "A gravel quarry near Monterrey launders money for the cartel; the trucks leave empty and "
                       "the books say they left full.", ("stripped copy", "list re-post", "forward", "quoted reply")),
        ),
        ("Gravel for the new highway near Monterrey is late because the quarry flooded in the rains.",),
    ),
)
# fmt: on


def paraphrased(claim: str, prefix: str, origins: tuple[OriginSpec, ...], *decoys: tuple[str, str]) -> ClaimSpec:
    """A claim whose origins word it without its content words; ``decoys`` are (kind, text) pairs."""
    return ClaimSpec(
        claim, prefix, origins, tuple(text for _, text in decoys), tuple(kind for kind, _ in decoys), "paraphrased"
    )


# Claims that only corroboration by meaning can count: each origin states the claim in its own words,
# sharing none of the claim's content words (compared by English stem, stop words out) but its proper
# names, and no two origins of a claim word it alike. Each claim has one denial decoy (the claim's own
# words, denied) and one "shared words" decoy (most of its words, saying something else).
# fmt: off
PARAPHRASED_CLAIMS = (
    paraphrased(
        "party officials in Caracas buy votes with free groceries before the election", "VE",
        (
            OriginSpec("VE9", "food for ballots in the capital",
                       "In Caracas the ruling movement's organisers hand out food parcels to residents in exchange "
                       "for their ballots ahead of polling day.", ("stripped copy", "quoted reply")),
            OriginSpec("VE101", "how the campaign pays",
                       "Government campaigners in Caracas pay households in rice, flour and beans to back the "
                       "regime's candidates at the polls.", ("stripped copy",)),
            OriginSpec("gwhitfield@civic-defense.example", "What our observers saw in Caracas",
                       "Our monitors in Caracas saw campaign workers for the ruling coalition purchase support with "
                       "boxes of provisions during the campaign.", ("forward",)),
            OriginSpec("analyst", "Caracas canvassers",
                       "A neighbour in Caracas tells me pro-government canvassers are distributing sacks of staple "
                       "foods to poor families to win their support at the polls.", ("list re-post",)),
        ),
        (DENIAL, "The ruling party denies that its officials in Caracas buy votes with free groceries before the "
                 "election."),
        (SHARED_WORDS, "Opposition party officials in Caracas say grocery prices doubled since the last election, "
                       "and many families now buy meat only once a month."),
    ),
    paraphrased(
        "a paramilitary group charges farmers a fee on every harvest around Popayan", "CO",
        (
            OriginSpec("CO8", "the hills above Popayan",
                       "Armed men in the hills outside Popayan make growers pay a cut of each crop they bring down "
                       "to market.", ("stripped copy", "forward")),
            OriginSpec("CO150", "extortion in the countryside",
                       "Right-wing gunmen in the Popayan countryside demand a levy from rural landholders whenever "
                       "their crops come in.", ("stripped copy",)),
            OriginSpec("handler", "Popayan smallholders",
                       "My contact in Popayan says the local militia makes peasant cultivators pay a tax on what "
                       "they reap.", ("re-send",)),
        ),
        (DENIAL, "The governor's office says there is no evidence that a paramilitary group charges farmers a fee on "
                 "every harvest around Popayan."),
        (SHARED_WORDS, "Farmers around Popayan formed a group to ask the state to cut the fee it charges on every "
                       "harvest stored in public silos."),
    ),
    paraphrased(
        "dockworkers at Buenaventura load cocaine onto banana ships", "CO",
        (
            OriginSpec("CO3", "the fruit freighters",
                       "Stevedores in Buenaventura stow drugs in the holds of the fruit freighters bound for "
                       "Europe.", ("stripped copy", "list re-post")),
            OriginSpec("CO21", "plantain crates",
                       "Port labourers at Buenaventura are hiding narcotics among crates of plantains on vessels "
                       "sailing north.", ("forward",)),
            OriginSpec("cmayhew@harbourline-shipping.example", "A worry about our Buenaventura calls",
                       "Our agents hear that longshoremen in Buenaventura stash coke in the cargo of our fruit "
                       "carriers before departure.", ("quoted reply",)),
        ),
        (SHARED_WORDS, "Dockworkers at Buenaventura stopped loading banana ships for two days after a cocaine seizure "
                       "led to mass arrests."),
        (DENIAL, "The port authority says rumours that dockworkers at Buenaventura load cocaine onto banana ships "
                 "are false."),
    ),
    paraphrased(
        "the electricity company in Maracaibo cuts power to opposition neighbourhoods as punishment", "VE",
        (
            OriginSpec("VE12", "who sits in the dark",
                       "The state utility leaves Maracaibo districts that back the government's critics in the "
                       "dark, to teach them a lesson.", ("stripped copy",)),
            OriginSpec("opritchard@bluestone-energy.example", "Maracaibo grid",
                       "Grid engineers tell us the blackouts in Maracaibo are aimed at anti-government areas in "
                       "retaliation for the protests.", ("forward",)),
        ),
        (DENIAL, "The electricity company in Maracaibo denies it cuts power to opposition neighbourhoods as "
                 "punishment for the protests."),
        (SHARED_WORDS, "The electricity company in Maracaibo says opposition neighbourhoods will get power back "
                       "first once crews finish repairs on the cut lines."),
    ),
    paraphrased(
        "the mayor of Nuevo Laredo steers public works contracts to firms owned by his brother", "MX",
        (
            OriginSpec("MX201", "paving deals",
                       "In Nuevo Laredo, the municipal president hands paving and drainage deals to businesses that "
                       "belong to a sibling.", ("stripped copy", "quoted reply")),
            OriginSpec("MX12", "city hall tenders",
                       "Nuevo Laredo's city hall awards its construction tenders to companies controlled by "
                       "relatives of the town's leader.", ("forward",)),
        ),
        (SHARED_WORDS, "The mayor of Nuevo Laredo says his brother lost public works contracts to firms owned by "
                       "out-of-state investors."),
        (DENIAL, "It is not true that the mayor of Nuevo Laredo steers public works contracts to firms owned by his "
                 "brother, his office said."),
    ),
    paraphrased(
        "immigration agents in Tapachula sell transit visas to people smugglers", "MX",
        (
            OriginSpec("MX40", "permits for coyotes",
                       "Migration officers in Tapachula are taking cash from coyotes in return for travel permits "
                       "for their clients.", ("forward",)),
            OriginSpec("pvaughn@northfield-univ.example", "From our Tapachula interviews",
                       "Migrants we interviewed in Tapachula said border officials issue passage documents to "
                       "trafficking gangs for money.", ()),
        ),
        (DENIAL, "The immigration institute says there is no evidence that its agents in Tapachula sell transit "
                 "visas to people smugglers."),
        (SHARED_WORDS, "Immigration agents in Tapachula arrested people smugglers who tried to sell forged transit "
                       "visas at the bus station."),
    ),
    paraphrased(
        "militias of former police officers control pirate cable television in the favelas of Rio", "BR",
        (
            OriginSpec("hashcombe@globalwire-news.example", "Rio piece, background",
                       "In Rio's shantytowns, gangs of ex-cops run bootleg TV hookups and make every household pay "
                       "for them.", ("forward",)),
            OriginSpec("watch", "Rio slums",
                       "A colleague in Rio says vigilante squads of retired policemen sell unlicensed satellite TV "
                       "in the slums.", ("list re-post", "quoted reply")),
        ),
        (SHARED_WORDS, "Former police officers in Rio want militias out of the favelas so residents can get legal "
                       "cable television at a fair price."),
        (DENIAL, "The state security secretary denies that militias of former police officers control pirate cable "
                 "television in the favelas of Rio."),
    ),
    paraphrased(
        "inmates at Tocoron prison run kidnappings by phone", "VE",
        (
            OriginSpec("VE4", "calls from the cells",
                       "Convicts inside Tocoron jail organise abductions using mobile handsets smuggled past the "
                       "guards.", ("stripped copy",)),
            OriginSpec("analyst", "Tocoron",
                       "Men serving sentences in Tocoron direct hostage-takings across the region over cellphones, "
                       "a victim's relative told me.", ("re-send",)),
        ),
        (DENIAL, "The prisons ministry says reports that inmates at Tocoron prison run kidnappings by phone are "
                 "false, since signals there are jammed."),
        (SHARED_WORDS, "Inmates at Tocoron prison staged a protest demanding phone access, days after guards foiled "
                       "the kidnapping of a warden."),
    ),
    paraphrased(
        "gun shops in Phoenix sell rifles to straw buyers for the cartel", "US",
        (
            OriginSpec("US88", "where the weapons start",
                       "Firearms dealers in Phoenix supply assault weapons to front purchasers who move them south "
                       "for Mexican traffickers.", ("stripped copy", "forward", "quoted reply")),
        ),
        (SHARED_WORDS, "Gun shops in Phoenix must now report buyers of several rifles in a week, a rule aimed at "
                       "cartel straw purchases."),
        (DENIAL, "Federal agents found no evidence that gun shops in Phoenix sell rifles to straw buyers for the "
                 "cartel."),
    ),
    paraphrased(
        "energy regulators in Brasilia leaked sealed bids in the oil auction to a favoured producer", "BR",
        (
            OriginSpec("BR6", "the licensing round",
                       "Officials at the Brasilia petroleum agency gave a preferred firm the secret offers of its "
                       "rivals in the drilling licence sale.", ("stripped copy",)),
        ),
        (SHARED_WORDS, "Energy regulators in Brasilia postponed the oil auction after a favoured producer complained "
                       "that sealed bids had leaked to the press."),
        (DENIAL, "The energy regulator in Brasilia denies that it leaked sealed bids in the oil auction to a "
                 "favoured producer."),
    ),
)
# fmt: on

#: The claims are dated in the ``SPAN_DAYS`` from here: every coded source is active by then
#: (``make_sources`` starts each in the first half of 2009-2011), and all is over before 2012.
FIRST_DAY = datetime(2010, 9, 1, 14, tzinfo=UTC)
SPAN_DAYS = 400


@dataclass
class Report:
    """A coded source's report as first sent (the full block to ``secure``), and what its copies need."""

    full: Draft
    ins: Insight
    plants: list[tuple[str, str]]


def within(rng: random.Random, start: datetime, days: int) -> datetime:
    """A moment in the ``days`` after ``start``, in the firm's afternoon and evening (UTC)."""
    return start + timedelta(days=rng.randrange(days), minutes=rng.randrange(420), seconds=rng.randrange(60))


def after(rng: random.Random, when: datetime, lo_min: int = 20, hi_min: int = 2000) -> datetime:
    """A later moment; copies always come after what they copy, so the origin is the earliest."""
    return when + timedelta(minutes=rng.randrange(lo_min, hi_min), seconds=rng.randrange(60))


def report(
    p: Planner,
    rng: random.Random,
    source: CodedSource,
    when: datetime,
    title: str,
    text: str,
    plants: list[tuple[str, str]],
) -> Report:
    """A report with the full insight block to ``secure``, recorded as ``insight_mail.py`` records one."""
    if when.date() < source.active_from:
        raise ValueError(f"{source.code} is not active yet on {when:%Y-%m-%d}")
    ins = insights.make_insight(rng, source, when, title, text)
    block, label = insights.full_block(rng, ins)
    full = p.new(
        plants,
        sender=source.handler,
        to=[],
        mailing_list=LISTS["secure"],
        when=when,
        subject=insights.subject(ins),
        body=f"{block}\n\n{text}",
        near_group=p.group(),
        source_code=source.code,
        variant="full",
        insight={**ins.facts(), "code_label": label},
    )
    return Report(full, ins, plants)


def stripped_copy(p: Planner, rep: Report, writer: Person, when: datetime, list_name: str = "alpha") -> Draft:
    """The wider list's copy: description and publication only, the text unchanged (a near duplicate)."""
    assert rep.full.insight is not None
    return p.new(
        rep.plants,
        sender=writer,
        to=[],
        mailing_list=LISTS[list_name],
        when=when,
        subject=insights.subject(rep.ins),
        body=f"{insights.stripped_block(rep.ins)}\n\n{rep.ins.text}",
        near_group=rep.full.near_group,
        source_code=rep.full.source_code,
        variant="stripped",
        insight={k: rep.full.insight[k] for k in ("description", "publication")},
    )


def forward(
    p: Planner,
    rng: random.Random,
    original: Draft,
    sender: Person,
    when: datetime,
    note: str,
    to: Person | None = None,
    plants: list[tuple[str, str]] | None = None,
) -> Draft:
    """``original`` forwarded whole with a short note, to a person or else the analysts list.

    A forwarded full report is itself an insight message ("forwarded", the
    block inside naming the source), as ``insight_mail.py`` records one.
    """
    coded = original.variant == "full"
    return p.new(
        plants,
        sender=sender,
        to=[to] if to else [],
        mailing_list=None if to else LISTS["analysts"],
        when=when,
        subject="Fwd: " + original.shown_subject,
        body=f"{note}\n\n{forward_block(original, rng.randrange(2))}",
        forward_of=original,  # joins the original's near-duplicate group (Planner.new)
        forwarded_author=original.source_code if coded else original.sender.address,
        source_code=original.source_code if coded else None,
        variant="forwarded" if coded else None,
        insight=original.insight if coded else None,
    )


def quoted_reply(
    p: Planner, parent: Draft, sender: Person, when: datetime, text: str, plants: list[tuple[str, str]]
) -> Draft:
    """A reply with its own short text above the parent's whole text under ``>`` markers."""
    return p.new(
        plants,
        sender=sender,
        to=[] if parent.mailing_list else [parent.sender],
        mailing_list=parent.mailing_list,
        parent=parent,
        when=when,
        subject="Re: " + parent.root.subject,
        body=f"{text}\n\n{quoted(parent, max_lines=80)}",
    )


@dataclass
class PlannedClaim:
    """A claim's drafts, kept until the truth is written (Message-IDs are fixed once drafted)."""

    spec: ClaimSpec
    origins: list[tuple[OriginSpec, str, Draft, list[tuple[Draft, str]]]] = field(default_factory=list)
    decoys: list[Draft] = field(default_factory=list)

    def truth(self, number: int) -> ClaimTruth:
        origins = [
            ClaimOrigin(
                origin=who,
                kind="source" if draft.source_code else "author",
                message_id=draft.message_id,
                statement=spec.statement,
                copies=[ClaimCopy(copy.message_id, kind) for copy, kind in copies],
            )
            for spec, who, draft, copies in self.origins
        ]
        return ClaimTruth(
            id=f"C{number}",
            claim=self.spec.claim,
            k=len({o.origin for o in origins}),
            origins=origins,
            decoys=[d.message_id for d in self.decoys],
            wording=self.spec.wording,
            decoy_kinds=list(self.spec.kinds),
        )


class _Claims:
    """Drafts one claim's origins, copies and decoys with a random source of its own."""

    def __init__(self, p: Planner, rng: random.Random) -> None:
        self.p = p
        self.rng = rng
        self.prose = Prose(rng)
        self.sources = {s.code: s for s in p.sources}

    def person(self, *roles: str, besides: Person | None = None) -> Person:
        return self.rng.choice([x for x in self.p.cast.role(*roles) if x != besides])

    def outsider(self, address: str) -> Person:
        return next(x for x in self.p.cast.externals if x.address == address)

    def notes(self) -> list[tuple[str, str]]:
        """The plants (a gloss, a look-alike) in the filler drawn since the last call, for the drafts carrying it."""
        return self.prose.take_notes()

    def chat(self, prefix: str, sentences: int) -> tuple[str, list[tuple[str, str]]]:
        """Filler text and the plants in it."""
        return self.prose.chat(prefix, sentences), self.notes()

    def plan(self, spec: ClaimSpec, start: datetime) -> PlannedClaim:
        planned = PlannedClaim(spec)
        for origin in spec.origins:
            when = within(self.rng, start, 60)
            if origin.who in self.sources:
                who, draft, copies = origin.who, *self.source(origin, when)
            elif "@" in origin.who:
                who, draft, copies = origin.who, *self.letter(origin, self.outsider(origin.who), when)
            else:
                author = self.person(origin.who)
                who, draft, copies = author.address, *self.post(spec, origin, author, when)
            planned.origins.append((origin, who, draft, copies))
        for text in spec.decoys:
            filler, plants = self.chat(spec.prefix, 2)
            planned.decoys.append(
                self.p.new(
                    plants,
                    sender=self.person("analyst", "watch"),
                    to=[],
                    mailing_list=LISTS[self.rng.choice(["analysts", "os"])],
                    when=within(self.rng, start, 90),
                    subject=self.prose.topic(spec.prefix),
                    body=f"{text} {filler}",
                )
            )
        return planned

    def source(self, origin: OriginSpec, when: datetime) -> tuple[Draft, list[tuple[Draft, str]]]:
        """A coded source's report; copies: stripped copy, its cross-post, a forward, a reply to the copy."""
        source = self.sources[origin.who]
        filler = self.prose.source_report(source.prefix, 3)
        rep = report(self.p, self.rng, source, when, origin.subject, f"{origin.statement} {filler}", self.notes())
        copies: list[tuple[Draft, str]] = []
        wide: Draft | None = None
        moment = when
        for kind in origin.copies:
            moment = after(self.rng, moment)
            if kind == "stripped copy":
                wide = stripped_copy(self.p, rep, self.person("vp", "analyst"), moment)
                copies.append((wide, kind))
            elif kind == "list re-post":
                assert wide is not None
                again = stripped_copy(self.p, rep, wide.sender, wide.when + timedelta(minutes=3), "analysts")
                copies.append((again, kind))
            elif kind == "forward":
                note = self.rng.choice(["FYI - worth reading.", "FYI, see below.", "FYI."])
                sender = self.person("vp", "handler")
                copies.append((forward(self.p, self.rng, rep.full, sender, moment, note, plants=rep.plants), kind))
            else:
                assert wide is not None, "a reply quotes the stripped copy, never the full block"
                text, plants = self.chat(source.prefix, 1)
                reply = quoted_reply(self.p, wide, self.person("analyst", besides=wide.sender), moment, text, plants)
                copies.append((reply, kind))
        return rep.full, copies

    def letter(self, origin: OriginSpec, outsider: Person, when: datetime) -> tuple[Draft, list[tuple[Draft, str]]]:
        """An outsider writes to staff; copies: a forward to the analysts, a reply quoting the letter."""
        reader = self.person("exec", "vp", "analyst")
        filler, plants = self.chat("US", 2)
        body = f"Dear {reader.first},\n\n{origin.statement} {filler}\n\nBest,\n{outsider.name}"
        first = self.p.new(plants, sender=outsider, to=[reader], when=when, subject=origin.subject, body=body)
        copies: list[tuple[Draft, str]] = []
        for kind in origin.copies:
            moment = after(self.rng, when)
            if kind == "forward":
                note = "FYI, from an outside contact."
                copies.append((forward(self.p, self.rng, first, reader, moment, note, plants=plants), kind))
            else:
                text, notes = self.chat("US", 1)
                copies.append((quoted_reply(self.p, first, reader, moment, text, notes), kind))
        return first, copies

    def post(
        self, spec: ClaimSpec, origin: OriginSpec, author: Person, when: datetime
    ) -> tuple[Draft, list[tuple[Draft, str]]]:
        """A staff member's own post; copies: the same post to alpha, a corrected re-send, a forward, a reply."""
        filler, plants = self.chat(spec.prefix, 4)
        n = self.rng.randrange(3, 40)
        text = f"{origin.statement} {filler}\n\nI count {n} mentions of this in our files so far."
        body = f"{text}\n\nThanks,\n{author.first}"
        first = self.p.new(
            plants, sender=author, to=[], mailing_list=LISTS["analysts"], when=when, subject=origin.subject,
            body=body, near_group=self.p.group(),
        )  # fmt: skip
        copies: list[tuple[Draft, str]] = []
        for kind in origin.copies:
            moment = after(self.rng, when)
            if kind == "list re-post":
                copy = self.p.new(
                    plants, sender=author, to=[], mailing_list=LISTS["alpha"], when=when + timedelta(minutes=2),
                    subject=origin.subject, body=body, near_group=first.near_group,
                )  # fmt: skip
            elif kind == "re-send":
                fixed = body.replace(f"I count {n} mentions", f"I count {n + 1} mentions")
                copy = self.p.new(
                    plants, sender=author, to=[], mailing_list=LISTS["analysts"], when=after(self.rng, when, 5, 30),
                    subject=origin.subject + " (corrected)", body=f"{fixed}\n\nSorry - corrected count.",
                    near_group=first.near_group,
                )  # fmt: skip
            elif kind == "forward":
                copy = forward(self.p, self.rng, first, self.person("vp"), moment, "FYI.", self.person("exec"), plants)
            else:
                reply, notes = self.chat(spec.prefix, 1)
                copy = quoted_reply(self.p, first, self.person("analyst", besides=author), moment, reply, notes)
            copies.append((copy, kind))
        return first, copies


def plant_claims(p: Planner, rng: random.Random) -> list[PlannedClaim]:
    """Draft every claim in ``CLAIMS``, then in ``PARAPHRASED_CLAIMS``: their origins, copies and decoys.

    ``CLAIMS`` come first, so they are drafted exactly as they were before the paraphrased ones existed.
    """
    claims = _Claims(p, rng)
    specs = (*CLAIMS, *PARAPHRASED_CLAIMS)
    return [claims.plan(spec, FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS - 120))) for spec in specs]
