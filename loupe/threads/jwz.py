"""Conversation threads: which messages belong together, and the reply tree of each.

Pure: messages in, threads out. Two questions, answered separately on purpose:

*Membership* (which thread a message is in) is the connected component of
the message over every Message-ID it names in ``References`` and
``In-Reply-To``, as notmuch computes it. A missing message that two replies
both cite still joins them; a reference loop or two replies that disagree on
their parent cannot split a conversation. Two rules add to that, for mail
without references: Outlook's ``Thread-Index`` (its first 22 bytes name the
conversation) and the subject fallback of :mod:`loupe.threads.subjects`.

The *tree* (who replied to whom, for display) is Jamie Zawinski's algorithm
(https://www.jwz.org/doc/threading.html): one container per Message-ID, the
References chain linked parent to child unless that would make a loop, a
message's own last reference (or In-Reply-To) taking precedence. A message
whose parent is missing from the archive hangs from the nearest ancestor
that is present, or is a root. Subject grouping (JWZ's step 5) is not used for the tree: a subject says
nothing about who answered whom.

>>> threads = thread_messages([
...     ThreadInput("a", "1@x", (), "Plan", None, frozenset({"ann@x"})),
...     ThreadInput("b", "2@x", ("1@x",), "Re: Plan", None, frozenset({"bob@x"})),
... ])
>>> threads.thread_of["a"] == threads.thread_of["b"]
True
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from loupe.threads.subjects import subject_links


@dataclass(frozen=True, slots=True)
class ThreadInput:
    """What threading needs to know about one message."""

    id: str  # Loupe's message id
    message_id: str  # the Message-ID header
    references: tuple[str, ...]  # References, then In-Reply-To when it adds one
    subject: str
    date: datetime | None
    participants: frozenset[str] = frozenset()  # lower-cased addresses of sender and recipients
    thread_index: str = ""  # Outlook's Thread-Index header, base64, when present
    sender: str = ""  # lower-cased address of the sender


@dataclass
class Threads:
    """Every message's thread (the id of its earliest message) and tree parent."""

    thread_of: dict[str, str]
    parent_of: dict[str, str | None]  # a message id, or None for a root (or below a missing message)


@dataclass
class _Container:
    key: str
    message: ThreadInput | None = None
    parent: _Container | None = None
    children: list[_Container] = field(default_factory=list)

    def has_ancestor(self, other: _Container) -> bool:
        node: _Container | None = self
        while node is not None:
            if node is other:
                return True
            node = node.parent
        return False


class _UnionFind:
    """Over small integers: messages are 0..n-1, Message-IDs and conversations get numbers after."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.numbers: dict[str, int] = {}

    def number(self, key: str) -> int:
        if key not in self.numbers:
            self.numbers[key] = len(self.parent)
            self.parent.append(len(self.parent))
        return self.numbers[key]

    def find(self, node: int) -> int:
        root = node
        while root != self.parent[root]:
            root = self.parent[root]
        while node != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def conversation_of(thread_index: str) -> bytes | None:
    """The 22-byte conversation part of a Thread-Index header, or None if unreadable."""
    try:
        raw = base64.b64decode("".join(thread_index.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) >= 22 and (len(raw) - 22) % 5 == 0 else None


def thread_messages(
    messages: Sequence[ThreadInput], participants_of: Callable[[list[str]], dict[str, frozenset[str]]] | None = None
) -> Threads:
    """Thread membership and reply trees for a whole case.

    ``participants_of`` gives the addresses of the few messages the subject
    fallback has to compare (fetched on demand: holding every message's
    participants cost more memory than the rest of threading); without it,
    each message's own ``participants`` are used.
    """
    links = _UnionFind(len(messages))
    position = {m.id: i for i, m in enumerate(messages)}
    for i, m in enumerate(messages):
        links.union(i, links.number(m.message_id))
        for ref in m.references:
            links.union(i, links.number(ref))
        conversation = conversation_of(m.thread_index) if m.thread_index else None
        if conversation is not None:  # NUL cannot occur in a Message-ID: no clash
            links.union(i, links.number("\x00" + conversation[:22].hex()))
    fallback = subject_links(messages, lambda m: links.find(position[m.id]), participants_of)
    for child, parent in fallback.items():
        links.union(position[child], position[parent])

    groups: dict[int, list[ThreadInput]] = {}
    for i, m in enumerate(messages):
        groups.setdefault(links.find(i), []).append(m)
    thread_of: dict[str, str] = {}
    parent_of: dict[str, str | None] = {}
    for members in groups.values():
        first = min(members, key=_chronological)
        for m in members:
            thread_of[m.id] = first.id
        # the tree, one conversation at a time: memory follows the largest thread, not the case
        tree = build_tree(members) if len(members) > 1 else {members[0].id: None}
        for m in members:
            parent_of[m.id] = tree[m.id] or fallback.get(m.id)
    return Threads(thread_of, parent_of)


def _chronological(m: ThreadInput) -> tuple[int, str, str]:
    return (0, m.date.isoformat(), m.id) if m.date else (1, "", m.id)


def build_tree(messages: Sequence[ThreadInput]) -> dict[str, str | None]:
    """JWZ's containers: each message's parent message, skipping missing ones."""
    containers: dict[str, _Container] = {}

    def container(key: str) -> _Container:
        if key not in containers:
            containers[key] = _Container(key)
        return containers[key]

    def link(parent: _Container, child: _Container, force: bool) -> None:
        if child is parent or parent.has_ancestor(child) or (child.parent is not None and not force):
            return
        if child.parent is not None:
            child.parent.children.remove(child)
        child.parent = parent
        parent.children.append(child)

    by_index: dict[bytes, _Container] = {}
    placed: list[tuple[ThreadInput, _Container]] = []
    for m in messages:
        own = container(m.message_id)
        if own.message is not None:  # a second message with this Message-ID: a container of its own
            own = container(f"{m.message_id}\x00{m.id}")
        own.message = m
        placed.append((m, own))
        chain = [container(ref) for ref in m.references]
        for parent, child in pairwise(chain):
            link(parent, child, force=False)
        if chain:
            link(chain[-1], own, force=True)
        index = conversation_of(m.thread_index) if m.thread_index else None
        if index is not None:
            by_index[index] = own
    for m, own in placed:  # Outlook: a reply's Thread-Index is its parent's plus 5 bytes
        index = conversation_of(m.thread_index) if m.thread_index else None
        if own.parent is None and index is not None and len(index) > 22 and index[:-5] in by_index:
            link(by_index[index[:-5]], own, force=False)

    parents: dict[str, str | None] = {}
    for m, own in placed:
        node = own.parent
        while node is not None and node.message is None:
            node = node.parent
        parents[m.id] = node.message.id if node is not None and node.message is not None else None
    return parents
