"""The exception tree. Library code raises these; only the CLI prints them.

Each error carries the data behind the failure and builds its one-line
message from it, so the CLI and the web layer can show the same sentence.
"""

from __future__ import annotations


class LoupeError(Exception):
    """Base of every error Loupe raises on purpose."""


class CaseError(LoupeError):
    """A case folder is missing, unreadable, or from an incompatible version."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"case {path}: {reason}")


class IndexOutdated(CaseError):
    """The full-text index was made by an older Loupe: other fields, or other analysis of its text.

    The index is derived: the CLI makes it again from the stored originals
    on opening (``loupe.commands.common.open_case``); elsewhere the message names the command.
    """

    def __init__(self, path: str, found: int | None, current: int) -> None:
        self.found = found  # the index format it records; None when its fields are what differ
        self.current = current
        made = f"index format {found}, this Loupe writes {current}" if found is not None else "with other fields"
        super().__init__(
            path,
            f"this index was made by an older Loupe ({made}); run `loupe rebuild --index` to make it again "
            "from the stored originals (tags, notes and corrections are kept)",
        )


class InputError(LoupeError):
    """An input path given by the user cannot be read at all."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class NotFound(LoupeError):
    """A message id, blob or other named thing is not in the case."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        super().__init__(f"no {what} {key!r} in this case")


class QueryError(LoupeError):
    """A search query that cannot be understood; names the column (1-based)."""

    def __init__(self, query: str, position: int, problem: str) -> None:
        self.query = query
        self.position = position
        self.problem = problem
        super().__init__(f"{problem} at column {position + 1}")


class Ambiguous(LoupeError):
    """A name given by the user matches several things; lists a few of them."""

    def __init__(self, key: str, candidates: list[str]) -> None:
        self.key = key
        self.candidates = candidates
        super().__init__(f"{key!r} matches several: {', '.join(candidates)}; be more precise")


class AccountError(LoupeError):
    """A change to a server account or token that cannot be made: unknown user, name taken, weak password."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"user {name!r}: {reason}")


class LoginRefused(LoupeError):
    """A login or API token refused. The message never says whether the name or the password was
    wrong (that would tell a guesser which accounts exist); ``retry_after`` is set when throttled."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


class ServerError(LoupeError):
    """A team server that cannot be opened as asked: its folder names another database."""

    def __init__(self, folder: str, reason: str) -> None:
        self.folder = folder
        self.reason = reason
        super().__init__(f"server {folder}: {reason}")
