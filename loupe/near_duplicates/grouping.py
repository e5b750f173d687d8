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

Adding mail regroups only what it reaches (:func:`regroup`). The edges of a
node depend on its own buckets, and the stars of a *component* (nodes linked
by edges, directly or through others) on that component alone: centres are
taken in one global order, but a centre claims only its neighbours. So the
stored components (``near_components``) say what to redo: the components
the new signatures join, recomputed whole. That holds because every rule
above is a property of the final set of signatures, not of the order they
came in: see ``BIG_BUCKET`` for the one rule that had to change for it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

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
#: LSH bands and values per band (BANDS * ROWS <= NUM_PERM); a band's values are one 64-bit key.
BANDS, ROWS = 16, 4

Matrix = npt.NDArray[np.uint16]
Ints = npt.NDArray[np.int64]
#: Runs ``band_pairs(nodes, band, need)`` for each of ``bands`` bands, somewhere; each band's pairs, in any order.
BandMapper = Callable[[Callable[[Matrix, int, int], Ints], Matrix, int, int], Iterable[Ints]]


@dataclass
class Grouping:
    """Near-duplicate groups and the components they were cut from."""

    groups: list[list[str]]  # two or more message ids each, sorted; the groups sorted by first id
    #: message -> its component (the smallest message id of it), for messages whose
    #: signature has a verified pair; the others are components of their own
    components: dict[str, str] = field(default_factory=dict)
    #: for ``regroup``: every message whose groups and component these replace
    region: list[str] = field(default_factory=list)


def group_near_duplicates(signatures: Iterable[tuple[str, bytes]], threshold: float = THRESHOLD) -> list[list[str]]:
    """Groups of two or more message ids, each sorted, the groups sorted by first id."""
    return link_near_duplicates(signatures, threshold).groups


def link_near_duplicates(
    signatures: Iterable[tuple[str, bytes]], threshold: float = THRESHOLD, map_bands: BandMapper | None = None
) -> Grouping:
    """The groups of the whole case, and its components (``map_bands``: see ``_verified_pairs``)."""
    nodes = _Nodes(signatures)
    pairs = _verified_pairs(nodes.matrix, _needed(threshold), map_bands)
    everything = np.arange(len(nodes.weight), dtype=np.int64)
    return nodes.grouping(pairs, everything)


def regroup(
    signatures: Iterable[tuple[str, bytes]],
    new: Collection[str],
    stored_components: Callable[[list[str]], dict[str, str]],
    component_members: Callable[[list[str]], list[str]],
    threshold: float = THRESHOLD,
) -> Grouping:
    """The groups and components of the region that the ``new`` messages reach, as
    :func:`link_near_duplicates` would cut them from all ``signatures`` (new ones
    included); ``region`` lists every message whose groups and component they replace.

    ``stored_components`` gives, for messages analysed before, their stored component
    (as ``link_near_duplicates`` gave it); ``component_members`` every message of such
    components. The region is closed: a node outside it keeps its edges, its weight and
    its component's nodes, so its star is unchanged. It is made of

    - *touched* nodes: those holding a new message, and those sharing a bucket with a
      new node that reach the threshold against it (the edges that appear; in a big
      bucket, the anchors that change: ``BIG_BUCKET``); when a bucket grows past
      ``BIG_BUCKET``, its old members too, whose exhaustive pairs become anchors;
    - the stored components of the touched nodes, whole.
    """
    need = _needed(threshold)
    nodes = _Nodes(signatures)
    n = len(nodes.weight)
    if n == 0:
        return Grouping([])
    is_new = np.zeros(len(nodes.ids), dtype=bool)
    for message in new:
        row = nodes.row(message)
        if row is not None:
            is_new[row] = True
    if not is_new.any():
        return Grouping([])
    old_weight = np.bincount(nodes.node_of[~is_new], minlength=n)
    touched = np.zeros(n, dtype=bool)
    touched[nodes.node_of[is_new]] = True
    fresh = np.flatnonzero(touched & (old_weight == 0))  # nodes no analysed message had
    bands = [_Band(nodes.matrix, band) for band in range(BANDS)]
    for band in bands:
        for members in band.buckets_of(fresh):
            mine = members[old_weight[members] == 0]
            close = _close_to_any(nodes.matrix, members, mine, need)
            touched[members[close]] = True
            old = members[old_weight[members] > 0]
            if len(members) > BIG_BUCKET >= len(old):  # its exhaustive pairs become anchors
                touched[old] = True
    region = touched.copy()
    old_messages = [nodes.ids[r] for r in nodes.rows_of(np.flatnonzero(touched)) if not is_new[r]]
    labels = sorted(set(stored_components(old_messages).values()))
    for message in component_members(labels):
        row = nodes.row(message)
        if row is not None:
            region[nodes.node_of[row]] = True
    among = np.flatnonzero(region)
    pairs = _Pairs(nodes.matrix, need)
    for band in bands:
        for members in band.buckets_of(among):
            # a member's pairs are all in its component, so in the region: in a big bucket, its
            # anchor is the first member *of the region* close to it, found among those alone
            mine = members[region[members]]
            if len(members) > BIG_BUCKET:
                pairs.anchors(mine)
            else:
                pairs.exhaustive(mine)
    return nodes.grouping(pairs.result(), among, region=True)


