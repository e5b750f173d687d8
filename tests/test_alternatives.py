"""Every text part is searched: the HTML beside plain text, calendars, text attachments.

A multipart/alternative whose plain and HTML parts say different things
hides words from whoever reads the other part; the fixtures in
``fixtures/mail/alternative_*.eml`` each carry one such case (or its
harmless look-alike), and are checked through search, ``loupe show`` and the
message page.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.mime import parse_message
from loupe.ingest.pipeline import ingest
from loupe.model import ParsedMessage
from loupe.web.app import create_app

from .conftest import FIXTURES, corpus

MAIL = FIXTURES / "mail"
HTML_HIDES = "alternative-html-hides@fixtures.loupe.invalid"
PLAIN_HIDES = "alternative-plain-hides@fixtures.loupe.invalid"
AGREE = "alternative-agree@fixtures.loupe.invalid"
LIST_FOOTER = "alternative-list-footer@fixtures.loupe.invalid"
CALENDAR = "calendar-part@fixtures.loupe.invalid"
TEXT_ATTACHMENT = "text-attachment@fixtures.loupe.invalid"
FIXTURE_FILES = (
    "alternative_html_hides_words.eml",
    "alternative_plain_hides_words.eml",
    "alternative_versions_agree.eml",
    "alternative_with_list_footer.eml",
    "calendar_part.eml",
    "text_attachment.eml",
)
#: The gifiles-forms messages sent as multipart/alternative; their versions say the same.
FORMS_ALTERNATIVES = ("014.eml", "022.eml", "039.eml", "046.eml")


@pytest.fixture(scope="module")
def mail_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    opened = Case.open(tmp_path_factory.mktemp("alternatives") / "case", create=True)
    ingest(opened, [MAIL / name for name in FIXTURE_FILES], workers=1)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(mail_case: Case) -> TestClient:
    return TestClient(create_app(mail_case, allowed_hosts=["testserver"]))


def _parsed(name: str) -> ParsedMessage:
    return parse_message((MAIL / name).read_bytes())


def _show(case: Case, message_id: str) -> str:
    result = CliRunner().invoke(cli, ["show", message_id, "--case", str(case.root)])
    assert result.exit_code == 0, result.output
    return result.output


def test_html_only_words_are_read_but_the_body_stays_the_plain_text() -> None:
    parsed = _parsed("alternative_html_hides_words.eml")
    (html,) = parsed.alternatives
    assert parsed.body_source == "plain" and "Kestrel" not in parsed.body_text
    assert html.mimetype == "text/html" and "Bring the Kestrel ledger" in html.text
    assert {"kestrel", "ledger", "porter"} <= set(html.only_here) and html.only_in_plain == ()
    assert html.differs and html.adds_words
    assert "Kestrel" in parsed.search_body and parsed.search_body.startswith(parsed.body_text)


def test_plain_only_words_are_listed_and_the_html_adds_nothing_to_search() -> None:
    (html,) = _parsed("alternative_plain_hides_words.eml").alternatives
    assert {"ravenholt", "payment", "trading"} <= set(html.only_in_plain) and html.only_here == ()
    assert html.differs and not html.adds_words


@pytest.mark.parametrize(
    "name",
    ["alternative_versions_agree.eml", "alternative_with_list_footer.eml", "calendar_part.eml"],
)
def test_versions_formatted_differently_do_not_differ(name: str) -> None:
    """Links spelt out, a cid: picture, entities, a soft hyphen, accents and case, a list's footer part."""
    parsed = _parsed(name)
    (html,) = parsed.alternatives
    assert (html.only_here, html.only_in_plain) == ((), ())
    assert parsed.search_body == parsed.body_text  # the agreeing HTML is not indexed a second time


@pytest.mark.parametrize("name", FORMS_ALTERNATIVES)
def test_real_alternatives_that_agree_are_not_flagged(name: str) -> None:
    parsed = parse_message((corpus("gifiles-forms") / "eml" / name).read_bytes())
    (html,) = parsed.alternatives
    assert len(html.text) > 200  # the HTML was read, not skipped
    assert not html.differs, (html.only_here, html.only_in_plain)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kestrel", HTML_HIDES),  # only in the HTML alternative
        ("body:kestrel", HTML_HIDES),
        ('"kestrel ledger"', HTML_HIDES),
        ('="Kestrel ledger"', HTML_HIDES),  # literal: checked against the re-read texts
        ("ravenholt", PLAIN_HIDES),  # only in the plain alternative
        ("body:ravenholt", PLAIN_HIDES),
        ("tarragona", CALENDAR),  # only in the text/calendar part
        ("paramaribo", TEXT_ATTACHMENT),  # only in a text/plain attachment
    ],
)
def test_every_text_part_is_found(mail_case: Case, query: str, expected: str) -> None:
    assert mail_case.matching_ids(query) == [mail_case.db.resolve(expected)]


