"""Loupe's search against notmuch's, on the same mail: the same queries must find the same messages.

Each Maildir-shaped corpus in ``../shared/corpora`` is copied into a temporary
folder (notmuch writes its database inside the mail root, and the corpora are
read-only), ingested by Loupe, then indexed by ``notmuch new`` with a private
configuration. Every query of ``QUERIES`` runs through both, and the sets of
matching Message-IDs are compared.

Messages are compared by Message-ID, not one by one: notmuch folds every file
with one Message-ID into one message (and indexes the terms of all of them),
while Loupe keeps copies with different content as messages of their own.
Messages without a Message-ID are left out of the comparison: Loupe derives an
id ``...@derived.loupe`` from the content, notmuch ``notmuch-sha1-...`` from
the file, so the two cannot be matched.

Where the two disagree for a reason, the difference is listed exactly in
``KNOWN_DIFFERENCES`` with that reason; a difference that changes (fixed, or
new) fails the test. Five reasons account for all of them, each deliberate on
Loupe's side:

- notmuch stems English words (``tags`` finds "tag"); Loupe does not, on
  purpose: exact search must be exact.
- Loupe folds accents (``accentue`` finds "accentué"); notmuch does not.
- Loupe indexes the text of attachments; notmuch indexes only their names.
- notmuch merges the files of one Message-ID into one message, so a ``-term``
  found in any copy excludes all of them; Loupe keeps different copies apart.
- GMime (notmuch) drops an invalid address such as ``k..allen@enron.com``;
  Loupe indexes it as written.

``make test`` installs notmuch where it can (``tools/install-test-deps.sh``);
where it cannot, these tests are skipped, except in CI, where they must run.
"""

from __future__ import annotations

import pytest

from loupe.errors import QueryError
from loupe.search.query import parse
from tests.notmuch_corpora import MAILDIR_CORPORA, Indexed


def _prefix_queries_supported() -> bool:
    try:
        parse("notm*")
    except QueryError:
        return False
    return True


PREFIX = (
    ()
    if _prefix_queries_supported()
    else (pytest.mark.xfail(reason="prefix queries not implemented yet", strict=True),)
)

