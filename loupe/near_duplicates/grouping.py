"""Group messages whose signatures say their bodies are near-identical.

Four steps, each bounded for a million messages:

1. *Identical signatures* are one node: a text mailed fifty times (a
   newsletter, an automated alert) costs one node, not 1,225 pairs.
2. *Candidates* are nodes equal on a whole band of ``ROWS`` values, for
   ``BANDS`` bands (classic MinHash LSH), with fixed bands rather than an
   optimiser tuned for the threshold itself (datasketch's picks 6 bands of
   10 and misses a pair *at* the threshold six times in ten); 16 bands of 4
   miss one at the threshold (50 of 64 values equal) less than once in
   100,000, for more candidates to verify. The banding is a numpy pass per
   band, not datasketch's ``MinHashLSH``, whose in-memory buckets cost
   320 MB at 100,000 messages of amplified mail (measured), several GB at a
   million: past the ingest memory bound. The signatures themselves are
   datasketch MinHashes (:mod:`loupe.near_duplicates.signature`).
3. *Verification*: a candidate becomes an edge only if the estimated
   Jaccard similarity (the share of equal values, as ``LeanMinHash.jaccard``)
   reaches the threshold.
4. *Stars, not chains*: union-find over the edges would chain texts that
   drift a little at each step (a report edited twice, template mail) into
   one group whose ends are unrelated. Each group is a centre plus the nodes
   that reach the threshold against the centre itself; centres are taken
   best-connected first, so an insight's full copy (close to both its
   forward and its stripped copy, which are further apart) is the centre of
   all three. Two members of a group are then at least ``2 * threshold - 1``
   similar (Jaccard distance is a metric). The cost is quadratic only within
   a cluster of distinct but near-identical signatures.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from loupe.near_duplicates.signature import NUM_PERM, SIGNATURE_BYTES, values

#: Estimated Jaccard similarity of two normalised bodies' shingle sets for them to
#: count as copies of one text (50 of 64 values equal). On the demo archive, over
#: ten MinHash seeds: at 0.76 stock sentences reordered or with another city
#: filled in pass more often (precision down to 0.95); at 0.80 copy-edited short
#: reports drop out (recall down to 0.87); 0.78 keeps recall >= 0.92, precision >= 0.97.
#: (Measured on the first demo text, whose stock sentences repeated; on the
#: varied text since, 0.78 scores precision 1.000 and recall 0.985-0.996 over
#: seeds 7, 11 and 23.)
THRESHOLD = 0.78
#: LSH bands and values per band (BANDS * ROWS <= NUM_PERM).
BANDS, ROWS = 16, 4

Matrix = npt.NDArray[np.uint16]


def group_near_duplicates(signatures: Iterable[tuple[str, bytes]], threshold: float = THRESHOLD) -> list[list[str]]:
    """Groups of two or more message ids, each sorted, the groups sorted by first id."""
    ids: list[str] = []
    packed = bytearray()
    for message, data in signatures:
        values(data)  # checks the length
        ids.append(message)
        packed += data
    rows = np.frombuffer(packed, dtype=np.dtype((np.void, SIGNATURE_BYTES)))
    unique, inverse = np.unique(rows, return_inverse=True)
    node_of = inverse.ravel()
    nodes: Matrix = unique.view("<u2").reshape(-1, NUM_PERM)
    weight = np.bincount(node_of, minlength=len(nodes)).tolist()
    stars = _stars(_verified_neighbours(nodes, threshold), weight)
    wanted = {node for centre, claimed in stars for node in [centre, *claimed]}
    members: dict[int, list[str]] = {}
    for index in np.flatnonzero(np.isin(node_of, list(wanted))).tolist():
        members.setdefault(int(node_of[index]), []).append(ids[index])
    groups = []
    for centre, claimed in stars:
        group = sorted(m for node in [centre, *claimed] for m in members[node])
        if len(group) > 1:
            groups.append(group)
    return sorted(groups)


def _verified_neighbours(nodes: Matrix, threshold: float) -> dict[int, list[int]]:
    """For each node with any, the nodes whose estimated similarity to it reaches the threshold.

    LSH banding done with numpy, band by band: nodes whose values agree on a
    whole band are candidates, then each candidate pair is verified on all
    values. datasketch's ``MinHashLSH`` finds the same pairs, but keeps a
    Python dict entry per node and band: 320 MB at 100,000 messages of
    amplified mail, so several GB at 1,000,000, past the ingest memory bound.
    Here memory is a few arrays of one entry per node plus the pairs found.
    """
    need = int(np.ceil(threshold * NUM_PERM - 1e-9))
    neighbours: dict[int, set[int]] = {}
    for band in range(BANDS):
        keys = np.ascontiguousarray(nodes[:, band * ROWS : (band + 1) * ROWS])
        band_keys = keys.view(np.dtype((np.void, keys.itemsize * ROWS))).ravel()
        _, inverse, counts = np.unique(band_keys, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        in_bucket = np.flatnonzero(counts[inverse] > 1)
        if in_bucket.size == 0:
            continue
        order = in_bucket[np.argsort(inverse[in_bucket], kind="stable")]
        bucket_of = inverse[order]
        starts = np.flatnonzero(np.r_[True, bucket_of[1:] != bucket_of[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            members = order[start:end]
            block = nodes[members]
            for i in range(len(members) - 1):
                equal = np.count_nonzero(block[i + 1 :] == block[i], axis=1)
                node = int(members[i])
                for other in members[i + 1 :][equal >= need].tolist():
                    neighbours.setdefault(node, set()).add(other)
                    neighbours.setdefault(other, set()).add(node)
    return {node: sorted(near) for node, near in neighbours.items()}


def _stars(neighbours: dict[int, list[int]], weight: list[int]) -> list[tuple[int, list[int]]]:
    """Centres, best-connected first, each claiming its unclaimed neighbours; lone nodes too."""
    degree = {n: weight[n] - 1 + sum(weight[o] for o in near) for n, near in neighbours.items()}
    claimed: set[int] = set()
    stars = []
    for centre in sorted(neighbours, key=lambda n: (-degree[n], n)):
        if centre in claimed:
            continue
        mine = sorted(o for o in neighbours[centre] if o not in claimed)
        claimed.update([centre, *mine])
        stars.append((centre, mine))
    stars += [(node, []) for node, count in enumerate(weight) if count > 1 and node not in neighbours]
    return stars