def test_a_hit_in_the_html_version_is_highlighted_in_its_snippet(mail_case: Case) -> None:
    total, hits = mail_case.search("kestrel")
    assert total == 1 and "[[Kestrel]]" in hits[0].snippet


def test_show_says_the_versions_differ_and_shows_both(mail_case: Case) -> None:
    shown = _show(mail_case, HTML_HIDES)
    assert "the plain-text and HTML versions differ" in shown
    assert "The plain-text and HTML versions of this message differ:" in shown
    only_html = next(line for line in shown.splitlines() if line.strip().startswith("only in the HTML version"))
    assert "kestrel" in only_html and "porter" in only_html
    assert "The usual place." in shown and "Bring the Kestrel ledger" in shown

    shown = _show(mail_case, PLAIN_HIDES)
    only_plain = next(line for line in shown.splitlines() if line.strip().startswith("only in the plain-text"))
    assert "ravenholt" in only_plain
    assert "Ravenholt Trading" in shown


@pytest.mark.parametrize("message_id", [AGREE, LIST_FOOTER, CALENDAR, TEXT_ATTACHMENT])
def test_show_says_nothing_when_the_versions_agree(mail_case: Case, message_id: str) -> None:
    assert "differ" not in _show(mail_case, message_id)


def test_the_message_page_shows_that_the_versions_differ_with_both(mail_case: Case, client: TestClient) -> None:
    mid = mail_case.db.resolve(HTML_HIDES)
    response = client.get(f"/message/{mid}")
    assert response.status_code == 200
    page = response.text
    assert '<details class="alternatives" open>' in page
    assert "The plain-text and HTML versions of this message differ" in page
    plain = unescape(page.split('<pre class="preview alternative-plain">', 1)[1].split("</pre>", 1)[0])
    other = unescape(page.split('<pre class="preview alternative-other">', 1)[1].split("</pre>", 1)[0])
    assert "The usual place." in plain and "Kestrel" not in plain
    assert "Bring the Kestrel ledger" in other
    assert "<p>Bring the Kestrel" not in page  # the mail's HTML is shown as text, never as markup

    data = client.get(f"/api/messages/{mid}").json()
    (html,) = data["alternatives"]
    assert html["differs"] and "kestrel" in html["only_here"]


@pytest.mark.parametrize("message_id", [AGREE, LIST_FOOTER, CALENDAR])
def test_the_message_page_has_no_notice_when_the_versions_agree(
    mail_case: Case, client: TestClient, message_id: str
) -> None:
    page = client.get(f"/message/{mail_case.db.resolve(message_id)}").text
    assert "alternatives" not in page and "versions of this message differ" not in page


def test_a_copy_whose_html_alone_was_changed_is_another_message(tmp_path: Path) -> None:
    """Copies of one mail collapse; a copy whose HTML says something else does not: its words
    would otherwise be lost to search, hidden behind its twin's identical plain text."""
    original = (MAIL / "alternative_html_hides_words.eml").read_bytes()
    doctored = original.replace(b"Kestrel ledger", b"Osprey ledger")
    assert doctored != original
    folder = tmp_path / "mail"
    folder.mkdir()
    for name, data in (("a.eml", original), ("b.eml", original), ("c.eml", doctored)):
        (folder / name).write_bytes(data)
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [folder], workers=1)
        counts = case.db.status_counts()
        assert (counts.indexed, counts.duplicate) == (2, 1)
        assert len(case.matching_ids("kestrel")) == len(case.matching_ids("osprey")) == 1
    finally:
        case.close()
    same = (MAIL / "alternative_versions_agree.eml").read_bytes()
    reformatted = same.replace(b"<p>", b"<p >")  # versions that agree: HTML markup is not what was written
    assert reformatted != same and parse_message(same).content_key == parse_message(reformatted).content_key
