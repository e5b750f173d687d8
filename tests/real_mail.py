"""Real mail from ../shared/corpora, read as ingest reads it, for the measures judged by hand.

The glossary and the entity extractor are scored on real mail against
annotation files in ``tests/fixtures`` (``test_glossary_real.py``,
``test_entities_real.py``). Those files name each message by its corpus
and its place in it (``allen-p/_sent_mail/2_``, ``mbox/simple.mbox.txt@1234``),
never by its text: the corpora are read where they are, not copied.
Messages come from a throwaway case, so the project's own readers, parser
and embedded-message handling decide what a "message" and its body are,
exactly as in a reporter's case.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from tests.conftest import corpus


@dataclass(frozen=True)
class RealMessage:
    corpus: str
    file: str  # where its indexed copy was found, relative to the corpus folder
    subject: str
    body: str


@cache
def read_corpus(name: str) -> tuple[RealMessage, ...]:
    """Every indexed message (not the documents) of corpus ``name``, in the order of ``file``.

    Cached for the test session: the glossary and the entity measures read
    some of the same corpora, and each ingest costs up to two seconds.
    """
    root = corpus(name)
    with tempfile.TemporaryDirectory(prefix=f"loupe-{name}-") as workdir:
        case = Case.open(Path(workdir) / "case", create=True)
        try:
            ingest(case, [root], workers=1)
            ids = sorted(case.db.message_ids() - set(case.db.documents()))  # mail: documents are not messages
            copies = case.db.copies_of(ids)
            found = []
            for loupe_id in ids:
                parsed = case.parsed(loupe_id)
                place = _relative(copies[loupe_id][0], root)
                found.append(RealMessage(name, place, parsed.subject, parsed.body_text))
        finally:
            case.close()
    return tuple(sorted(found, key=lambda m: m.file))


def _relative(locator: str, root: Path) -> str:
    """A locator without the corpus folder's path: the same on every machine."""
    for prefix in (f"{root}/", f"{root.resolve()}/"):
        if locator.startswith(prefix):
            return locator[len(prefix) :]
    return locator


def assert_all_judged(extracted: Collection[Hashable], judged: Collection[Hashable], annotation: str) -> None:
    """Every extraction has a reader's verdict in ``annotation``, and every verdict is still extracted:
    a changed rule shows as a failure naming what to read and judge, never as a silent shift."""
    new = [key for key in extracted if key not in judged]
    gone = [key for key in judged if key not in extracted]
    assert not new, f"read these in their messages and judge them in {annotation}: {new}"
    assert not gone, f"no longer extracted (a rule changed): remove or re-judge them: {gone}"
