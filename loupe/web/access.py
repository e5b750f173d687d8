"""Who may do what in a case on a team server, and what each request leaves in the audit log.

One rule for every route of the case's app, so that a page added later is
covered the day it is written (``tests/test_web_permissions.py`` walks every
route of the OpenAPI description against every role):

- reading (GET, HEAD) needs **reader**; the quote check's POSTs only read, and
  need reader too;
- writing (POST, PUT, PATCH, DELETE) needs **editor**: tags, notes, people and
  entity corrections, saved searches;
- **owner** adds the members page (``loupe.web.team``);
- **metadata** reaches none of these: it is answered by its own small app
  (``loupe.web.metadata``), which has no code path that reads a body, an
  attachment or a snippet. A metadata user asking for anything else gets a
  403 that says why.

A case the user is not a member of answers 404, exactly as a case that does
not exist: its name is not confirmed to someone who may not see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from loupe.search.query import And, DateRange, Lookup, MatchAll, Node, Not, Or, Term, parse

#: Least to most.
RANKS = {"metadata": 0, "reader": 1, "editor": 2, "owner": 3}
READ_METHODS = frozenset({"GET", "HEAD"})
#: POSTs that only read: the quote check sends the article in the body because it is long.
READING_POSTS = frozenset(
    {"/quotes", "/quotes/stream", "/quotes/report", "/quotes/pack", "/api/quotes", "/api/quotes/stream"}
)

#: Audit action of a read, by the route's path (routes not named are recorded as "view" with their path).
SEARCHES = frozenset({"/", "/api/search", "/api/facets", "/api/timeline", "/api/corroborate"})
MESSAGE_VIEWS = frozenset(
    {
        "/message/{id}",
        "/message/{id}/body",
        "/api/messages/{id}",
        "/api/messages/{id}/html",
        "/thread/{id}",
        "/api/threads/{id}",
    }
)
DOWNLOADS = frozenset(
    {
        "/api/messages/{id}/original",
        "/api/messages/{id}/copies/{number:int}",
        "/api/messages/{id}/attachments/{position:int}",
        "/message/{id}/pack.zip",
    }
)
EXPORTS = frozenset(
    {
        "/export.csv",
        "/export.mbox",
        "/export.ftm.json",
        "/export.db",
        "/export.pack.zip",
        "/quotes/report",
        "/quotes/pack",
    }
)
#: Reads not worth a line each: the schema and the counts.
UNRECORDED = frozenset({"/api/openapi.json", "/api/status"})


@dataclass(frozen=True)
class Rule:
    """What a route needs, and the audit action its use records (None: not recorded)."""

    role: str
    action: str | None


def rule_for(method: str, path: str) -> Rule:
    """The rule of a route of the case app: ``path`` is the route's template (``/message/{id}``)."""
    if method in READ_METHODS or path in READING_POSTS:
        return Rule("reader", read_action(path))
    return Rule("editor", "annotate")


def read_action(path: str) -> str | None:
    if path in UNRECORDED:
        return None
    if path in SEARCHES:
        return "search"
    if path in DOWNLOADS:
        return "download"
    if path in EXPORTS:
        return "export"
    if path.startswith("/quotes") or path.startswith("/api/quotes"):
        return "quote-check"
    return "view"


def allows(role: str | None, needed: str) -> bool:
    return role is not None and RANKS[role] >= RANKS[needed]


# -- what a metadata-only member may search --------------------------------------------
#: Query fields that read only the envelope: who, to whom, when, about what (the subject line).
METADATA_FIELDS = frozenset({"from", "to", "cc", "bcc", "subject", "id", "list", "sender", "recipient"})
#: Lookups answered from the envelope too: a conversation, a person's addresses.
METADATA_LOOKUPS = frozenset({"thread", "person"})


def metadata_query_problem(query: str) -> str | None:
    """Why ``query`` may not run for a metadata-only member, or None.

    A bare word searches the bodies and attachments; even without showing them,
    counting the hits would answer "does any body say X?" one question at a
    time. So only envelope fields, dates and their combinations are accepted.
    """
    return _node_problem(parse(query))


def _node_problem(node: Node) -> str | None:
    if isinstance(node, And | Or):
        return next((p for p in map(_node_problem, node.items) if p), None)
    if isinstance(node, Not):
        return _node_problem(node.item)
    if isinstance(node, DateRange | MatchAll):
        return None
    if isinstance(node, Term) and node.field in METADATA_FIELDS:
        return None
    if isinstance(node, Lookup) and node.kind in METADATA_LOOKUPS:
        return None
    shown = f"{node.field}:{node.text}" if isinstance(node, Term) and node.field else getattr(node, "text", "")
    return (
        f"{shown or type(node).__name__.lower()!r} reads message text; your role on this case searches "
        "from:, to:, cc:, subject:, date:, list:, person: and thread: only"
    )
