"""Literal matching (``=US-714``, ``="Exact Phrase"``, ``--literal``): as typed.

The index only holds normalised tokens (case and accents folded, punctuation
dropped). Rather than index every text a second time, which would make the
index about twice its size (and the case larger than the mail), a literal
query runs in two steps:

1. the index finds a *superset*: each literal term replaced by its normalised
   form (``=US-714`` -> the phrase ``us 714``), and every ``NOT`` over a
   literal term widened to "anything" (a NOT of a superset would be a subset);
2. each candidate's text, re-parsed from its original, is checked against the
   whole query, with the literal terms matched exactly as typed.

The cost grows with the number of candidates, so a literal query is as fast
as its normalised form is selective; ``=US-714`` is, ``=the`` is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from loupe.search.index import CJK
from loupe.search.query import And, MatchAll, Node, Not, Or, Term

#: Which texts of a message each field's literal form is checked against.
LITERAL_TEXTS: dict[str | None, tuple[str, ...]] = {
    None: ("subject", "body", "attachments"),
    "subject": ("subject",),
    "body": ("body",),
    "from": ("from",),
    "to": ("to",),
    "cc": ("to",),
    "bcc": ("to",),
    "attachment": ("attachment_names",),
}


def has_literal(node: Node) -> bool:
    if isinstance(node, Term):
        return node.literal
    if isinstance(node, Not):
        return has_literal(node.item)
    if isinstance(node, And | Or):
        return any(has_literal(item) for item in node.items)
    return False


def all_literal(node: Node) -> Node:
    """``--literal``: every plain term and phrase of the query taken as typed."""
    if isinstance(node, Term) and not (node.prefix or node.fuzzy) and node.field in LITERAL_TEXTS:
        return replace(node, literal=True)
    if isinstance(node, Not):
        return Not(all_literal(node.item))
    if isinstance(node, And):
        return And(tuple(all_literal(item) for item in node.items))
    if isinstance(node, Or):
        return Or(tuple(all_literal(item) for item in node.items))
    return node


def superset(node: Node) -> Node:
    """A normalised query matching at least everything the literal one does."""
    if isinstance(node, Term):
        return replace(node, literal=False)
    if isinstance(node, Not):
        return MatchAll() if has_literal(node.item) else node
    if isinstance(node, And):
        return And(tuple(superset(item) for item in node.items))
    if isinstance(node, Or):
        return Or(tuple(superset(item) for item in node.items))
    return node


def literal_pattern(text: str) -> re.Pattern[str]:
    """The words as typed, any run of whitespace between them, not inside a
    word (except in scripts written without spaces, where any run counts)."""
    words = text.split()
    left = "" if CJK.match(words[0][0]) else r"(?<!\w)"
    right = "" if CJK.match(words[-1][-1]) else r"(?!\w)"
    return re.compile(left + r"\s+".join(re.escape(word) for word in words) + right)


def matches(node: Node, texts: dict[str, str], in_index: Callable[[Node], bool]) -> bool:
    """Evaluate the query on one message: literal terms on its texts, the
    rest by what the index said of this message (``in_index``)."""
    if isinstance(node, Term) and node.literal:
        pattern = literal_pattern(node.text)
        return any(pattern.search(texts.get(name, "")) for name in LITERAL_TEXTS.get(node.field, ()))
    if isinstance(node, Not):
        return not matches(node.item, texts, in_index)
    if isinstance(node, And):
        return all(matches(item, texts, in_index) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, texts, in_index) for item in node.items)
    return in_index(node)


def first_match(node: Node, text: str) -> tuple[int, int] | None:
    """Where the first literal term of the query occurs in a text (for snippets)."""
    if isinstance(node, Term) and node.literal:
        found = literal_pattern(node.text).search(text)
        return (found.start(), found.end()) if found else None
    if isinstance(node, And | Or):
        for item in node.items:
            span = first_match(item, text)
            if span:
                return span
    return None
