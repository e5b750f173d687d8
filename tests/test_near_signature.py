"""Loupe's numpy MinHash gives datasketch's ``affine32`` signatures byte for byte, on real mail.

Stored signatures of every existing case were made by datasketch's
``MinHash.update_batch``; ``signature`` now computes them with numpy alone
(issue 17: cheaper, and no scipy import in each parser process), so it must
give the very same bytes, or old and new signatures would not compare.
"""

from __future__ import annotations

import zlib

import numpy as np

from loupe.ingest.archives import ArchiveLimits
from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.containers import WalkContext, walk
from loupe.ingest.mime import parse_message
from loupe.model import ItemKind, RawItem
from loupe.near_duplicates.signature import NUM_PERM, SCHEME, SEED, _permutations, normalise, shingles, signature
from tests.conftest import corpus


def _datasketch_signature(body: str) -> bytes | None:
    from datasketch import MinHash  # type: ignore[import-untyped]

    found = shingles(normalise(body))
    if len(found) < 25:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=zlib.crc32)
    minhash.update_batch([s.encode("utf-8") for s in found])
    return np.asarray(minhash.hashvalues).astype("<u2").tobytes()


def test_the_permutations_are_datasketchs() -> None:
    from datasketch import MinHash

    a, b = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=zlib.crc32).permutations
    ours_a, ours_b = _permutations()
    assert np.array_equal(a, ours_a) and np.array_equal(b, ours_b)


def test_signatures_equal_datasketchs_on_real_mail() -> None:
    folders = (
        "enron-sample",
        "notmuch-default",
        "mu-testdir",
        "notmuch-edge",
        "mimekit-mbox",
        "cpython-email",
        "flanker-messages",
        "mailparser-samples",
        "reply-formats",
        "gifiles-forms",
    )
    bodies = []
    for item in walk([corpus(folder) for folder in folders], WalkContext(ArchiveLimits(), 64 * 2**20)):
        if isinstance(item, RawItem) and item.kind is ItemKind.RFC822:
            try:
                bodies.append(parse_message(item.data, ExtractLimits()).body_text)
            except ValueError:
                continue
    signed = [body for body in bodies if signature(body) is not None]
    assert len(signed) >= 100, "the real corpora should give a hundred bodies long enough to sign"
    assert [signature(b) for b in bodies] == [_datasketch_signature(b) for b in bodies]
