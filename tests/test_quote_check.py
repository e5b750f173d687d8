"""Quote check and corroboration against a small hand-made case, through the commands.

Five messages small enough to read: Ann's original, Bob's forward of it,
Carl's reply quoting it, Dana saying the same thing in her own words, and a
decoy sharing some words. The article quotes them the ways articles do.
The demo archive's seeded article and claims are checked in
``test_quote_check_demo.py``; here each expectation can be read off the mail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.pipeline import ingest

ANN = """From: Ann Lee <ann@meridian.example>
To: desk@meridian.example
Subject: Port
Date: Mon, 3 May 2010 10:00:00 +0000
Message-ID: <ann-1@meridian.example>

The smugglers move their goods quietly through the port at night, and no one
gets hurt as long as the harbour master gets his share. We will recieve the
next report on Tuesday.

Ann
"""

BOB = """From: Bob Ray <bob@meridian.example>
To: team@meridian.example
Subject: Fwd: Port
Date: Tue, 4 May 2010 09:00:00 +0000
Message-ID: <bob-1@meridian.example>

FYI

---------- Forwarded message ---------
From: Ann Lee <ann@meridian.example>
Date: Mon, 3 May 2010 10:00:00 +0000
Subject: Port

The smugglers move their goods quietly through the port at night, and no one
gets hurt as long as the harbour master gets his share. We will recieve the
next report on Tuesday.

Ann
"""

CARL = """From: Carl Diaz <carl@meridian.example>
To: ann@meridian.example
Subject: Re: Port
Date: Wed, 5 May 2010 08:00:00 +0000
Message-ID: <carl-1@meridian.example>
In-Reply-To: <ann-1@meridian.example>

Interesting. Who else knows?

On Mon, 3 May 2010, Ann Lee <ann@meridian.example> wrote:
> The smugglers move their goods quietly through the port at night, and no one
> gets hurt as long as the harbour master gets his share.
"""

DANA = """From: Dana Ortiz <dana@outside.example>
To: desk@meridian.example
Subject: harbour
Date: Thu, 6 May 2010 08:00:00 +0000
Message-ID: <dana-1@outside.example>

My contact says the harbour master takes a share so smugglers can move goods
through the port at night.
"""

DECOY = """From: Eve Park <eve@meridian.example>
To: desk@meridian.example
Subject: lunch
Date: Fri, 7 May 2010 08:00:00 +0000
Message-ID: <eve-1@meridian.example>

The port restaurant is closed at night; the harbour view is nice though.
"""

OLD_FORWARD = """From: Bob Ray <bob@meridian.example>
To: team@meridian.example
Subject: Fwd: old note
Date: Sat, 8 May 2010 09:00:00 +0000
Message-ID: <bob-2@meridian.example>

See below, from last year.

-----Original Message-----
From: Gil Moss [mailto:gil@meridian.example]
Sent: Friday, May 1, 2009 10:00 AM
Subject: old note

Nobody at the customs office reads the manifests after six in the evening.
"""

ARTICLE = """# Night traffic at the port

Smuggling is routine, the firm's analysts wrote. "The smugglers move their goods quietly through the port at night,"
Ann Lee wrote, "and no one gets hurt as long as the harbour master gets his share."

Another message was blunter: "[They] move their goods quietly ... as long as the harbour master gets his share."

She added that "we will receive the next report on Tuesday."

A customs source was quoted: "Nobody at the customs office reads the manifests after six in the evening."

