"""Near duplicates: the normalisation rules, the signature, the grouping, and the demo archive.

The demo evaluation scores pairs (two messages put in one group) against
``truth.json`` alone: its ``near_duplicate_group`` records every copy the
generator makes (a memo to two lists, a re-send with a fix, an insight's
full, stripped and forwarded copies, and any forward that carries its
original's whole body, with the original), and the generator writes its
prose from slotted templates, so unrelated messages are not word-for-word
the same. Precision and recall are asserted at the targets (0.95 and 0.9)
with nothing set apart. Truth pairs with a body too short to sign (under
27 words) count as misses: the detector cannot find them, and they are
printed, as are the kinds of mail behind each wrong and each missed pair.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from loupe.case import Case
from loupe.near_duplicates import grouping
from loupe.near_duplicates.grouping import THRESHOLD, group_near_duplicates
from loupe.near_duplicates.signature import (
    NUM_PERM,
    SIGNATURE_BYTES,
    from_bytes,
    normalise,
    signature,
    similarity,
)

MEMO = (
    "All,\n\nFrom Monday the morning meeting moves to 8:30 and the weekly goes out on Thursdays. "
    "Please send your items for the weekly to the desk by Wednesday noon, with sources, and flag anything "
    "that needs legal review. Country briefs stay with their analysts; the desk only edits.\n\nThanks,\nWalter"
)
FOOTER = (
    "\n_______________________________________________\nAnalysts mailing list\nanalysts@example.org\n"
    "http://lists.example.org/mailman/listinfo/analysts\n"
)
REPORT = (
    "The money is moving through a couple of front companies registered in Tijuana. I would watch the ports; "
    "that is where the real fight is.\n\nThere were at least 19 incidents last week that never made the papers. "
    "The official line is that everything is under control, which nobody believes."
)
BLOCK = (
    "SOURCE: MX12\nATTRIBUTION: source in Mexico\nSOURCE DESCRIPTION: Mexican LE contact\nPUBLICATION: Yes\n"
    "SOURCE RELIABILITY: A\nITEM CREDIBILITY: 2\nSPECIAL HANDLING: none\nDISTRIBUTION: alpha\nSOURCE HANDLER: Jose"
)
OTHER_REPORT = (
    "Two senior people were quietly replaced after the Friday meeting. The federal people in Caracas are not "
    "talking to the state people at all, and the army has stopped sharing its patrol schedules.\n\nMy contacts "
    "say the decision was taken at a meeting on Tuesday and will be announced later in the month."
)


def grouped(bodies: dict[str, str]) -> list[list[str]]:
    signatures = {name: signature(body) for name, body in bodies.items()}
    return group_near_duplicates((name, sig) for name, sig in signatures.items() if sig is not None)


Row = npt.NDArray[np.uint16]


# -- normalise ---------------------------------------------------------------------------


def test_normalise_folds_case_accents_and_whitespace() -> None:
    assert normalise("  Ciudad JUÁREZ,\n\n  señor   Ölund ") == "ciudad juarez, senor olund"


def test_normalise_drops_list_footer_and_signature() -> None:
    assert normalise("Body text." + FOOTER) == "body text."
    assert normalise("Body text.\n-- \nWalter Jessup\n+1 512 555 0100\n\nPS: more text") == "body text. ps: more text"


def test_normalise_keeps_a_quoted_forward_without_its_markers_and_headers() -> None:
    body = "FYI\n\n> -----Original Message-----\n> From: A <a@x.org>\n> Sent: Monday\n>\n> The report > text."
    assert normalise(body) == "fyi the report > text."


def test_normalise_drops_a_reply_quote_but_keeps_its_attribution() -> None:
    body = "Agreed, ship it.\n\nOn Mon, 1 Feb 2010, Carla wrote:\n> The whole parent\n>\n> text here."
    assert normalise(body) == "agreed, ship it. on mon, 1 feb 2010, carla wrote:"


def test_normalise_reads_an_mbox_escaped_from_line_as_text() -> None:
    assert normalise("First line.\n\n>From what I hear, fine.\n\nLast.") == "first line. from what i hear, fine. last."


def test_normalise_drops_forward_separators_and_header_blocks_but_not_a_lone_label() -> None:
    body = (
        f"Worth reading.\n\nBegin forwarded message:\n\nFrom: J <j@x>\nDate: Mon\nTo: list@x\n\n{BLOCK}\n\nNote: read."
    )
    assert normalise(body) == "worth reading. note: read."
    assert normalise("See below.\n\nFrom: Walter\nSent: Monday\n\nThe text.") == "see below. the text."


def test_normalise_splits_cjk_characters_into_words() -> None:
    assert normalise("港湾の警備") == "港 湾 の 警 備"


# -- signature ---------------------------------------------------------------------------


def test_signature_is_compact_and_none_for_short_bodies() -> None:
    sig = signature(MEMO)
    assert sig is not None and len(sig) == SIGNATURE_BYTES == 2 * NUM_PERM
    assert signature("Thanks!") is None
    assert signature("Thanks, will do. Let's discuss at the morning meeting." + FOOTER) is None


def test_signature_is_the_same_in_another_process() -> None:
    code = "import sys; from loupe.near_duplicates.signature import signature; print(signature(sys.argv[1]).hex())"
    for hash_seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code, MEMO],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert bytes.fromhex(out.stdout.strip()) == signature(MEMO)


def test_from_bytes_gives_a_datasketch_minhash_with_the_same_estimate() -> None:
    a, b = signature(MEMO), signature(MEMO.replace("Thursdays", "Fridays"))
    assert a is not None and b is not None
    assert from_bytes(a).jaccard(from_bytes(b)) == similarity(a, b)
    assert 0.7 < similarity(a, b) < 1.0
    with pytest.raises(ValueError):
        from_bytes(a[:-2])


# -- grouping: the shapes copies take -------------------------------------------------------


def test_copies_group_and_unrelated_texts_do_not() -> None:
    groups = grouped(
        {
            "memo": MEMO,
            "memo-on-list": MEMO + FOOTER,
            "memo-forwarded": "Worth a look.\n\n-------- Original Message --------\nSubject: Memo\nFrom: W <w@x>\n"
            f"Date: Mon\nTo: staff@x\n\n{MEMO}",
            "full": f"{BLOCK}\n\n{REPORT}",
            "stripped": "ATTRIBUTION: source in Mexico\nSOURCE DESCRIPTION: Mexican LE contact\nPUBLICATION: Yes\n\n"
            + REPORT.replace("nobody", "no one")
            + FOOTER,
            "same-template": f"{BLOCK}\n\n{OTHER_REPORT}",
            "thanks-1": "Thanks!\n\nOn Mon, Walter wrote:\n> " + MEMO.replace("\n", "\n> "),
            "thanks-2": "Thanks!" + FOOTER,
        }
    )
    assert groups == [["full", "stripped"], ["memo", "memo-forwarded", "memo-on-list"]]


def _row(rng: np.random.Generator, base: Row | None = None, changed: int = 0) -> Row:
    """A random signature, or ``base`` with ``changed`` values redrawn."""
    if base is None:
        return rng.integers(0, 1 << 16, NUM_PERM, dtype=np.uint16)
    row = base.copy()
    row[rng.choice(NUM_PERM, changed, replace=False)] = rng.integers(0, 1 << 16, changed, dtype=np.uint16)
    return row


def test_a_chain_of_small_edits_is_not_one_group() -> None:
    """Each step redraws 8 of 64 values: neighbours reach the threshold, the ends share almost nothing."""
    rng = np.random.default_rng(3)
    chain = [_row(rng)]
    for _ in range(7):
        chain.append(_row(rng, chain[-1], 8))
    sigs = {f"m{i}": row.tobytes() for i, row in enumerate(chain)}
    assert all(similarity(sigs[f"m{i}"], sigs[f"m{i + 1}"]) >= THRESHOLD for i in range(7))  # union-find: one group
    groups = group_near_duplicates(sigs.items())
    assert len(groups) > 1
    for group in groups:  # some member (the centre) reaches the threshold against every other
        assert any(all(similarity(sigs[c], sigs[m]) >= THRESHOLD for m in group) for c in group)


def test_grouping_is_deterministic_and_finds_every_pair_brute_force_finds() -> None:
    rng = np.random.default_rng(5)
    rows = [_row(rng) for _ in range(300)]
    for base in range(0, 60, 3):
        rows[base + 1] = _row(rng, rows[base], int(rng.integers(0, 14)))
    rows[299] = rows[298]  # identical signatures, nothing else near them
    sigs = [(f"m{i:03d}", row.tobytes()) for i, row in enumerate(rows)]
    groups = group_near_duplicates(sigs)
    assert groups == group_near_duplicates(reversed(sigs))
    together = {pair for g in groups for pair in itertools.combinations(g, 2)}
    expected = {(a, b) for (a, sa), (b, sb) in itertools.combinations(sigs, 2) if similarity(sa, sb) >= THRESHOLD}
    assert together == expected and ("m298", "m299") in together


def test_a_big_bucket_of_near_copies_hangs_on_one_anchor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newsletter whose every copy differs a little: past ``BIG_BUCKET`` the copies are not
    paired with each other, each pairs with its anchor, and all are one group, in any order."""
    monkeypatch.setattr(grouping, "BIG_BUCKET", 20)
    rng = np.random.default_rng(11)
    letter = _row(rng)
    sigs = [(f"copy{i:03d}", _row(rng, letter, int(rng.integers(0, 4))).tobytes()) for i in range(60)]
    sigs += [(f"other{i:03d}", _row(rng).tobytes()) for i in range(40)]
    groups = group_near_duplicates(sigs)
    assert groups == [sorted(name for name, _ in sigs if name.startswith("copy"))]
    assert group_near_duplicates(reversed(sigs)) == groups
    linked = grouping.link_near_duplicates(sigs)
    assert set(linked.components) == set(groups[0])  # every copy in one component, nothing else


