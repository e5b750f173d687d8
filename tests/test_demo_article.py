"""The demo's article and claims: their truth checked against the files the generator wrote.

``loupe quotes`` and ``loupe corroborate`` are tested against ``truth.json``
(each quote's verdict, edits and origin; each claim's k origins and their
copies), so these tests check that truth against ``article.md`` and the
archive itself, read with the stdlib ``mailbox``, ``email`` and ``zipfile``
packages, never with the generator's code. Text is compared as words
(lower-cased, ``>`` markers, line wraps and curly punctuation ignored), the
way a reader compares a quote with an email.
"""

from __future__ import annotations

import email
import mailbox
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from loupe.demo.generator import generate_demo
from loupe.demo.truth import load_truth

SIZE = 300
CLASSES = {"verbatim", "faithful edit", "altered", "not found"}
EDIT_KINDS = {"insertion", "replacement", "omission", "sic", "capitalisation", "emphasis note"}
COPY_KINDS = {"stripped copy", "list re-post", "forward", "quoted reply", "re-send"}
_SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": " ... "})
_STOP = {"the", "a", "of", "from", "is", "in", "at", "to", "for", "near", "outside", "and"}


@dataclass
class Mail:
    sender: str
    date: datetime
    body: str
    words: str  # the body as " word word ... " (see ``words``)


def words(text: str) -> str:
    """Lower-cased words between spaces, so ``" a b " in " x a b y "`` tests a run of words."""
    plain = re.sub(r"(?m)^[ \t>]+", "", text.translate(_SMART)).replace("*", "")
    return " " + " ".join(re.findall(r"\w+", plain.lower())) + " "


def _body(message: Message) -> str:
    texts = []
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.get_content_subtype() not in ("plain", "html"):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        try:
            texts.append(data.decode(part.get_content_charset() or "utf-8", "replace"))
        except LookupError:
            texts.append(data.decode("latin-1"))
        if part.get_content_subtype() == "plain":
            break  # the plain version of an alternative is enough
    return "\n".join(texts)


def read_archive(archive: Path) -> dict[str, Mail]:
    """Every message in the archive by Message-ID (the first copy of each)."""
    raws: list[bytes] = [bytes(m) for path in sorted(archive.glob("*.mbox")) for m in mailbox.mbox(str(path))]
    raws += [p.read_bytes() for p in sorted((archive / "maildir").rglob("*")) if p.parent.name in ("cur", "new")]
    raws += [p.read_bytes() for p in sorted(archive.rglob("*.eml"))]
    with zipfile.ZipFile(archive / "attachments-dump.zip") as dump:
        raws += [dump.read(name) for name in dump.namelist()]
    mails: dict[str, Mail] = {}
    for raw in raws:
        message = email.message_from_bytes(raw)
        mid, date = message.get("Message-ID"), message.get("Date")
        if mid is None or mid in mails:
            continue
        try:
            when = parsedate_to_datetime(str(date))
        except (TypeError, ValueError):
            continue  # the damaged items with no usable date are none of the article's or claims' messages
        body = _body(message)
        mails[str(mid).strip()] = Mail(parseaddr(str(message.get("From", "")))[1], when, body, words(body))
    return mails


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Mail]]:
    out = tmp_path_factory.mktemp("article")
    generate_demo(out, n_messages=SIZE, seed=7)
    return out, load_truth(out / "truth.json"), read_archive(out / "archive")


def unedited(quote: dict[str, Any]) -> str:
    """The quote with every recorded edit and difference undone: the email's words, if the truth is right."""
    text: str = quote["text"]
    for edit in quote["edits"]:
        assert edit["quoted"] in text, (quote["id"], edit)
        text = text.replace(edit["quoted"], f" {edit['original']} ", 1)
    for change in quote["differences"]:
        text = re.sub(rf"\b{re.escape(change['quoted'])}\b", change["original"], text, count=1)
    return text


def test_every_quote_is_in_the_article_as_recorded(demo: tuple[Path, dict[str, Any], dict[str, Mail]]) -> None:
    out, truth, _ = demo
    article = truth["article"]
    markdown = (out / article["markdown"]).read_text("utf-8")
    page = (out / article["html"]).read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "http" not in page  # self-contained
    page_text = re.sub(r"<[^>]+>", "", page)
    for quote in article["quotes"]:
        assert quote["shown"] in markdown, quote["id"]
        assert all(part in quote["shown"] for part in quote["parts"])
        assert quote["text"] == " ".join(quote["parts"])
        for part in quote["parts"]:
            assert part.replace("*", "") in page_text, quote["id"]
        if quote["marks"] == "block":
            assert quote["shown"] == "> " + quote["text"] and f"<blockquote><p>{quote['text']}" in page


