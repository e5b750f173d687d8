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

from loupe.near_duplicates.signature import NUM_PERM, values

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
    matrix: Matrix = np.frombuffer(packed, dtype="<u2").reshape(-1, NUM_PERM)
    # identical signatures by a 64-bit digest of each row: sorting 8-byte keys,
    # not 128-byte rows, is what keeps a million signatures within memory
    _, first, inverse = np.unique(_digests(matrix), return_index=True, return_inverse=True)
    node_of = inverse.ravel()
    nodes: Matrix = matrix[first]
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


def _digests(matrix: Matrix) -> npt.NDArray[np.uint64]:
    """A 64-bit digest per row (multiply-xorshift over its four 64-bit words)."""
    words = np.ascontiguousarray(matrix).view("<u8")
    digest = np.zeros(len(words), dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrap-around multiplication is the point
        for column in range(words.shape[1]):
            digest = (digest ^ words[:, column]) * np.uint64(0x9E3779B97F4A7C15)
            digest ^= digest >> np.uint64(31)
    return digest


#: Values compared at once inside a bucket (rows x bucket size x 64): 16 MB of booleans.
CELLS = 16 * 1024 * 1024
#: A bucket larger than this (thousands of distinct but near-identical texts: a
#: newsletter whose every copy has its own unsubscribe link) is not compared
#: pair by pair, which is quadratic, but member by member against the
#: bucket's leaders so far: each member joins the first leader it is close
#: to, or becomes a leader. Groups are stars around a centre anyway, so only
#: member-to-centre pairs matter.
BIG_BUCKET = 2000


def _verified_neighbours(nodes: Matrix, threshold: float) -> dict[int, npt.NDArray[np.int32]]:
    """For each node with any, the nodes whose estimated similarity to it reaches the threshold.

    LSH banding done with numpy, band by band: nodes whose values agree on a
    whole band are candidates, then each candidate pair is verified on all
    values, a block of rows at a time. datasketch's ``MinHashLSH`` finds the
    same pairs, but keeps a Python dict entry per node and band: 320 MB at
    100,000 messages of amplified mail, several GB at 1,000,000, past the
    ingest memory bound. Pairs are kept as numpy arrays (8 bytes a pair, not
    a Python set entry): a million amplified messages have 3.6 million.
    """
    need = int(np.ceil(threshold * NUM_PERM - 1e-9))
    pairs = np.empty(0, dtype=np.int64)
    for band in range(BANDS):
        found: list[npt.NDArray[np.int64]] = []
        keys = np.ascontiguousarray(nodes[:, band * ROWS : (band + 1) * ROWS])
        band_keys = keys.view("<u8").ravel() if keys.itemsize * ROWS == 8 else keys.view(f"V{keys.itemsize * ROWS}")
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
            members = order[start:end].astype(np.int64)
            if len(members) > BIG_BUCKET:
                found.extend(_leader_pairs(nodes, members, need))
                continue
            block = nodes[members]
            step = max(1, CELLS // (len(members) * NUM_PERM))
            for row in range(0, len(members) - 1, step):
                upper = min(row + step, len(members) - 1)
                equal = (block[row:upper, None, :] == block[None, :, :]).sum(axis=2, dtype=np.int16)
                a, b = np.nonzero(equal >= need)
                keep = b > a + row  # each pair once, no node with itself
                if keep.any():
                    found.append(members[a[keep] + row] * len(nodes) + members[b[keep]])
        if found:  # a pair shares several bands: merged band by band, kept once
            pairs = np.union1d(pairs, np.concatenate(found))
    if pairs.size == 0:
        return {}
    left, right = (pairs // len(nodes)).astype(np.int32), (pairs % len(nodes)).astype(np.int32)
    del pairs
    both = np.concatenate([left, right])
    other = np.concatenate([right, left])
    del left, right
    order = np.argsort(both, kind="stable")
    both, other = both[order], other[order]
    del order
    cuts = np.flatnonzero(np.r_[True, both[1:] != both[:-1]])
    return {int(both[c]): np.sort(part) for c, part in zip(cuts, np.split(other, cuts[1:]), strict=True)}


def _leader_pairs(nodes: Matrix, members: npt.NDArray[np.int64], need: int) -> list[npt.NDArray[np.int64]]:
    leaders: list[int] = []
    pairs: list[int] = []
    for member in members.tolist():
        if leaders:
            equal = np.count_nonzero(nodes[leaders] == nodes[member], axis=1)
            close = np.flatnonzero(equal >= need)
            if close.size:
                leader = leaders[int(close[0])]
                pairs.append(min(leader, member) * len(nodes) + max(leader, member))
                continue
        leaders.append(member)
    return [np.asarray(pairs, dtype=np.int64)] if pairs else []


def _stars(neighbours: dict[int, npt.NDArray[np.int32]], weight: list[int]) -> list[tuple[int, list[int]]]:
    """Centres, best-connected first, each claiming its unclaimed neighbours; lone nodes too."""
    weights = np.asarray(weight, dtype=np.int64)
    degree = {n: weight[n] - 1 + int(weights[near].sum()) for n, near in neighbours.items()}
    claimed = np.zeros(len(weight), dtype=bool)
    stars = []
    for centre in sorted(neighbours, key=lambda n: (-degree[n], n)):
        if claimed[centre]:
            continue
        near = neighbours[centre]
        mine = near[~claimed[near]]
        claimed[centre] = True
        claimed[mine] = True
        stars.append((centre, mine.tolist()))
    stars += [(node, []) for node, count in enumerate(weight) if count > 1 and node not in neighbours]
    return stars
