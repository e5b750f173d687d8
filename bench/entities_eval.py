"""How well ``loupe.entities`` finds people, organisations and places, and what it costs per message.

Prints, per kind, precision and recall on:

- the hand-annotated sentences in ``tests/test_entities.py`` (``ANNOTATED``,
  44 sentences, English and Spanish, which the rules were written against,
  and ``HELD_OUT``, 24 more written afterwards and scored once: the fairer
  estimate);
- the demo archive (2,000 generated messages, seed 7), where the generator's
  own lists are the truth for places and people (``demo_truth_patterns``):
  plain, with the archive's glossary (``loupe.aliases``) resolving
  abbreviations, and also knowing the correspondents' names from the headers;
- real public mail (``../shared/corpora``): every mention found was read and
  the wrong ones are listed in ``JUDGED_WRONG`` below, so precision is the
  share not listed there (recall is unknown: nobody annotated those texts).

Then the cost: microseconds per message body (best of three passes over the
demo bodies, and over the real corpora), and the one-off gazetteer build.

Run: ``.venv/bin/python bench/entities_eval.py`` (about a minute; ``--show``
prints each annotated sentence where found and expected differ).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the annotated sets and the scoring live with the tests

from loupe.aliases import Glossary  # noqa: E402
from loupe.case import Case  # noqa: E402
from loupe.entities import build_gazetteer, default_gazetteer, extract_entities  # noqa: E402
from tests.test_entities import HELD_OUT, annotated_scores, demo_scores, figures, report  # noqa: E402

CORPORA = REPO.parent / "shared" / "corpora"
REAL = ["enron-sample", "notmuch-default", "cpython-email", "flanker-messages", "mailparser-samples",
        "mimekit-mbox", "reply-formats", "mu-testdir", "notmuch-edge"]  # fmt: skip

#: Mentions found in the real corpora that a reader judges wrong: (corpus, kind, text as written) -> why.
#: Every mention of that text in that corpus is counted wrong.
JUDGED_WRONG = {
    ("enron-sample", "person", "Salomon Smith Barney Access"): "a broker's web service (Salomon is a given name)",
    ("enron-sample", "person", "Salomon Smith Barney"): "a broker",
    ("enron-sample", "person", "Salomon Smith Barney Client"): "a broker's service",
    ("enron-sample", "person", "Dean Witter"): "the firm: Morgan Stanley Dean Witter's Lew Smith",
    ("enron-sample", "organisation", "Online Client Service"): "cut short: Online Client Service Center",
    ("notmuch-default", "place", "Israel"): "Welcome, Israel! greets a person",
    ("mimekit-mbox", "organisation", "Transited Services"): "a Windows event-log label",
    ("mimekit-mbox", "organisation", "Intranet Company"): "a slogan: Attachmate is The Intranet Company.",
    ("mimekit-mbox", "organisation", "Netec RMM Notification Service"): "a system, not an organisation",
    ("mimekit-mbox", "person", "Netec Helpdesk"): "Hi Netec Helpdesk: a team",
}


def demo_case(base: Path) -> Case:
    from loupe.demo.generator import generate_demo
    from loupe.ingest.pipeline import ingest

    generate_demo(base / "demo", n_messages=2000, seed=7)
    case = Case.open(base / "case", create=True)
    ingest(case, [base / "demo" / "archive"], workers=1)
    return case


def bodies_and_people(case: Case) -> tuple[list[str], set[str]]:
    bodies, names = [], set()
    for loupe_id in sorted(case.db.message_ids()):
        parsed = case.parsed(loupe_id)
        bodies.append(parsed.body_text)
        for address in (*parsed.senders, *parsed.to, *parsed.cc):
            if address.name:
                names.add(address.name)
    return bodies, names


def per_message_us(bodies: list[str], passes: int = 3) -> float:
    gazetteer = default_gazetteer()
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for body in bodies:
            extract_entities(body, gazetteer)
        best = min(best, time.perf_counter() - started)
    return best / len(bodies) * 1e6


def real_precision(base: Path) -> tuple[dict[str, list[int]], list[str]]:
    from loupe.ingest.pipeline import ingest

    total: dict[str, list[int]] = {k: [0, 0] for k in ("person", "organisation", "place")}
    all_bodies: list[str] = []
    for name in REAL:
        case = Case.open(base / f"real-{name}", create=True)
        ingest(case, [CORPORA / name], workers=1)
        bodies, _ = bodies_and_people(case)
        case.close()
        all_bodies += bodies
        found = Counter((e.kind, e.name) for body in bodies for e in extract_entities(body))
        for (kind, text), n in found.items():
            total[kind][0] += 0 if (name, kind, text) in JUDGED_WRONG else n
            total[kind][1] += n
    return total, all_bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="print each annotated sentence found wrong")
    args = parser.parse_args()

    started = time.perf_counter()
    build_gazetteer()
    print(f"gazetteer build: {time.perf_counter() - started:.2f} s (once per process)\n")

    for title, sentences in (("annotated (rules written against it)", None), ("held out", HELD_OUT)):
        total, misses = annotated_scores() if sentences is None else annotated_scores(sentences)
        print(report(title, total))
        if args.show:
            print("\n".join("    " + m for m in misses))

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        case = demo_case(base)
        bodies, people = bodies_and_people(case)
        case.close()
        glossary = Glossary()
        for n, body in enumerate(bodies):
            glossary.add_text(str(n), body)
        acronyms = {e.abbreviation: e.expansion for e in glossary.entries(min_evidence=2)}
        print("\n" + report("demo archive (places and people: the generator's lists)", demo_scores(bodies)))
        print(report("demo archive, with its glossary", demo_scores(bodies, acronyms)))
        gazetteer = default_gazetteer().with_people(people)
        print(report("demo archive, glossary and correspondents' names", demo_scores(bodies, acronyms, gazetteer)))

        real, real_bodies = real_precision(base)
        print(f"\nreal mail ({len(real_bodies)} messages in {len(REAL)} corpora), judged by reading each mention:")
        for kind, (right, found) in real.items():
            print(f"  {kind:<12} precision {right}/{found} = {right / found if found else 1:.2f}")

        demo_chars = sum(map(len, bodies)) / len(bodies)
        real_chars = sum(map(len, real_bodies)) / len(real_bodies)
        print(f"\ncost: {per_message_us(bodies):.0f} us per demo message ({demo_chars:.0f} characters on average), "
              f"{per_message_us(real_bodies):.0f} us per real message ({real_chars:.0f} characters)")  # fmt: skip
    scores = figures(annotated_scores(HELD_OUT)[0])
    print("\nheld-out F1: " + ", ".join(f"{k} {2 * p * r / (p + r):.2f}" for k, (p, r) in scores.items()))


if __name__ == "__main__":
    main()
