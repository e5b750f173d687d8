"""The case database schema, in SQLAlchemy Core so it runs on SQLite and PostgreSQL.

Table and column names are plain English because reporters open ``case.db``
in Datasette and the sqlite3 shell. Message bodies are *not* here: the
original bytes are in the blob store (re-parsed on demand, which is cheap)
and the text is in the full-text index; that keeps the case smaller than the
mail it holds.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: Every input item ends in exactly one row here: that is how "nothing is
#: lost" is counted. ``status`` is indexed / duplicate / quarantined.
items = Table(
    "items",
    metadata,
    Column("locator", Text, primary_key=True, doc="where the item came from: file@offset or archive!member"),
    Column("status", String(12), nullable=False),
    Column("message", String(40), nullable=True, doc="the message this item is (or duplicates)"),
    Column("raw_sha256", String(64), nullable=True, doc="blob of the item's original bytes"),
    Column("size", Integer, nullable=False, default=0),
    Column("reason", Text, nullable=True, doc="why it was quarantined"),
    Column("parent_locator", Text, nullable=True, doc="the item this one was attached to"),
    Column("parser_version", Integer, nullable=False),
    Column("run", Integer, nullable=False),
    sqlite_with_rowid=False,  # keyed by locator: no second copy of it in a rowid index
)
Index("items_by_message", items.c.message)

messages = Table(
    "messages",
    metadata,
    Column("id", String(40), primary_key=True, doc="Loupe's stable id: a hash of the message content"),
    Column("message_id", Text, nullable=False, doc="the Message-ID header (or one derived from content)"),
    Column("message_id_derived", Boolean, nullable=False),
    Column("subject", Text, nullable=False),
    Column("from_name", Text, nullable=False),
    Column("from_email", Text, nullable=False),
    Column("date", String(32), nullable=True, doc="UTC, ISO 8601; empty when missing or unreadable"),
    Column(
        "date_raw",
        Text,
        nullable=False,
        doc="the Date header as written, when it could not be read (otherwise see the original)",
    ),
    Column("date_flag", String(12), nullable=False),
    Column("in_reply_to", Text, nullable=False),
    Column("references", Text, nullable=False, doc="space-separated Message-IDs"),
    Column("list_id", Text, nullable=False, doc="the List-Id without its display name"),
    Column("body_source", String(8), nullable=False),
    Column("kind", String(8), nullable=False, server_default="mail", doc="mail, or document: a file that is not mail"),
    Column("doc_type", String(8), nullable=False, server_default="", doc="a document's type: pdf, docx, csv, png ..."),
    Column("attachment_count", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("parent", String(40), nullable=True, doc="the message this one was attached to"),
    Column("defects", Text, nullable=False),
    Column("parser_version", Integer, nullable=False),
    sqlite_with_rowid=False,
)
Index("messages_by_message_id", messages.c.message_id)
Index("messages_by_date", messages.c.date)

#: Each distinct (name, address) pair once: the same correspondents write
#: thousands of messages, and storing them per message doubled the database.
correspondents = Table(
    "correspondents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("raw", Text, nullable=False, doc="the text as written when it did not parse"),
    UniqueConstraint("email", "name", "raw", name="correspondents_unique"),
)

message_addresses = Table(
    "message_addresses",
    metadata,
    Column("message", String(40), nullable=False),
    Column("role", String(8), nullable=False, doc="from, to, cc, bcc, reply-to"),
    Column("position", Integer, nullable=False),
    Column("correspondent", Integer, nullable=False),
    PrimaryKeyConstraint("message", "role", "position"),
    # keyed by message, stored in key order: the lookup "addresses of this
    # message" needs no second index. An index by correspondent would cost a
    # tenth of the database; the people features add it when they need it.
    sqlite_with_rowid=False,
)

attachments = Table(
    "attachments",
    metadata,
    Column("message", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("filename", Text, nullable=False),
    Column("mimetype", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("inline", Boolean, nullable=False),
    Column("text_chars", Integer, nullable=False, doc="characters of text extracted"),
    Column("text_error", Text, nullable=False, doc="why text extraction failed, if it did"),
    Column("ocr_pages", Integer, nullable=False, server_default="0", doc="pages of its text read by OCR"),
)
Index("attachments_by_message", attachments.c.message)
Index("attachments_by_sha256", attachments.c.sha256)

#: Where each original lives: a zstd frame inside a pack file (see store.blobs).
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True, doc="SHA-256 of the original bytes"),
    Column("pack", Integer, nullable=False, doc="blobs/packs/NNNNNN.pack"),
    Column("offset", Integer, nullable=False),
    Column("length", Integer, nullable=False, doc="compressed bytes"),
    Column("size", Integer, nullable=False, doc="original bytes"),
    Column("dictionary", Integer, nullable=False, doc="zstd dictionary id, 0 for none"),
    sqlite_with_rowid=False,
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started", String(32), nullable=False),
    Column("finished", String(32), nullable=True),
    Column("inputs", Text, nullable=False),
    Column("summary", Text, nullable=True, doc="JSON counts of the run"),
)

saved_searches = Table(
    "saved_searches",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("query", Text, nullable=False),
    Column("created", String(32), nullable=False),
    Column("author", Text, nullable=True, doc="the account that saved it; None from the command line"),
)

#: Reporters' own labels on messages; kept here, not in the index, so tagging
#: is instant and survives re-indexing.
tags = Table(
    "tags",
    metadata,
    Column("message", String(40), nullable=False),
    Column("tag", String(200), nullable=False),
    Column("created", String(32), nullable=False),
    Column("author", Text, nullable=True, doc="the account that tagged; None from the command line"),
    PrimaryKeyConstraint("message", "tag"),
)
Index("tags_by_tag", tags.c.tag)

# -- conversations: filled by ingest workers (signatures, quoted blocks,
# Thread-Index) and recomputed after each ingest (threads, near duplicates,
# people). Users' own corrections live in ``people_edits`` and are replayed.

#: Outlook's Thread-Index header, for the few messages that carry one.
thread_indexes = Table(
    "thread_indexes",
    metadata,
    Column("message", String(40), primary_key=True),
    Column("thread_index", Text, nullable=False, doc="the header's base64 text"),
    sqlite_with_rowid=False,
)

#: How many messages the last whole-case step (threads, near duplicates, people) saw.
analysis_state = Table(
    "analysis_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
)

#: Which conversation each message belongs to; ``thread`` is the id of its earliest
#: message. Only messages in threads of two or more: a message without a row is
#: a thread of its own (half the messages of a case, and half this table).
threads = Table(
    "threads",
    metadata,
    Column("message", String(40), primary_key=True),
    Column("thread", String(40), nullable=False),
    Column("parent", String(40), nullable=True, doc="the message it answers, when that is in the case"),
    sqlite_with_rowid=False,
)
Index("threads_by_thread", threads.c.thread)

#: MinHash of each message's normalised body (none for bodies too short to judge).
near_signatures = Table(
    "near_signatures",
    metadata,
    Column("message", String(40), primary_key=True),
    Column("minhash", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

#: Groups of near-identical messages; ``grp`` is the id of the group's earliest message.
near_duplicates = Table(
    "near_duplicates",
    metadata,
    Column("message", String(40), primary_key=True),
    Column("grp", String(40), nullable=False),
    sqlite_with_rowid=False,
)
Index("near_duplicates_by_group", near_duplicates.c.grp)

#: Other people's text carried with its own header lines (forwards, Outlook-style
#: quotes): who first wrote it and when. "On ... wrote:" quotes are not stored:
#: they are in nearly every reply, name the parent's sender, and are re-read
#: from the original when needed (``loupe.threads.forwards``).
quoted_blocks = Table(
    "quoted_blocks",
    metadata,
    Column("message", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("author_name", Text, nullable=False),
    Column("author_email", Text, nullable=False),
    Column("date", String(32), nullable=True, doc="UTC, ISO 8601, when readable"),
    Column("date_text", Text, nullable=False, doc="the date as written, only when it could not be read"),
    PrimaryKeyConstraint("message", "position"),
    sqlite_with_rowid=False,
)
Index("quoted_blocks_by_author", quoted_blocks.c.author_email)

#: A key of the personal signature block (name, title, phone) ending a message's own text.
signature_keys = Table(
    "signature_keys",
    metadata,
    Column("message", String(40), primary_key=True),
    Column("key", String(16), nullable=False),
    sqlite_with_rowid=False,
)

#: People (or mailing lists): addresses grouped by safe rules and users' edits.
persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, doc="the most used display name, or a user's choice"),
    Column("kind", String(8), nullable=False, doc="person or list"),
    Column("evidence", Text, nullable=False, default="", doc="why addresses were grouped, beyond the same address"),
)

person_addresses = Table(
    "person_addresses",
    metadata,
    Column("email", Text, primary_key=True, doc="lower-cased address"),
    Column("person", Integer, nullable=False),
    sqlite_with_rowid=False,
)
Index("person_addresses_by_person", person_addresses.c.person)

#: The people table's figures, worked out whenever persons are (an aggregate
#: over every address of every message: 9 s at 1,000,000 messages, too slow
#: for each view of the people page).
person_counts = Table(
    "person_counts",
    metadata,
    Column("person", Integer, primary_key=True),
    Column("sent", Integer, nullable=False, doc="messages from any of the person's addresses"),
    Column("received", Integer, nullable=False, doc="messages to, cc or bcc any of them"),
    Column("first", String(32), doc="date of the earliest of those messages (ISO 8601)"),
    Column("last", String(32), doc="date of the latest"),
)

#: What users decided about people; replayed each time people are recomputed.
people_edits = Table(
    "people_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action", String(12), nullable=False, doc="merge, split, rename, list, person"),
    Column("emails", Text, nullable=False, doc="JSON list of lower-cased addresses"),
    Column("name", Text, nullable=False, default=""),
    Column("created", String(32), nullable=False),
)

# -- coded sources: filled by ingest workers; ``linked_*`` by the whole-case step.

#: Informant codes met where the context says "source": one row per message, code and place.
code_mentions = Table(
    "code_mentions",
    metadata,
    Column("message", String(40), nullable=False),
    Column("code", String(40), nullable=False, doc="normalised: MX01 -> MX1"),
    Column("where", String(8), nullable=False, doc="header, subject or phrase"),
    PrimaryKeyConstraint("message", "code", "where"),
    sqlite_with_rowid=False,
)
Index("code_mentions_by_code", code_mentions.c.code)

#: Insight blocks: reports from coded sources, with every field as written.
insights = Table(
    "insights",
    metadata,
    Column("message", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("code", String(40), nullable=True, doc="normalised; empty for a stripped copy"),
    Column("written_code", Text, nullable=False),
    Column("variant", String(16), nullable=False, doc="full, stripped, subject-only, forwarded, note"),
    Column("fields", Text, nullable=False, doc="JSON: field name -> value as written"),
    Column("reliability", Text, nullable=False, doc="as written, never mapped to another scale"),
    Column("credibility", Text, nullable=False, doc="as written"),
    Column("credibility_scale", String(16), nullable=False, doc="the scale the value is on"),
    Column("flags", Text, nullable=False),
    Column("start", Integer, nullable=False, doc="where the block starts in the body (the text is not copied here)"),
    Column("end", Integer, nullable=False, doc="where its report text ends in the body"),
    Column("linked_code", String(40), nullable=True, doc="a stripped copy's code, from its full copy"),
    Column("linked_message", String(40), nullable=True, doc="the full copy a stripped copy was linked to"),
    PrimaryKeyConstraint("message", "position"),
    sqlite_with_rowid=False,
)
Index("insights_by_code", insights.c.code)

#: Abbreviations glossed in the archive's own text: "CDJ [Juarez]", "LE (law enforcement)".
glossary_pairs = Table(
    "glossary_pairs",
    metadata,
    Column("message", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("abbreviation", Text, nullable=False),
    Column("expansion", Text, nullable=False, doc="as written"),
    Column("form", String(16), nullable=False, doc="brackets, parentheses, or, appositive"),
    PrimaryKeyConstraint("message", "position"),
    sqlite_with_rowid=False,
)

SOURCE_TABLES = (code_mentions, insights, glossary_pairs)

# -- named entities: which messages name whom is in the index (fields
# ``places``, ``organisations``, ``named_people``); the case keeps only how
# each one is written, and the users' corrections.

#: One row per entity: the first way it was written, for display ("Ciudad Juárez" for ciudad juarez).
entity_names = Table(
    "entity_names",
    metadata,
    Column("kind", String(12), nullable=False, doc="person, organisation or place"),
    Column("key", Text, nullable=False, doc="folded, without full stops: the index term"),
    Column("name", Text, nullable=False, doc="as first written in the archive"),
    PrimaryKeyConstraint("kind", "key"),
    sqlite_with_rowid=False,
)

#: Users' corrections to entities, replayed on every read so they survive re-ingests.
entity_edits = Table(
    "entity_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action", String(12), nullable=False, doc="hide, show, merge, unmerge, rename"),
    Column("kind", String(12), nullable=False),
    Column("key", Text, nullable=False),
    Column("target_kind", String(12), nullable=False, default="", doc="merge: the entity it joins"),
    Column("target_key", Text, nullable=False, default=""),
    Column("name", Text, nullable=False, default="", doc="rename: the name to show"),
    Column("created", String(32), nullable=False),
)

ENTITY_TABLES = (entity_names, entity_edits)

#: Passages of each message's own text and their meaning vectors (``loupe.meaning``): derived data.
#: ``id`` is also the passage's key in the nearest-neighbour index (``meaning.usearch``).
passages = Table(
    "passages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message", String(40), nullable=False),
    Column("start", Integer, nullable=False, doc="offsets in the message body"),
    Column("end", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False, doc="256 int8 components: the unit vector x 384, clipped"),
)
Index("passages_by_message", passages.c.message)

#: Messages whose own text has been cut and embedded (with no passage when it is too short).
meaning_messages = Table(
    "meaning_messages",
    metadata,
    Column("message", String(40), primary_key=True),
    Column("passages", Integer, nullable=False),
    sqlite_with_rowid=False,
)

MEANING_TABLES = (passages, meaning_messages)

#: Each ``loupe verify``: when it finished, how many problems it found, and what it checked and found (JSON).
verifications = Table(
    "verifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finished", String(32), nullable=False),
    Column("problems", Integer, nullable=False),
    Column("summary", Text, nullable=False),
)

# -- what the whole-case step keeps so that adding mail redoes only what it touches
# (``loupe.analysis``): lookups by what links messages, filled and used by that step
# only, like the derived tables above; ``analysis_state`` says up to which run.

#: Near-duplicate components: messages whose signatures are linked by a verified
#: pair, directly or through others, share ``component`` (the smallest message id
#: among them). New mail regroups only the components it reaches
#: (``near_duplicates.grouping.regroup``). Messages with no near copy have no row.
near_components = Table(
    "near_components",
    metadata,
    Column("message", String(40), primary_key=True),
    Column("component", String(40), nullable=False),
    sqlite_with_rowid=False,
)
Index("near_components_by_component", near_components.c.component)

#: What a message names that is not the Message-ID of a message of the case (a
#: reference to mail the leak lacks; ``\x00`` and an Outlook conversation): one message
#: naming it, so that mail arriving later with that id finds the thread it joins.
thread_keys = Table(
    "thread_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("message", String(40), nullable=False),
    sqlite_with_rowid=False,
)

#: Dated messages by a 64-bit hash of their base subject (``threads.subjects``), for
#: threading reference-less replies by subject; ``child`` marks those replies.
thread_subjects = Table(
    "thread_subjects",
    metadata,
    Column("subject", BigInteger, nullable=False),
    Column("child", Boolean, nullable=False),
    Column("message", String(40), nullable=False),
    PrimaryKeyConstraint("subject", "child", "message"),
    sqlite_with_rowid=False,
)

#: How often each correspondent appears in each role, over the messages analysed.
correspondent_usage = Table(
    "correspondent_usage",
    metadata,
    Column("correspondent", Integer, nullable=False),
    Column("role", String(8), nullable=False),
    Column("messages", Integer, nullable=False),
    PrimaryKeyConstraint("correspondent", "role"),
    sqlite_with_rowid=False,
)

#: Who signed with each personal signature block (``people.signatures``): sender and display name.
signature_users = Table(
    "signature_users",
    metadata,
    Column("key", String(16), nullable=False),
    Column("email", Text, nullable=False, doc="lower-cased"),
    Column("name", Text, nullable=False),
    PrimaryKeyConstraint("key", "email", "name"),
    sqlite_with_rowid=False,
)

#: Every List-Id of the messages analysed (``people.identities.list_reason``).
list_ids = Table(
    "list_ids",
    metadata,
    Column("list_id", Text, primary_key=True),
    sqlite_with_rowid=False,
)

LINKING_TABLES = (near_components, thread_keys, thread_subjects, correspondent_usage, signature_users, list_ids)

CONVERSATION_TABLES = (
    analysis_state,
    thread_indexes,
    threads,
    near_signatures,
    near_duplicates,
    quoted_blocks,
    signature_keys,
    persons,
    person_addresses,
    person_counts,
    people_edits,
)

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("applied", String(32), nullable=False),
)
