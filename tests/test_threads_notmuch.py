"""Loupe's threads against notmuch's, on every Maildir-shaped corpus.

For each message (by Message-ID, on both sides), the set of messages in its
thread must be the same in Loupe and notmuch; at least 98% of messages must
agree on each Maildir-shaped corpus, and every message that does not, on any
corpus, is listed in ``KNOWN_DIFFERENCES`` with the reason (a difference
that appears or goes away fails the test, so the list stays true). The
folders of loose .eml files are compared too; there the only differences
are the subject fallback's, on purpose.

Both compute membership as the connected component over References and
In-Reply-To. Loupe adds one rule notmuch does not have: a reply with no
references at all ("RE: ..." from clients that do not write them, common in
Exchange exports such as Enron's) joins the earlier message with the same
subject that shares a participant, within 30 days
(:mod:`loupe.threads.subjects`).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loupe.store import schema
from tests.notmuch_corpora import FILE_FOLDER_CORPORA, MAILDIR_CORPORA, Indexed, notmuch_threads

SUBJECT_FALLBACK = "a reply without references, joined by subject, participants and time (notmuch keeps it alone)"

# talon's standard_replies are replies ("Re: Test") from several mail clients
# to one test message that bob sent to six addresses on 2 April 2012 (aol.eml
# and yahoo.eml quote it); none carries References or In-Reply-To. Seven of
# them form an exchange (bob@example.com / bob@xxx.mailgun.org and the
# testers writing back and forth: thunderbird.eml is bob answering
# xxx@gmail.com, who answers bob in gmail.eml, iphone.eml, sparrow.eml and
# apple_mail.eml; aol.eml and android.eml close the loop), so Loupe's subject
# fallback puts them in one conversation; notmuch leaves each alone. The three
# replies that only share a recipient with the others (yahoo, comcast,
# hotmail) stay alone in both.
TALON_TEST_EXCHANGE = {
    mid: SUBJECT_FALLBACK
    for mid in (
        "06C90B12-13B9-4C5F-A9EF-4A809D94C078@gmail.com",
        "4F79B73C.9030506@xxx.mailgun.org",
        "5BB86EF4B6E24E4C9DA4BBEF59DA9809@gmail.com",
        "8CEDEEFBEF4733B-1E5C-73DF@webmail-d070.sysops.aol.com",
        "9A1EA6A5-4FD3-4AD0-8DFD-2420E670DB53@gmail.com",
        "CAEAsyCZ-sCHxZtoKyM3JmT5gSYpZd5GwY-cVNiV8H329zgJT4g@mail.gmail.com",
        "CAKsfaBW4hj0Gek6TwbR3erng4P1y0CZzJ0d=pXtCNnYnbe7PLg@mail.gmail.com",
    )
}

#: (corpus) -> {Message-ID: reason} for messages whose thread differs.
KNOWN_DIFFERENCES: dict[str, dict[str, str]] = {"reply-formats": TALON_TEST_EXCHANGE}


def loupe_threads(one: Indexed) -> list[set[str]]:
    """Every message's thread (a message without a ``threads`` row is alone), as Message-IDs."""
    t, m = schema.threads, schema.messages
    groups: dict[str, set[str]] = {}
    query = select(m.c.id, t.c.thread, m.c.message_id).select_from(m.outerjoin(t, t.c.message == m.c.id))
    with one.case.db.engine.connect() as conn:
        for message, thread, message_id in conn.execute(query):
            groups.setdefault(thread or message, set()).add(message_id)
    return list(groups.values())


def _by_message(threads: list[set[str]], keep: set[str]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for members in threads:
        kept = frozenset(members & keep)
        for mid in kept:
            out[mid] = kept
    return out


@pytest.mark.parametrize("corpus_name", MAILDIR_CORPORA + FILE_FOLDER_CORPORA)
def test_threads_agree_with_notmuch(indexed: dict[str, Indexed], corpus_name: str) -> None:
    one = indexed[corpus_name]
    ours, theirs = loupe_threads(one), notmuch_threads(one)
    ours_ids = set().union(*ours) if ours else set()
    theirs_ids = set().union(*theirs) if theirs else set()
    common = {m for m in ours_ids & theirs_ids if not m.endswith("@derived.loupe")}
    assert len(common) >= 0.95 * len(theirs_ids - {m for m in theirs_ids if m.startswith("notmuch-sha1-")})
    mine, notmuch = _by_message(ours, common), _by_message(theirs, common)
    differ = {mid for mid in common if mine[mid] != notmuch[mid]}
    for mid in sorted(differ):
        print(corpus_name, mid, "loupe:", sorted(mine[mid]), "notmuch:", sorted(notmuch[mid]))
    agreement = 1 - len(differ) / len(common)
    shared = sum(1 for mid in common if len(notmuch[mid]) > 1)
    print(
        f"{corpus_name}: {len(common)} messages ({shared} in threads of two or more), "
        f"{len(differ)} in a different thread, agreement {agreement:.2%}"
    )
    assert differ == set(KNOWN_DIFFERENCES.get(corpus_name, {})), "the differences changed; explain them"
    if corpus_name in MAILDIR_CORPORA:  # the bar; the file folders are compared as a bonus
        assert agreement >= 0.98
