"""Query expansion from the archive's own glossary: CDJ also finds Juarez.

Pure: a parsed query in, a wider one out. Each plain term (not literal, not
a prefix or fuzzy term, not a field such as ``from:``) that the glossary
knows, as an abbreviation or as an expansion, becomes an ``OR`` of itself
and what it was glossed as, each alternative searched as a phrase in the
same field. The user asks for it (``--expand``): by default a query means
what it says.

>>> from loupe.search.query import parse
>>> expand(parse("cdj cartel"), lambda t: ["Juarez"] if t.lower() == "cdj" else [])
And(items=(Or(items=(Term(field=None, text='cdj', phrase=False, prefix=False, fuzzy=0, slop=0, literal=False), \
Term(field=None, text='Juarez', phrase=True, prefix=False, fuzzy=0, slop=0, literal=False))), \
Term(field=None, text='cartel', phrase=False, prefix=False, fuzzy=0, slop=0, literal=False)))
"""

from __future__ import annotations

from collections.abc import Callable

from loupe.search.query import And, Node, Not, Or, Term

#: Fields whose words a glossary can speak for (not addresses, ids or paths).
TEXT_FIELDS = (None, "subject", "body")


def expand(node: Node, alternatives: Callable[[str], list[str]]) -> Node:
    """``node`` with every known term ORed with its glossary alternatives."""
    if isinstance(node, Term):
        if node.literal or node.prefix or node.fuzzy or node.field not in TEXT_FIELDS:
            return node
        others = [a for a in alternatives(node.text) if a.casefold() != node.text.casefold()]
        if not others:
            return node
        return Or((node, *(Term(node.field, other, phrase=True) for other in others)))
    if isinstance(node, Not):
        return Not(expand(node.item, alternatives))
    if isinstance(node, And):
        return And(tuple(expand(item, alternatives) for item in node.items))
    if isinstance(node, Or):
        return Or(tuple(expand(item, alternatives) for item in node.items))
    return node
