"""Threading mail that carries no references: by subject, people and time.

Much leaked mail has no ``In-Reply-To`` or ``References`` (old clients,
Exchange exports, mail printed to files). A message is joined to an earlier
one only when all of these hold, so that two unrelated "Re: Update" mails
stay apart:

- it has no references at all, and its subject says it is a reply
  (``Re:``, ``AW:``, ``SV:``, ``Antw:`` ...). A forward (``Fwd:``, ``WG:``,
  ``TR:``) starts a new conversation with new people, as notmuch and the
  generator's truth both treat it, so it is not joined;
- the earlier message has the same subject once those prefixes, list tags
  such as ``[alpha]`` and spacing are removed;
- they are an exchange: the earlier message's sender is among the reply's
  recipients, or the reply's sender was among the earlier message's
  recipients (two people each answering a third, as in "Re: Test" mails
  from several clients, are not an exchange);
- the earlier message is at most ``WINDOW`` older.

Among the candidates, the latest earlier message is the parent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loupe.threads.jwz import ThreadInput

#: How far back a reference-less reply may look for what it answers.
WINDOW = timedelta(days=30)

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|rv|enc|tr|r|rif|odp|vb|ynt)\s*(?:\[\d+\])?\s*[:：]|\[[^\]]{1,40}\])\s*",
    re.IGNORECASE,
)
_REPLY = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)*(?:re|aw|sv|vs|antw|r|rif|odp|ynt)\s*(?:\[\d+\])?\s*[:：]", re.I)


def base_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and list tags, case-folded.

    >>> base_subject("RE: [alpha] Fwd: Plaza dispute  near Juarez")
    'plaza dispute near juarez'
    """
    text = subject
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.split()).casefold()


def is_reply_subject(subject: str) -> bool:
    """Whether a subject says the message answers another (a forward does not count)."""
    return bool(_REPLY.match(subject))


def subject_links(
    messages: Sequence[ThreadInput],
    component_of: Callable[[ThreadInput], int],
    participants_of: Callable[[list[str]], dict[str, frozenset[str]]] | None = None,
) -> dict[str, str]:
    """Child message id -> the earlier message it answers, for reference-less replies.

    Only subjects that some reference-less reply carries are grouped, and
    participants are fetched (``participants_of``) for those groups alone.
    """
    wanted = {
        base_subject(m.subject)
        for m in messages
        if m.date is not None and not m.references and is_reply_subject(m.subject)
    }
    wanted.discard("")
    by_subject: dict[str, list[ThreadInput]] = {}
    for m in messages:
        if m.date is not None and m.subject:
            key = base_subject(m.subject)
            if key in wanted:
                by_subject.setdefault(key, []).append(m)
    groups = [group for group in by_subject.values() if len(group) > 1]
    if participants_of is not None:
        fetched = participants_of([m.id for group in groups for m in group])
        groups = [[replace(m, participants=fetched.get(m.id, frozenset())) for m in group] for group in groups]
    links: dict[str, str] = {}
    for group in groups:
        by_id = {m.id: m for m in group}
        for child, earlier in answered(group).items():
            if component_of(by_id[earlier]) != component_of(by_id[child]):
                links[child] = earlier
    return links


def answered(group: Sequence[ThreadInput]) -> dict[str, str]:
    """Child message id -> the earlier message it answers, among one base subject's dated
    messages (with their participants), whether or not references join them already."""
    ordered = sorted(group, key=lambda m: (m.date, m.id))
    links: dict[str, str] = {}
    for position, child in enumerate(ordered):
        if child.references or not is_reply_subject(child.subject):
            continue
        assert child.date is not None
        for earlier in reversed(ordered[:position]):
            assert earlier.date is not None
            if child.date - earlier.date > WINDOW:
                break
            if earlier.date < child.date and _exchange(earlier, child):
                links[child.id] = earlier.id
                break
    return links


def subject_hash(base: str) -> int:
    """A stable signed 64-bit key of a base subject (``base_subject``), for an index of them.

    >>> subject_hash("plaza dispute") == subject_hash("plaza dispute")
    True
    """
    return int.from_bytes(hashlib.blake2b(base.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def _exchange(earlier: ThreadInput, reply: ThreadInput) -> bool:
    if not earlier.sender or not reply.sender or earlier.sender == reply.sender:
        return False
    return earlier.sender in reply.participants or reply.sender in earlier.participants