def test_the_article_uses_every_convention_and_slip(demo: tuple[Path, dict[str, Any], dict[str, Mail]]) -> None:
    out, truth, mails = demo
    quotes = truth["article"]["quotes"]
    assert {q["classification"] for q in quotes} == CLASSES
    assert sum(q["classification"] == "verbatim" for q in quotes) >= 2
    assert sum(q["classification"] == "not found" for q in quotes) == 1
    edits = [e for q in quotes for e in q["edits"]]
    assert {e["kind"] for e in edits} == EDIT_KINDS
    assert {e["quoted"] for e in edits if e["kind"] == "omission"} == {"...", "\u2026"}
    assert {e["original"] for e in edits if e["kind"] == "replacement"} and any(
        e["kind"] == "insertion" and e["original"] == "" for e in edits
    )
    assert {q["marks"] for q in quotes} == {"straight", "curly", "block"}
    assert any(len(q["parts"]) == 2 for q in quotes)  # interrupted by the attribution
    markdown = (out / truth["article"]["markdown"]).read_text("utf-8")
    assert "(emphasis added)" in markdown
    # a silently corrected typo: the email has the misspelling, the article does not
    typo = [q for q in quotes if q["classification"] == "altered" and "recieved" in q["passage"]]
    assert typo and "recieved" in mails[typo[0]["origin"]["message_id"]].body and "recieved" not in markdown
    # a quote taken from a forward is attributed to the original, which the archive also holds
    by_id = {m["message_id"]: m for m in truth["messages"]}
    forwards = [
        (q, m)
        for q in quotes
        if q["origin"]
        for m in q["also_in"]
        if by_id[m]["forward_of"] == q["origin"]["message_id"]
    ]
    assert forwards
    for quote, forward in forwards:
        assert mails[forward].sender != quote["origin"]["sender"]  # the forwarder is not the one quoted
        assert re.search(r"Begin forwarded message:|-- Original Message --", mails[forward].body)
        assert quote["classification"] == "verbatim"
    assert any(q["origin"]["source_code"] for q in quotes if q["origin"])  # an insight report quoted


def test_quotes_come_from_their_origin_as_recorded(demo: tuple[Path, dict[str, Any], dict[str, Mail]]) -> None:
    _, truth, mails = demo
    for quote in truth["article"]["quotes"]:
        if quote["classification"] == "not found":
            continue
        origin = mails[quote["origin"]["message_id"]]
        assert origin.sender == quote["origin"]["sender"]
        assert origin.date == datetime.fromisoformat(quote["origin"]["date"])
        passage = words(quote["passage"])
        assert passage in origin.words, quote["id"]
        # the origin is the earliest message holding the passage; later copies are recorded
        holders = {mid for mid, mail in mails.items() if passage in mail.words}
        assert holders == {quote["origin"]["message_id"], *quote["also_in"]}, quote["id"]
        assert all(mails[mid].date > origin.date for mid in quote["also_in"])
        # undoing the recorded edits and differences gives back the email's words
        assert words(unedited(quote)) == passage, quote["id"]
        quoted = words(quote["text"])
        if quote["classification"] == "verbatim":
            assert not quote["edits"] and not quote["differences"]
            assert quoted == passage, quote["id"]
        elif quote["classification"] == "faithful edit":
            assert quote["edits"] and not quote["differences"]
        else:  # altered: exactly the recorded words differ, and nothing else
            assert quote["differences"] and not quote["edits"]
            mine, theirs = quoted.split(), passage.split()
            assert len(mine) == len(theirs) and quoted not in origin.words
            changed = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
            assert changed == [(d["quoted"].lower(), d["original"].lower()) for d in quote["differences"]]


def test_the_invented_quote_is_in_no_message(demo: tuple[Path, dict[str, Any], dict[str, Mail]]) -> None:
    _, truth, mails = demo
    invented = [q for q in truth["article"]["quotes"] if q["classification"] == "not found"]
    assert len(invented) == 1 and invented[0]["origin"] is None and invented[0]["passage"] == ""
    text = words(invented[0]["text"])
    assert not [mid for mid, mail in mails.items() if text in mail.words]


def test_claims_have_k_independent_origins_and_their_copies(
    demo: tuple[Path, dict[str, Any], dict[str, Mail]],
) -> None:
    _, truth, mails = demo
    claims = truth["claims"]
    assert len(claims) >= 4 and {c["k"] for c in claims} >= {1, 2, 3, 4}
    by_id = {m["message_id"]: m for m in truth["messages"]}
    kinds: set[str] = set()
    for claim in claims:
        origins = claim["origins"]
        assert len(origins) == claim["k"] == len({o["origin"] for o in origins}), claim["id"]
        key = set(words(claim["claim"]).split()) - _STOP
        statements = [words(o["statement"]) for o in origins]
        assert len(set(statements)) == len(statements)  # each origin words it its own way
        for origin, statement in zip(origins, statements, strict=True):
            source = mails[origin["message_id"]]
            record = by_id[origin["message_id"]]
            if claim.get("wording", "shared") == "shared":  # paraphrased ones share only names: see their own test
                assert len(key & set(statement.split())) >= 3, (claim["id"], origin["origin"])
            assert statement in source.words
            if origin["kind"] == "source":
                assert record["source_code"] == origin["origin"] and record["insight_variant"] == "full"
            else:
                assert source.sender == origin["origin"] and record["source_code"] is None
            for copy in origin["copies"]:
                kinds.add(copy["kind"])
                assert copy["message_id"] in mails, copy
                assert statement in mails[copy["message_id"]].words, copy
                assert mails[copy["message_id"]].date > source.date
                copied = by_id[copy["message_id"]]
                if copy["kind"] == "quoted reply":
                    assert copied["in_reply_to"] and copied["near_duplicate_group"] is None
                else:  # the whole text again: a near duplicate of its origin
                    assert copied["near_duplicate_group"] == record["near_duplicate_group"] is not None
        for decoy in claim["decoys"]:
            text = mails[decoy].words
            assert key & set(text.split()) and not any(s in text for s in statements)
    assert kinds == COPY_KINDS
