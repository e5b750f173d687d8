"""One message's near-duplicate signature: a MinHash of its normalised body, as bytes.

Computed by the ingest workers and stored per message, so it is small and
the same in every process and run: datasketch's ``affine32`` MinHash with a
fixed seed over CRC-32 hashes of the shingles (never Python's salted
``hash()``; not datasketch's default SHA-1, which made the signature cost
half as much as parsing the message: shingle hashes need spread, not
secrecy), of which only the low 16 bits of each value are kept (a b-bit
MinHash). Two unrelated values then agree by chance once in 65,536, which
moves an estimated similarity by less than 0.00002: far below the sampling
error of ``NUM_PERM`` values, for half the bytes of 32-bit values.

Parameters, measured on a 3,000-message demo archive (seed 7, 310 truth pairs;
figures over ten MinHash seeds; ``tests/test_near_duplicates.py`` checks the
2,000-message one):

- ``SHINGLE_WORDS`` = 3: copies differ by an edited word or a changed figure,
  and each edit changes ``SHINGLE_WORDS`` shingles: a copy-edited 35-word
  report keeps an exact Jaccard of 0.67-0.8 with its original at 3 words,
  less at 4 or 5 (recall fell to 0.84 at 5). 2-word shingles lifted
  unrelated texts made of the same stock sentences in another order above
  0.8 (four times the wrong pairs).
- ``MIN_SHINGLES`` = 25 (27 words): below that a body is a one-liner
  ("Thanks!", "Attached is the PDF we discussed"), and unrelated one-liners
  are word for word the same all the time. 457 of the demo's 3,000 bodies
  are that short.
- ``NUM_PERM`` = 64 (128 bytes stored): at the 0.78 threshold every seed
  kept recall >= 0.92 and precision >= 0.97; with 48 recall fell to 0.88,
  with 32 precision to 0.68 (estimates too coarse); 128 buys recall >= 0.95
  for twice the bytes.

The signature is computed here with numpy, as datasketch 2's ``affine32``
scheme defines it (the MurmurHash3 finaliser over each 32-bit shingle hash,
then the minimum of ``a * h + b`` modulo 2**32 for each of the seeded
permutations): the same bytes as ``MinHash.update_batch`` gave, for 19,728
of 19,728 real and demo bodies (``bench/compiled_choice.py``;
``tests/test_near_signature.py`` compares the two), 0.026 ms a message
cheaper, and without importing datasketch and scipy (0.45 s) in every
parser process. datasketch stays for ``from_bytes``. rensa (MinHash in Rust)
and xxhash were measured too: 0.05 ms a message cheaper still, but every
stored signature would change (``bench/RESULTS.md``).
"""

from __future__ import annotations

import re
import zlib
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # datasketch pulls in scipy (0.35 s): imported where a MinHash is made, not by every command
    from datasketch import LeanMinHash  # type: ignore[import-untyped]

from loupe.near_duplicates.normalise import normalise

__all__ = [
    "NUM_PERM",
    "SIGNATURE_BYTES",
    "from_bytes",
    "normalise",
    "shingles",
    "signature",
    "similarity",
    "values",
]

NUM_PERM = 64
SHINGLE_WORDS = 3
MIN_SHINGLES = 25
#: Changing the seed, the scheme or the stored width makes old signatures incomparable.
SEED = 7
SCHEME = "affine32"
_STORED = np.dtype("<u2")  # low 16 bits, little-endian whatever the machine
SIGNATURE_BYTES = NUM_PERM * _STORED.itemsize

_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The set of ``size``-word runs of a normalised text (none when it is shorter).

    >>> sorted(shingles("a b c d"))
    ['a b c', 'b c d']
    """
    words = _WORD.findall(text)
    if size == 3:  # the stored signature's size: zip is twice as fast as slicing
        return {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(body: str) -> bytes | None:
    """The stored signature of a body, or None when it is too short to judge."""
    found = shingles(normalise(body))
    if len(found) < MIN_SHINGLES:
        return None
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, found)), dtype=np.uint32, count=len(found))
    a, b = _permutations()
    smallest: npt.NDArray[np.uint32] = (_fmix32(hashes)[:, None] * a + b).min(axis=0)
    return smallest.astype(_STORED).tobytes()


def _fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finaliser (multiplications wrap modulo 2**32, as intended)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@cache
def _permutations() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """The ``NUM_PERM`` affine permutations ``h -> a * h + b`` (odd ``a``: a bijection), drawn
    from ``SEED`` in the order datasketch's ``affine32`` scheme draws them."""
    draw = np.random.RandomState(SEED)
    a = draw.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def values(data: bytes) -> npt.NDArray[np.uint16]:
    """The stored hash values of a signature (uint16)."""
    if len(data) != SIGNATURE_BYTES:
        raise ValueError(f"a near-duplicate signature is {SIGNATURE_BYTES} bytes, not {len(data)}")
    return np.frombuffer(data, dtype=_STORED)


def from_bytes(data: bytes) -> LeanMinHash:
    """A datasketch ``LeanMinHash`` back from stored bytes (for ``MinHashLSH`` and ``jaccard``)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=values(data).astype(np.uint32), scheme=SCHEME)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets (``LeanMinHash.jaccard``)."""
    return float(np.count_nonzero(values(a) == values(b))) / NUM_PERM
