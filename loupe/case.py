"""A case: one folder holding the database, the full-text index and the blobs.

my-case/
  case.toml   settings ([ingest] table; see ``loupe.config``)
  case.db     SQLite (WAL), readable in Datasette
  index/      Tantivy full-text index
  blobs/      original messages and attachments, zstd, by SHA-256
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loupe.config import Settings
from loupe.errors import CaseError
from loupe.ingest.emlx import emlx_to_rfc822, sniff_emlx
from loupe.ingest.mime import parse_message
from loupe.ingest.outlook import msg_to_rfc822, sniff_msg
from loupe.model import ParsedMessage
from loupe.search.index import FullTextIndex, Hit
from loupe.search.query import parse
from loupe.store.blobs import BlobStore
from loupe.store.database import CaseDatabase

CASE_TOML = """\
# Loupe case settings. Every key is optional; see `loupe ingest --help`.
[ingest]
# workers = 0            # parser processes; 0 = one per core
# batch_size = 2000      # messages per store transaction
"""


@dataclass
class Case:
    root: Path
    settings: Settings
    db: CaseDatabase
    blobs: BlobStore
    _index: FullTextIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> FullTextIndex:
        """Opened on first use: commands that only read the database stay fast."""
        if self._index is None:
            self._index = FullTextIndex(self.root / "index")
        return self._index

    @classmethod
    def open(cls, root: Path, *, create: bool = False, db_url: str | None = None) -> Case:
        if not (root / "case.db").exists() and db_url is None:
            if not create:
                raise CaseError(str(root), "no case here (run `loupe ingest PATH --case DIR` to create one)")
            root.mkdir(parents=True, exist_ok=True)
            if not (root / "case.toml").exists():  # settings written before the first ingest stay
                (root / "case.toml").write_text(CASE_TOML, "utf-8")
        if root.exists() and not root.is_dir():
            raise CaseError(str(root), "not a folder")
        settings = Settings.from_toml(root / "case.toml")
        db = CaseDatabase(db_url or f"sqlite:///{root / 'case.db'}")
        return cls(root=root, settings=settings, db=db, blobs=BlobStore(root / "blobs", db))

    def parsed(self, message_id: str, with_headers: bool = False) -> ParsedMessage:
        """A stored message re-parsed from its original bytes.

        Bodies live only in the originals; parsing one again takes well
        under a millisecond and shows exactly what the evidence says.
        """
        raw = self.blobs.get(self.db.message(message_id)["raw_sha256"])
        if sniff_msg(raw[:8]):
            raw = msg_to_rfc822(raw)
        elif sniff_emlx(raw[:1024]):
            raw = emlx_to_rfc822(raw)
        return parse_message(raw, self.settings.extract_limits, with_headers=with_headers)

    def search(self, query: str, limit: int = 20, offset: int = 0, by_date: bool = False) -> tuple[int, list[Hit]]:
        """Run a query; the exact total and one page of hits with snippets."""
        return self.index.search(
            parse(query),
            limit=limit,
            offset=offset,
            by_date=by_date,
            body_for=lambda message_id: self.parsed(message_id).body_text,
        )

    def matching_ids(self, query: str) -> list[str]:
        """Ids of every message matching a query, with no cap."""
        return self.index.matching_ids(parse(query))

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
        self.blobs.close()
        self.db.close()