# (Loupe query, notmuch query, what the row checks). notmuch dates are read in
# the local time zone, so notmuch runs with TZ=UTC, which is what Loupe uses;
# in both, the end of a range includes the whole day (month, year) it names.
QUERIES: list[tuple[str, str, str]] = [
    ("", "*", "every message: the same files read (mu-testdir's tmp/ ignored, PROVENANCE.md not mail)"),
    # bare terms
    ("notmuch", "notmuch", "term"),
    ("patch", "patch", "term in subjects and bodies"),
    ("emacs", "emacs", "term"),
    ("freebsd", "freebsd", "term"),
    ("enron", "enron", "term in addresses and bodies"),
    ("accentué", "accentué", "accented term as written"),
    ("fotgängare", "fotgängare", "accented term as written"),
    ("git", "git", "term that is also in attachments (known difference)"),
    ("tags", "tags", "a plural: notmuch stems it (known difference)"),
    ("accentue", "accentue", "an accented word typed without accent: Loupe folds (known difference)"),
    # AND, OR, NOT, grouping
    ("notmuch patch", "notmuch patch", "two terms: AND by default"),
    ("emacs AND notmuch", "emacs AND notmuch", "explicit AND"),
    ("gcc OR sqlite", "gcc OR sqlite", "OR"),
    ("notmuch OR sqlite OR enron", "notmuch OR sqlite OR enron", "OR of three"),
    ("notmuch -patch", "notmuch -patch", "-term"),
    ("notmuch NOT patch", "notmuch NOT patch", "NOT"),
    ("NOT notmuch", "NOT notmuch", "NOT alone"),
    ("(gcc OR sqlite) -emacs", "(gcc OR sqlite) -emacs", "parentheses"),
    ("serious -subject:916808", "serious -subject:916808", "NOT over same-Message-ID copies (known difference)"),
    # phrases
    ('"notmuch show"', '"notmuch show"', "phrase"),
    ('"mailing list"', '"mailing list"', "phrase"),
    ('"root message"', '"root message"', "phrase"),
    # from:
    ("from:carl", "from:carl", "from: a name part"),
    ('from:"Carl Worth"', 'from:"Carl Worth"', "from: a whole name"),
    ("from:cworth@cworth.org", "from:cworth@cworth.org", "from: an address"),
    ("from:gmail.com", "from:gmail.com", "from: a domain"),
    ("from:alice", "from:alice", "from: a name"),
    ("from:allen", "from:allen", "from: a part of an address"),
    # to:
    ("to:notmuch@notmuchmail.org", "to:notmuch@notmuchmail.org", "to: an address"),
    ("to:notmuch", "to:notmuch", "to: a part of an address"),
    ("to:debian.org", "to:debian.org", "to: a domain"),
    ("to:enron.com", "to:enron.com", "to: a domain, with an invalid address (known difference)"),
    # subject:
    ("subject:patch", "subject:patch", "subject: a term"),
    ('subject:"make notmuch"', 'subject:"make notmuch"', "subject: a phrase"),
    ("subject:notmuch -subject:patch", "subject:notmuch -subject:patch", "subject: and its negation"),
    ("subject:bug", "subject:bug", "subject: a term"),
    # dates
    ("date:2009-11-17..2009-11-18", "date:2009-11-17..2009-11-18", "date range of days, both ends included"),
    ("date:2009-11-17", "date:2009-11-17", "one day"),
    ("date:2009", "date:2009", "one year"),
    ("date:2001-05", "date:2001-05", "one month"),
    ("date:..2009-11-17", "date:..2009-11-17", "open start"),
    ("date:2009-11-18..", "date:2009-11-18..", "open end"),
    ("date:2010..2012", "date:2010..2012", "range of years"),
    ("date:2001-12-28", "date:2001-12-28", "a UTC day: -0800 evening mail belongs to the next day"),
    ("date:2001-05-10..2001-05-14", "date:2001-05-10..2001-05-14", "range of days"),
    ("from:carl subject:patch date:2009-11-18", "from:carl subject:patch date:2009-11-18", "fields and date"),
    # prefixes
    ("notm*", "notm*", "prefix"),
    ("mail*", "mail*", "prefix"),
    ("from:carl*", "from:carl*", "prefix in from:"),
    ("subject:pat*", "subject:pat*", "prefix in subject:"),
]

# Rows that fail in Loupe for a bug, not for a difference: they flip to a
# failure once fixed (strict), and the row then checks agreement like any other.
# Loupe queries that hit a known Loupe bug (expected to fail until fixed).
# The open-ended date range (date:X..) that used to crash was fixed.
LOUPE_BUGS: dict[str, str] = {}

STEMMING = "notmuch stems English terms; Loupe does not, on purpose (exact search must be exact)"
ATTACHMENT_TEXT = "Loupe indexes the text of attachments; notmuch indexes only their file names"