@pytest.mark.parametrize("big", [2000, 25, 6])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_regrouping_the_new_signatures_equals_grouping_all(
    monkeypatch: pytest.MonkeyPatch, big: int, seed: int
) -> None:
    """Signatures added in three parts, each part regrouped where it reaches (``regroup``, with
    the components stored so far), end as grouping all of them at once: groups and components.
    Drifting copies of a few texts, exact copies, unrelated rows, and a band that a third of
    the rows share (a big bucket from some size on: at ``big`` 25 and 6, buckets grow past it
    as parts come, so exhaustive pairs turn into anchors)."""
    monkeypatch.setattr(grouping, "BIG_BUCKET", big)
    rng = np.random.default_rng(seed)
    texts = [_row(rng) for _ in range(30)]
    rows: list[Row] = []
    for _ in range(450):
        draw = rng.random()
        if draw < 0.5:
            rows.append(_row(rng, texts[int(rng.integers(0, 30))], int(rng.integers(0, 18))))
        elif draw < 0.6 and rows:
            rows.append(rows[int(rng.integers(0, len(rows)))].copy())
        else:
            rows.append(_row(rng))
    for row in rows[::3]:
        row[:4] = 7
    sigs = [(f"m{i:04d}", row.tobytes()) for i, row in enumerate(rows)]
    order = rng.permutation(len(sigs)).tolist()
    parts = [order[:150], order[150:300], order[300:]]
    stored_groups: dict[str, tuple[str, ...]] = {}
    stored_components: dict[str, str] = {}
    have: list[tuple[str, bytes]] = []
    for number, part in enumerate(parts):
        have = sorted(have + [sigs[i] for i in part])
        if number == 0:
            result = grouping.link_near_duplicates(have)
            region = {name for name, _ in have}
        else:
            result = grouping.regroup(
                have,
                {sigs[i][0] for i in part},
                lambda ms: {m: stored_components[m] for m in ms if m in stored_components},
                lambda labels: [m for m, c in stored_components.items() if c in labels],
            )
            region = set(result.region)
        for name in region:
            stored_groups.pop(name, None)
            stored_components.pop(name, None)
        for group in result.groups:
            assert set(group) <= region
            stored_groups.update({m: tuple(group) for m in group})
        stored_components.update(result.components)
        whole = grouping.link_near_duplicates(have)
        assert sorted(set(stored_groups.values())) == [tuple(g) for g in whole.groups]
        assert stored_components == whole.components