def _needed(threshold: float) -> int:
    """Equal values a verified pair needs."""
    return int(np.ceil(threshold * NUM_PERM - 1e-9))


class _Nodes:
    """Signatures read once (in message-id order), identical ones made one node."""

    def __init__(self, signatures: Iterable[tuple[str, bytes]]) -> None:
        ids: list[str] = []
        packed = bytearray()
        for message, data in signatures:
            values(data)  # checks the length
            ids.append(message)
            packed += data
        matrix: Matrix = np.frombuffer(packed, dtype="<u2").reshape(-1, NUM_PERM)
        if any(a >= b for a, b in pairwise(ids)):  # the store gives them in order; other callers may not
            order = sorted(range(len(ids)), key=ids.__getitem__)
            ids, matrix = [ids[i] for i in order], matrix[order]
        self.ids = ids
        # identical signatures by a 64-bit digest of each row: sorting 8-byte keys,
        # not 128-byte rows, is what keeps a million signatures within memory
        _, first, inverse = np.unique(_digests(matrix), return_index=True, return_inverse=True)
        self.node_of: Ints = inverse.ravel().astype(np.int64)
        self.matrix: Matrix = matrix[first]
        self.weight: list[int] = np.bincount(self.node_of, minlength=len(first)).tolist()
        self._by_node = np.argsort(self.node_of, kind="stable")
        self._sorted_nodes = self.node_of[self._by_node]

    def row(self, message: str) -> int | None:
        at = bisect_left(self.ids, message)
        return at if at < len(self.ids) and self.ids[at] == message else None

    def rows_of(self, nodes: Ints) -> list[int]:
        """Every row (message) of these nodes."""
        starts = np.searchsorted(self._sorted_nodes, nodes, "left")
        ends = np.searchsorted(self._sorted_nodes, nodes, "right")
        return [int(r) for s, e in zip(starts.tolist(), ends.tolist(), strict=True) for r in self._by_node[s:e]]

    def grouping(self, pairs: Ints, among: Ints, region: bool = False) -> Grouping:
        """Stars and components of the nodes ``among`` (closed under ``pairs``); with
        ``region``, every message of those nodes too."""
        size = len(self.weight)
        neighbours = _neighbours(pairs, size)
        stars = _stars(neighbours, self.weight, among)
        left, right = pairs // size, pairs % size
        linked = np.unique(np.concatenate([left, right]))
        # messages only of the nodes in a group or a component: a million signatures are
        # mostly neither, and a list per node of them cost 100 MB
        wanted = np.union1d(linked, np.asarray([node for centre, claimed in stars for node in (centre, *claimed)]))
        members: dict[int, list[str]] = {}
        for r in self.rows_of(wanted.astype(np.int64)):
            members.setdefault(int(self.node_of[r]), []).append(self.ids[r])
        groups = []
        for centre, claimed in stars:
            group = sorted(m for node in [centre, *claimed] for m in members[node])
            if len(group) > 1:
                groups.append(group)
        components: dict[str, str] = {}
        if pairs.size:
            root = _components(size, left, right)
            label: dict[int, str] = {}
            for node in linked.tolist():
                first = min(members[node])
                key = int(root[node])
                if key not in label or first < label[key]:
                    label[key] = first
            components = {m: label[int(root[node])] for node in linked.tolist() for m in members[node]}
        everyone = sorted(self.ids[r] for r in self.rows_of(among)) if region else []
        return Grouping(sorted(groups), components, everyone)


