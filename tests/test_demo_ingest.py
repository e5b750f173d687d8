"""The demo archive ingests into exactly what its generator says it holds."""

from __future__ import annotations

import json
from pathlib import Path

from loupe.case import Case
from loupe.demo.generator import generate_demo
from loupe.ingest.pipeline import ingest


def test_demo_counts_match_the_ground_truth(tmp_path: Path) -> None:
    generate_demo(tmp_path / "demo", n_messages=800)
    totals = json.loads((tmp_path / "demo" / "truth.json").read_text())["totals"]
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [tmp_path / "demo" / "archive"], workers=1)
        counts = case.db.status_counts()
        assert counts.items == totals["items_written"] + totals["embedded_messages"]
        assert counts.duplicate == totals["exact_duplicate_copies"]
        assert counts.quarantined == totals["not_mail_items"]
        assert counts.messages == totals["distinct_messages"] + totals["embedded_messages"]
        assert counts.embedded == totals["embedded_messages"]
        assert counts.adds_up()
        # every malformed-but-mail item is indexed, not lost
        truth = json.loads((tmp_path / "demo" / "truth.json").read_text())
        stored = {case.db.message(m)["message_id"] for m in case.db.message_ids()}
        for item in truth["malformed"]:
            if item["is_mail"]:
                assert item["message_id"].strip("<>") in stored, item["problem"]
    finally:
        case.close()
