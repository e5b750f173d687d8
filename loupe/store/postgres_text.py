"""Text as PostgreSQL stores it: its ``text`` cannot hold NUL (U+0000), and hostile or broken
mail has NUL in its headers (``tests/fixtures/mail/nul_in_headers.eml``).

On PostgreSQL every string a statement sends goes with each NUL as U+FFFD, the replacement
character: shown, so a reader sees that something stood there (dropping it would make
"Ann\\0Lee" "AnnLee"). That is done where psycopg turns a Python string into the server's
text, so every store's writes get it in one place, and so do the lookups that compare with
what was written (a WHERE on a name that held NUL finds the row stored for it).

Evidence is not altered: an item's bytes stay as they were in the blob store, ids and keys are
hashed from the parsed text (before this), and the full-text index is fed by the parser, not by
the database, so it reads the same text on either backend. SQLite holds NUL, and keeps it: its
cases are as they were.
"""

from __future__ import annotations

from typing import Any

from psycopg.adapt import Buffer
from psycopg.types.string import StrBinaryDumper, StrDumperUnknown

NUL = "\x00"
#: What a NUL is stored as on PostgreSQL.
REPLACEMENT = "\ufffd"


def nul_free(value: str) -> str:
    """``value`` as PostgreSQL stores it."""
    return value.replace(NUL, REPLACEMENT) if NUL in value else value


class _NulFreeText(StrDumperUnknown):
    """psycopg's default for strings (text format, type left to the server), NUL-free."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(nul_free(obj))


class _NulFreeBinary(StrBinaryDumper):
    """The same for a statement sent in binary format."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(nul_free(obj))


def send_nul_free(dbapi_connection: Any, _record: Any) -> None:
    """Engine "connect" listener: this connection sends its strings NUL-free.

    Binary first, text last, as psycopg registers its own: the last one is the default."""
    dbapi_connection.adapters.register_dumper(str, _NulFreeBinary)
    dbapi_connection.adapters.register_dumper(str, _NulFreeText)