def _digests(matrix: Matrix) -> npt.NDArray[np.uint64]:
    """A 64-bit digest per row (multiply-xorshift over its 64-bit words)."""
    words = np.ascontiguousarray(matrix).view("<u8")
    digest = np.zeros(len(words), dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrap-around multiplication is the point
        for column in range(words.shape[1]):
            digest = (digest ^ words[:, column]) * np.uint64(0x9E3779B97F4A7C15)
            digest ^= digest >> np.uint64(31)
    return digest


def _band_keys(nodes: Matrix, band: int) -> npt.NDArray[np.uint64]:
    """One 64-bit key per node: its ``ROWS`` values of the band (16-bit each)."""
    keys = np.ascontiguousarray(nodes[:, band * ROWS : (band + 1) * ROWS])
    if keys.itemsize * ROWS == 8:
        return keys.view("<u8").ravel()
    return _digests(np.pad(keys, ((0, 0), (0, -ROWS % 4))))  # another layout: digested (not the stored one)


class _Band:
    """One band's keys, sorted once, to find the bucket of any node."""

    def __init__(self, nodes: Matrix, band: int) -> None:
        self.keys = _band_keys(nodes, band)
        self.order = np.argsort(self.keys, kind="stable")  # within a bucket: node order
        self.sorted = self.keys[self.order]

    def buckets_of(self, nodes: Ints) -> Iterable[Ints]:
        """The members (in node order) of every bucket of two or more holding one of ``nodes``."""
        keys = np.unique(self.keys[nodes])
        starts = np.searchsorted(self.sorted, keys, "left")
        ends = np.searchsorted(self.sorted, keys, "right")
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if end - start > 1:
                yield self.order[start:end].astype(np.int64)


#: Values compared at once inside a bucket (rows x bucket size x 64): 16 MB of booleans.
CELLS = 16 * 1024 * 1024
#: A bucket larger than this (thousands of distinct but near-identical texts: a
#: newsletter whose every copy has its own unsubscribe link) is not compared pair
#: by pair into edges, which could be millions of them, but gives each member one
#: edge: to its *anchor*, the first member of the bucket (in signature order) that
#: reaches the threshold against it. A newsletter's copies then all hang on one
#: node, the centre of their star. The anchor depends only on who is in the bucket,
#: not on when they came. The rule before ("join the first *leader* close to you,
#: else become one") made every member's edge depend on all members before it, so
#: one message added to a bucket of 15,132 (at 1,000,000 messages of amplified
#: list mail, where 66 buckets are big) could change edges through the whole
#: bucket, and adding mail meant redoing the bucket, 5-10 s each. Both rules keep
#: to about one edge a member and differ in which close member it is; at
#: 1,000,000 messages anchors give 31,009 groups of 80,750 messages, leaders gave
#: 31,013 of 80,776; on the demo archive no bucket is big.
BIG_BUCKET = 2000


def _verified_pairs(nodes: Matrix, need: int, map_bands: BandMapper | None = None) -> Ints:
    """Every edge, as ``a * len(nodes) + b`` (``a < b``), each once.

    LSH banding done with numpy, band by band: nodes whose values agree on a
    whole band are candidates, then each candidate pair is verified on all
    values, a block of rows at a time. datasketch's ``MinHashLSH`` finds the
    same pairs, but keeps a Python dict entry per node and band: 320 MB at
    100,000 messages of amplified mail, several GB at 1,000,000, past the
    ingest memory bound. Pairs are kept as numpy arrays (8 bytes a pair, not
    a Python set entry): a million amplified messages have 1.8 million.

    The bands are independent, and most of the whole-case step's time at a million
    messages (69 of 80 s): ``map_bands`` runs ``band_pairs`` for each of them elsewhere
    (on a Dask cluster's workers: ``ingest.distributed.band_mapper``); the pairs are the same.
    """
    pairs = np.empty(0, dtype=np.int64)
    if map_bands is None:
        found_by_band: Iterable[Ints] = (band_pairs(nodes, band, need) for band in range(BANDS))
    else:
        found_by_band = map_bands(band_pairs, nodes, need, BANDS)
    for found in found_by_band:
        pairs = np.union1d(pairs, found)  # a pair shares several bands: merged, kept once
    return pairs


def band_pairs(nodes: Matrix, band: int, need: int) -> Ints:
    """The verified pairs among the nodes that agree on one band."""
    _, inverse, counts = np.unique(_band_keys(nodes, band), return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    in_bucket = np.flatnonzero(counts[inverse] > 1)
    if in_bucket.size == 0:
        return np.empty(0, dtype=np.int64)
    order = in_bucket[np.argsort(inverse[in_bucket], kind="stable")]
    bucket_of = inverse[order]
    starts = np.flatnonzero(np.r_[True, bucket_of[1:] != bucket_of[:-1]])
    ends = np.r_[starts[1:], len(order)]
    found = _Pairs(nodes, need)
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        members = order[start:end].astype(np.int64)
        if len(members) > BIG_BUCKET:
            found.anchors(members)
        else:
            found.exhaustive(members)
    return found.result()


#: Buckets of at most this many members have their pairs verified together, a numpy pass for
#: many buckets: most buckets hold two or three nodes, and a pass each cost more than the
#: comparing (42,844 of them for 10,000 messages added at 1,000,000).
SMALL_BUCKET = 12
_TRIANGLES = [np.triu_indices(size, 1) for size in range(SMALL_BUCKET + 1)]
#: Candidate pairs verified at once (128 bytes each side).
PAIRS_AT_ONCE = 1 << 16


class _Pairs:
    """Verified pairs of one or more bands, as ``a * len(nodes) + b`` (``a < b``), unique."""

    def __init__(self, nodes: Matrix, need: int) -> None:
        self.nodes, self.need = nodes, need
        self.found: list[Ints] = [np.empty(0, dtype=np.int64)]
        self.left: list[Ints] = []
        self.right: list[Ints] = []
        self.waiting = 0

    def exhaustive(self, members: Ints) -> None:
        """Every pair of ``members`` (in node order) that reaches the threshold."""
        if len(members) > SMALL_BUCKET:
            self.found.append(_exhaustive_pairs(self.nodes, members, self.need))
            return
        a, b = _TRIANGLES[len(members)]
        self.left.append(members[a])
        self.right.append(members[b])
        self.waiting += len(a)
        if self.waiting >= PAIRS_AT_ONCE:
            self._verify()

    def anchors(self, members: Ints) -> None:
        """Each of ``members``' (in node order) edge to its anchor (``BIG_BUCKET``)."""
        self.found.append(_anchor_pairs(self.nodes, members, self.need))

    def result(self) -> Ints:
        self._verify()
        return np.unique(np.concatenate(self.found))

    def _verify(self) -> None:
        if not self.waiting:
            return
        left, right = np.concatenate(self.left), np.concatenate(self.right)
        self.left, self.right, self.waiting = [], [], 0
        for start in range(0, len(left), PAIRS_AT_ONCE):
            a, b = left[start : start + PAIRS_AT_ONCE], right[start : start + PAIRS_AT_ONCE]
            close = np.count_nonzero(self.nodes[a] == self.nodes[b], axis=1) >= self.need
            self.found.append(a[close] * len(self.nodes) + b[close])


def _exhaustive_pairs(nodes: Matrix, members: Ints, need: int) -> Ints:
    """Every pair of ``members`` (in node order) that reaches the threshold."""
    if len(members) < 2:
        return np.empty(0, dtype=np.int64)
    found: list[Ints] = []
    block = nodes[members]
    step = max(1, CELLS // (len(members) * NUM_PERM))
    for row in range(0, len(members) - 1, step):
        upper = min(row + step, len(members) - 1)
        a, b = np.nonzero(_close(block[row:upper], block, need))
        keep = b > a + row  # each pair once, no node with itself
        if keep.any():
            found.append(members[a[keep] + row] * len(nodes) + members[b[keep]])
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


#: Members of a big bucket compared at once with each of its members (``_anchor_pairs``).
ANCHOR_COLUMNS = 1024


def _anchor_pairs(nodes: Matrix, members: Ints, need: int) -> Ints:
    """Each member's (in node order) edge to its anchor (``BIG_BUCKET``)."""
    block = nodes[members]
    step = max(1, CELLS // (ANCHOR_COLUMNS * NUM_PERM))
    found: list[Ints] = []
    for row in range(0, len(members), step):
        mine = members[row : row + step]
        rows = nodes[mine]
        anchor = np.full(len(mine), -1, dtype=np.int64)
        waiting = np.arange(len(mine))
        for column in range(0, len(members), ANCHOR_COLUMNS):
            others = members[column : column + ANCHOR_COLUMNS]
            close = _close(rows[waiting], block[column : column + ANCHOR_COLUMNS], need)
            close &= mine[waiting, None] != others[None, :]
            hit = close.any(axis=1)
            if hit.any():
                anchor[waiting[hit]] = others[close[hit].argmax(axis=1)]
                waiting = waiting[~hit]
                if waiting.size == 0:
                    break
        has = anchor >= 0
        a, b = mine[has], anchor[has]
        found.append(np.minimum(a, b) * len(nodes) + np.maximum(a, b))
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _close_to_any(nodes: Matrix, members: Ints, of: Ints, need: int) -> npt.NDArray[np.bool_]:
    """Which ``members`` reach the threshold against one of ``of`` (themselves included)."""
    close = np.zeros(len(members), dtype=bool)
    block = nodes[members]
    step = max(1, CELLS // (len(members) * NUM_PERM))
    for row in range(0, len(of), step):
        close |= _close(nodes[of[row : row + step]], block, need).any(axis=0)
    return close


def _close(left: Matrix, right: Matrix, need: int) -> npt.NDArray[np.bool_]:
    """For each row of ``left`` and of ``right``, whether the two reach the threshold. (Comparing
    16 values outside the bucket's band first, which settles most pairs, was 2.5 times slower at
    1,000,000 messages, 22 s against 8.7 s for two bands: the pairs left are gathered, not streamed.)"""
    close: npt.NDArray[np.bool_] = (left[:, None, :] == right[None, :, :]).sum(axis=2, dtype=np.int16) >= need
    return close


def _neighbours(pairs: Ints, size: int) -> dict[int, npt.NDArray[np.int32]]:
    """For each node with any, the nodes it forms a pair with (sorted)."""
    if pairs.size == 0:
        return {}
    left, right = (pairs // size).astype(np.int32), (pairs % size).astype(np.int32)
    both = np.concatenate([left, right])
    other = np.concatenate([right, left])
    del left, right
    order = np.argsort(both, kind="stable")
    both, other = both[order], other[order]
    del order
    cuts = np.flatnonzero(np.r_[True, both[1:] != both[:-1]])
    return {int(both[c]): np.sort(part) for c, part in zip(cuts, np.split(other, cuts[1:]), strict=True)}


def _components(size: int, left: Ints, right: Ints) -> Ints:
    """A root per node (the smallest node of its component), by hooking and pointer jumping."""
    root = np.arange(size, dtype=np.int64)
    while True:
        a, b = root[left], root[right]
        if np.array_equal(a, b):
            return root
        low = np.minimum(a, b)
        np.minimum.at(root, a, low)
        np.minimum.at(root, b, low)
        while True:  # every node straight to its root
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped


def _stars(neighbours: dict[int, npt.NDArray[np.int32]], weight: list[int], among: Ints) -> list[tuple[int, list[int]]]:
    """Centres, best-connected first, each claiming its unclaimed neighbours; lone nodes too.

    Over the nodes ``among`` (closed under ``neighbours``): a centre claims only its
    neighbours, so the stars of one component never depend on another's."""
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
    stars += [(node, []) for node in among.tolist() if weight[node] > 1 and node not in neighbours]
    return stars
