"""Named entities as a reporter sees them: counted for any query, with their corrections applied.

The index says which messages name each entity (as extracted); the case's
corrections say what each one stands for. This module joins the two at
read time, which is what lets a correction take effect at once and survive
every re-ingest:

- a hidden entity is left out of lists and facets (``--hidden`` shows it);
- merged entities count once, as the one they joined: the count is the
  messages naming any of them (a query, not a sum, so a message naming both
  counts once), and a search for any of them finds all;
- a renamed entity shows the user's name, and can be searched by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tantivy

from loupe.entities.corrections import INDEX_FIELDS, KINDS, Corrections, Ident, entity_key
from loupe.search.index import FullTextIndex
from loupe.search.query import Node
from loupe.store.entities import EntityStore


@dataclass(frozen=True)
class EntityCount:
    kind: str
    key: str
    name: str
    messages: int
    merged: tuple[str, ...] = field(default=())  # the names of the entities that joined this one
    hidden: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "name": self.name,
            "messages": self.messages,
            "merged": list(self.merged),
            "hidden": self.hidden,
        }


def entity_terms(
    corrections: Corrections, kinds: Sequence[str], value: str, written: Sequence[Ident] = ()
) -> list[tuple[str, str]]:
    """The (index field, key) terms an ``entity:``/``place:``/``org:`` value stands for.

    The value's own key, the keys the extractor gives it ("Juárez" is the
    place ``ciudad juarez``), ``written`` (entities first written so, which
    is how lists and facets show them), and entities the user renamed so,
    each with every entity merged into it.
    """
    from loupe.entities.extract import extract_entities  # the extractor: only when a query names an entity

    key = entity_key(value)
    starts: list[Ident] = [(kind, key) for kind in kinds]
    starts += [(e.kind, e.normalised) for e in extract_entities(value) if e.kind in kinds]
    starts += [i for i in written if i[0] in kinds]
    starts += [i for i in corrections.renamed_to(None, key) if i[0] in kinds]
    terms = {(INDEX_FIELDS[m[0]], m[1]) for ident in starts for m in corrections.members(ident)}
    return sorted(terms)


def count_entities(
    index: FullTextIndex,
    store: EntityStore,
    node: Node,
    kinds: Sequence[str] = KINDS,
    limit: int = 50,
    hidden: bool = False,
    compiled: tantivy.Query | None = None,
    corrections: Corrections | None = None,
) -> list[EntityCount]:
    """The entities the messages matching ``node`` name most, by messages, corrections applied.

    ``compiled``: the query already compiled (a literal search's ids), instead of ``node``."""
    corrections = corrections or store.corrections()
    if compiled is None:
        searcher, compiled = index.prepared(node)
    else:
        searcher = index.searcher()
    merges = corrections.merges
    # room for what corrections take out of the top (hidden ones, ones merged into another)
    size = (limit or 1_000_000) + len(merges) + len(corrections.hidden_entities) + 10
    spec = {kind: {"terms": {"field": INDEX_FIELDS[kind], "size": size}} for kind in kinds}
    result: dict[str, Any] = searcher.aggregate(compiled, spec)
    counts: dict[Ident, int] = {}
    for kind in kinds:
        for bucket in result.get(kind, {}).get("buckets", []):
            if bucket["key"]:
                counts[(kind, str(bucket["key"]))] = int(bucket["doc_count"])
    heads = {corrections.canonical(i) for i in counts} | {h for h in merges.values() if h[0] in kinds}
    rows: list[tuple[Ident, int, list[Ident]]] = []
    for head in heads:
        members = corrections.members(head)
        number = counts.get(head, 0) if len(members) == 1 else _count(searcher, compiled, index.schema, members)
        if number and (hidden or not corrections.hidden(head)):
            rows.append((head, number, members))
    rows.sort(key=lambda r: (-r[1], r[0]))
    rows = rows[:limit] if limit else rows
    names = store.names({i for _, _, members in rows for i in members})
    out = []
    for head, number, members in rows:
        written = names.get(head) or next((names[m] for m in members if m in names), head[1])
        merged = tuple(names.get(m, m[1]) for m in members if m != head)
        name = corrections.name(head, written)
        out.append(EntityCount(head[0], head[1], name, number, merged, corrections.hidden(head)))
    return out


def named_in(subject: str, body: str, corrections: Corrections) -> dict[str, list[str]]:
    """The entities one message names, by kind, corrections applied (for showing it)."""
    from loupe.entities.extract import message_entities

    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for mention in message_entities(subject, body):
        ident = (mention.kind, mention.normalised)
        name = corrections.name(ident, mention.name)
        if not corrections.hidden(ident) and name not in found[mention.kind]:
            found[mention.kind].append(name)
    return found


def _count(searcher: tantivy.Searcher, compiled: tantivy.Query, schema: tantivy.Schema, members: list[Ident]) -> int:
    either = tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, INDEX_FIELDS[k], key)) for k, key in members]
    )
    both = tantivy.Query.boolean_query([(tantivy.Occur.Must, compiled), (tantivy.Occur.Must, either)])
    return int(getattr(searcher.search(both, limit=1, count=True), "count", 0) or 0)
