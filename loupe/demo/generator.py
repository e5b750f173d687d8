"""Generate the fictional demo leak and its ground truth.

    generate_demo(out_dir, n_messages=10_000, seed=7) -> DemoTruth

Writes ``out_dir/archive/`` (four list mboxes, an executive's Maildir,
loose .eml files and a zip of .eml files), ``out_dir/article.md`` and
``article.html`` (a news article quoting the archive) and
``out_dir/truth.json``. The
same seed gives byte-identical output: one ``random.Random`` drives every
choice, dates come from it (never the clock), and containers are written in
a fixed order. Exactly ``n_messages`` distinct top-level messages are made
(damaged ones included); exact-duplicate copies, the one non-mail blob and
the one embedded message/rfc822 come on top and are counted in the totals.
The article's emails and the corroboration claims are drafted first, with
random sources of their own, so the rest of the archive is drawn as it
would be without them and simply stops that many messages sooner.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from loupe.demo.article import plant_sources
from loupe.demo.claims import plant_claims
from loupe.demo.drafts import Draft, render_draft
from loupe.demo.episodes import Planner
from loupe.demo.insight_mail import insight
from loupe.demo.malformed import BadMail, malformed_items
from loupe.demo.outside import attachment, external, newsletter
from loupe.demo.people import DOMAIN, FIRM, LISTS, make_cast
from loupe.demo.record import build_truth
from loupe.demo.sources import make_sources
from loupe.demo.truth import Copy, DemoTruth
from loupe.demo.writer import Files, Mbox, Zip, has_from_line, maildir_name

MAILDIR = "archive/maildir/exec"
ZIP = "archive/attachments-dump.zip"
UNREAD_FROM = datetime(2011, 10, 1, tzinfo=UTC)  # the last quarter sits unread in new/

#: (episode, weight) for the random part of the plan; the mix sets the share of
#: threads, insights, outside mail and so on in the archive.
_MIX = [
    ("discussion", 40),
    ("insight", 27),
    ("external", 10),
    ("newsletter", 4),
    ("clipping", 8),
    ("attachment", 3),
    ("crosspost", 2),
    ("resend", 2),
]


def _plan(planner: Planner, target: int) -> None:
    """A scripted opening (so even a small archive has every feature), then a weighted mix."""
    p = planner
    episodes: dict[str, Callable[[int], None]] = {
        "discussion": p.discussion, "clipping": p.clipping, "crosspost": p.crosspost, "resend": p.resend,
        "insight": lambda r: insight(p, r), "external": lambda r: external(p, r),
        "newsletter": lambda r: newsletter(p, r), "attachment": lambda r: attachment(p, r),
    }  # fmt: skip
    opening: list[Callable[[int], None]] = [
        *(lambda r, shape=shape: insight(p, r, shape) for shape in ("pair", "subject", "note", "full")),
        *(lambda r, kind=kind: attachment(p, r, kind) for kind in ("pdf", "docx", "csv")),
        *(lambda r, lang=lang: external(p, r, lang) for lang in ("es", "ru", "ja")),
        episodes["newsletter"], p.crosspost, p.resend,
    ]  # fmt: skip
    names = [name for name, _ in _MIX]
    weights = [weight for _, weight in _MIX]
    while len(p.drafts) < target:
        room = target - len(p.drafts)
        if not opening and p.forms.tasking_due():  # a weekly source tasking now and then (forms.py)
            p.forms.tasking(p, room)
            continue
        episode = opening.pop(0) if opening else episodes[p.rng.choices(names, weights)[0]]
        episode(room)


@dataclass
class Archive:
    """The containers being filled, and every copy placed so far (by Message-ID)."""

    out: Path
    mboxes: dict[str, Mbox] = field(default_factory=dict)
    files: Files = field(default_factory=Files)
    zip: Zip | None = None
    copies: dict[str, list[Copy]] = field(default_factory=dict)
    maildir_seq: int = 0

    def __post_init__(self) -> None:
        self.mboxes = {name: Mbox(self.out / f"archive/{name}.mbox") for name in LISTS}
        self.zip = Zip(self.out / ZIP)

    def place(self, raw: bytes, where: str, when: datetime, sender: str, mid: str | None, dup: bool = False) -> Copy:
        """Put one item in a container and note the copy."""
        if where in self.mboxes:
            offset = self.mboxes[where].add(raw, sender, when)
            copy = Copy(f"archive/{where}.mbox", "mbox", str(offset))
        elif where == "maildir":
            self.maildir_seq += 1
            # the last quarter sits unread, and a few older ones were never read
            # either (so new/ is never empty, whatever the archive's size or seed)
            unread = (when >= UNREAD_FROM or self.maildir_seq % 11 == 0) and not dup
            name = maildir_name(
                when, self.maildir_seq, None if unread else ("RS" if self.maildir_seq % 5 == 0 else "S")
            )
            member = f"{'new' if unread else 'cur'}/{name}"
            self.files.add(self.out / MAILDIR / member, raw)
            copy = Copy(MAILDIR, "maildir", member)
        elif where == "eml":
            stamp = f"{when:%Y%m%d-%H%M%S}"
            path = f"archive/loose/{when:%Y}/{stamp}-{len(self.files.files):05d}.eml"
            self.files.add(self.out / path, raw)
            copy = Copy(path, "eml", "")
        else:
            assert self.zip is not None
            member = self.zip.add(f"dump/{when:%Y%m%d-%H%M%S}-{len(self.zip.members):04d}.eml", raw)
            copy = Copy(ZIP, "zip", member)
        if mid is not None:
            earlier = self.copies.setdefault(mid, [])
            copy.duplicate_of = mid if earlier else None
            earlier.append(copy)
        return copy

    def write(self) -> None:
        for mbox in self.mboxes.values():
            mbox.write()
        self.files.write()
        assert self.zip is not None
        self.zip.write()


def route(d: Draft) -> str:
    """Which container a message lands in, as it would in the real leak."""
    if d.mailing_list is not None:
        return d.mailing_list.name
    if any(p.role == "exec" for p in [d.sender, *d.to, *d.cc]):
        return "maildir"
    return "zip" if d.attachments else "eml"


def _prepare(out_dir: Path) -> None:
    """Refuse to overwrite anything but an earlier demo (recognised by its truth.json)."""
    archive = out_dir / "archive"
    if archive.exists():
        if not (out_dir / "truth.json").is_file():
            raise FileExistsError(f"{archive} exists and is not a demo archive; choose another --out")
        shutil.rmtree(archive)
    archive.mkdir(parents=True)


def generate_demo(out_dir: Path, n_messages: int = 10_000, seed: int = 7) -> DemoTruth:
    """Write the demo archive and truth.json under ``out_dir``; return the truth."""
    if n_messages < 200:
        # the article's emails, the planted claims and the damaged items alone take about 120
        raise ValueError("n_messages must be at least 200 (the planted article, claims and damaged items take 120)")
    rng = random.Random(seed)
    cast = make_cast(rng)
    sources = make_sources(rng, cast)
    bad = malformed_items(random.Random(f"{seed}-malformed"), cast)
    planner = Planner(rng, cast, sources, random.Random(f"{seed}-forms"))
    article = plant_sources(planner, random.Random(f"{seed}-article"))
    claims = plant_claims(planner, random.Random(f"{seed}-claims"))
    _plan(planner, n_messages - sum(1 for b in bad if b.draft is not None))

    out_dir = Path(out_dir)
    _prepare(out_dir)
    archive = Archive(out_dir)
    entries: list[tuple[datetime, int, Draft | BadMail]] = [(d.when, d.number, d) for d in planner.drafts]
    entries += [(b.when, 90_000 + i, b) for i, b in enumerate(bad)]
    entries.sort(key=lambda e: (e[0], e[1]))
    dup_rng = random.Random(f"{seed}-duplicates")
    for _when, _n, entry in entries:
        if isinstance(entry, BadMail):
            mid = entry.draft.message_id if entry.draft else None
            sender = (
                "MAILER-DAEMON"
                if "garbage From" in entry.problem
                else (entry.draft.sender.address if entry.draft else "")
            )
            entry.copy = archive.place(entry.raw, entry.container, entry.when, sender, mid)
            continue
        raw = render_draft(entry)
        where = route(entry)
        archive.place(raw, where, entry.when, entry.sender.address, entry.message_id)
        # execs kept copies of list mail: the same bytes again in the Maildir
        if where in LISTS and not has_from_line(raw) and dup_rng.random() < 0.035:
            archive.place(raw, "maildir", entry.when, entry.sender.address, entry.message_id, dup=True)
        elif where == "eml" and dup_rng.random() < 0.06:
            archive.place(raw, "zip", entry.when, entry.sender.address, entry.message_id, dup=True)
    archive.write()
    truth = build_truth(seed, n_messages, FIRM, DOMAIN, planner, bad, sources, archive.copies)
    truth.article = article.write(out_dir)
    truth.claims = [claim.truth(n) for n, claim in enumerate(claims, 1)]
    truth.write(out_dir / "truth.json")
    return truth
