"""Compressing originals: what parser workers do before the main process packs them.

Kept apart from ``blobs`` so worker processes do not import SQLAlchemy
(half of a worker's start-up time when it did).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import zstandard

#: Level 3 is zstd's default: several hundred MB/s; higher levels save a few
#: percent of disk for several times the CPU.
COMPRESSION_LEVEL = 3
#: Size of the trained dictionary (zstd's own default for training).
DICTIONARY_BYTES = 112_640
#: Samples to train on: enough to learn the archive's headers and footers.
DICTIONARY_SAMPLES = 1000


@dataclass(frozen=True)
class CompressedBlob:
    sha256: str
    size: int
    data: bytes  # zstd frame


class BlobCompressor:
    """Compresses blobs with the case's dictionary; one per worker process."""

    def __init__(self, dictionary: bytes | None) -> None:
        self.dict_id = dict_id(dictionary)
        zdict = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
        self._compressor = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL, dict_data=zdict)

    def compress(self, data: bytes) -> CompressedBlob:
        return CompressedBlob(hashlib.sha256(data).hexdigest(), len(data), self._compressor.compress(data))


def dict_id(dictionary: bytes | None) -> int:
    return zstandard.ZstdCompressionDict(dictionary).dict_id() if dictionary else 0


def train_dictionary(samples: Sequence[bytes]) -> bytes | None:
    """A zstd dictionary from sample messages, or None when there are too few."""
    usable: list[bytes | bytearray | memoryview] = [s for s in samples if s]
    if len(usable) < 100:
        return None
    try:
        return bytes(zstandard.train_dictionary(DICTIONARY_BYTES, usable).as_bytes())
    except zstandard.ZstdError:  # samples too small or too uniform to learn from
        return None