# (corpus, Loupe query) -> (Message-IDs only Loupe finds, only notmuch finds, why).
KNOWN_DIFFERENCES: dict[tuple[str, str], tuple[set[str], set[str], str]] = {
    # "git" is in the patches attached to these three (notmuch-help.patch,
    # text/x-diff parts); `body:git OR subject:git OR from:git OR to:git`
    # finds exactly what notmuch finds.
    ("notmuch-default", "git"): (
        {
            "20091118005829.GB25380@dottiness.seas.harvard.edu",
            "20091118010116.GC25380@dottiness.seas.harvard.edu",
            "cf0c4d610911171136h1713aa59w9cf9aa31f052ad0a@mail.gmail.com",
        },
        set(),
        ATTACHMENT_TEXT,
    ),
    # These say "tag" (notmuch-tag.o, 'the "inbox" tag'), never "tags".
    ("notmuch-default", "tags"): (
        set(),
        {
            "1258506353-20352-1-git-send-email-stewart@flamingspork.com",
            "1258532999-9316-1-git-send-email-keithp@keithp.com",
            "87bpj0qeng.fsf@yoom.home.cworth.org",
        },
        STEMMING,
    ),
    # duplicate/msg-2-1 and msg-2-2 say "Control: tag -1 moreinfo", never "tags".
    ("notmuch-edge", "tags"): (set(), {"87r2geywh9.fsf@tethera.net"}, STEMMING),
    # "Essai accentué": Loupe folds accents (Juárez = juarez); notmuch matches
    # accented words only as written.
    ("notmuch-default", "accentue"): (
        {"877h1wv7mg.fsf@inf-8657.int-evry.fr"},
        set(),
        "Loupe folds accents at index and query time; notmuch does not",
    ),
    # duplicate/msg-3-1..5 share one Message-ID with five subjects (Bug#916805,
    # 916807, 916808, 916811, 916867). notmuch holds one message with the terms
    # of all five files, so -subject:916808 excludes it; Loupe keeps five
    # messages, and the four without 916808 still match.
    ("notmuch-edge", "serious -subject:916808"): (
        {"87r2ecrr6x.fsf@zephyr.silentflame.com"},
        set(),
        "notmuch merges files with one Message-ID into one message; Loupe keeps different contents apart",
    ),
    # deleted_items: "To: k..allen@enron.com" (two dots: not a valid RFC 5322
    # address). GMime drops it, so notmuch indexes no To: for the message
    # (`notmuch show` lists no To header); Loupe keeps the address as written.
    ("enron-sample", "to:enron.com"): (
        {"31429551.1075855374433.JavaMail.evans@thyme"},
        set(),
        "notmuch (GMime) drops the invalid address k..allen@enron.com; Loupe indexes it as written",
    ),
}


def _params() -> list[object]:
    params: list[object] = []
    for name in MAILDIR_CORPORA:
        for loupe_query, notmuch_query, note in QUERIES:
            marks: tuple[pytest.MarkDecorator, ...] = ()
            if loupe_query.endswith("*"):
                marks = PREFIX
            if loupe_query in LOUPE_BUGS:
                marks = (pytest.mark.xfail(reason=LOUPE_BUGS[loupe_query], raises=ValueError, strict=True),)
            params.append(
                pytest.param(name, loupe_query, notmuch_query, note, id=f"{name}:{loupe_query or '*'}", marks=marks)
            )
    return params


@pytest.mark.parametrize(("corpus_name", "loupe_query", "notmuch_query", "note"), _params())
def test_same_messages_as_notmuch(
    indexed: dict[str, Indexed], corpus_name: str, loupe_query: str, notmuch_query: str, note: str
) -> None:
    one = indexed[corpus_name]
    ours, theirs = one.loupe(loupe_query), one.notmuch(notmuch_query)
    only_loupe, only_notmuch = ours - theirs, theirs - ours
    known = KNOWN_DIFFERENCES.get((corpus_name, loupe_query))
    if known is None:
        assert (only_loupe, only_notmuch) == (set(), set()), f"Loupe and notmuch disagree on {loupe_query!r} ({note})"
    else:
        expected_loupe, expected_notmuch, reason = known
        assert (only_loupe, only_notmuch) == (expected_loupe, expected_notmuch), f"known difference changed: {reason}"


def test_table_is_big_enough_and_differences_few() -> None:
    rows = {(corpus, query) for corpus in MAILDIR_CORPORA for query, _, _ in QUERIES}
    assert len(QUERIES) >= 30
    assert set(KNOWN_DIFFERENCES) <= rows, "a known difference names a row that is not in the table"
    assert len(KNOWN_DIFFERENCES) <= len(rows) // 20, "differences should stay few"
