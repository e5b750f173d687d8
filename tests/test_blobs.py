"""The blob store gives back exactly what it was given, or refuses."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loupe.case import Case
from loupe.errors import NotFound
from loupe.store.compression import BlobCompressor, train_dictionary

#: Blob rows are in the case database: the tests taking ``case`` run on each backend (the
#: property test opens its own SQLite cases: the bytes round trip is the pack files').
pytestmark = pytest.mark.both_backends


def test_round_trip_without_and_with_dictionary(case: Case) -> None:
    first = case.blobs.put(b"plain bytes")
    assert case.blobs.get(first) == b"plain bytes"
    samples = [f"From: person{i}@example.org\nSubject: report {i}\n\nbody {i} ".encode() * 20 for i in range(300)]
    dictionary = train_dictionary(samples)
    assert dictionary is not None
    compressor = BlobCompressor(dictionary)
    assert compressor.dict_id != 0
    case.blobs.save_dictionary(dictionary)
    blob = compressor.compress(samples[7])
    assert len(blob.data) < len(samples[7]) / 4  # the dictionary is doing its job
    rows = case.blobs.append([blob], compressor.dict_id)
    case.blobs.sync()
    case.db.write_batch([], [], [], [], rows)
    assert case.blobs.get(blob.sha256) == samples[7]
    assert case.blobs.get(first) == b"plain bytes"  # older, dictionary-less blobs still read


def test_put_is_idempotent(case: Case) -> None:
    assert case.blobs.put(b"same") == case.blobs.put(b"same") == hashlib.sha256(b"same").hexdigest()


def test_damaged_pack_is_refused_not_returned(case: Case) -> None:
    digest = case.blobs.put(b"evidence that must not change" * 10)
    case.blobs.close()
    (pack,) = (case.root / "blobs" / "packs").glob("*.pack")
    data = bytearray(pack.read_bytes())
    data[-5] ^= 0xFF
    pack.write_bytes(bytes(data))
    with pytest.raises(NotFound, match="intact blob"):
        case.blobs.get(digest)


def test_unknown_blob(case: Case) -> None:
    with pytest.raises(NotFound):
        case.blobs.get("0" * 64)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_round_trip(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    case = Case.open(tmp_path_factory.mktemp("c") / "case", create=True)
    try:
        assert case.blobs.get(case.blobs.put(data)) == data
    finally:
        case.close()
