"""The quote check reads few originals however many messages hold a quote (issue 17, item 5).

A passage sent to a list is in every subscriber's copy; at a million
messages one sentence was in 10,000, and reading each of them to confirm it
took seconds a quote. Here forty copies of one note (other senders, other
dates), a message sharing only its first words, and a reworded copy stand in
for them: the copies are counted from the index, the first of them is found
by date, and the number of originals read is counted, not timed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.quotes import load_article, parse_edits
from loupe.quotes.extract import Quote, extract_quotes
from loupe.quotes.in_case import PHRASE_CANDIDATES, check_quote, check_quotes
from loupe.quotes.locate import literal_runs, tokens

NOTE = (
    "The pump station on the east bank floods every spring because nobody cleared the intake grate, "
    "and the council knew it in March."
)
SAME_START = "The pump station on the east bank floods every spring because the river rises, they say."
REWORDED = NOTE.replace("nobody cleared", "no crew cleared")
COPIES = 40


def _message(number: int, body: str, day: int) -> str:
    return (
        f"From: Person {number} <p{number}@works.example>\n"
        "To: list@works.example\n"
        f"Subject: pumps {number}\n"
        f"Date: {day:02d} Apr 2011 10:{number % 60:02d}:00 +0000\n"
        f"Message-ID: <m{number}@works.example>\n\n"
        f"Hello all,\n\n{body}\n\nRegards\n"
    )


@pytest.fixture(scope="module")
def copied_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case, dict[str, str]]]:
    base = tmp_path_factory.mktemp("copies")
    mail = base / "mail"
    mail.mkdir()
    # the earliest copy is the 17th written, so neither file order nor id order finds it by chance
    for n in range(COPIES):
        (mail / f"copy{n}.eml").write_text(_message(n, NOTE, 1 if n == 17 else 2 + n % 20))
    (mail / "start.eml").write_text(_message(100, SAME_START, 1))
    (mail / "reworded.eml").write_text(_message(101, REWORDED, 1))
    for n in range(30):  # other mail on the same subject, for the index's statistics
        (mail / f"other{n}.eml").write_text(_message(200 + n, f"The station log for week {n} is attached.", 3))
    case = Case.open(base / "case", create=True)
    ingest(case, [mail], workers=1)
    ids = {name: case.db.resolve(f"<m{n}@works.example>") for name, n in (("first", 17), ("start", 100))}
    ids["reworded"] = case.db.resolve("<m101@works.example>")
    yield case, ids
    case.close()


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = Case.parsed

    def parsed(self: Case, message_id: str, *args: object, **kwargs: object) -> object:
        read.append(message_id)
        return real(self, message_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Case, "parsed", parsed)
    return read


def _quote(text: str) -> Quote:
    (quote,) = extract_quotes(load_article(f"She wrote: “{text}” Then more.".encode(), "a.md"))
    return quote


def test_copies_counted_from_the_index_and_the_first_found_by_date(
    copied_case: tuple[Case, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case, ids = copied_case
    read = _counting_reads(monkeypatch)
    checked = check_quote(case, _quote(NOTE))
    assert checked.verdict == "verbatim"
    assert checked.origin is not None and checked.origin.message == ids["first"]
    assert len(checked.copies) == COPIES - 1 and ids["first"] not in checked.copies
    # not copies: a message sharing only the first words, and one with a word changed
    assert ids["start"] not in checked.copies and ids["reworded"] not in checked.copies
    assert len(set(read)) <= PHRASE_CANDIDATES + 2  # the candidates by phrase, and the first by date


def test_an_elided_quote_is_found_by_its_runs_and_reads_few(
    copied_case: tuple[Case, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case, ids = copied_case
    read = _counting_reads(monkeypatch)
    elided = "The pump station ... floods every spring because nobody cleared the intake grate"
    checked = check_quote(case, _quote(elided))
    assert checked.verdict == "faithful edit"
    assert checked.origin is not None and checked.origin.message == ids["first"]
    assert len(checked.copies) == COPIES - 1
    assert len(set(read)) <= PHRASE_CANDIDATES + 2


def test_a_changed_word_is_still_found_among_the_copies(copied_case: tuple[Case, dict[str, str]]) -> None:
    case, ids = copied_case
    altered = NOTE.replace("the council knew", "the mayor knew")
    checked = check_quote(case, _quote(altered))
    assert checked.verdict == "altered"
    assert checked.alignment is not None
    assert [(d.quoted, d.original) for d in checked.alignment.differences] == [("mayor", "council")]
    assert checked.origin is not None and checked.origin.message == ids["first"]


def test_quote_in_no_message_reads_at_most_the_candidates(
    copied_case: tuple[Case, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case, _ = copied_case
    read = _counting_reads(monkeypatch)
    (checked,) = check_quotes(
        case, load_article("He wrote: “the harbour ferry leaves at midnight for the islands”".encode(), "a.md")
    )
    assert checked.verdict == "not found" and checked.match is None
    assert len(set(read)) <= 60


def test_literal_runs_split_at_brackets_and_ellipses_not_at_sic() -> None:
    runs = literal_runs(parse_edits("[They] move goods … at night, and recieve [sic] the share"))
    assert runs == [["move", "goods"], ["at", "night", "and", "recieve", "the", "share"]]
    assert literal_runs(parse_edits("[T]hey move at night")) == [["move", "at", "night"]]
    assert tokens("Zürich’s ＵＳ７１４ wrote—twice") == ["zurich", "s", "us714", "wrote", "twice"]