# -- the demo archive ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_case: tuple[Case, dict[str, Any]]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Each top-level message's body by Loupe id, and its truth by Loupe id (the shared demo case)."""
    case, truth_file = demo_case
    by_header = {m["message_id"].strip("<>"): m for m in truth_file["messages"]}
    headers = case.db.header_message_ids(case.db.message_ids())
    truth = {i: by_header[h] for i, h in headers.items() if h in by_header and not by_header[h]["embedded_in"]}
    return {i: case.parsed(i).body_text for i in truth}, truth


@pytest.mark.slow
def test_demo_near_duplicates_reach_the_targets(demo: tuple[dict[str, str], dict[str, dict[str, Any]]]) -> None:
    bodies, truth = demo
    # Copies of one Message-ID that differ stay apart in the case: they are one truth message.
    label = {i: m["near_duplicate_group"] or m["message_id"] for i, m in truth.items()}
    members: dict[str, list[str]] = {}
    for i, group in label.items():
        members.setdefault(group, []).append(i)
    expected = {p for g in members.values() for p in itertools.combinations(sorted(g), 2)}
    signatures = {i: signature(body) for i, body in bodies.items()}
    groups = group_near_duplicates((i, sig) for i, sig in signatures.items() if sig is not None)
    found = {p for g in groups for p in itertools.combinations(sorted(g), 2)}
    right, wrong, missed = found & expected, found - expected, expected - found
    forwards = {p for p in expected if any(truth[i]["forward_of"] for i in p)}
    unsigned = {p for p in expected if any(signatures[i] is None for i in p)}
    precision, recall = len(right) / len(found), len(right) / len(expected)
    signed = sum(sig is not None for sig in signatures.values())
    print(f"\n{len(bodies)} messages, {signed} long enough to sign, {len(groups)} groups, {len(found)} pairs found")
    print(f"  truth pairs {len(expected)} ({len(forwards)} with a forward), found {len(right)}, wrong {len(wrong)}")
    print(f"  precision {precision:.3f}, recall {recall:.3f}")
    print(f"  wrong {Counter(_kinds(truth, p) for p in wrong).most_common()}")
    print(f"  missed {Counter(_kinds(truth, p) for p in missed).most_common()}, {len(missed & unsigned)} too short")
    assert precision >= 0.95
    assert recall >= 0.9


def _kinds(truth: dict[str, dict[str, Any]], pair: tuple[str, str]) -> tuple[str, ...]:
    """What kind of mail each message of a pair is: its insight copy, forward, or list (or "direct")."""
    return tuple(
        sorted(
            m["insight_variant"] or ("forward" if m["forward_of"] else m["mailing_list"] or "direct")
            for m in (truth[i] for i in pair)
        )
    )