One analyst called it “a conspiracy that reaches the very top of the government.”
"""


@pytest.fixture(scope="module")
def small_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("quotes")
    mail = base / "mail"
    mail.mkdir()
    for name, text in {"ann": ANN, "bob": BOB, "carl": CARL, "dana": DANA, "eve": DECOY, "old": OLD_FORWARD}.items():
        (mail / f"{name}.eml").write_text(text)
    case = Case.open(base / "case", create=True)
    ingest(case, [mail], workers=1)
    case.close()
    (base / "article.md").write_text(ARTICLE)
    return base


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _ids(base: Path) -> dict[str, str]:
    case = Case.open(base / "case")
    try:
        return {name: case.db.resolve(f"<{name}>") for name in ("ann-1@meridian.example", "bob-2@meridian.example")}
    finally:
        case.close()


def test_quotes_are_classified_and_attributed(small_case: Path) -> None:
    lines = _run("quotes", str(small_case / "article.md"), "--case", str(small_case / "case"), "--json").splitlines()
    checks = [json.loads(line) for line in lines]
    ids = _ids(small_case)
    by_start = {c["quote"].split()[0].strip("[]").lower(): c for c in checks}
    assert len(checks) == 5

    interrupted = checks[0]  # "The smugglers ...," Ann Lee wrote, "and no one ..."
    assert interrupted["verdict"] == "verbatim" and interrupted["quote"].endswith("gets his share.")
    # in three messages (Ann's, Bob's forward, Carl's reply); first said by Ann, in her own message
    assert interrupted["origin"]["message"] == ids["ann-1@meridian.example"]
    assert interrupted["origin"]["how"] == "sender" and "ann@meridian.example" in interrupted["origin"]["said_by"]
    assert len(interrupted["copies"]) == 2

    edited = by_start["they"]
    assert edited["verdict"] == "faithful edit"
    assert [(e["kind"], e["quoted"], e["original"]) for e in edited["edits"]] == [
        ("replacement", "[They]", "The smugglers"),
        ("omission", "...", "through the port at night, and no one gets hurt"),
    ]

    typo = by_start["we"]
    assert typo["verdict"] == "altered"
    assert [(d["quoted"], d["original"]) for d in typo["differences"]] == [("receive", "recieve")]

    forwarded = by_start["nobody"]  # the original is not in the archive: the forward holds it
    assert forwarded["verdict"] == "verbatim"
    assert forwarded["origin"]["message"] == ids["bob-2@meridian.example"]
    assert forwarded["origin"]["how"] == "forward" and "gil@meridian.example" in forwarded["origin"]["said_by"]

    invented = by_start["a"]
    assert invented["verdict"] == "not found" and invented["match"] is None
    assert all(n["score"] < 0.6 for n in invented["nearest"])


def test_html_report_stands_alone(small_case: Path, tmp_path: Path) -> None:
    report = tmp_path / "check.html"
    output = _run("quotes", str(small_case / "article.md"), "--case", str(small_case / "case"), "--html", str(report))
    assert "NOT FOUND" in output and f"report: {report}" in output
    html = report.read_text("utf-8")
    assert html.startswith("<!doctype html>") and "<title>Quote check: Night traffic at the port</title>" in html
    # nothing to fetch: no script, no external stylesheet, image, font or frame; a CSP that forbids them anyway
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", html, re.IGNORECASE)
    assert "default-src 'none'" in html
    assert html.count('<section class="quote"') == 5
    assert 'class="verdict faithful-edit"' in html and 'class="verdict not-found"' in html
    # the side-by-side diff shows the bracket against the words it replaced
    assert '<tr class="edit"><td class="q">[They]</td><td class="o">The smugglers</td></tr>' in html
    assert "First said in" not in html.split('id="q1"')[1].split("</section>")[0]  # the match is the original
    assert "gil@meridian.example" in html


def test_article_from_stdin_and_html(small_case: Path) -> None:
    html_article = "<html><body><p>He said: <q>ignored</q> “The smugglers move their goods quietly.”</p></body></html>"
    result = CliRunner().invoke(cli, ["quotes", "-", "--case", str(small_case / "case"), "--json"], input=html_article)
    assert result.exit_code == 0, result.output
    checks = [json.loads(line) for line in result.output.splitlines()]
    assert [c["verdict"] for c in checks] == ["verbatim"]


def test_corroboration_counts_independent_origins(small_case: Path) -> None:
    claim = "smugglers move goods through the port at night while the harbour master takes a share"
    result = json.loads(_run("corroborate", claim, "--case", str(small_case / "case"), "--json"))
    origins = {o["origin"]: o for o in result["origins"]}
    assert result["independent_origins"] == 2, origins.keys()
    ann = next(o for label, o in origins.items() if "ann@meridian.example" in label)
    assert {e["relation"] for e in ann["evidence"]} == {"original", "forward", "quoted reply"}
    assert any("dana@outside.example" in label for label in origins)
    # the decoy shares port, night and harbour, but not the claim
    assert all("lunch" not in e["subject"] for o in result["origins"] for e in o["evidence"])


def test_corroborate_table_and_message_id(small_case: Path) -> None:
    output = _run("corroborate", "<dana-1@outside.example>", "--case", str(small_case / "case"))
    assert "2 independent origins" in output


ENRON = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "enron-sample"


def test_quotes_from_real_mail(tmp_path: Path) -> None:
    """Sentences cut from real Enron mail, quoted as printed, trimmed and misquoted."""
    case = Case.open(tmp_path / "case", create=True)
    ingest(case, [ENRON], workers=1)
    sentences = []
    for message in sorted(case.matching_ids("")):
        body = case.parsed(message, attachment_text=False).body_text
        for sentence in re.findall(r"[A-Z][a-z][^.!?\n]{60,160}[.!?]", body):
            words = sentence.split()
            if len(words) >= 12 and '"' not in sentence and len(case.matching_ids(f'"{sentence}"')) == 1:
                sentences.append((message, words))
                break
    case.close()
    assert len(sentences) >= 5
    paragraphs, expected = [], []
    for message, words in sentences[:5]:
        verbatim = " ".join(words)
        trimmed = " ".join([*words[:4], "...", *words[8:]])
        changed = " ".join([*words[:5], "definitely" if words[5] != "definitely" else "surely", *words[6:]])
        paragraphs += [f'He wrote: "{verbatim}"', f'Later: "{trimmed}"', f'Or, as others put it, "{changed}"']
        expected += [("verbatim", message), ("faithful edit", message), ("altered", message)]
    (tmp_path / "article.txt").write_text("Title\n\n" + "\n\n".join(paragraphs))
    lines = _run("quotes", str(tmp_path / "article.txt"), "--case", str(tmp_path / "case"), "--json").splitlines()
    checks = [json.loads(line) for line in lines]
    assert [(c["verdict"], c["match"]["message"]) for c in checks] == expected
    for check in checks[2::3]:
        assert len(check["differences"]) == 1 and check["differences"][0]["quoted"] in ("definitely", "surely")
