"""How well each reply-splitting library finds "what a message added", on ``../shared/corpora/reply-formats``.

Reproduces the figure quoted in ``loupe/threads/quoting.py`` and asserted by
``tests/test_quoting.py``. For each of the 35 fixtures the expected new text
(no quoted text, no quote intro, no signature) is our own judgement, kept in
``tests/fixtures/reply_split_expected.json``; the two talon fixtures that ship
a ``*_reply_text`` file are scored against that file instead, which keeps the
signature, so there the library's whole unquoted text (new + signature) is
compared. Texts are compared after collapsing whitespace.

Each library is called the way its README shows, with its own signature
remover where it has one:

- mail-parser-reply: ``EmailReplyParser(languages=...).read(body).replies[0]``,
  ``.body`` (no signature) and ``.full_body`` (with it);
- quotequail: ``quote(body, quote_intro_line=True)``, the expanded parts (it
  has no signature detection);
- talon: ``quotations.extract_from_plain``, then
  ``signature.bruteforce.extract_signature`` (the ML extractor needs the
  sender, which bare bodies do not have);
- loupe: ``loupe.threads.quoting.split_reply`` (talon plus our wrapping
  steps), and the same steps around each other library (``split_with``), to
  show which engine is best once the steps are equal.

Run: ``.venv/bin/python bench/reply_split_eval.py`` (``--show`` prints each miss).
mail-parser-reply and quotequail are not project dependencies: ``.venv/bin/pip
install mail-parser-reply quotequail`` first, or their rows say they cannot run.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from loupe.ingest.mime import parse_message

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "reply-formats"
EXPECTED = REPO / "tests" / "fixtures" / "reply_split_expected.json"
#: Fixtures whose expected text is talon's own ``*_reply_text`` (new + signature).
REPLY_TEXT = {"talon/standard_replies/iphone.eml", "talon/standard_replies/sparrow.eml"}

#: A splitter returns (new text, whole unquoted text).
Splitter = Callable[[str], tuple[str, str]]


def body_of(path: Path) -> str:
    """The plain-text body: bare ``.txt`` bodies as they are, ``.eml`` through loupe's parser."""
    if path.suffix == ".eml":
        return parse_message(path.read_bytes()).body_text
    return path.read_text(encoding="utf-8")


def expectations() -> dict[str, str]:
    """Expected text per fixture; a list value is run-length pieces ``[text, times]`` (a 700 KB line)."""
    raw: dict[str, str | list[tuple[str, int]]] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    expected = {k: v if isinstance(v, str) else "".join(text * times for text, times in v) for k, v in raw.items()}
    for name in REPLY_TEXT:
        expected[name] = (CORPUS / name).with_name(Path(name).stem + "_reply_text").read_text(encoding="utf-8")
    return expected


def norm(text: str) -> str:
    return " ".join(text.split())


def mail_parser_reply(languages: list[str]) -> Splitter:
    from mailparser_reply import EmailReplyParser  # type: ignore[import-untyped]

    def split(body: str) -> tuple[str, str]:
        replies = EmailReplyParser(languages=languages).read(body).replies
        return (replies[0].body, replies[0].full_body) if replies else ("", "")

    return split


def quotequail() -> Splitter:
    import quotequail as qq

    def split(body: str) -> tuple[str, str]:
        kept = "\n".join(text for expanded, text in qq.quote(body, quote_intro_line=True) if expanded)
        return kept, kept

    return split


def talon() -> Splitter:
    import talon as tl  # type: ignore[import-untyped]
    from talon import quotations  # type: ignore[import-untyped]
    from talon.signature.bruteforce import extract_signature  # type: ignore[import-untyped]

    tl.init()

    def split(body: str) -> tuple[str, str]:
        reply = quotations.extract_from_plain(body)
        text, _signature = extract_signature(reply)
        return text, reply

    return split


def loupe(engine: str = "talon") -> Splitter:
    """loupe's wrapping steps around an engine: talon (what ``split_reply`` uses) or another library."""
    from loupe.threads.quoting import split_reply, split_with

    engines: dict[str, Callable[[str], str]] = {
        "mail-parser-reply": lambda text: mail_parser_reply(["en"])(text)[1] or text,
        "quotequail": lambda text: quotequail()(text)[1],
    }

    def split(body: str) -> tuple[str, str]:
        parts = split_reply(body) if engine == "talon" else split_with(body, engines[engine])
        return parts.new, f"{parts.new}\n{parts.signature}"

    return split


CANDIDATES: dict[str, Callable[[], Splitter]] = {
    "mail-parser-reply (en)": lambda: mail_parser_reply(["en"]),
    "mail-parser-reply (all languages)": lambda: mail_parser_reply(
        ["en", "de", "cs", "da", "es", "fr", "it", "ja", "ko", "nl", "pl", "sv", "zh"]
    ),
    "quotequail": quotequail,
    "talon": talon,
    "loupe steps + mail-parser-reply": lambda: loupe("mail-parser-reply"),
    "loupe steps + quotequail": lambda: loupe("quotequail"),
    "loupe split_reply (steps + talon)": loupe,
}


def evaluate(split: Splitter, bodies: dict[str, str], expected: dict[str, str]) -> tuple[list[str], float, str]:
    """Names of the fixtures missed, the slowest call in seconds, and which fixture it was."""
    misses, slowest, slowest_name = [], 0.0, ""
    for name, body in bodies.items():
        start = time.perf_counter()
        new, whole = split(body)
        took = time.perf_counter() - start
        if took > slowest:
            slowest, slowest_name = took, name
        got = whole if name in REPLY_TEXT else new
        if norm(got) != norm(expected[name]):
            misses.append(name)
    return misses, slowest, slowest_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list the fixtures each library misses")
    args = parser.parse_args()
    expected = expectations()
    bodies = {name: body_of(CORPUS / name) for name in sorted(expected)}
    print(f"{'library':36} {'correct':>9} {'accuracy':>9} {'slowest call':>14}")
    for label, make in CANDIDATES.items():
        try:
            split = make()
        except Exception as error:  # a library that cannot even load gets a row saying why
            print(f"{label:36} {'-':>9} {'-':>9}  cannot run: {error!r}")
            continue
        misses, slowest, where = evaluate(split, bodies, expected)
        right = len(bodies) - len(misses)
        print(f"{label:36} {right:>5}/{len(bodies)} {right / len(bodies):>9.1%} {slowest * 1000:>10.1f} ms  ({where})")
        if args.show:
            for name in misses:
                print(f"    miss: {name}")


if __name__ == "__main__":
    main()
