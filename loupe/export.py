"""Getting evidence back out of a case, byte for byte."""

from __future__ import annotations

from loupe.case import Case


def raw_message(case: Case, key: str) -> bytes:
    """The original bytes of a message's first copy, verified against its SHA-256.

    ``BlobStore.get`` re-hashes what it decompresses, so a damaged blob is
    an error, never silently different evidence.
    """
    return case.blobs.get(case.db.raw_sha256_of(case.db.resolve(key)))
